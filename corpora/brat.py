"""NEREL (brat standoff) reader: one record per document with its text and entity spans.

Entity lines look like `T<n>\t<TYPE> <start> <end>[;<start> <end>...]\t<text>`. NEREL nests entities
("МВД Киргизии" is an ORGANIZATION holding a COUNTRY); every entity is kept, nested ones included.
A discontinuous entity (128 of ~56k in train, e.g. "главы ... администрации") is kept with its outer
extent, min start to max end, because that is the span a contiguous tagger can find.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

Span = dict  # {"start": int, "end": int, "type": str}


def parse_entity_line(line: str) -> Span | None:
    """The entity of one `T` line as its outer extent, or None for relations, events, notes."""
    if not line.startswith("T"):
        return None
    _, header, *_ = line.split("\t")
    type_, fragments = header.split(" ", 1)
    bounds = [tuple(map(int, part.split())) for part in fragments.split(";")]
    return {"start": min(b[0] for b in bounds), "end": max(b[1] for b in bounds), "type": type_}


def read_ann(path: Path) -> list[Span]:
    lines = path.read_text(encoding="utf-8").splitlines()
    spans = [span for span in map(parse_entity_line, lines) if span]
    return sorted(spans, key=lambda s: (s["start"], -s["end"], s["type"]))


def iter_documents(folder: str | Path, limit: int | None = None) -> Iterator[dict]:
    """{id, text, spans} for each `NAME.txt` + `NAME.ann` pair in `folder`, sorted by name."""
    texts = sorted(Path(folder).glob("*.txt"))[:limit]
    for path in texts:
        yield {
            "id": path.stem,
            "text": path.read_text(encoding="utf-8"),
            "spans": read_ann(path.with_suffix(".ann")),
        }


def document_files(folder: str | Path, limit: int | None = None) -> list[Path]:
    """The files a load reads, for checksums in a model's meta."""
    texts = sorted(Path(folder).glob("*.txt"))[:limit]
    return [f for t in texts for f in (t, t.with_suffix(".ann"))]


def load(folder: str | Path, limit: int | None = None):
    """The folder as a `datasets.Dataset` with columns id, text, spans."""
    import datasets

    return datasets.Dataset.from_list(list(iter_documents(folder, limit)))
