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


HYPHEN_CASES = [
    ("Экс-президент", ["Экс", "-", "президент"]),
    ("COVID-19", ["COVID", "-", "19"]),
    ("1996—98", ["1996", "—", "98"]),
    ("Бишкек", ["Бишкек"]),
    ("-", ["-"]),
]


@pytest.mark.parametrize("text, pieces", HYPHEN_CASES)
def test_split_hyphens_makes_word_parts_tokens(text, pieces):
    (tokens,) = sentences(text, split_hyphens=True)
    assert [t.text for t in tokens] == pieces
    assert all(text[t.start:t.end] == t.text for t in tokens)
    assert [t.text for t in sentences(text)[0]] == [text]


def test_viterbi_matches_torchcrf_decode():
    import torch
    from torchcrf import CRF

    from pipeline.nermodel import viterbi

    torch.manual_seed(0)
    crf = CRF(3, batch_first=True)
    torch.nn.init.normal_(crf.transitions, std=2.0)
    emissions = torch.randn(6, 7, 3)
    mask = torch.arange(7)[None, :] < torch.tensor([7, 5, 1, 3, 7, 2])[:, None]
    ours = viterbi(crf, emissions, mask)
    for row, expected, m in zip(ours.tolist(), crf.decode(emissions, mask), mask):
        assert row[: int(m.sum())] == expected


def tiny_nets(crf: bool, n: int = 2):
    import torch

    from pipeline.ner import navec
    from pipeline.nermodel import NerNet

    torch.manual_seed(0)
    config = {"shape_dim": 4, "char_dim": 4, "char_filters": 4, "slovnet_dim": 0, "dropout": 0.0,
              "encoder": "lstm", "hidden": 8, "encoder_layers": 1, "crf": crf}
    return [NerNet(navec(), 40, len(TYPES) * DEPTHS, config).eval() for _ in range(n)]


def tiny_batch():
    from pipeline.ner import navec
    from pipeline.nermodel import Features

    features = Features(navec(), "абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБКМП", 20)
    short, long = sentences("МВД Киргизии сообщило.")[0], sentences(TEXT)[0]
    return features.pad([features.encode(short), features.encode(long)]), len(short), len(long)


def test_crf_loss_ignores_padding():
    import torch

    (net,) = tiny_nets(crf=True, n=1)
    batch, short, long = tiny_batch()
    scores = net(**batch)
    tags = torch.full((2, long, len(TYPES) * DEPTHS), -100, dtype=torch.long)
    tags[0, :short], tags[1] = O, O
    tags[1, 1, 0], tags[1, 2, 0] = B, I
    alone = [net.loss(scores[i : i + 1, :n], tags[i : i + 1, :n]) for i, n in enumerate([short, long])]
    assert net.loss(scores, tags).item() == pytest.approx(sum(alone).item() / 2, rel=1e-5)


@pytest.mark.parametrize("crf", [True, False])
def test_ensemble_averages_member_scores(crf):
    import torch

    from pipeline.nermodel import Ensemble

    nets = tiny_nets(crf)
    batch, _, _ = tiny_batch()
    ensemble = Ensemble(nets)
    assert torch.allclose(ensemble(**batch), (nets[0](**batch) + nets[1](**batch)) / 2)
    if crf:
        assert torch.allclose(ensemble.crf.transitions, (nets[0].crf.transitions + nets[1].crf.transitions) / 2)
    assert ensemble.decode(ensemble(**batch), batch["lengths"]).shape == (2, batch["word"].shape[1], len(TYPES) * DEPTHS)


def test_slovnet_tagger_given_the_segment_stage_words_tags_the_same():
    from pipeline.ner import load_tagger
    from pipeline.stages.segment import analyse_tokens

    texts = ["Президент Азербайджана Ильхам Алиев прибыл в Астану.", "", "МИД России и НАТО — «Газпром» (Москва)."]
    tagger = load_tagger("slovnet")
    words = [[t.text for t in analyse_tokens(text)] for text in texts]
    assert tagger(texts, words) == tagger(texts)
    assert any(type_ == "PERSON" for *_, type_ in tagger(texts, words)[0])
