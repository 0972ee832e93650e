import pytest

from pipeline.record import Doc
from pipeline.stages.figures import Figures
from pipeline.stages.segment import Segment


def figures_of(text: str, published: str | None = None, entities: list[dict] | None = None) -> list[dict]:
    doc = Doc("t", text, {"published": published})
    Segment().process(doc)
    doc.fields["entities"] = entities or []
    Figures().process(doc)
    return doc.fields["figures"]


def only(text: str, published: str | None = None) -> dict:
    [figure] = figures_of(text, published)
    return figure


CASES = [
    # text, span text, kind, value, unit, approx
    ("Сумма составила $1,2 млрд.", "$1,2 млрд", "money", 1200000000, "USD", False),
    ("Кредит в 1,2 млрд долларов выдан.", "1,2 млрд долларов", "money", 1200000000, "USD", False),
    ("Выделено полтора миллиарда евро.", "полтора миллиарда евро", "money", 1500000000, "EUR", False),
    ("Инвестиции составили 300 млн манатов.", "300 млн манатов", "money", 300000000, "AZN", False),
    ("Сделка на 20 млрд тенге подписана.", "20 млрд тенге", "money", 20000000000, "KZT", False),
    ("Кредит в 5 млрд юаней выдан.", "5 млрд юаней", "money", 5000000000, "CNY", False),
    ("Штраф составил 100 тысяч гривен.", "100 тысяч гривен", "money", 100000, "UAH", False),
    ("Сделка на 2 млрд канадских долларов.", "2 млрд канадских долларов", "money", 2000000000, "CAD", False),
    ("Выплатили около 200 млн долларов США.", "около 200 млн долларов США", "money", 200000000, "USD", True),
    ("Доля выросла на 50%.", "50%", "percent", 50, "%", False),
    ("Ставка снизилась на 3 п.п. за год.", "3 п.п.", "percent", 3, "pp", False),
    ("Экспорт вырос в 4,2 раза.", "4,2 раза", "ratio", 4.2, "x", False),
    ("Экспорт вырос в полтора раза.", "полтора раза", "ratio", 1.5, "x", False),
    ("Импорт сократился вдвое.", "вдвое", "ratio", 2, "x", False),
    ("В форуме участвуют свыше 300 компаний.", "свыше 300", "count", 300, None, True),
    ("Состоялось более десятка визитов.", "более десятка", "count", 10, None, True),
    ("Задержаны десятки человек.", "десятки", "count", 10, None, True),
    ("Погиб один человек.", "один", "count", 1, None, False),
    ("Добыча достигла 20-25 млн тонн.", "20-25 млн тонн", "quantity", 20000000, "тонна", False),
    ("Поставки до 300 тысяч баррелей в сутки.", "до 300 тысяч баррелей в сутки", "quantity", 300000, "баррель в сутки", True),
    ("Прокачано 10 млрд кубометров газа.", "10 млрд кубометров", "quantity", 10000000000, "кубометр", False),
    ("Мощность станции 500 МВт.", "500 МВт", "quantity", 500, "МВт", False),
    ("Выработано 2,5 ГВт·ч энергии.", "2,5 ГВт·ч", "quantity", 2.5, "ГВт·ч", False),
    ("Порт обработал 50 тысяч TEU.", "50 тысяч TEU", "quantity", 50000, "TEU", False),
    ("Отправлено 120 вагонов с зерном.", "120 вагонов", "quantity", 120, "вагон", False),
    ("Дорога длиной 110 км построена.", "110 км", "quantity", 110, "километр", False),
    ("Приговорили к 21 месяцу лишения свободы.", "21 месяцу", "quantity", 21, "месяц", False),
    ("Доля выросла более чем на 40 %.", "40 %", "percent", 40, "%", True),
    ("Поймано около 1000 незаконных мигрантов.", "около 1000", "count", 1000, None, True),
    ("Уровень в два с лишним раза выше нормы.", "два с лишним раза", "ratio", 2, "x", True),
    ("Мигрантов спасли одним турецким судном.", "одним", "count", 1, None, False),
    ("Приглашаются все не старше 31 года.", "не старше 31 года", "quantity", 31, "год", True),
    ("Банк управляет 13-ю филиалами.", "13-ю", "count", 13, None, False),
    ("Почти два десятка фильмов снято.", "Почти два десятка", "count", 20, None, True),
]


@pytest.mark.parametrize("text, span, kind, value, unit, approx", CASES)
def test_figure(text, span, kind, value, unit, approx):
    figure = only(text)
    assert (figure["text"], figure["kind"], figure["value"], figure["unit"], figure["approx"]) == (span, kind, value, unit, approx)
    assert text[figure["start"]:figure["end"]] == span


def test_range_keeps_both_ends():
    figure = only("Штраф от 3 до 5 тысяч рублей.")
    assert (figure["text"], figure["value"], figure["value_max"], figure["unit"]) == ("от 3 до 5 тысяч рублей", 3000, 5000, "RUB")


NOT_FIGURES = [
    "Визит состоится 20-21 октября.",
    "В 2008 году был подписан договор.",
    "Протокол составлен по статье 19.7 КоАП.",
    "Он один из лучших игроков.",
    "Самолёт Boeing 737 приземлился.",
    "Три дня назад он уехал.",
    "За последние пять лет отношения окрепли.",
    "Встреча пройдёт в 16:00 в Москве.",
    "Ему вручили 47-летний юбилейный знак.",
    "Он умер на 85 году жизни.",
    "Подробнее: https://example.com/news/2019/07/577e4ccc9a79471b73c814b5 на сайте.",
    "Начало акции было намечено на 19 часов.",
    "Выборы станут 11-ми по счёту.",
    "Он потерял свою семью.",
    "HP купила производителя 3Com.",
    "За два дня до этого лодку задержали.",
    "Отмечается 110-ю годовщину события.",
    "Это было в 90-х годах.",
]


@pytest.mark.parametrize("text", NOT_FIGURES)
def test_not_a_figure(text):
    assert figures_of(text) == []


def test_elliptic_money_takes_the_currency_of_its_neighbours():
    first, second = figures_of("Долг уменьшился с 114 миллиардов до 81,5 миллиардов долларов.")
    assert (first["kind"], first["unit"], first["value"]) == ("money", "USD", 114000000000)
    assert (second["kind"], second["approx"]) == ("money", False)  # "до" here is "to", not "up to"
    prize = figures_of("Победитель получит 368 млн рублей (около 5,8 млн долларов), второе место — 316 млн (около 5 млн долларов).")
    assert [(f["value"], f["unit"]) for f in prize] == [(368000000, "RUB"), (5800000, "USD"), (316000000, "RUB"), (5000000, "USD")]


def test_count_records_what_it_counts():
    figure = only("Состоялось более десятка двусторонних визитов.")
    assert figure["counted"] == "двусторонний визит" and figure["metric"] == "двусторонний визит"


def test_change_is_linked_to_the_figure_it_changes():
    text = "В прошлом году товарооборот увеличился на 50 процентов, достигнув 470 миллионов долларов."
    percent, money = figures_of(text, "2025-10-20")
    assert (percent["direction"], percent["change_of"]) == ("increase", 1)
    assert money["change"] == [{"figure": 0, "direction": "increase"}]
    assert percent["metric"] == money["metric"] == "товарооборот"


def test_decrease():
    [figure] = figures_of("Экспорт сократился на 10 процентов.")
    assert figure["direction"] == "decrease"


def test_metric_keeps_the_genitive_tail():
    [figure] = figures_of("Объём поставок нефти составил 5 млн тонн.")
    assert figure["metric"] == "объём поставок нефти"


def test_period_is_carried_within_the_paragraph_but_not_across_a_time_shift():
    text = "Акции купили в мае 2009 года. Тогда 2% обошлись в 200 млн долларов. Позже купили ещё 1,5%."
    first, second, third = figures_of(text)
    assert first["period"] == second["period"] == {"start": "2009-05-01", "end": "2009-05-31"}
    assert third["period"] is None


def test_relative_periods_need_a_publication_date():
    assert only("В прошлом году экспорт составил 5 млн тонн.")["period"] is None
    assert only("В прошлом году экспорт составил 5 млн тонн.", "2025-10-20")["period"] == {"start": "2024-01-01", "end": "2024-12-31"}


def test_actors_come_from_entities_of_the_sentence_and_carry_in_the_paragraph():
    text = "Товарооборот Азербайджана и Казахстана достиг 470 млн долларов. Он продолжил расти до 501 млн долларов."
    entities = [
        {"start": 13, "end": 25, "text": "Азербайджана", "type": "COUNTRY", "normal": "Азербайджан", "actor": "AZE"},
        {"start": 28, "end": 38, "text": "Казахстана", "type": "COUNTRY", "normal": "Казахстан", "actor": "KAZ"},
    ]
    first, second = figures_of(text, entities=entities)
    assert first["actors"] == second["actors"] == ["AZE", "KAZ"]


@pytest.fixture(scope="module")
def sample_figures(sample_path):
    from pipeline.ingest import txt_doc
    from pipeline.stages.entities import Entities

    doc = txt_doc(sample_path.read_text(encoding="utf-8"), "sample")
    Segment().process(doc)
    Entities().process(doc)
    Figures().process(doc)
    assert doc.meta.get("published", "").startswith("2025-10-20")
    return doc.fields["figures"]


def by_value(figures: list[dict], value) -> dict:
    [figure] = [f for f in figures if f["value"] == value]
    return figure


def test_sample_trade_2024(sample_figures):
    money = by_value(sample_figures, 470000000)
    assert (money["kind"], money["unit"], money["metric"]) == ("money", "USD", "товарооборот")
    assert money["period"] == {"start": "2024-01-01", "end": "2024-12-31"}
    assert set(money["actors"]) >= {"AZE", "KAZ"}
    percent = sample_figures[money["change"][0]["figure"]]
    assert (percent["value"], percent["unit"], percent["direction"]) == (50, "%", "increase")


def test_sample_trade_first_half_2025(sample_figures):
    money = by_value(sample_figures, 501000000)
    assert money["unit"] == "USD" and money["period"] == {"start": "2025-01-01", "end": "2025-06-30"}
    ratio = sample_figures[money["change"][0]["figure"]]
    assert (ratio["kind"], ratio["value"], ratio["unit"], ratio["direction"]) == ("ratio", 4.2, "x", "increase")
    assert ratio["base_period"] == {"start": "2024-01-01", "end": "2024-06-30"}


def test_sample_visits(sample_figures):
    [visits] = [f for f in sample_figures if f["kind"] == "count" and f["value"] == 10]
    assert visits["approx"] is True and visits["text"] == "более десятка" and visits["counted"] == "двусторонний визит"
