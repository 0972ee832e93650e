"""Numbers as Russian news writes them: "470 000", "1,2 млрд", "12.500", "полтора миллиарда", "десятки".

`parse_number` reads a whole numeric expression; the figures stage uses the pieces (`parse_digits`,
`word_number`, `compose`) token by token. Values are computed as `Decimal` so "1,2 млрд" is exactly
1200000000, and `as_number` turns them into an int when integral, a float otherwise.

The one ambiguous spelling, a single dot followed by exactly three digits ("12.500"), is read as a
thousands separator: Russian news writes decimals with a comma, and "12.500 человек" is common.
"""
from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from . import morph
from .config import read_toml

TABLES = Path(__file__).resolve().parent / "data" / "figures.toml"

# thousands separators: space, no-break space, narrow no-break space, thin space, dot, apostrophe
SEPARATORS = " \u00a0\u202f\u2009.'"
DIGITS_RE = re.compile(
    r"(?<![\d.,])(?:\d{1,3}(?:[ \u00a0\u202f\u2009']\d{3})+(?:[.,]\d+)?"  # 1 234 567,89
    r"|\d{1,3}(?:\.\d{3})+(?:,\d+)?"  # 1.234.567,89
    r"|\d{1,3}(?:,\d{3}){2,}(?:\.\d+)?"  # 1,234,567.89 (English style, only with two or more groups)
    r"|\d+(?:[.,]\d+)?)"  # 1234,5 / 1234.5
    r"(?![\d])"
)
DIGIT_TOKEN_RE = re.compile(r"\d+(?:[.,]\d+)?")
THOUSANDS_GROUP_RE = re.compile(r"\d{3}(?:[.,]\d+)?")


@lru_cache(maxsize=1)
def tables() -> dict:
    return read_toml(TABLES)


def as_number(value: Decimal) -> int | float:
    """An int when the value is integral, a float otherwise (JSON-friendly)."""
    return int(value) if value == value.to_integral_value() else float(value)


def parse_digits(text: str) -> Decimal | None:
    """A number written in digits, with any thousands separator and a decimal comma or point."""
    text = text.strip()
    if not DIGITS_RE.fullmatch(text):
        return None
    if "," in text and "." in text:  # the later one is the decimal mark
        decimal = "," if text.rfind(",") > text.rfind(".") else "."
    elif text.count(",") > 1:
        decimal = "."  # 1,234,567
    elif "." in text:
        decimal = "" if re.search(r"\.\d{3}(?:\.|$)", text) else "."
    else:
        decimal = ","
    thousands = "".join(c for c in SEPARATORS + "," if c != decimal)
    body = text.translate({ord(c): None for c in thousands})
    return Decimal(body.replace(decimal, ".") if decimal else body)


def _lemmas(word: str) -> tuple[str, ...]:
    """The word and its most probable lemma: "семью" is "семья" before it is "семь"."""
    word = word.lower().rstrip(".")
    return (word, morph.parse(word).normal_form)


@lru_cache(maxsize=50_000)
def word_number(word: str) -> tuple[Decimal, str, bool] | None:
    """(value, role, plural) of a number word; role is "unit", "round", "magnitude" or "half".

    "unit" words add up ("двести пятьдесят"), "magnitude" words multiply ("тысяча", "млн"),
    "round" words are nouns like "десяток"; `plural` marks "десятки", "сотни", "тысячи".
    """
    table = tables()["numbers"]
    plural = any(p.tag.number == "plur" for p in morph.parses(word.lower().rstrip(".")))
    for lemma in _lemmas(word):
        for role, key in (("unit", "units"), ("magnitude", "magnitudes"), ("round", "round"), ("half", "halves")):
            if lemma in table[key]:
                return Decimal(str(table[key][lemma])), role, plural
    return None


def compose(parts: list[tuple[Decimal, str]]) -> Decimal:
    """The value of a sequence of (value, role) parts: units add, magnitudes multiply what precedes
    ("тысяча" alone is 1000, "0 тыс." is 0, "два десятка тысяч" is 20000, "1 млрд 200 млн" is 1.2e9)."""
    total, current, group = Decimal(0), None, None
    for value, role in parts:
        if role != "magnitude":
            current = (current or Decimal(0)) + value
        elif current is None and group is not None:  # magnitude after magnitude: scales the last group
            total += group * value - group
            group *= value
        else:
            group = (Decimal(1) if current is None else current) * value
            total, current = total + group, None
    return total + (current or Decimal(0))


def parse_number(text: str) -> int | float | None:
    """The value of a numeric expression: digits and/or number words, with magnitude words.

    >>> parse_number("1,2 млрд"), parse_number("полтора миллиарда"), parse_number("470 000")
    (1200000000, 1500000000, 470000)
    """
    text = text.strip()
    parts: list[tuple[Decimal, str]] = []
    digits = DIGITS_RE.match(text)
    if digits:
        parts.append((parse_digits(digits.group()), "unit"))
        text = text[digits.end():]
    for word in re.findall(r"[^\s]+", text):
        digits = parse_digits(word)
        if digits is not None:
            parts.append((digits, "unit"))
            continue
        found = word_number(word)
        if found is None:
            return None
        value, role, _ = found
        multiplies = role == "magnitude" or (role == "round" and parts)  # "два десятка" is 20
        parts.append((value, "magnitude" if multiplies else "unit"))
    if not parts:
        return None
    return as_number(compose(parts))
