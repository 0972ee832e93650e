"""The gazetteer: lemma matching, homonyms, abbreviations, adjectives, and user extensions."""
import pytest

from pipeline.gazetteer import Gazetteer, countries_from_pycountry, default_gazetteer


@pytest.fixture(scope="module")
def gazetteer():
    return default_gazetteer()


@pytest.mark.parametrize("text, variant, kind, actor", [
    ("Азербайджаном", "Азербайджан", "country", "AZE"),
    ("Организации тюркских государств", "Организация тюркских государств", "organisation", "OTS"),
    ("ОТГ", "ОТГ", "organisation", "OTS"),
    ("казахстанцев", "казахстанец", "demonym", "KAZ"),
    ("россиянина", "россиянин", "demonym", "RUS"),
    ("азербайджанскую", "азербайджанский", "adjective", "AZE"),
    ("Грузии", "Грузия", "country", "GEO"),
    ("Турцией", "Турция", "country", "TUR"),
    ("Türkiye", "Türkiye", "country", "TUR"),
    ("Турецкой Республики", "Турецкая Республика", "country", "TUR"),
    ("США", "США", "country", "USA"),
    ("Соединенных Штатов", "Соединённые Штаты", "country", "USA"),
    ("Штатам", "Штаты", "country", "USA"),
    ("КНДР", "КНДР", "country", "PRK"),
    ("ОАЭ", "ОАЭ", "country", "ARE"),
    ("ФРГ", "ФРГ", "country", "DEU"),
    ("Англией", "Англия", "country", "GBR"),
    ("Советского Союза", "Советский Союз", "country", "SUN"),
    ("Косово", "Косово", "country", "XKX"),
    ("Абхазии", "Абхазия", "country", "XAB"),
    ("Ильхама Алиева", "Ильхам Алиев", "person", "AZE"),
    ("Касым-Жомарта Токаева", "Касым-Жомарт Токаев", "person", "KAZ"),
    ("Белого дома", "Белый дом", "body", "USA"),
    ("Госдепа", "Госдеп", "body", "USA"),
    ("Кремлем", "Кремль", "body", "RUS"),
    ("Астаной", "Астана", "capital", "KAZ"),
    ("Баку", "Баку", "capital", "AZE"),
    ("Евросоюза", "Евросоюз", "organisation", "EU"),
    ("Совбеза ООН", "Совбез ООН", "organisation", "UN"),
    ("НАТО", "НАТО", "organisation", "NATO"),
    ("ПАСЕ", "ПАСЕ", "organisation", "PACE"),
])
def test_match_finds_inflected_names(gazetteer, text, variant, kind, actor):
    [match] = gazetteer.match(text)
    assert (match.text, match.variant, match.entry.kind, match.entry.actor) == (text, variant, kind, actor)


@pytest.mark.parametrize("text, expected", [
    ("штат Джорджия", [("Джорджия", "state", None)]),  # the US state, not Georgia
    ("Джорджия Мелони", [("Джорджия Мелони", "person", "ITA")]),
    ("штаты посольства", []),  # lower-case "штаты" is staff, not the USA
    ("Того же мнения", []),  # a pronoun, not Togo
    ("Так считают. Того же мнения", []),
    ("визит в Того и Бенин", [("Того", "country", "TGO"), ("Бенин", "country", "BEN")]),
    ("российско-китайские", [("российско", "adjective", "RUS"), ("китайские", "adjective", "CHN")]),
    ("МИД России", [("России", "country", "RUS")]),
    ("в Люксембурге", [("Люксембурге", "country", "LUX")]),  # country outranks its capital
])
def test_match_homonyms(gazetteer, text, expected):
    assert [(m.text, m.entry.kind, m.entry.actor) for m in gazetteer.match(text)] == expected


def test_every_un_member_has_a_russian_name_and_capital(gazetteer):
    countries = {e.actor for e in gazetteer.by_name.values() if e.kind == "country"}
    capitals = {e.actor for e in gazetteer.by_name.values() if e.kind == "capital"}
    assert len(countries) >= 193 + 10
    assert {"XKX", "TWN", "PSE", "VAT", "XAB", "XSO", "XPR", "XNC", "SUN"} <= countries
    assert len(capitals) >= 192  # all but the Seychelles: "Виктория" is a common first name


def test_user_extension_adds_and_merges(tmp_path):
    extra = tmp_path / "mine.toml"
    extra.write_text(
        '[countries.AZE]\nnames = ["Страна огней"]\n'
        '[organisations.TITR]\nnames = ["Транскаспийский международный транспортный маршрут", "ТМТМ"]\n'
        '[people."Эмин Алиев"]\nactor = "AZE"\n', encoding="utf-8")
    gazetteer = Gazetteer.load(extra=[extra])
    found = {m.text: (m.entry.kind, m.entry.actor) for m in gazetteer.match(
        "Страну огней, Транскаспийскому международному транспортному маршруту и Эмина Алиева")}
    assert found == {"Страну огней": ("country", "AZE"),
                     "Транскаспийскому международному транспортному маршруту": ("organisation", "TITR"),
                     "Эмина Алиева": ("person", "AZE")}
    assert gazetteer.match("Азербайджан")[0].entry.name == "Азербайджан"  # canonical name kept


def test_pycountry_names_are_generated():
    toml = countries_from_pycountry()
    assert '[countries.TUR]\nnames = ["Турция", "Турецкая Республика", "Türkiye"' in toml
    assert "\u0301" not in toml  # stress marks stripped
