"""The CLI as a user runs it: a subprocess per call, every record checked against the schema."""
import json

import pytest

from pipeline.schema import validation_errors
from tests.conftest import LIGHT_CONFIG, jsonl, run_bilat

LIGHT = ("--config", str(LIGHT_CONFIG), "-q")


def assert_valid(records):
    for record in records:
        assert list(validation_errors(record)) == [], record.get("id")


def test_cli_version_and_help():
    assert run_bilat("--version").stdout.startswith("bilat ")
    help_text = run_bilat("--help").stdout
    for command in ("analyze", "train", "evaluate", "bench", "validate"):
        assert command in help_text
    analyze_help = run_bilat("analyze", "--help").stdout
    for option in ("--output", "--jobs", "--resume", "--config", "Exit codes"):
        assert option in analyze_help


def test_cli_formats_txt_jsonl_html_dir_stdin(tmp_path):
    (tmp_path / "a.txt").write_text("Дата: 01.02.2024\n\nБаку и Астана подписали соглашение.", encoding="utf-8")
    (tmp_path / "b.jsonl").write_text(
        json.dumps({"id": "j1", "text": "Москва заявила протест.", "title": "Протест"}, ensure_ascii=False) + "\n",
        encoding="utf-8")
    (tmp_path / "c.html").write_text(
        "<html><body><article><p>" + "Анкара и Баку обсудили транзит газа через Грузию. " * 4
        + "</p></article></body></html>", encoding="utf-8")
    done = run_bilat("analyze", str(tmp_path), *LIGHT)
    records = jsonl(done.stdout)
    assert done.returncode == 0, done.stderr
    assert [r["id"] for r in records] == ["a.txt", "j1", "c.html"]
    assert records[0]["meta"]["published"] == "2024-02-01" and records[1]["meta"]["title"] == "Протест"
    assert "Анкара и Баку" in records[2]["text"]
    assert "\\u" not in done.stdout  # UTF-8, not ASCII-escaped
    assert_valid(records)
    piped = run_bilat("analyze", "-", *LIGHT, stdin="Ташкент и Бишкек договорились о границе.")
    assert jsonl(piped.stdout)[0]["id"] == "stdin"


@pytest.mark.parametrize("name, content, code", [
    ("empty.txt", b"  \n ", "E004"),
    ("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "E002"),
    ("big.txt", "Слово ".encode("utf-8") * 200_000, "E005"),
    ("bad.jsonl", b'{"id": "x", "text": "ok"}\n{not json\n', "E006"),
])
def test_cli_bad_input_is_an_error_record_and_exit_3(tmp_path, name, content, code):
    (tmp_path / name).write_bytes(content)
    done = run_bilat("analyze", str(tmp_path / name), *LIGHT)
    assert done.returncode == 3 and "Traceback" not in done.stderr
    records = jsonl(done.stdout)
    assert code in [r["error"]["code"] for r in records if "error" in r]
    assert_valid(records)


def test_cli_cp1251_file_is_read(tmp_path):
    (tmp_path / "win.txt").write_bytes("Минск и Москва обсудили цены на газ.".encode("cp1251"))
    done = run_bilat("analyze", str(tmp_path / "win.txt"), *LIGHT)
    assert done.returncode == 0 and jsonl(done.stdout)[0]["text"].startswith("Минск и Москва")


def test_cli_missing_path_is_bad_usage():
    done = run_bilat("analyze", "no/such/file.txt", *LIGHT)
    assert done.returncode == 2 and "E007" in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_cli_bad_config_is_bad_usage(tmp_path):
    (tmp_path / "bad.toml").write_text("[pipeline\n", encoding="utf-8")
    (tmp_path / "a.txt").write_text("Текст.", encoding="utf-8")
    done = run_bilat("analyze", str(tmp_path / "a.txt"), "--config", str(tmp_path / "bad.toml"))
    assert done.returncode == 2 and "E103" in done.stderr and "Traceback" not in done.stderr


def test_cli_resume_writes_nothing_new(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    for i in range(3):
        (docs / f"{i}.txt").write_text(f"Новость {i}. Ереван и Тбилиси.", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    first = run_bilat("analyze", str(docs), "-o", str(out), "-j", "2", *LIGHT)
    before = out.read_text(encoding="utf-8")
    again = run_bilat("analyze", str(docs), "-o", str(out), "--resume", *LIGHT)
    assert first.returncode == again.returncode == 0
    assert out.read_text(encoding="utf-8") == before and len(before.splitlines()) == 3
    assert run_bilat("validate", str(out)).returncode == 0


def test_cli_progress_bar_on_multi_document_runs(tmp_path):
    for i in range(3):
        (tmp_path / f"{i}.txt").write_text(f"Новость {i}.", encoding="utf-8")
    done = run_bilat("analyze", str(tmp_path), "--config", str(LIGHT_CONFIG), "-o", str(tmp_path / "o.jsonl"))
    assert "3/3" in done.stderr and "doc/s" in done.stderr


def test_cli_sentiment_tsv_round_trip(tmp_path):
    rows = ["sentence\tentity\tentity_tag\tentity_pos_start_rel\tentity_pos_end_rel\tlabel",
            "Президент похвалил Казахстан за щедрую помощь.\tКазахстан\tCOUNTRY\t19\t28\t1",
            "Суд обвинил министра в хищении.\tминистра\tPROFESSION\t12\t20\t-1"]
    (tmp_path / "in.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    done = run_bilat("sentiment", str(tmp_path / "in.tsv"), "-o", str(tmp_path / "out.tsv"))
    assert done.returncode == 0, done.stderr
    out = (tmp_path / "out.tsv").read_text(encoding="utf-8").splitlines()
    assert out[0].split("\t")[:5] == rows[0].split("\t")[:5] and len(out) == 3
    assert all(line.split("\t")[-1] in {"-1", "0", "1"} for line in out[1:])


def test_cli_sentiment_backend_the_model_lacks_is_one_line_error(tmp_path):
    (tmp_path / "in.tsv").write_text("sentence\tentity\tentity_tag\tentity_pos_start_rel\tentity_pos_end_rel\n"
                                     "Суд обвинил министра.\tминистра\tPROFESSION\t12\t20\n", encoding="utf-8")
    done = run_bilat("sentiment", str(tmp_path / "in.tsv"), "-o", str(tmp_path / "out.tsv"),
                     "--model", "models/sentiment/v2", "--backend", "sklearn")
    assert done.returncode == 2 and "E103" in done.stderr and "Traceback" not in done.stderr


def test_cli_training_never_overwrites_a_shipped_version():
    done = run_bilat("train", "dyads", "--output", "models/dyads/v1")
    assert done.returncode == 2 and "E103" in done.stderr and "Traceback" not in done.stderr
