"""Inputs → documents: .txt (with a metadata header), .jsonl, .html, directories, stdin.

Every reader yields either a `Doc` or an error record; a bad file or line never stops the batch.
`Doc.text` is the full original content (for HTML: the main text trafilatura extracts) and all
offsets index into it; the header is parsed into `meta` but stays in the text.
"""
from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from .errors import (BinaryInput, BilatError, DocumentTooLarge, EmptyText, MalformedJsonl,
                     PathNotFound, UndecodableInput)
from .record import Doc, error_record

SUFFIXES = {".txt": "txt", ".text": "txt", ".jsonl": "jsonl", ".html": "html", ".htm": "html"}
META_KEYS = ("title", "published", "author", "outlet", "url", "language")
MAX_BYTES = 1_000_000

Item = Doc | dict[str, Any]


@dataclass(frozen=True)
class Source:
    """One input file (or stdin) and the id its documents get."""

    path: Path | None  # None: stdin
    id: str
    format: str

    def count(self) -> int:
        """How many documents it holds, cheaply, for the progress bar."""
        if self.format != "jsonl" or self.path is None:
            return 1
        with open(self.path, "rb") as file:
            return sum(1 for line in file if line.strip())


def discover(inputs: list[str]) -> tuple[list[Source], list[dict[str, Any]]]:
    """The sources named by the command line, and error records for paths that do not exist."""
    sources, missing = [], []
    for arg in inputs:
        if arg == "-":
            sources.append(Source(None, "stdin", "stdin"))
            continue
        path = Path(arg)
        if path.is_dir():
            sources.extend(directory_sources(path))
        elif path.is_file():
            sources.append(Source(path, path.name, SUFFIXES.get(path.suffix.lower(), "txt")))
        else:
            missing.append(error_record(arg, PathNotFound(f"{arg}: no such file or directory")))
    return sources, missing


def directory_sources(root: Path) -> Iterator[Source]:
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix.lower() in SUFFIXES and not path.name.startswith("."):
            yield Source(path, path.relative_to(root).as_posix(), SUFFIXES[path.suffix.lower()])


def read(source: Source) -> Iterator[Item]:
    """The documents of one source."""
    try:
        data = sys.stdin.buffer.read() if source.path is None else source.path.read_bytes()
        if source.format == "jsonl" or (source.format == "stdin" and looks_like_jsonl(data)):
            yield from jsonl_docs(data, source.id)
        elif source.format == "html":
            yield checked(html_doc(decode(data), source.id))
        else:
            yield checked(txt_doc(decode(data), source.id))
    except BilatError as error:
        yield error_record(source.id, error)


def looks_like_jsonl(data: bytes) -> bool:
    return data.lstrip()[:1] == b"{"


def decode(data: bytes) -> str:
    """UTF-8, else cp1251 (still common on Russian sites); binary files are refused."""
    if b"\x00" in data[:8192]:
        raise BinaryInput("file looks binary (NUL bytes), not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    text = data.decode("cp1251", errors="replace")
    if plausible_text(text):
        return text
    raise UndecodableInput("file is neither UTF-8 nor cp1251 text")


def plausible_text(text: str) -> bool:
    letters = sum(ch.isalpha() or ch.isspace() or ch in ".,;:!?-—«»\"'()0123456789" for ch in text)
    return "\ufffd" not in text and letters >= 0.9 * len(text)


def checked(doc: Doc) -> Doc:
    if not doc.text.strip():
        raise EmptyText("document has no text")
    size = len(doc.text.encode("utf-8"))
    if size > MAX_BYTES:
        raise DocumentTooLarge(f"document is {size} bytes; the limit is {MAX_BYTES} (split it into articles)")
    doc.meta.setdefault("language", detect_language(doc.text))
    return doc


def txt_doc(text: str, doc_id: str, meta: dict[str, Any] | None = None) -> Doc:
    """A document from raw text: header metadata (overridden by `meta`) and where the body starts."""
    found, body_start = parse_header(text)
    return Doc(doc_id, text, complete_meta({**found, **(meta or {})}), body_start=body_start)


def jsonl_docs(data: bytes, source_id: str) -> Iterator[Item]:
    for number, line in enumerate(decode(data).splitlines(), 1):
        if not line.strip():
            continue
        doc_id = f"{source_id}:{number}"
        try:
            doc = jsonl_doc(line, doc_id)
            doc_id = doc.id
            yield checked(doc)
        except BilatError as error:
            yield error_record(doc_id, error)


def jsonl_doc(line: str, line_id: str) -> Doc:
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as error:
        raise MalformedJsonl(f"line is not JSON ({error.msg} at column {error.colno})") from None
    if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
        raise MalformedJsonl('line must be an object with a string "text"')
    doc_id = str(obj.pop("id", line_id))
    text = obj.pop("text")
    meta = {("published" if key == "date" else key): value for key, value in obj.items()}
    if meta.get("published"):
        meta["published"] = iso_date(str(meta["published"]))
    return Doc(doc_id, text, complete_meta(meta))


def html_doc(html: str, doc_id: str) -> Doc:
    import trafilatura

    extracted = trafilatura.bare_extraction(html, with_metadata=True, favor_precision=True)
    if extracted is None:
        raise EmptyText("no main text found in the HTML")
    found = extracted.as_dict()
    meta = {
        "title": found.get("title"),
        "published": iso_date(found["date"]) if found.get("date") else None,
        "author": found.get("author"),
        "outlet": found.get("sitename"),
        "url": found.get("url"),
    }
    return Doc(doc_id, found.get("text") or "", complete_meta(meta))


def complete_meta(meta: dict[str, Any]) -> dict[str, Any]:
    return {**{key: None for key in META_KEYS if key != "language"}, **meta}


# --- the .txt metadata header -------------------------------------------------------------

LEAD_LINE = re.compile(r"^\s*date\s+(?P<date>\S+)\s*(?P<rest>.*)$", re.IGNORECASE)
HEADER_LINE = re.compile(
    r"^\s*(?P<key>Дата|Источник|Автор|Заголовок|Ссылка|URL|Date|Source|Author|Title)\s*:\s*(?P<value>.+?)\s*$",
    re.IGNORECASE,
)
HEADER_KEYS = {
    "дата": "published", "date": "published", "источник": "outlet", "source": "outlet",
    "автор": "author", "author": "author", "заголовок": "title", "title": "title",
    "ссылка": "url", "url": "url",
}
AUTHOR_FIELD = re.compile(r"Автор\s*:\s*(?P<author>[^,.;]+)", re.IGNORECASE)
FOR_OUTLET = re.compile(r"специально для\s+(?P<outlet>\S+?)\.?\s*$", re.IGNORECASE)


def parse_header(text: str) -> tuple[dict[str, Any], int]:
    """Metadata from a leading `date YYYY-MM-DD Автор: ...` line and `Key: value` header lines,
    and the offset where the body starts (0 when there is no header)."""
    meta: dict[str, Any] = {}
    body_start = 0
    for line in re.finditer(r"[^\n]*\n?", text):
        content = line.group().strip()
        if not content:
            if meta or not line.group():
                break
            continue
        if lead := LEAD_LINE.match(content):
            meta.update(lead_line_meta(lead))
        elif header := HEADER_LINE.match(content):
            meta[HEADER_KEYS[header["key"].lower()]] = header["value"]
        else:
            break
        body_start = line.end()
    if meta.get("published"):
        meta["published"] = iso_date(meta["published"])
    return meta, body_start if meta else 0


def lead_line_meta(match: re.Match) -> dict[str, Any]:
    meta = {"published": match["date"]}
    if author := AUTHOR_FIELD.search(match["rest"]):
        meta["author"] = author["author"].strip()
    if outlet := FOR_OUTLET.search(match["rest"]):
        meta["outlet"] = outlet["outlet"]
    return meta


def iso_date(value: str) -> str | None:
    """An ISO 8601 date from whatever a header says ("2025-10-20", "20.10.2025", "20 октября 2025")."""
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        return value.strip()
    import dateparser

    parsed = dateparser.parse(value, languages=["ru", "en"], settings={"DATE_ORDER": "DMY"})
    return parsed.date().isoformat() if parsed else None


def detect_language(text: str) -> str:
    import py3langid

    return py3langid.classify(text[:2000])[0]
