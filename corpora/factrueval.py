"""factRuEval-2016 reader (`book_N.txt` + `.spans` + `.objects`), coarse PER/ORG/LOC like natasha's naeval.

An object (Person, Org, Location, LocOrg) is a set of mention spans; its extent runs from the first span's
start to the last span's end. Types map as naeval maps them: Person→PER, Org→ORG, Location and
LocOrg→LOC. Other object types (there are none in the devset's NER layer today) are dropped.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

OBJECT_TYPES = {"Person": "PER", "Org": "ORG", "Location": "LOC", "LocOrg": "LOC"}


def fields(line: str) -> list[str]:
    """The fields of a line before its `#` comment."""
    return line.split("#", 1)[0].split()


def read_spans(path: Path) -> dict[str, tuple[int, int]]:
    """span id → (start, end) character offsets."""
    spans = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if parts := fields(line):
            id_, _, start, length = parts[:4]
            spans[id_] = (int(start), int(start) + int(length))
    return spans


def read_objects(path: Path, spans: dict[str, tuple[int, int]]) -> list[dict]:
    objects = []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = fields(line)
        if not parts or parts[1] not in OBJECT_TYPES:
            continue
        bounds = [spans[id_] for id_ in parts[2:]]
        objects.append({
            "start": min(b[0] for b in bounds),
            "end": max(b[1] for b in bounds),
            "type": OBJECT_TYPES[parts[1]],
        })
    unique = {(o["start"], o["end"], o["type"]): o for o in objects}
    return sorted(unique.values(), key=lambda s: (s["start"], -s["end"], s["type"]))


def book_ids(folder: Path) -> list[str]:
    return sorted((p.stem for p in folder.glob("book_*.txt")), key=lambda s: int(s.split("_")[1]))


def iter_documents(folder: str | Path, limit: int | None = None) -> Iterator[dict]:
    """{id, text, spans} for each book in the devset, in numeric order."""
    folder = Path(folder)
    for id_ in book_ids(folder)[:limit]:
        spans = read_spans(folder / f"{id_}.spans")
        yield {
            "id": id_,
            "text": (folder / f"{id_}.txt").read_text(encoding="utf-8"),
            "spans": read_objects(folder / f"{id_}.objects", spans),
        }


def load(folder: str | Path, limit: int | None = None):
    """The devset as a `datasets.Dataset` with columns id, text, spans."""
    import datasets

    return datasets.Dataset.from_list(list(iter_documents(folder, limit)))
