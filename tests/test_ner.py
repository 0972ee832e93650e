"""The NEREL tagger: layered BIO encoding round trip, decoding repair, and the shipped model's output."""
import pytest

from pipeline import paths
from pipeline.ner import load_tagger
from pipeline.nermodel import B, DEPTHS, HINT_O, I, O, Token, decode_layer, decode_tags, encode_tags, hint_ids, sentences

TEXT = "Правоохранительные органы Киргизии задержали двух американцев в Бишкеке 5 августа."
# (start, end, type): an ORGANIZATION holding a COUNTRY, as NEREL annotates it
GOLD = [(0, 34, "ORGANIZATION"), (26, 34, "COUNTRY"), (50, 61, "NATIONALITY"), (64, 71, "CITY"), (72, 81, "DATE")]
TYPES = ["ORGANIZATION", "COUNTRY", "NATIONALITY", "CITY", "DATE"]

DECODE_CASES = [
    ([O, B, I, O, B], [(1, 3), (4, 5)]),
    ([B, B, I], [(0, 1), (1, 3)]),
    ([O, I, I, O], [(1, 3)]),  # an I with no open span starts one
    ([I, O, I], [(0, 1), (2, 3)]),
    ([O, O], []),
]


@pytest.mark.parametrize("tags, ranges", DECODE_CASES)
def test_decode_layer(tags, ranges):
    assert decode_layer(tags) == ranges


def test_sentences_keep_offsets():
    text = "Заголовок без точки\nПервое предложение. Второе."
    sents = sentences(text)
    assert [[t.text for t in s] for s in sents] == [
        ["Заголовок", "без", "точки"], ["Первое", "предложение", "."], ["Второе", "."]
    ]
    assert all(text[t.start:t.end] == t.text for s in sents for t in s)


def test_nested_spans_round_trip_through_tags():
    (tokens,) = sentences(TEXT)
    spans = [{"start": s, "end": e, "type": t} for s, e, t in GOLD]
    tags = encode_tags(tokens, spans, TYPES)
    assert len(tags) == len(tokens) and len(tags[0]) == len(TYPES) * DEPTHS
    assert decode_tags(tokens, tags, TYPES) == sorted(GOLD)


def test_same_type_nesting_uses_the_inner_layer():
    tokens = [Token(0, 11, "заместитель"), Token(12, 20, "министра")]
    spans = [{"start": 0, "end": 20, "type": "PROFESSION"}, {"start": 12, "end": 20, "type": "PROFESSION"}]
    tags = encode_tags(tokens, spans, ["PROFESSION"])
    assert tags == [[B, O], [I, B]]
    assert decode_tags(tokens, tags, ["PROFESSION"]) == [(0, 20, "PROFESSION"), (12, 20, "PROFESSION")]


def test_slovnet_hints_are_bio_per_token():
    (tokens,) = sentences(TEXT)
    hints = hint_ids(tokens, [(0, 34, "ORGANIZATION"), (64, 71, "LOCATION")])
    b_org, i_org, b_loc = HINT_O + 3, HINT_O + 4, HINT_O + 5
    assert hints[:4] == [b_org, i_org, i_org, HINT_O]
    assert hints[[t.text for t in tokens].index("Бишкеке")] == b_loc


@pytest.mark.skipif(not (paths.MODELS / "ner" / "v1" / "meta.json").is_file(), reason="models/ner/v1 not trained")
def test_shipped_model_tags_nested_entities():
    tagger = load_tagger("models/ner/v1")
    (spans,), empty = tagger([TEXT]), tagger([""])
    assert empty == [[]]
    assert all(isinstance(s, int) and isinstance(e, int) and t in tagger.types for s, e, t in spans)
    assert {(26, 34, "COUNTRY"), (64, 71, "CITY"), (72, 81, "DATE")} <= set(spans)


def test_unknown_model_is_an_error():
    with pytest.raises(ValueError, match="unknown NER model"):
        load_tagger("no/such/model")
