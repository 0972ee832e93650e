"""Figures: money, percent, ratio, count and quantity mentions, normalised and bound to metric, period, actors.

Rules, not a model: a figure is a number (digits or words, with a magnitude word) read token by token in
each sentence, widened to the left by an approximation modifier ("более", "около") or a currency symbol
and to the right by a unit ("долларов", "%", "раза", "тонн"). The word tables live in
pipeline/data/figures.toml. Numbers inside time expressions ("в 2024 году", "за девять месяцев",
"20 октября") are dates, not figures.

Besides the record contract's keys a figure may carry:
- `value_max`: the upper end of a range ("20-25 млн тонн", "от 20 до 25");
- `counted`: for counts, the lemmatised noun phrase counted ("двусторонний визит");
- `direction` ("increase"|"decrease") and `change_of` (index of the figure it changes, or null): on a
  percent/ratio that expresses a change ("увеличился на 50 процентов", "в 4,2 раза превышает");
- `base_period` ({start, end}): on a change figure, the period it is compared with when the sentence says
  it ("превышает показатель за аналогичный период прошлого года", "по сравнению с 2023 годом");
- `change`: [{figure, direction}] on the figure that the change figures refer to.

Periods follow corpora/guidelines/figures.md: the time expression of the figure's clause, else the last one
before it in the sentence, else one after it in the clause, else the passage's (text between blank lines).
Actors are the `actor` codes of the sentence's entities, else the passage's.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache

from .. import morph
from ..numbers import DIGIT_TOKEN_RE, THOUSANDS_GROUP_RE, as_number, compose, parse_digits, tables, word_number
from ..periods import Mention, find_periods, iso, shift
from ..record import Doc, Span, Token
from ..registry import Stage, register

RANGE_TOKEN_RE = re.compile(r"(\d+(?:[.,]\d+)?)\s*[-–—]\s*(\d+(?:[.,]\d+)?)")
# a cardinal's case ending after a hyphen: "13-ю филиалами", "5-ти"; ordinal endings ("-й", "-го", "-м") are not here
CASE_SUFFIX_RE = re.compile(r"(\d+)-(ти|ми|мя|ю|ью|ух|ех|ёх|х|и)")
ORDINAL_LOOKING_SUFFIXES = {"ю", "х", "ми"}  # "110-ю годовщину", "90-х годов", "11-ми по счёту": cardinal only before a plural noun
PASSAGE_BREAK_RE = re.compile(r"\n\s*\n")  # a blank line; single newlines split paragraphs of one story
URL_RE = re.compile(r"(?:https?://|www\.)\S+")
GROUP_GAPS = {" ", "\u00a0", "\u202f", "\u2009"}
DASHES = {"-", "–", "—"}
ABBREVIATIONS = {"тыс", "млн", "млрд", "трлн", "руб", "долл", "коп", "т", "кв", "куб", "п", "мин", "сек", "проц", "ед"}
CLAUSE_BREAKS = {",", ";", ":", "—", "–", "(", ")"}
TIME_SHIFTS = {"позже", "позднее", "затем", "потом", "ранее", "сейчас", "теперь", "недавно", "впоследствии", "вскоре", "нынче", "сегодня"}


@dataclass(slots=True)
class Found:
    """A figure being built: token range [first, last) in the sentence and what was read."""

    first: int
    last: int
    core: int  # where the number itself starts (after a currency symbol)
    kind: str
    value: Decimal
    unit: str | None = None
    approx: bool = False
    value_max: Decimal | None = None
    counted: str | None = None
    direction: str | None = None
    scaled: bool = False  # a magnitude word was written ("316 млн")


@lru_cache(maxsize=1)
def rules() -> dict:
    figures = tables()["figures"]
    return {
        **figures,
        "identifier_nouns": set(figures["identifier_nouns"]["words"]),
        "year_nouns": set(figures["year_nouns"]["words"]),
        "metric_heads": set(figures["metric_heads"]["words"]),
        "ratio_comparatives": set(figures["ratio_comparatives"]["words"]),
        "direction_of": {w: d for d, words in figures["directions"].items() for w in words},
        "approx_max": max(len(k.split()) for k in figures["approx"]),
    }


def low(token: Token) -> str:
    return token.text.lower()


def lemmas(token: Token) -> tuple[str, ...]:
    """Surface form first, then every pymorphy3 lemma: tables may key either."""
    word = low(token)
    return (word, token.lemma) + tuple(p.normal_form for p in morph.parses(word))


def lookup(table: dict, token: Token):
    return next((table[k] for k in lemmas(token) if k in table), None)


# --- reading numbers -------------------------------------------------------------------------------


def joined_digits(text: str, toks: list[Token], i: int) -> tuple[int, str] | None:
    """Digits starting at token i, with space-separated thousands groups joined: (next index, digits)."""
    if not DIGIT_TOKEN_RE.fullmatch(toks[i].text):
        return None
    digits, j = toks[i].text, i + 1
    while (
        j < len(toks)
        and re.fullmatch(r"\d{1,3}", digits.replace(" ", "")[-3:] if " " in digits else digits)
        and THOUSANDS_GROUP_RE.fullmatch(toks[j].text)
        and text[toks[j - 1].end : toks[j].start] in GROUP_GAPS
    ):
        digits, j = digits + " " + toks[j].text, j + 1
    return j, digits


def read_words(toks: list[Token], j: int, parts: list) -> tuple[int, bool, bool]:
    """Number words from token j appended to `parts`; (next index, plural round word seen, any word)."""
    plural, seen = False, False
    while j < len(toks):
        found = word_number(toks[j].text) if toks[j].text.isalpha() else None
        if found is None:
            break
        value, role, is_plural = found
        if role == "half":
            role = "magnitude" if parts else "unit"
        if role == "round" or (role == "magnitude" and not parts):
            plural = plural or is_plural
        multiplies = role == "magnitude" or (role == "round" and parts)  # "два десятка" is 20
        parts.append((value, "magnitude" if multiplies else "unit"))
        j, seen = j + 1, True
        j = skip_dot(toks, j)
    return j, plural, seen


def plural_noun_follows(toks: list[Token], j: int) -> bool:
    return j < len(toks) and toks[j].pos == "NOUN" and morph.parse(low(toks[j])).tag.number == "plur"


def counts_one(toks: list[Token], i: int) -> bool:
    """"один" counts only right before its noun ("погиб один человек"); "один из", "один и тот же" do not."""
    after = toks[i + 1 : i + 3]
    if not after or low(after[0]) in ("из", "и", "или", "раз") or (i > 0 and low(toks[i - 1]) in ("ни", "по")):
        return False
    if after[0].pos == "NOUN":
        return True
    return after[0].pos == "ADJF" and len(after) > 1 and can_be_noun(after[1])


def can_be_noun(token: Token) -> bool:
    """"судном" comes out of pymorphy3 as the adjective "судный" first."""
    return any(p.tag.POS == "NOUN" for p in morph.parses(low(token)))


def read_core(text: str, toks: list[Token], i: int) -> tuple[int, Decimal, Decimal | None, bool, Decimal] | None:
    """A number at token i: (next index, value, upper end of a range or None, approximate by itself,
    the magnitude written after the digits)."""
    token = toks[i]
    low_end = high_end = None
    j = i
    ranged = RANGE_TOKEN_RE.fullmatch(token.text)
    suffixed = CASE_SUFFIX_RE.fullmatch(token.text)
    if ranged:
        low_end, high_end, j = parse_digits(ranged.group(1)), parse_digits(ranged.group(2)), i + 1
        if high_end <= low_end:  # "589658-7" is a bill number, not a range
            return None
    elif suffixed:
        ambiguous = suffixed.group(2) in ORDINAL_LOOKING_SUFFIXES
        if ambiguous and (not plural_noun_follows(toks, i + 1) or toks[i + 1].lemma == "год"):
            return None
        if i + 1 < len(toks) and toks[i + 1].lemma.endswith(("летний", "процентный")):
            return None  # "13-ти летний": a misspelt compound adjective
        low_end, j = Decimal(suffixed.group(1)), i + 1
    else:
        digits = joined_digits(text, toks, i)
        if digits:
            j, written = digits
            low_end = parse_digits(written)
            if low_end is None:
                return None
            if j + 1 < len(toks) and toks[j].text in DASHES and DIGIT_TOKEN_RE.fullmatch(toks[j + 1].text):
                high_end = parse_digits(toks[j + 1].text)
                if high_end <= low_end:
                    return None
                j += 2
    parts: list = [] if low_end is None else [(low_end, "unit")]
    if low_end is None and token.lemma == "один" and not counts_one(toks, i):
        return None
    j, plural, _ = read_words(toks, j, parts)
    if not parts:
        return None
    magnitude = Decimal(1)
    for value, role in reversed(parts):
        if role != "magnitude":
            break
        magnitude *= value
    high = None if high_end is None else high_end * magnitude
    return j, compose(parts), high, plural, magnitude


# --- units -----------------------------------------------------------------------------------------


def skip_dot(toks: list[Token], j: int) -> int:
    """Past the abbreviation dot of the token before j, unless that dot also ends the sentence."""
    if j + 1 < len(toks) and toks[j].text == "." and low(toks[j - 1]) in ABBREVIATIONS and toks[j].start == toks[j - 1].end:
        return j + 1
    return j


def words_ahead(toks: list[Token], j: int, count: int) -> tuple[list[Token], int]:
    """The next `count` tokens that are not dots, and the index after them (and their abbreviation dot)."""
    words = []
    while j < len(toks) and len(words) < count:
        if toks[j].text != ".":
            words.append(toks[j])
        elif not words or low(words[-1]) not in ABBREVIATIONS:
            break
        j += 1
    return words, skip_dot(toks, j)


def multiword(table: dict, toks: list[Token], j: int, longest: int = 3) -> tuple[str, int] | None:
    for size in range(longest, 1, -1):
        words, end = words_ahead(toks, j, size)
        if len(words) < size:
            continue
        for key in (" ".join(low(w) for w in words), " ".join(w.lemma for w in words)):
            if key in table:
                return table[key], end
    return None


def read_percent(toks: list[Token], j: int) -> tuple[str, int] | None:
    table = rules()["percent"]
    if j >= len(toks):
        return None
    words, end = words_ahead(toks, j, 2)
    if len(words) == 2 and low(words[0]) == "п" and low(words[1]) == "п":
        return "pp", end
    if len(words) == 2 and words[0].lemma == "процентный" and words[1].lemma == "пункт":
        return "pp", end
    unit = lookup(table, toks[j])
    return (unit, skip_dot(toks, j + 1)) if unit else None


def read_currency(toks: list[Token], j: int) -> tuple[str, int] | None:
    r = rules()
    if j >= len(toks):
        return None
    code = r["currency_symbols"].get(toks[j].text)
    if code:
        return code, j + 1
    adjective = lookup(r["currency_adjectives"], toks[j]) if toks[j].pos == "ADJF" else None
    at = j + 1 if adjective and j + 1 < len(toks) else j
    code = lookup(r["currencies"], toks[at])
    if code is None:
        return None
    code = adjective or code
    end = skip_dot(toks, at + 1)
    if code == "USD" and end < len(toks) and toks[end].text == "США":
        end += 1
    if code == "GBP" and end < len(toks) and toks[end].lemma == "стерлинг":
        end += 1
    return code, end


def read_unit(toks: list[Token], j: int) -> tuple[str, int] | None:
    r = rules()
    if j >= len(toks):
        return None
    found = multiword(r["multiword_units"], toks, j)
    if found:
        return found
    unit = lookup(r["units"], toks[j])
    if unit is None:
        return None
    end = skip_dot(toks, j + 1)
    per = multiword(r["multiword_units"], toks, j)  # "баррелей в сутки"
    return per or (unit, end)


def is_ratio(toks: list[Token], first: int, j: int) -> bool:
    """"N раз" is a ratio after "в" ("в 4,2 раза") or next to a comparative ("вдвое больше")."""
    if j >= len(toks) or toks[j].lemma != "раз":
        return False
    comparatives = rules()["ratio_comparatives"]
    before = low(toks[first - 1]) if first > 0 else ""
    near = toks[max(0, first - 3) : first] + toks[j + 1 : j + 3]
    return before in ("в", "во") or any(t.lemma in comparatives for t in near)


# --- one figure --------------------------------------------------------------------------------------


def approx_before(toks: list[Token], first: int) -> tuple[int, str] | None:
    """The approximation modifier ending right before token `first`: (its first index, its role)."""
    table = rules()["approx"]
    for size in range(rules()["approx_max"], 0, -1):
        if first - size < 0:
            continue
        key = " ".join(low(t) for t in toks[first - size : first])
        if key in table:
            return first - size, table[key]
    return None


def read_figure(text: str, toks: list[Token], i: int) -> Found | None:
    """The figure starting at token i (a ratio word, a currency symbol or a number), with its unit."""
    r = rules()
    token = toks[i]
    ratio_word = r["ratio_words"].get(low(token))
    if ratio_word:
        return Found(i, i + 1, i, "ratio", Decimal(ratio_word), "x")
    symbol = r["currency_symbols"].get(token.text)
    start = i + 1 if symbol and i + 1 < len(toks) else i
    core = read_core(text, toks, start)
    if core is None:
        return None
    j, value, high, plural, magnitude = core
    found = Found(i, j, start, "count", value, approx=plural, value_max=high, scaled=magnitude > 1)
    if high is None and j + 1 < len(toks) and low(toks[j]) == "до" and approx_before(toks, start) == (start - 1, "range_from"):
        upper = read_core(text, toks, j + 1)  # "от 20 до 25 млн тонн"
        if upper:
            j, found.value_max, found.last = upper[0], upper[1], upper[0]
            if magnitude == 1:
                found.value *= upper[4]  # the magnitude is written once, after the upper end
    if symbol:
        found.kind, found.unit = "money", symbol
        return found
    return attach_unit(toks, found, start, j)


def attach_unit(toks: list[Token], found: Found, start: int, j: int) -> Found | None:
    words, after = words_ahead(toks, j, 2)
    if len(words) == 2 and " ".join(low(w) for w in words) in rules()["approx_after"] and after < len(toks):
        with_unit = attach_unit(toks, Found(found.first, after, found.core, found.kind, found.value, value_max=found.value_max, scaled=found.scaled), start, after)
        if with_unit is not None and with_unit.kind != "count":
            with_unit.approx = True  # "в два с лишним раза"
            return with_unit
    percent = read_percent(toks, j)
    if percent:
        found.kind, found.unit, found.last = "percent", percent[0], percent[1]
        return found
    currency = read_currency(toks, j)
    if currency:
        found.kind, found.unit, found.last = "money", currency[0], currency[1]
        return found
    if is_ratio(toks, start, j):
        found.kind, found.unit, found.last = "ratio", "x", j + 1
        return found
    if j < len(toks) and any(k in rules()["year_nouns"] for k in lemmas(toks[j])) and is_year(found.value):
        return None
    if j < len(toks) and low(toks[j]) in ("году", "годом"):
        return None  # "на 85 году жизни", "в 98 году": ordinal or date
    unit = read_unit(toks, j)
    if unit:
        found.kind, found.unit, found.last = "quantity", unit[0], unit[1]
        return found
    return found


def is_year(value: Decimal) -> bool:
    return value == value.to_integral_value() and 1000 <= value <= 2100


def is_label(toks: list[Token], found: Found, start: int) -> bool:
    """A bare number that names rather than counts: "статья 105", "Boeing 737", "16:00", "2008" alone."""
    if found.kind != "count":
        return False
    before = start - 1
    while before >= 0 and toks[before].text == ".":
        before -= 1
    if before >= 0:
        word = toks[before]
        if any(k in rules()["identifier_nouns"] for k in lemmas(word)) or re.search(r"[A-Za-z]", word.text):
            return True
        if word.text in (":", "/") and toks[before].end == toks[start].start:
            return True
    bare = found.last == start + 1 and found.value_max is None
    if bare and found.value != found.value.to_integral_value():
        return True  # nobody counts 13.15 things: a paragraph number
    if bare and is_year(found.value) and DIGIT_TOKEN_RE.fullmatch(toks[start].text) and not counted_noun_follows(toks, found.last):
        return approx_before(toks, start) is None  # "около 1000" is not a year
    if found.value_max is not None and is_year(found.value) and is_year(found.value_max):
        return True  # "1985—1990", "2013-2014"
    after = toks[found.last] if found.last < len(toks) else None
    if after is None or after.start != toks[found.last - 1].end:
        return False
    if re.match(r"[A-Za-z]", after.text):
        return True  # "3Com"
    if bare and after.text == "." and start > 0 and toks[start - 1].text == ")":
        return True  # "(922774 голоса) 2." — the next item of a numbered list
    list_marker = bare and after.text == "." and found.last + 1 < len(toks)  # "1. Михаил Саакашвили"
    return after.text in (":", "/") or list_marker


def counted_noun_follows(toks: list[Token], j: int) -> bool:
    """"1535 кроватей": a year-like number followed by a common noun in the genitive plural counts it."""
    while j < len(toks) and toks[j].pos in ("ADJF", "PRTF"):
        j += 1
    if j >= len(toks) or toks[j].pos != "NOUN" or toks[j].text[:1].isupper():
        return False
    return any(p.tag.number == "plur" and p.tag.case == "gent" for p in morph.parses(low(toks[j])))


def approx_before_bridge(toks: list[Token], first: int) -> bool:
    """An approximation word a few words before the number: "более чем на 40 %", "как минимум ещё два года"."""
    loose = rules()["approx_loose"]
    k = first - 1
    while k >= 0 and low(toks[k]) in loose["bridge"]:
        k -= 1
    return k >= 0 and k < first - 1 and low(toks[k]) in loose["words"]


def widen(toks: list[Token], found: Found, previous: Found | None) -> None:
    """Extend the span over approximation words and a sign before the number, and "с лишним" after it."""
    before = approx_before(toks, found.first)
    if before:
        first, role = before
        if role == "approx" and not is_upper_bound_of_change(toks, first, previous):
            if low(toks[first]) == "несколько" and found.kind == "count" and not found.approx and found.value < 10:
                return
            found.first, found.approx = first, True
        elif role == "range_from" and found.value_max is not None:
            found.first = first
    elif approx_before_bridge(toks, found.first):
        found.approx = True
    elif found.first > 0 and toks[found.first - 1].text in ("+", "-", "−") and toks[found.first - 1].end == toks[found.first].start:
        sign = toks[found.first - 1]
        if found.first == 1 or toks[found.first - 2].end < sign.start:
            found.first -= 1
            if sign.text != "+":
                found.value = -found.value
    words, end = words_ahead(toks, found.last, 2)
    if len(words) == 2 and " ".join(low(w) for w in words) in rules()["approx_after"]:
        found.last, found.approx = end, True


def is_upper_bound_of_change(toks: list[Token], first: int, previous: Found | None) -> bool:
    """"до" is "to", not "up to", after a change or a first figure: "выросли на 24 % до 111 млн", "возрасти до 10 %"."""
    if low(toks[first]) != "до" or first == 0:
        return False
    if previous is not None and previous.last >= first - 1:
        return True
    return toks[first - 1].lemma in rules()["direction_of"]


# --- context: counted noun, metric, change -----------------------------------------------------------


def case(token: Token) -> str | None:
    return morph.parse(low(token)).tag.case


def counted_phrase(toks: list[Token], j: int) -> str | None:
    """The noun a count counts, with its adjectives, lemmatised: "более десятка двусторонних визитов"."""
    words = []
    for token in toks[j : j + 4]:
        if token.pos in ("ADJF", "PRTF"):
            words.append(token.lemma)
        elif token.pos == "NOUN":
            return " ".join(words + [token.lemma])
        else:
            return None
    return None


def metric_at(toks: list[Token], head: int, stop: int) -> str:
    """The head noun's lemma with its genitive tail as written: "объём поставок нефти"."""
    words = [toks[head].lemma]
    for token in toks[head + 1 : min(stop, head + 4)]:
        if token.pos in ("NOUN", "ADJF", "PRTF") and case(token) == "gent":
            words.append(token.text.lower() if token.text.isupper() is False else token.text)
        else:
            break
    return " ".join(words)


def find_metric(toks: list[Token], found: Found, taken: list[Found]) -> str | None:
    heads = rules()["metric_heads"]
    if found.kind == "count":
        return found.counted
    for k in range(found.first - 1, -1, -1):
        if toks[k].lemma in heads:
            while k > 0 and toks[k - 1].lemma in heads and case(toks[k]) == "gent":
                k -= 1  # "объём поставок": the chain's first head
            return metric_at(toks, k, found.first)
    following = [f.first for f in taken if f.first > found.first] + [len(toks)]
    for k in range(found.last, min(following)):
        if toks[k].lemma in heads:
            return metric_at(toks, k, min(following))
    return None


def change_direction(toks: list[Token], found: Found) -> str | None:
    """increase/decrease when a percent or ratio is a change ("вырос на 50 %", "в 4,2 раза превышает")."""
    if found.kind not in ("percent", "ratio"):
        return None
    if found.kind == "percent" and (found.first == 0 or low(toks[found.first - 1]) not in ("на", "+", "−", "-")):
        return None
    directions = rules()["direction_of"]
    window = list(range(found.first - 1, max(-1, found.first - 7), -1)) + list(range(found.last, min(len(toks), found.last + 4)))
    for k in window:
        if toks[k].text in CLAUSE_BREAKS and k >= found.last:
            break
        direction = directions.get(toks[k].lemma)
        if direction:
            return direction
    return None


# --- the stage ---------------------------------------------------------------------------------------


def sentence_figures(text: str, toks: list[Token]) -> list[Found]:
    found: list[Found] = []
    i = 0
    while i < len(toks):
        figure = read_figure(text, toks, i)
        if figure is None or is_label(toks, figure, figure.core):
            i += 1
            continue
        widen(toks, figure, found[-1] if found else None)
        if figure.kind == "count":
            figure.counted = counted_phrase(toks, figure.last)
        figure.direction = change_direction(toks, figure)
        found.append(figure)
        i = figure.last
    return found


def outside_periods(found: list[Found], toks: list[Token], mentions: list[Mention]) -> list[Found]:
    """Drop numbers that are part of a time expression: years, days, "за девять месяцев"."""
    def inside(f: Found) -> bool:
        start, end = toks[f.first].start, toks[f.last - 1].end
        return any(m.start < end and start < m.end for m in mentions)

    return [f for f in found if not inside(f)]


def clause_of(toks: list[Token], index: int) -> tuple[int, int]:
    """Character range of the clause around token `index` (between punctuation breaks)."""
    left = index
    while left > 0 and not is_break(toks, left - 1):
        left -= 1
    right = index
    while right < len(toks) - 1 and not is_break(toks, right + 1):
        right += 1
    return toks[left].start, toks[right].end


def is_break(toks: list[Token], k: int) -> bool:
    """Punctuation that ends a clause; a dash between numbers ("2007 — 2016 годов") does not."""
    if toks[k].text not in CLAUSE_BREAKS:
        return False
    if toks[k].text in DASHES and 0 < k < len(toks) - 1:
        return not (toks[k - 1].text[-1:].isdigit() and toks[k + 1].text[:1].isdigit())
    return True


def pick_mention(toks: list[Token], f: Found, mentions: list[Mention], comparison: bool = False) -> Mention | None:
    """The figure's own period: said before it in its clause, else before it in the sentence, else after it
    in its clause. With `comparison`, the nearest base of a comparison in its clause instead."""
    mentions = [m for m in mentions if m.comparison == comparison]
    if not mentions:
        return None
    start, end = clause_of(toks, f.first)
    anchor = toks[f.first].start
    in_clause = [m for m in mentions if m.start < end and start < m.end]
    if comparison:
        return min(in_clause, key=lambda m: abs(m.start - anchor)) if in_clause else None
    before_in_clause = [m for m in in_clause if m.end <= anchor]
    before = [m for m in mentions if m.end <= anchor]
    after_in_clause = [m for m in in_clause if m.start >= anchor]
    for candidates, pick in ((before_in_clause, -1), (before, -1), (after_in_clause, 0)):
        if candidates:
            return candidates[pick]
    return None


def actors_in(doc: Doc, sent: Span) -> list[str]:
    codes = {e["actor"] for e in doc.fields.get("entities", []) if e.get("actor") and sent.start <= e["start"] < sent.end}
    return sorted(codes)


@register("figures.v1")
class Figures(Stage):
    """Figures with value, unit, approximation, metric, period and actors; see the module docstring."""

    requires = ("sents", "tokens", "entities")
    assigns = ("figures",)

    def process(self, doc: Doc) -> None:
        published = parse_published(doc.meta.get("published"))
        paragraph_starts = [m.end() for m in PASSAGE_BREAK_RE.finditer(doc.text)]
        starts = [t.start for t in doc.tokens]
        figures: list[dict] = []
        passage = Passage(-1)
        year_hint = None  # undated documents: the year of the last full date, for "1 июня"
        for sent in doc.sents:
            paragraph = bisect.bisect_right(paragraph_starts, sent.start)
            if paragraph != passage.paragraph:
                passage = Passage(paragraph)
            lo, hi = bisect.bisect_left(starts, sent.start), bisect.bisect_left(starts, sent.end)
            toks = [t for t in doc.tokens[lo:hi] if t.end <= sent.end]
            mentions = find_periods(sent.text, published, offset=sent.start, year_hint=year_hint)
            year_hint = next((m.dated_year for m in reversed(mentions) if m.dated_year), year_hint)
            found = outside_urls(outside_periods(sentence_figures(doc.text, toks), toks, mentions), toks, sent)
            carried = passage.period if not mentions and not shifts_time(toks) else None
            actors = actors_in(doc, sent) or passage.actors
            first = len(figures)
            complete_elliptic_money(toks, found, passage)
            for f in found:
                period = figure_period(pick_mention(toks, f, mentions), carried, passage)
                passage.period = period or passage.period
                figures.append(as_record(doc, toks, f, found, period, actors))
                if f.direction:
                    base = pick_mention(toks, f, mentions, comparison=True)
                    if base:
                        figures[-1]["base_period"] = iso(shift(period, base.shift_years) if base.shift_years else base.period)
            link_changes(figures, first, found)
            resolved = [m.period for m in mentions if m.period and not m.shift_years and not m.comparison]
            passage.period = resolved[-1] if resolved else passage.period if found or not mentions else None
            passage.actors = actors
        doc.fields["figures"] = figures


@dataclass(slots=True)
class Passage:
    """What a paragraph has said so far that later figures inherit: the period and the actors."""

    paragraph: int
    period: tuple[date, date] | None = None
    actors: list[str] = field(default_factory=list)
    currency: str | None = None  # of the last money figure outside brackets
    last_kind: str | None = None


def complete_elliptic_money(toks: list[Token], found: list[Found], passage: Passage) -> None:
    """"получит 368 млн рублей, второе место — 316 млн": a scaled number with no noun after it, among money
    figures, is money in the currency of the passage's last money figure outside brackets."""
    money_here = [f.unit for f in found if f.kind == "money"]
    for f in found:
        elliptic = f.kind == "count" and f.scaled and f.counted is None
        currency = passage.currency or (money_here[0] if money_here else None)
        if elliptic and currency and (money_here or passage.last_kind == "money"):
            f.kind, f.unit = "money", currency
        if f.kind == "money" and not in_brackets(toks, f.first):
            passage.currency = f.unit
        passage.last_kind = f.kind


def in_brackets(toks: list[Token], index: int) -> bool:
    depth = sum((t.text == "(") - (t.text == ")") for t in toks[:index])
    return depth > 0


def figure_period(mention: Mention | None, carried, passage: Passage):
    """The mention's period; "аналогичный период прошлого года" shifts the passage's period."""
    if mention is None:
        return carried
    if mention.shift_years:
        return shift(passage.period, mention.shift_years)
    return mention.period


def shifts_time(toks: list[Token]) -> bool:
    """"Позже", "сейчас": the sentence moves away from the period said before."""
    return any(low(t) in TIME_SHIFTS for t in toks)


def outside_urls(found: list[Found], toks: list[Token], sent: Span) -> list[Found]:
    """Drop digits inside links (URL-encoded text is full of \"%D0\")."""
    urls = [(m.start() + sent.start, m.end() + sent.start) for m in URL_RE.finditer(sent.text)]
    if not urls:
        return found
    return [f for f in found if not any(s <= toks[f.first].start < e for s, e in urls)]


def parse_published(value) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def as_record(doc: Doc, toks: list[Token], f: Found, found: list[Found], period, actors: list[str]) -> dict:
    start, end = toks[f.first].start, toks[f.last - 1].end
    record = {
        "start": start,
        "end": end,
        "text": doc.text[start:end],
        "kind": f.kind,
        "value": as_number(f.value),
        "unit": f.unit,
        "approx": f.approx,
        "metric": find_metric(toks, f, found),
        "period": iso(period),
        "actors": list(actors),
    }
    if f.value_max is not None:
        record["value_max"] = as_number(f.value_max)
    if f.kind == "count":
        record["counted"] = f.counted
    if f.direction:
        record["direction"] = f.direction
        record["change_of"] = None
    return record


def link_changes(figures: list[dict], base: int, found: list[Found]) -> None:
    """Link each change figure to the nearest figure of the sentence that is not itself a change."""
    targets = [base + k for k, f in enumerate(found) if not f.direction]
    for k, f in enumerate(found):
        if not f.direction or not targets:
            continue
        index = base + k
        target = min(targets, key=lambda t: abs(t - index))
        figures[index]["change_of"] = target
        if figures[target]["metric"] and not figures[index]["metric"] or f.kind == "ratio":
            figures[index]["metric"] = figures[target]["metric"] or figures[index]["metric"]
        figures[target].setdefault("change", []).append({"figure": index, "direction": f.direction})
