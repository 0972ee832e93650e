from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.numbers import as_number, parse_digits, parse_number, word_number

CASES = [
    ("470 000", 470000),
    ("470\u00a0000", 470000),
    ("1\u202f234\u2009567", 1234567),
    ("12.500", 12500),
    ("1.234.567,89", 1234567.89),
    ("1,234,567.5", 1234567.5),
    ("4,2", 4.2),
    ("1.5", 1.5),
    ("1,2 млрд", 1200000000),
    ("$1,2", None),
    ("3,5 тыс.", 3500),
    ("97,5 млн", 97500000),
    ("2,2 трлн", 2200000000000),
    ("пятьсот", 500),
    ("двести пятьдесят тысяч триста", 250300),
    ("полтора миллиарда", 1500000000),
    ("полторы тысячи", 1500),
    ("полмиллиона", 500000),
    ("двое", 2),
    ("десяток", 10),
    ("десятки", 10),
    ("сотни тысяч", 100000),
    ("девятьсот девяносто девять", 999),
    ("пятисот", 500),
    ("сорока", 40),
    ("миллион", 1000000),
    ("визитов", None),
]


@pytest.mark.parametrize("text, value", CASES)
def test_parse_number(text, value):
    assert parse_number(text) == value


@pytest.mark.parametrize("word, plural", [("десятки", True), ("сотни", True), ("тысячи", True), ("десятка", False), ("тысяча", False)])
def test_round_words_know_their_plural(word, plural):
    assert word_number(word)[2] is plural


SEPARATORS = ["", " ", "\u00a0", "\u202f", "\u2009", "."]
MAGNITUDES = [("", 1), ("тыс.", 10**3), ("тысяч", 10**3), ("млн", 10**6), ("миллиона", 10**6), ("млрд", 10**9), ("миллиардов", 10**9), ("трлн", 10**12)]


def group(integer: int, separator: str) -> str:
    digits = str(integer)
    head = len(digits) % 3 or 3
    return separator.join([digits[:head]] + [digits[i : i + 3] for i in range(head, len(digits), 3)])


@st.composite
def written_numbers(draw):
    """A number as news writes it, and its value: thousands groups, decimal comma or point, magnitude."""
    integer = draw(st.integers(min_value=0, max_value=10**12))
    fraction = draw(st.one_of(st.just(""), st.text(alphabet="0123456789", min_size=1, max_size=4)))
    separator = draw(st.sampled_from(SEPARATORS))
    # a decimal point with exactly three digits after it reads as a thousands group: written with a comma
    point_ok = separator != "." and len(fraction) != 3
    mark = draw(st.sampled_from([",", "."] if point_ok else [","]))
    word, scale = draw(st.sampled_from(MAGNITUDES))
    text = group(integer, separator) + (mark + fraction if fraction else "")
    value = Decimal(f"{integer}.{fraction or 0}") * scale
    return (f"{text} {word}".strip(), value)


@given(written_numbers())
def test_any_written_number_parses_back_to_its_value(case):
    text, value = case
    assert parse_number(text) == as_number(value)


@given(st.integers(min_value=0, max_value=10**15))
def test_plain_integers_round_trip(n):
    assert parse_digits(str(n)) == n


@pytest.mark.parametrize("text, value", [
    ("два десятка тысяч", 20000),
    ("1 млрд 200 млн", 1200000000),
    ("тысяча", 1000),
    ("0 тыс.", 0),
    ("два десятка", 20),
])
def test_magnitudes_compose(text, value):
    assert parse_number(text) == value
