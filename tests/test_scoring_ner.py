"""The coarse PER/ORG/LOC "names" view: NEREL's relational adjectives are dropped from gold and predictions."""
import pytest

from pipeline.scoring.ner import coarse, is_relational_adjective, names


@pytest.mark.parametrize("word, expected", [
    ("российского", True),      # NEREL COUNTRY, not a name
    ("московских", True),
    ("северокорейский", True),
    ("Россия", False),
    ("Российский", False),      # capitalised: may open a name ("Российский союз ...")
    ("России", False),
    ("МИД", False),
    ("Абхазии", False),
    ("2025", False),
    ("российско-китайского", True),
])
def test_relational_adjectives(word, expected):
    assert is_relational_adjective(word) is expected


def test_names_view_drops_adjectives_only_from_single_word_spans():
    text = "российского МИД и Россия"
    spans = [(0, 11, "COUNTRY"), (0, 15, "ORGANIZATION"), (18, 24, "COUNTRY")]
    assert coarse(names(text, spans)) == [(0, 15, "ORG"), (18, 24, "LOC")]
