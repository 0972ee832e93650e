"""Our topic labels (corpora/annotations/topics.jsonl) joined with the shared texts they refer to.

Each annotation line is {corpus, doc_id, labels, split}: `corpus` is "nerel" (doc_id "train/NAME" or
"dev/NAME", the brat .txt under nerel/) or "factrueval" (doc_id "book_N" under factrueval/devset/).
Labels were assigned by reading the documents; see corpora/guidelines/topics.md.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Iterator

ANNOTATIONS = Path(__file__).resolve().parent / "annotations" / "topics.jsonl"
CORPUS_FOLDERS = {"nerel": "nerel", "factrueval": "factrueval/devset"}


def read_annotations(path: str | Path = ANNOTATIONS) -> list[dict]:
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def document_path(corpus: str, doc_id: str, root: str | Path) -> Path:
    """Where the text of an annotated document lies under the shared corpora `root`."""
    return Path(root) / CORPUS_FOLDERS[corpus] / f"{doc_id}.txt"


def iter_documents(root: str | Path, split: str | None = None, path: str | Path = ANNOTATIONS,
                   limit: int | None = None) -> Iterator[dict]:
    """{corpus, doc_id, text, labels, split} for the annotated documents of `split` (all when None)."""
    rows = [row for row in read_annotations(path) if split in (None, row["split"])]
    for row in rows[:limit]:
        text = document_path(row["corpus"], row["doc_id"], root).read_text(encoding="utf-8")
        yield {**row, "text": text}


def load(root: str | Path, split: str | None = None, path: str | Path = ANNOTATIONS, limit: int | None = None):
    """The annotated documents as a `datasets.Dataset` with columns corpus, doc_id, labels, split, text."""
    import datasets

    return datasets.Dataset.from_list(list(iter_documents(root, split, path, limit)))


def sha256(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def texts_checksum(rows: list[dict]) -> str:
    """One sha256 over the texts a training run read, in annotation order."""
    digest = hashlib.sha256()
    for row in rows:
        digest.update(f"{row['corpus']}/{row['doc_id']}\n".encode())
        digest.update(row["text"].encode("utf-8"))
    return digest.hexdigest()
