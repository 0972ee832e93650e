"""The NEREL (brat) and factRuEval readers on the shared corpora, and brat line parsing inline."""
import os
from pathlib import Path

import pytest

from corpora import brat, factrueval

CORPORA = Path(os.environ.get("BILAT_CORPORA", Path(__file__).resolve().parents[1].parent / "shared" / "corpora"))
needs_corpora = pytest.mark.skipif(not CORPORA.is_dir(), reason=f"shared corpora not found at {CORPORA}")

ENTITY_LINES = [
    ("T1\tNATIONALITY 62 74\tамериканцами", {"start": 62, "end": 74, "type": "NATIONALITY"}),
    ("T16\tPROFESSION 564 569;576 589\tглавы администрации", {"start": 564, "end": 589, "type": "PROFESSION"}),
    ("T24\tDATE 108 124;97 101\tапреля 2016 года С 11", {"start": 97, "end": 124, "type": "DATE"}),
    ("R1\tKNOWS Arg1:T1 Arg2:T2\t", None),
    ("N1\tReference T1 Wikidata:Q30\tUSA", None),
]


@pytest.mark.parametrize("line, expected", ENTITY_LINES)
def test_brat_entity_line(line, expected):
    assert brat.parse_entity_line(line) == expected


@needs_corpora
def test_nerel_dev_spans_match_their_text():
    docs = brat.load(CORPORA / "nerel" / "dev")
    assert len(docs) == 94 and set(docs.column_names) == {"id", "text", "spans"}
    doc = docs[0]
    ann = (CORPORA / "nerel" / "dev" / f"{doc['id']}.ann").read_text(encoding="utf-8")
    contiguous = [line.split("\t") for line in ann.splitlines() if line.startswith("T") and ";" not in line]
    for _, header, text in contiguous:
        type_, start, end = header.split()
        assert doc["text"][int(start):int(end)] == text
        assert {"start": int(start), "end": int(end), "type": type_} in doc["spans"]


@needs_corpora
def test_nerel_keeps_nested_entities():
    doc = next(d for d in brat.iter_documents(CORPORA / "nerel" / "train") if d["id"] == "003")
    spans = {(s["start"], s["end"], s["type"]) for s in doc["spans"]}
    assert {(145, 179, "ORGANIZATION"), (171, 179, "COUNTRY")} <= spans


@needs_corpora
def test_factrueval_devset_objects():
    docs = factrueval.load(CORPORA / "factrueval" / "devset")
    assert len(docs) == 122
    doc = next(d for d in docs if d["id"] == "book_100")
    found = {(doc["text"][s["start"]:s["end"]], s["type"]) for s in doc["spans"]}
    assert {("мэрии Москвы", "ORG"), ("Москвы", "LOC"), ("Тверской площади", "LOC")} <= found
    assert {s["type"] for d in docs for s in d["spans"]} == {"PER", "ORG", "LOC"}
