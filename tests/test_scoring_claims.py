"""Scoring the claims stage: span matching, speaker comparison, the gold file, the targets."""
import hashlib

import pytest

from pipeline.scoring.claims import (
    GOLD, document_path, evaluate, load_gold, match_spans, overlap, same_speaker, score_document, summarise,
)


@pytest.mark.parametrize("gold, predicted, expected", [
    ((0, 100), (0, 100), 1.0),
    ((0, 100), (10, 100), 0.9),
    ((0, 100), (0, 200), 0.5),   # a prediction that swallows the gold is measured by its own length
    ((0, 100), (100, 200), 0.0),
])
def test_overlap_is_a_share_of_the_longer_span(gold, predicted, expected):
    span = lambda s: {"start": s[0], "end": s[1]}
    assert overlap(span(gold), span(predicted)) == pytest.approx(expected)


def test_matching_is_one_to_one_and_needs_eight_tenths():
    gold = [{"start": 0, "end": 100}, {"start": 200, "end": 300}]
    predicted = [{"start": 5, "end": 100}, {"start": 0, "end": 100}, {"start": 200, "end": 400}]
    assert match_spans(gold, predicted) == [(0, 1)]


@pytest.mark.parametrize("gold, predicted, same", [
    ("Сергей Лавров", "Сергей Лавров", True),
    ("Сергей Лавров", "Лавров", True),
    ("Дмитрий Медведев", "Д.Медведев", True),
    ("МВД Украины", "МВД", True),
    ("полиция", "полиции", True),
    ("Сергей Лавров", "Мария Захарова", False),
    ("Сергей Лавров", None, False),
    (None, None, True),
])
def test_same_speaker(gold, predicted, same):
    assert same_speaker(gold, predicted) is same


def test_score_document_counts_misses_extras_and_speakers():
    gold = {"quotes": [
        {"start": 0, "end": 10, "attribution": "direct", "speaker": {"start": 20, "end": 26, "normal": "Лавров"}},
        {"start": 30, "end": 40, "attribution": "indirect", "speaker": None},
    ]}
    claims = [
        {"quote": {"start": 0, "end": 10}, "attribution": "direct", "speaker": {"normal": "Сергей Лавров"}},
        {"quote": {"start": 50, "end": 60}, "attribution": "indirect", "speaker": None},
        {"quote": None, "attribution": None, "speaker": None},
    ]
    result = score_document(gold, claims)
    assert (result["tp"], result["fp"], result["fn"], result["speaker_right"]) == (1, 1, 1, 1)
    summary = summarise([result])
    assert summary["quotes"] == {"precision": 0.5, "recall": 0.5, "f1": 0.5}
    assert summary["speaker_accuracy"] == 1.0


def test_gold_file_shape():
    gold = load_gold()
    quotes = [q for doc in gold for q in doc["quotes"]]
    assert len(quotes) >= 150
    assert all(doc["annotated"] is True and doc["corpus"] in ("nerel", "factrueval", "sample") for doc in gold)
    assert all(q["start"] < q["end"] and q["attribution"] in ("direct", "indirect") for q in quotes)
    assert {q["attribution"] for q in quotes} == {"direct", "indirect"}
    assert any(not doc["quotes"] for doc in gold), "a document without speech keeps false positives counted"
    ratings = [r["rating"] for doc in gold for r in doc.get("checkworthiness", [])]
    assert len(ratings) >= 40 and all(0.0 <= r <= 1.0 for r in ratings)


def test_gold_offsets_still_point_at_the_annotated_text(corpora):
    for doc in load_gold():
        text = document_path(corpora, doc["corpus"], doc["doc_id"]).read_text(encoding="utf-8")
        for quote in doc["quotes"]:
            digest = hashlib.sha1(text[quote["start"] : quote["end"]].encode()).hexdigest()[:10]
            assert digest == quote["sha1"], (doc["doc_id"], quote["start"])


@pytest.mark.slow
def test_claims_meet_the_targets_on_our_gold(corpora):
    summary, _ = evaluate(GOLD, corpora)
    assert summary["quotes"]["f1"] >= 0.90
    assert summary["speaker_accuracy"] >= 0.90
