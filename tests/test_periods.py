from datetime import date

import pytest

from pipeline.periods import find_periods, iso, shift

PUBLISHED = "2025-10-20"

CASES = [
    ("В прошлом году товарооборот вырос", PUBLISHED, ("2024-01-01", "2024-12-31")),
    ("в первом полугодии текущего года", PUBLISHED, ("2025-01-01", "2025-06-30")),
    ("во втором полугодии 2023 года", PUBLISHED, ("2023-07-01", "2023-12-31")),
    ("в 2022-2023 годах", PUBLISHED, ("2022-01-01", "2023-12-31")),
    ("в течение 2007 — 2016 годов", None, ("2007-01-01", "2016-12-31")),
    ("за девять месяцев", PUBLISHED, ("2025-01-01", "2025-09-30")),
    ("за 9 месяцев 2024 года", PUBLISHED, ("2024-01-01", "2024-09-30")),
    ("в январе-сентябре 2024 г.", None, ("2024-01-01", "2024-09-30")),
    ("в I квартале 2023 года", None, ("2023-01-01", "2023-03-31")),
    ("в третьем квартале", PUBLISHED, ("2025-07-01", "2025-09-30")),
    ("в марте", PUBLISHED, ("2025-03-01", "2025-03-31")),
    ("в мае 2009 года", None, ("2009-05-01", "2009-05-31")),
    ("в 2008 году", None, ("2008-01-01", "2008-12-31")),
    ("в 2019-м", None, ("2019-01-01", "2019-12-31")),
    ("27-28 сентября 2014 года", None, ("2014-09-27", "2014-09-28")),
    ("в ночь с 18 на 19 апреля 2020 года", None, ("2020-04-18", "2020-04-19")),
    ("В среду, 27 марта 2019 года", None, ("2019-03-27", "2019-03-27")),
    ("за последние пять лет", PUBLISHED, ("2020-10-20", "2025-10-20")),
    ("в позапрошлом году", PUBLISHED, ("2023-01-01", "2023-12-31")),
    ("в следующем году", PUBLISHED, ("2026-01-01", "2026-12-31")),
    # relative expressions need a publication date
    ("в прошлом году", None, None),
    ("в первом полугодии текущего года", None, None),
    # not a period of a figure: mentioned, but left unresolved
    ("с 2004 года они заплатили", None, None),
    ("три дня назад", PUBLISHED, None),
    ("через пять лет", PUBLISHED, None),
    ("в три часа ночи", PUBLISHED, None),
]


@pytest.mark.parametrize("text, published, period", CASES)
def test_first_period(text, published, period):
    mentions = find_periods(text, published)
    assert mentions, text
    expected = None if period is None else {"start": period[0], "end": period[1]}
    assert iso(mentions[0].period) == expected


def test_same_period_last_year_is_a_shift_of_the_compared_period():
    text = "что в 4,2 раза превышает показатель за аналогичный период прошлого года"
    [mention] = find_periods(text, PUBLISHED)
    assert mention.period is None and mention.shift_years == -1 and mention.comparison


def test_comparison_bases_are_flagged():
    [mention] = find_periods("выросли по сравнению с 2023 годом", None)
    assert mention.comparison and iso(mention.period) == {"start": "2023-01-01", "end": "2023-12-31"}


def test_a_date_without_year_takes_the_hint_only_in_undated_documents():
    assert iso(find_periods("1 июня", None, year_hint=2019)[0].period) == {"start": "2019-06-01", "end": "2019-06-01"}
    assert iso(find_periods("1 июня", PUBLISHED, year_hint=2019)[0].period) == {"start": "2025-06-01", "end": "2025-06-01"}


def test_offsets_are_shifted():
    [mention] = find_periods("в 2008 году", None, offset=100)
    assert (mention.start, mention.end) == (102, 111)


def test_shift_keeps_the_end_of_february_valid():
    assert shift((date(2024, 1, 1), date(2024, 2, 29)), -1) == (date(2023, 1, 1), date(2023, 2, 28))


def test_impossible_dates_do_not_raise():
    assert find_periods("31 февраля 2020 года", None)[0].period is None


def test_from_year_to_year():
    assert iso(find_periods("с 1994 по 2000 годы", None)[0].period) == {"start": "1994-01-01", "end": "2000-12-31"}
