"""Actor-linking accuracy on NEREL dev: gold COUNTRY spans, hand-assigned codes.

The codes live in corpora/annotations/nerel_dev_country_actors.tsv (doc id + offsets + a short sha1
of the span text to detect drift); the text comes from the shared corpus. Gold spans are linked
with the entities stage's own function, so this measures linking, not NER.
"""
from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import typer

from .. import paths

GOLD = paths.REPO_ROOT / "corpora" / "annotations" / "nerel_dev_country_actors.tsv"


def read_gold(path: Path = GOLD) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def span_text(corpus: Path, row: dict, cache: dict[str, str]) -> str:
    doc = row["doc_id"]
    if doc not in cache:
        cache[doc] = (corpus / f"{doc}.txt").read_text(encoding="utf-8")
    text = cache[doc][int(row["start"]):int(row["end"])]
    if hashlib.sha1(text.encode()).hexdigest()[:8] != row["sha1"]:
        raise ValueError(f"E201 span {doc}:{row['start']}-{row['end']} no longer matches its annotation")
    return text


def evaluate(corpus: Path, gold: Path = GOLD) -> tuple[float, list[tuple[str, str, str | None]]]:
    """Accuracy and the errors (text, gold code, predicted code)."""
    from ..gazetteer import default_gazetteer
    from ..stages.entities import country_actor

    gazetteer, cache, errors = default_gazetteer(), {}, []
    rows = read_gold(gold)
    for row in rows:
        text = span_text(corpus, row, cache)
        predicted = country_actor(text, gazetteer)
        if predicted != row["code"]:
            errors.append((text, row["code"], predicted))
    return 1 - len(errors) / len(rows), errors


def coverage(folder: Path) -> tuple[float, int]:
    """Share of a NEREL folder's COUNTRY spans that get some code (no gold codes needed: for train)."""
    from ..gazetteer import default_gazetteer
    from ..stages.entities import country_actor

    gazetteer = default_gazetteer()
    texts = [line.rstrip("\n").split("\t")[2] for ann in sorted(folder.glob("*.ann"))
             for line in ann.read_text(encoding="utf-8").splitlines(True)
             if line.count("\t") >= 2 and line.split("\t")[1].startswith("COUNTRY ")]
    linked = sum(country_actor(text, gazetteer) is not None for text in texts)
    return linked / max(len(texts), 1), len(texts)


def end_to_end(corpus: Path, gold: Path, model: str) -> dict[str, float]:
    """Run segment + entities on the gold documents: how many gold COUNTRY spans the stage finds with
    the exact span (any type), how many of those get the gold actor, and the stages' seconds."""
    import time

    from ..record import Doc
    from ..stages.entities import Entities
    from ..stages.segment import Segment

    rows = read_gold(gold)
    ids = sorted({row["doc_id"] for row in rows})
    docs = [Doc(i, (corpus / f"{i}.txt").read_text(encoding="utf-8")) for i in ids]
    stage = Entities(model=model)
    started = time.perf_counter()
    segment = Segment()
    for doc in docs:
        segment.process(doc)
    stage(docs)
    seconds = time.perf_counter() - started
    found = {(doc.id, e["start"], e["end"]): e["actor"] for doc in docs for e in doc.fields["entities"]}
    hits = [(found[key], row["code"]) for row in rows if (key := (row["doc_id"], int(row["start"]), int(row["end"]))) in found]
    return {"span_recall": len(hits) / len(rows), "actor_accuracy_on_found": sum(p == g for p, g in hits) / max(len(hits), 1),
            "seconds": seconds, "documents": len(docs), "characters": sum(len(d.text) for d in docs)}


def command(
    corpus: Path = typer.Option(None, help="NEREL dev folder (default: <corpora>/nerel/dev)"),
    gold: Path = typer.Option(GOLD, help="TSV of doc_id, start, end, code, sha1"),
    full: bool = typer.Option(False, "--end-to-end", help="also run segment + entities on the documents"),
    model: str = typer.Option("slovnet", help="NER model for --end-to-end: slovnet or models/ner/vN"),
    coverage_of: Path = typer.Option(None, "--coverage", help="a NEREL folder (e.g. train): share of its "
                                     "COUNTRY spans linked to any code"),
) -> None:
    """Accuracy of linking gold NEREL dev COUNTRY mentions to their state codes (gold spans, so this
    measures linking, not NER); with --end-to-end, also the whole entities stage on those documents."""
    corpus = corpus or paths.corpora_dir() / "nerel" / "dev"
    accuracy, errors = evaluate(corpus, gold)
    for text, expected, predicted in errors:
        typer.echo(f"{text!r}\tgold={expected}\tpredicted={predicted}")
    total = len(read_gold(gold))
    typer.echo(f"actor accuracy (gold spans): {accuracy:.4f} ({total - len(errors)}/{total})")
    if coverage_of:
        share, count = coverage(coverage_of)
        typer.echo(f"linked share of {count} COUNTRY spans in {coverage_of}: {share:.4f}")
    if full:
        for key, value in end_to_end(corpus, gold, model).items():
            typer.echo(f"{key}: {value:.4f}" if isinstance(value, float) else f"{key}: {value}")
