import hashlib
import json

import pytest

from pipeline.scoring.figures import GOLD, document_path, f1, overlap_pairs, read_gold, same_value, score

KINDS = {"money", "percent", "ratio", "count", "quantity"}


@pytest.mark.parametrize("matched, gold, pred, expected", [
    (0, 0, 0, 1.0),
    (5, 10, 5, 0.6667),
    (10, 10, 10, 1.0),
    (0, 3, 4, 0.0),
])
def test_f1(matched, gold, pred, expected):
    assert f1(matched, gold, pred)["f1"] == expected


def test_overlap_matches_one_to_one():
    gold = [{"start": 0, "end": 10}, {"start": 20, "end": 25}]
    pred = [{"start": 2, "end": 8}, {"start": 5, "end": 12}, {"start": 30, "end": 31}]
    assert overlap_pairs(gold, pred) == 1


@pytest.mark.parametrize("gold, pred, same", [
    ({"value": 470000000, "unit": "USD"}, {"value": 470000000.0, "unit": "USD"}, True),
    ({"value": 4.2, "unit": "x"}, {"value": 4.2, "unit": "%"}, False),
    ({"value": 20, "unit": None, "value_max": 25}, {"value": 20, "unit": None}, False),
    ({"value": 2, "unit": None}, {"value": 3, "unit": None}, False),
])
def test_same_value(gold, pred, same):
    assert same_value(gold, pred) is same


def test_gold_records_have_the_documented_shape():
    records = read_gold(GOLD)
    assert sum(len(r["figures"]) for r in records if r["split"] == "dev") >= 250
    assert any(not r["figures"] for r in records), "documents without figures keep false positives counted"
    for record in records:
        assert set(record) >= {"corpus", "doc_id", "published", "annotated", "split", "figures"}
        assert record["split"] in {"dev", "heldout", "heldout2"}
        for figure in record["figures"]:
            assert figure["kind"] in KINDS and figure["start"] < figure["end"]
            assert set(figure) >= {"start", "end", "kind", "value", "unit", "approx", "period", "sha1"}


def test_gold_offsets_still_point_at_the_annotated_text(corpora):
    for record in read_gold(GOLD):
        text = document_path(corpora, record).read_text(encoding="utf-8")
        for figure in record["figures"]:
            span = text[figure["start"]:figure["end"]]
            assert hashlib.sha1(span.encode()).hexdigest()[:10] == figure["sha1"], (record["doc_id"], span)


def test_the_stage_meets_its_targets_on_the_gold(corpora):
    metrics, _ = score(read_gold(GOLD), corpora)
    assert metrics["span_exact"]["f1"] >= 0.95
    assert metrics["value_unit_accuracy"] >= 0.97
    assert metrics["period_accuracy"] >= 0.9


def test_command_prints_json(corpora, capsys, tmp_path):
    from pipeline.scoring.figures import command

    one = tmp_path / "one.jsonl"
    one.write_text(next(line for line in GOLD.read_text(encoding="utf-8").splitlines() if "dayaz" in line), encoding="utf-8")
    command(gold=one, corpora=corpora, split="all", errors=False)
    metrics = json.loads(capsys.readouterr().out)
    assert metrics["documents"] == 1 and metrics["span_exact"]["f1"] == 1.0
