"""Time expressions that say when a figure holds, resolved to ISO periods against the publication date.

"в прошлом году" in a 2025-10-20 article is 2024-01-01..2024-12-31; "в первом полугодии текущего года"
is 2025-01-01..2025-06-30; "за девять месяцев" is 2025-01-01..2025-09-30. "за аналогичный период прошлого
года" names no period by itself: it is the period of the figure it is compared with, one year back, so it
comes out as a `Mention` with `shift_years=-1` and no period, for the caller to resolve.
Relative expressions in an undated document resolve to None.
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

MONTH_STEMS = {
    "январ": 1, "феврал": 2, "март": 3, "апрел": 4, "ма": 5, "июн": 6,
    "июл": 7, "август": 8, "сентябр": 9, "октябр": 10, "ноябр": 11, "декабр": 12,
}
MONTH = r"(?:январ[а-яё]*|феврал[а-яё]*|март[а-яё]*|апрел[а-яё]*|ма[йяе]|июн[а-яё]*|июл[а-яё]*|август[а-яё]*|сентябр[а-яё]*|октябр[а-яё]*|ноябр[а-яё]*|декабр[а-яё]*)"
ORDINALS = {
    "перв": 1, "втор": 2, "трет": 3, "четв": 4, "i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4,
}
ORDINAL = r"(?:перв[а-яё]*|втор[а-яё]*|трет[а-яё]*|четв[её]рт[а-яё]*|iv|iii|ii|i|[1-4](?:-?[а-яё]{1,3})?)"
COUNT_WORDS = {
    "два": 2, "двух": 2, "три": 3, "трех": 3, "трёх": 3, "четыре": 4, "четырех": 4, "четырёх": 4, "пять": 5,
    "пяти": 5, "шесть": 6, "шести": 6, "семь": 7, "семи": 7, "восемь": 8, "восьми": 8, "девять": 9,
    "девяти": 9, "десять": 10, "десяти": 10, "одиннадцать": 11, "одиннадцати": 11,
}
COUNT = r"(?:\d{1,2}|два|двух|три|тр[её]х|четыре|четыр[её]х|пять|пяти|шесть|шести|семь|семи|восемь|восьми|девять|девяти|десять|десяти|одиннадцать|одиннадцати)"
# any spelled or written count before a time unit, for expressions that are not periods of a figure
ANY_COUNT = r"(?:\d+(?:[.,]\d+)?|одн[а-яё]*|один|дв[а-яё]*|тр[а-яё]*|четыр[а-яё]*|пят[а-яё]*|шест[а-яё]*|сем[а-яё]*|восем[а-яё]*|восьм[а-яё]*|девят[а-яё]*|десят[а-яё]*|одиннадцат[а-яё]*|двенадцат[а-яё]*|двадцат[а-яё]*|сорок[а-яё]*|полтор[а-яё]*|пол|нескольк[а-яё]*|пар[ау])"
TIME_UNIT = r"(?:лет|год[а-яё]*|месяц[а-яё]*|недел[а-яё]*|дн[а-яё]*|день|сут[а-яё]*|час[а-яё]*|минут[а-яё]*|секунд[а-яё]*)"
RELATIVE_YEARS = {
    "прошл": -1, "минувш": -1, "предыдущ": -1, "позапрошл": -2, "эт": 0, "текущ": 0, "нынешн": 0,
    "следующ": 1, "будущ": 1, "наступающ": 1, "предстоящ": 1,
}
RELATIVE = r"(?:позапрошл|прошл|минувш|предыдущ|эт|текущ|нынешн|следующ|будущ|наступающ|предстоящ)[а-яё]*"
YEAR_NOUN = r"(?:год[а-яё]*|гг?\.?)"
YEAR_PART = rf"(?:(?P<year>(?:19|20)\d{{2}})(?:\s*{YEAR_NOUN})?|(?P<rel>{RELATIVE})\s+года)"

PATTERNS = [
    ("same_period", rf"(?:аналогичн[а-яё]+|тот\s+же|того\s+же|тем\s+же|том\s+же)\s+период[а-яё]*\s+(?P<rel>{RELATIVE}|(?:19|20)\d{{2}})\s*(?:года|г\.)?"),
    ("quarter", rf"(?P<ord>{ORDINAL})\s+квартал[а-яё]*(?:\s+{YEAR_PART})?"),
    ("half", rf"(?P<ord>{ORDINAL})\s+(?:полугоди[а-яё]*|половин[а-яё]*)(?:\s+{YEAR_PART})?"),
    ("first_half", rf"(?:первые|первых)\s+полгода(?:\s+{YEAR_PART})?"),
    ("months", rf"(?<=за\s)(?:первые\s+)?(?P<n>{COUNT})\s+месяц[а-яё]*(?:\s+{YEAR_PART})?"),
    ("month_range", rf"(?P<m1>{MONTH})\s*[-–—]\s*(?P<m2>{MONTH})(?:\s+{YEAR_PART})?"),
    ("day_range", rf"(?P<d1>\d{{1,2}})(?:\s*[-–—]\s*|\s+(?:и|по|на)\s+)(?P<d2>\d{{1,2}})\s+(?P<m>{MONTH})(?:\s+{YEAR_PART})?"),
    ("day", rf"(?P<d>\d{{1,2}})\s+(?P<m>{MONTH})(?:\s+{YEAR_PART})?"),
    ("month", rf"(?P<m>{MONTH})(?:\s+{YEAR_PART})?"),
    ("year_span", rf"(?P<y1>(?:19|20)\d{{2}})\s+по\s+(?P<y2>(?:19|20)\d{{2}})\s*{YEAR_NOUN}"),
    ("since", r"(?<=с\s)(?P<year>(?:19|20)\d{2})\s*(?:года|г\.)"),
    ("year_range", rf"(?P<y1>(?:19|20)\d{{2}})\s*[-–—]\s*(?P<y2>(?:19|20)?\d{{2}})(?:-?х)?\s*{YEAR_NOUN}"),
    ("year", rf"(?P<year>(?:19|20)\d{{2}})(?:\s*{YEAR_NOUN}|-?м\b)"),
    ("relative_year", rf"(?P<rel>{RELATIVE})\s+(?:году|год|года)\b"),
    ("last_years", rf"(?:последние|последних|прошедшие|прошедших)\s+(?P<n>{COUNT})\s+(?:лет|года|годы)"),
    # not resolved, but their numbers are not figures: "за последние 24 часа", "три дня назад", "через год"
    ("last_span", rf"(?:последние|последних|прошедшие|прошедших)\s+{ANY_COUNT}\s+{TIME_UNIT}"),
    ("ago", rf"{ANY_COUNT}\s+{TIME_UNIT}\s+(?:тому\s+)?(?:назад|ранее|спустя|позже|позднее)\b"),
    ("after", rf"(?:через|спустя)\s+{ANY_COUNT}\s+{TIME_UNIT}"),
    ("clock", rf"{ANY_COUNT}\s+час[а-яё]*\s+(?:ночи|утра|дня|вечера)"),
    ("clock_at", r"(?:(?<=на\s)|(?<=к\s)|(?<=до\s))\d{1,2}\s+час(?:ов|а)\b"),
    ("time_frame", rf"(?<=за\s)(?:первые\s+|последние\s+)?{ANY_COUNT}\s+{TIME_UNIT}"),
    ("time_frame_ahead", rf"(?<=на\s)(?:первые|ближайшие|следующие)\s+{ANY_COUNT}\s+{TIME_UNIT}"),
]
# words right before a time expression that make it the base of a comparison
COMPARISON_RE = re.compile(
    r"(?:сравнени[а-яё]*\s+со?|против|относительно|показател[а-яё]*(?:\s+за)?|уровн[а-яё]*|уровнем)\s*$", re.IGNORECASE
)
CALENDAR_DATES = {"day", "day_range", "month", "month_range"}
UNRESOLVED = {"last_span", "ago", "after", "clock", "clock_at", "time_frame", "time_frame_ahead", "since"}
COMPILED = [(name, re.compile(rf"(?<![\w-]){pattern}(?![\w])", re.IGNORECASE)) for name, pattern in PATTERNS]


@dataclass(frozen=True, slots=True)
class Mention:
    """A time expression at [start, end) of the text; `period` is None when it cannot be resolved."""

    start: int
    end: int
    period: tuple[date, date] | None
    shift_years: int = 0  # "аналогичный период прошлого года": the compared period, moved this many years
    comparison: bool = False  # the base of a comparison ("по сравнению с 2023 годом"), not the figure's own time
    dated_year: int | None = None  # the year written on a calendar date ("27 марта 2019 года")


def iso(period: tuple[date, date] | None) -> dict | None:
    return None if period is None else {"start": period[0].isoformat(), "end": period[1].isoformat()}


def shift(period: tuple[date, date] | None, years: int) -> tuple[date, date] | None:
    """The same period `years` years later (earlier when negative); 29 February becomes the 28th."""
    if period is None:
        return None
    return tuple(_shift_date(d, years) for d in period)  # type: ignore[return-value]


def _shift_date(day: date, years: int) -> date:
    year = day.year + years
    return day.replace(year=year, day=min(day.day, calendar.monthrange(year, day.month)[1]))


def months(year: int, first: int, last: int) -> tuple[date, date]:
    return date(year, first, 1), date(year, last, calendar.monthrange(year, last)[1])


def month_number(word: str) -> int:
    word = word.lower()
    return next(n for stem, n in MONTH_STEMS.items() if word.startswith(stem))


def ordinal(word: str) -> int:
    word = word.lower().split("-")[0]
    if word in ORDINALS:
        return ORDINALS[word]
    return next(n for stem, n in ORDINALS.items() if len(stem) > 2 and word.startswith(stem))


def count(word: str) -> int:
    return int(word) if word.isdigit() else COUNT_WORDS[word.lower()]


def relative_offset(word: str) -> int:
    word = word.lower()
    # longest stem first: "позапрошл" before "прошл"
    return next(RELATIVE_YEARS[s] for s in sorted(RELATIVE_YEARS, key=len, reverse=True) if word.startswith(s))


def year_of(match: re.Match, published: date | None, year_hint: int | None = None) -> int | None:
    """The year a sub-period belongs to: written, relative to publication, or the publication year;
    in an undated document, a date without a year ("1 июня") takes `year_hint`, the year of the last full date."""
    groups = match.groupdict()
    if groups.get("year"):
        return int(groups["year"])
    if groups.get("rel"):
        return None if published is None else published.year + relative_offset(groups["rel"])
    return published.year if published else year_hint


def resolve(name: str, match: re.Match, published: date | None, year_hint: int | None = None) -> tuple[tuple[date, date] | None, int]:
    """(period, shift_years) of one matched expression."""
    g = match.groupdict()
    if name in UNRESOLVED:
        return None, 0
    if name == "same_period":
        target = g["rel"]
        return None, (int(target) - published.year if target.isdigit() and published else
                      relative_offset(target) if not target.isdigit() else 0)
    if name in ("year_range", "year_span", "year"):
        first = int(g.get("y1") or g["year"])
        last = g.get("y2")
        last = first if last is None else int(last) if len(last) == 4 else first // 100 * 100 + int(last)
        return (date(first, 1, 1), date(last, 12, 31)), 0
    if name == "last_years":
        if published is None:
            return None, 0
        return (_shift_date(published, -count(g["n"])), published), 0
    year = year_of(match, published, year_hint)
    if year is None:
        return None, 0
    if name == "relative_year":
        return (date(year, 1, 1), date(year, 12, 31)), 0
    if name == "quarter":
        q = ordinal(g["ord"])
        return months(year, 3 * q - 2, 3 * q), 0
    if name == "half":
        h = ordinal(g["ord"])
        return (months(year, 1, 6) if h == 1 else months(year, 7, 12)), 0
    if name == "first_half":
        return months(year, 1, 6), 0
    if name == "months":
        return months(year, 1, count(g["n"])), 0
    if name == "month_range":
        return months(year, month_number(g["m1"]), month_number(g["m2"])), 0
    if name == "day":
        day = date(year, month_number(g["m"]), int(g["d"]))
        return (day, day), 0
    if name == "day_range":
        month = month_number(g["m"])
        return (date(year, month, int(g["d1"])), date(year, month, int(g["d2"]))), 0
    return months(year, month_number(g["m"]), month_number(g["m"])), 0


def find_periods(text: str, published: date | str | None, offset: int = 0, year_hint: int | None = None) -> list[Mention]:
    """Time expressions in `text`, left to right, not overlapping (earlier patterns win)."""
    if isinstance(published, str):
        published = date.fromisoformat(published[:10])
    found: list[Mention] = []
    taken: list[tuple[int, int]] = []
    for name, pattern in COMPILED:
        for match in pattern.finditer(text):
            if any(match.start() < e and s < match.end() for s, e in taken):
                continue
            if name == "month" and not _month_is_period(match):
                continue
            try:
                period, years = resolve(name, match, published, year_hint)
            except ValueError:  # "31 февраля"
                period, years = None, 0
            taken.append((match.start(), match.end()))
            comparison = bool(COMPARISON_RE.search(text[max(0, match.start() - 40) : match.start()]))
            written = int(match.group("year")) if name in CALENDAR_DATES and match.groupdict().get("year") else None
            found.append(Mention(offset + match.start(), offset + match.end(), period, years, comparison, written))
    return sorted(found, key=lambda m: m.start)


def _month_is_period(match: re.Match) -> bool:
    """A bare month word is a period in the prepositional ("в марте") or with a year; "ма" needs care."""
    word = match.group("m").lower()
    return bool(match.groupdict().get("year") or match.groupdict().get("rel")) or word.endswith(("е", "ь", "т"))
