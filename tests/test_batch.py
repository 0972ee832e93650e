import json

from pipeline.batch import done_ids, run_batch
from pipeline.config import load_config
from tests.conftest import LIGHT_CONFIG


def light_config():
    return load_config(LIGHT_CONFIG)


def write_docs(folder, n):
    for i in range(n):
        (folder / f"d{i}.txt").write_text(f"Документ номер {i}. Баку и Астана.", encoding="utf-8")


def test_batch_resume_skips_done_ids(tmp_path):
    docs, out = tmp_path / "docs", tmp_path / "out.jsonl"
    docs.mkdir()
    write_docs(docs, 3)
    assert run_batch([str(docs)], out, light_config(), progress=False) == 0
    write_docs(docs, 5)
    assert run_batch([str(docs)], out, light_config(), resume=True, progress=False) == 0
    ids = [json.loads(line)["id"] for line in out.read_text(encoding="utf-8").splitlines()]
    assert ids == ["d0.txt", "d1.txt", "d2.txt", "d3.txt", "d4.txt"]


def test_batch_torn_last_line_is_cut_before_resuming(tmp_path):
    out = tmp_path / "out.jsonl"
    out.write_text('{"id": "a.txt", "text": "x"}\n{"id": "b.tx', encoding="utf-8")
    assert done_ids(out) == {"a.txt"}
    assert out.read_text(encoding="utf-8") == '{"id": "a.txt", "text": "x"}\n'


def test_batch_failures_give_exit_code_3_and_error_records(tmp_path):
    (tmp_path / "ok.txt").write_text("Москва.", encoding="utf-8")
    (tmp_path / "empty.txt").write_text("   ", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert run_batch([str(tmp_path)], out, light_config(), progress=False) == 3
    records = {r["id"]: r for r in map(json.loads, out.read_text(encoding="utf-8").splitlines())}
    assert records["empty.txt"]["error"]["code"] == "E004" and "sents" not in records["ok.txt"]


def test_batch_process_pool_keeps_order(tmp_path):
    docs, out = tmp_path / "docs", tmp_path / "out.jsonl"
    docs.mkdir()
    write_docs(docs, 6)
    assert run_batch([str(docs)], out, light_config(), jobs=2, progress=False) == 0
    ids = [json.loads(line)["id"] for line in out.read_text(encoding="utf-8").splitlines()]
    assert ids == [f"d{i}.txt" for i in range(6)]
