import json

import pytest

from pipeline import errors
from pipeline.ingest import Source, decode, discover, iso_date, parse_header, read
from pipeline.record import Doc


@pytest.mark.parametrize("text, expected", [
    (" date 2025-10-20 Автор: Эмин Алиев, главный редактор АМИ Trend, специально для Day.Az.\n\nТекст.",
     {"published": "2025-10-20", "author": "Эмин Алиев", "outlet": "Day.Az"}),
    ("Дата: 20.10.2025\nИсточник: Trend\nАвтор: Иван Петров\n\nТекст.",
     {"published": "2025-10-20", "outlet": "Trend", "author": "Иван Петров"}),
    ("Заголовок: Визит в Астану\nДата: 3 марта 2024\nСсылка: https://x.az/1\n\nТекст.",
     {"title": "Визит в Астану", "published": "2024-03-03", "url": "https://x.az/1"}),
    ("Просто текст без шапки. Дата: не здесь.", {}),
])
def test_ingest_header(text, expected):
    meta, body_start = parse_header(text)
    assert meta == expected
    assert text[body_start:].lstrip().startswith("Просто" if not expected else "Текст")


@pytest.mark.parametrize("value, iso", [("2025-10-20", "2025-10-20"), ("20.10.2025", "2025-10-20"),
                                        ("20 октября 2025", "2025-10-20"), ("никогда", None)])
def test_ingest_iso_date(value, iso):
    assert iso_date(value) == iso


def test_ingest_decodes_cp1251_and_refuses_binary():
    assert decode("Товарооборот вырос.".encode("cp1251")) == "Товарооборот вырос."
    assert decode("\ufeffТекст".encode("utf-8")) == "Текст"
    with pytest.raises(errors.BinaryInput):
        decode(b"\x89PNG\r\n\x1a\n\x00\x00\x00")


def test_ingest_txt_keeps_full_text_and_offsets(tmp_path):
    text = "date 2025-10-20 Автор: Эмин Алиев\n\nБаку и Астана договорились."
    path = tmp_path / "a.txt"
    path.write_text(text, encoding="utf-8")
    [doc] = list(read(Source(path, "a.txt", "txt")))
    assert isinstance(doc, Doc) and doc.text == text
    assert doc.meta["published"] == "2025-10-20" and doc.meta["language"] == "ru"


def test_ingest_directory_ids_are_relative_paths(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.txt").write_text("Москва.", encoding="utf-8")
    (tmp_path / "a.txt").write_text("Баку.", encoding="utf-8")
    (tmp_path / "skip.ann").write_text("T1", encoding="utf-8")
    sources, missing = discover([str(tmp_path), str(tmp_path / "absent.txt")])
    assert [s.id for s in sources] == ["a.txt", "sub/b.txt"]
    assert missing[0]["error"]["code"] == "E001"


def test_ingest_jsonl_bad_lines_become_error_records(tmp_path):
    path = tmp_path / "docs.jsonl"
    lines = [json.dumps({"id": "x1", "text": "Москва заявила.", "date": "2024-05-01", "source": "TASS"},
                        ensure_ascii=False), "{oops", json.dumps({"id": "x3", "text": "  "}), json.dumps([1])]
    path.write_text("\n".join(lines), encoding="utf-8")
    items = list(read(Source(path, "docs.jsonl", "jsonl")))
    assert items[0].id == "x1" and items[0].meta["published"] == "2024-05-01" and items[0].meta["source"] == "TASS"
    assert [i["error"]["code"] for i in items[1:]] == ["E006", "E004", "E006"]
    assert [i["id"] for i in items[1:]] == ["docs.jsonl:2", "x3", "docs.jsonl:4"]


def test_ingest_refuses_oversized_document(tmp_path):
    path = tmp_path / "big.txt"
    path.write_text("Абв " * 300_000, encoding="utf-8")
    [item] = list(read(Source(path, "big.txt", "txt")))
    assert item["error"]["code"] == "E005"


def test_ingest_marks_non_russian_language(tmp_path):
    path = tmp_path / "en.txt"
    path.write_text("The talks between Baku and Astana ended with a joint statement on transit.", encoding="utf-8")
    [doc] = list(read(Source(path, "en.txt", "txt")))
    assert doc.meta["language"] == "en"


def test_ingest_html_main_text(tmp_path):
    html = ("<html><head><title>Визит</title><meta name='author' content='Иван Петров'></head><body>"
            "<nav>Меню сайта</nav><article><h1>Визит в Астану</h1>"
            + "<p>Президент Азербайджана прибыл в Казахстан с государственным визитом. "
              "Стороны обсудили транзит и торговлю.</p>" * 5
            + "</article><footer>Все права защищены</footer></body></html>")
    path = tmp_path / "page.html"
    path.write_text(html, encoding="utf-8")
    [doc] = list(read(Source(path, "page.html", "html")))
    assert "Президент Азербайджана прибыл" in doc.text and "Меню сайта" not in doc.text
    assert doc.meta["title"]
