"""The entities stage: metonymy, state bodies, nationalities, roles, and the sample article."""
import os
from pathlib import Path

import pytest

from pipeline.gazetteer import default_gazetteer
from pipeline.record import Doc
from pipeline.stages.entities import annotate, country_actor, state_body_actor
from pipeline.stages.segment import Segment

CORPORA = Path(os.environ.get("BILAT_CORPORA", Path(__file__).resolve().parents[1].parent / "shared" / "corpora"))
SAMPLE = CORPORA / "samples" / "dayaz_2025-10-20_az_kz.txt"


@pytest.fixture(scope="module")
def gazetteer():
    return default_gazetteer()


def entities(text, gazetteer, spans=()):
    doc = Doc("t", text)
    Segment().process(doc)
    annotate(doc, list(spans), gazetteer)
    return {e["text"]: (e["type"], e["actor"]) for e in doc.fields["entities"]}


@pytest.mark.parametrize("text, mention, expected", [
    ("В Москве прошла встреча министров.", "Москве", ("CITY", None)),
    ("Москва заявила о готовности к диалогу.", "Москва", ("CITY", "RUS")),
    ("Вашингтон и Пекин договорились о пошлинах.", "Пекин", ("CITY", "CHN")),
    ("Отношения между Баку и Астаной укрепились.", "Астаной", ("CITY", "KAZ")),
    ("Сотрудничество Баку и Астаны укрепилось.", "Баку", ("CITY", "AZE")),
    ("которую Баку и Астана рассматривают как платформу", "Баку", ("CITY", "AZE")),
    ("Для Астаны это страховка.", "Астаны", ("CITY", "KAZ")),
    ("Позиция Москвы не изменилась.", "Москвы", ("CITY", "RUS")),
    ("Официальный Ереван промолчал.", "Ереван", ("CITY", "ARM")),
    ("Нефть идет по маршруту через Баку и далее в порты.", "Баку", ("CITY", None)),
    ("Порты Алят и Баку модернизируют.", "Баку", ("CITY", None)),
    ("Кремль и Белый дом обменялись заявлениями.", "Белый дом", ("ORGANIZATION", "USA")),
    ("Казахстанцы и азербайджанцы голосовали.", "азербайджанцы", ("NATIONALITY", "AZE")),
    ("по азербайджанской территории", "азербайджанской", ("NATIONALITY", "AZE")),
    ("Президент Казахстана прибыл.", "Президент", ("PROFESSION", "KAZ")),
    ("говорит на русском языке в России", "России", ("COUNTRY", "RUS")),
    ("Грузия и штат Джорджия", "Грузия", ("COUNTRY", "GEO")),
    ("Грузия и штат Джорджия", "Джорджия", ("STATE_OR_PROVINCE", None)),
])
def test_actors_in_context(gazetteer, text, mention, expected):
    assert entities(text, gazetteer)[mention] == expected


@pytest.mark.parametrize("text, spans, mention, expected", [
    # slovnet's LOCATION refined by the gazetteer
    ("Визит в Казахстан.", [(8, 17, "LOCATION")], "Казахстан", ("COUNTRY", "KAZ")),
    ("Визит в Актау.", [(8, 13, "LOCATION")], "Актау", ("CITY", None)),
    ("Море у Каспия.", [(7, 13, "LOCATION")], "Каспия", ("LOCATION", None)),
    # state bodies named with a country
    ("МИД России выступил.", [(0, 10, "ORGANIZATION")], "МИД России", ("ORGANIZATION", "RUS")),
    ("Минобороны РФ сообщило.", [(0, 13, "ORGANIZATION")], "Минобороны РФ", ("ORGANIZATION", "RUS")),
    ("Компания Газпром растет.", [(9, 16, "ORGANIZATION")], "Газпром", ("ORGANIZATION", None)),
    # "Доминика" inside a person's name is not Dominica, and the title before it is not that country's
    ("под председательством министра иностранных дел Доминика Рааба", [(47, 61, "PERSON")], "Доминика Рааба",
     ("PERSON", None)),
    ("Американец выиграл.", [(0, 10, "PERSON")], "Американец", ("NATIONALITY", "USA")),
    # the tagger glued a name and its abbreviation
    ("Организации тюркских государств (ОТГ)", [(0, 36, "ORGANIZATION")], "ОТГ", ("ORGANIZATION", "OTS")),
])
def test_tagger_spans_refined(gazetteer, text, spans, mention, expected):
    """Spans stand in for slovnet's output, so the table fixes the tagger's side."""
    assert entities(text, gazetteer, spans)[mention] == expected


@pytest.mark.parametrize("text, expected", [
    ("Российской Федерации", "RUS"), ("«Российская", "RUS"), ("нацистского рейха", "DEU"), ("СССР", "SUN"),
    ("британской", "GBR"), ("норвежско", "NOR"), ("Türkiye", "TUR"), ("Великобритании", "GBR"), ("Марса", None),
])
def test_country_actor(gazetteer, text, expected):
    assert country_actor(text, gazetteer) == expected


def test_title_before_a_name_is_not_a_mention(gazetteer):
    found = entities("под председательством министра иностранных дел Доминика Рааба", gazetteer, [(47, 61, "PERSON")])
    assert set(found) == {"Доминика Рааба"}


def test_language_adjectives_are_not_nationalities(gazetteer):
    assert "русском" not in entities("говорит на русском языке", gazetteer)


def test_state_body_actor(gazetteer):
    assert state_body_actor("Министерство иностранных дел Азербайджана", gazetteer) == "AZE"
    assert state_body_actor("Азербайджанские железные дороги", gazetteer) is None


def test_stage_reads_user_gazetteer(tmp_path):
    from pipeline.stages.entities import Entities

    extra = tmp_path / "mine.toml"
    extra.write_text('[organisations.TITR]\nnames = ["TITR", "Транскаспийский маршрут"]\n', encoding="utf-8")
    stage = Entities(gazetteer_extra=[str(extra)])
    doc = Doc("t", "Грузы идут по маршруту TITR.")
    Segment().process(doc)
    stage.process(doc)
    assert [(e["text"], e["actor"]) for e in doc.fields["entities"] if e["text"] == "TITR"] == [("TITR", "TITR")]


@pytest.fixture(scope="module")
def sample():
    if not SAMPLE.exists():
        pytest.skip(f"shared corpora not found at {CORPORA} (set BILAT_CORPORA)")
    from pipeline.stages.entities import Entities

    doc = Doc("sample", SAMPLE.read_text(encoding="utf-8"))
    Segment().process(doc)
    Entities().process(doc)
    return doc.fields["entities"]


def test_sample_countries_and_people(sample):
    found = {(e["type"], e["normal"], e["actor"]) for e in sample}
    assert {("COUNTRY", "Азербайджан", "AZE"), ("COUNTRY", "Казахстан", "KAZ"),
            ("PERSON", "Ильхам Алиев", "AZE"),
            ("ORGANIZATION", "Организация тюркских государств", "OTS")} <= found
    assert [e["start"] for e in sample] == sorted(e["start"] for e in sample)
    assert any(e["text"] == "Ильхама Алиева" and e["normal"] == "Ильхам Алиев" for e in sample)
    assert any(e["text"] == "ОТГ" and e["actor"] == "OTS" for e in sample)


def test_sample_capitals_act_as_governments(sample):
    text = SAMPLE.read_text(encoding="utf-8")
    capitals = {(text[e["start"] - 30:e["start"]].split()[-1], e["text"], e["actor"])
                for e in sample if e["type"] == "CITY" and e["normal"] in ("Баку", "Астана")}
    assert ("сотрудничество", "Баку", "AZE") in capitals
    assert ("между", "Баку", "AZE") in capitals
    assert ("Для", "Астаны", "KAZ") in capitals
    assert ("через", "Баку", None) in capitals  # a route through the city
    assert ("и", "Баку", None) in capitals  # "порты Алят и Баку"


def test_nerel_dev_country_linking_accuracy():
    dev = CORPORA / "nerel" / "dev"
    if not dev.exists():
        pytest.skip(f"shared corpora not found at {CORPORA} (set BILAT_CORPORA)")
    from pipeline.scoring.actors import evaluate

    accuracy, errors = evaluate(dev)
    assert accuracy >= 0.97, errors


def test_tagger_span_of_only_punctuation_is_dropped(gazetteer):
    found = entities("«Газпром» заявил о новых поставках.", gazetteer, [(0, 1, "ORGANIZATION"), (1, 8, "ORGANIZATION")])
    assert "" not in found and found["Газпром"][0] == "ORGANIZATION"
