"""The default pipeline end to end, through the CLI, on the sample article and a slice of NEREL dev."""
import shutil

import pytest

import pipeline
from pipeline.schema import validation_errors
from tests.conftest import jsonl, run_bilat


@pytest.fixture(scope="module")
def sample_record(sample_path):
    done = run_bilat("analyze", str(sample_path))
    assert done.returncode == 0, done.stderr
    [record] = jsonl(done.stdout)
    return record


def test_end_to_end_sample_record_is_valid(sample_record):
    assert list(validation_errors(sample_record)) == []
    assert sample_record["id"] == "dayaz_2025-10-20_az_kz.txt"
    assert sample_record["meta"]["published"] == "2025-10-20" and sample_record["meta"]["language"] == "ru"
    for field in ("entities", "figures", "claims", "topics", "sentiment", "dyads", "summary"):
        assert field in sample_record


def test_end_to_end_sample_countries_and_leader(sample_record):
    entities = sample_record["entities"]
    countries = {(e["normal"], e["actor"]) for e in entities if e["type"] == "COUNTRY"}
    assert {("Азербайджан", "AZE"), ("Казахстан", "KAZ")} <= countries
    assert any(e["type"] == "PERSON" and e["text"] == "Ильхама Алиева" and e["normal"] == "Ильхам Алиев"
               for e in entities)


def test_end_to_end_sample_money(sample_record):
    money = {(f["value"], f["unit"]) for f in sample_record["figures"] if f["kind"] == "money"}
    assert {(470000000, "USD"), (501000000, "USD")} <= money


def test_end_to_end_sample_pair_summary(sample_record):
    pairs = {tuple(p["actors"]): p for p in sample_record["summary"]["dyads"]}
    assert ("AZE", "KAZ") in pairs and pairs[("AZE", "KAZ")]["tone"] == "cooperative"


def test_end_to_end_python_api_matches_cli(sample_path, sample_record):
    record = pipeline.analyze(sample_path.read_text(encoding="utf-8"), id=sample_record["id"])
    assert record == sample_record


def test_end_to_end_nerel_slice_in_parallel_then_resume(corpora, tmp_path):
    docs = tmp_path / "dev"
    docs.mkdir()
    for path in sorted((corpora / "nerel" / "dev").glob("*.txt"))[:6]:
        shutil.copy(path, docs / path.name)
    out = tmp_path / "out.jsonl"
    first = run_bilat("analyze", str(docs), "-j", "2", "-o", str(out))
    assert first.returncode == 0, first.stderr
    assert "6/6" in first.stderr
    records = jsonl(out.read_text(encoding="utf-8"))
    assert len(records) == 6 and all(not list(validation_errors(r)) for r in records)
    before = out.read_text(encoding="utf-8")
    assert run_bilat("analyze", str(docs), "-j", "2", "-o", str(out), "--resume").returncode == 0
    assert out.read_text(encoding="utf-8") == before
