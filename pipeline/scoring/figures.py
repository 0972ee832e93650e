"""Score the figures stage against our own gold (corpora/annotations/figures.jsonl, guidelines in
corpora/guidelines/figures.md): span F1 (exact and overlap), value+unit accuracy and approx accuracy on
exactly matched spans, period accuracy on matched gold figures that have a period.

The gold has three splits: "dev" documents, read while the rules were written; "heldout", annotated
once the rules stood and scored before the rules were corrected again; "heldout2", the same a second
time. Only a split's first scoring is an unbiased estimate (see the report that came with the gold).

Actors are not scored (the gold has none), so documents go through the segment stage and the figures
stage with an empty entity list.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from .. import paths

GOLD = paths.REPO_ROOT / "corpora" / "annotations" / "figures.jsonl"


def read_gold(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def document_path(corpora: Path, record: dict) -> Path:
    return corpora / record["corpus"] / f"{record['doc_id']}.txt"


def predict(text: str, published: str | None, doc_id: str = "") -> list[dict]:
    """Figures for one text, through the same stages the pipeline runs."""
    from ..record import Doc
    from ..stages.figures import Figures
    from ..stages.segment import Segment

    doc = Doc(doc_id, text, {"published": published})
    Segment().process(doc)
    doc.fields["entities"] = []
    Figures().process(doc)
    return doc.fields["figures"]


def same_value(gold: dict, pred: dict) -> bool:
    def close(a, b) -> bool:
        if a is None or b is None:
            return a is b
        return abs(float(a) - float(b)) <= 1e-9 * max(1.0, abs(float(a)))

    return close(gold["value"], pred["value"]) and close(gold.get("value_max"), pred.get("value_max")) and gold["unit"] == pred["unit"]


def overlap_pairs(gold: list[dict], pred: list[dict]) -> int:
    """One-to-one matches between overlapping spans, greedy left to right."""
    used: set[int] = set()
    matched = 0
    for g in gold:
        for k, p in enumerate(pred):
            if k not in used and p["start"] < g["end"] and g["start"] < p["end"]:
                used.add(k)
                matched += 1
                break
    return matched


def f1(matched: int, n_gold: int, n_pred: int) -> dict[str, float]:
    precision = matched / n_pred if n_pred else 1.0
    recall = matched / n_gold if n_gold else 1.0
    score = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(score, 4)}


def score(records: list[dict], corpora: Path) -> tuple[dict[str, Any], list[dict]]:
    totals = dict(gold=0, pred=0, exact=0, overlap=0, value_ok=0, approx_ok=0, period_gold=0, period_ok=0)
    errors: list[dict] = []
    for record in records:
        text = document_path(corpora, record).read_text(encoding="utf-8")
        gold, pred = record["figures"], predict(text, record.get("published"), record["doc_id"])
        by_span = {(p["start"], p["end"]): p for p in pred}
        totals["gold"] += len(gold)
        totals["pred"] += len(pred)
        totals["overlap"] += overlap_pairs(gold, pred)
        for g in gold:
            p = by_span.get((g["start"], g["end"]))
            problem = judge(g, p, totals)
            if problem:
                errors.append({"doc": f"{record['corpus']}/{record['doc_id']}", "gold": g, "pred": p, "problem": problem, "text": text[g["start"]:g["end"]]})
        gold_spans = {(g["start"], g["end"]) for g in gold}
        errors += [
            {"doc": f"{record['corpus']}/{record['doc_id']}", "gold": None, "pred": p, "problem": "spurious"}
            for p in pred if (p["start"], p["end"]) not in gold_spans
        ]
    return summarise(totals, len(records)), errors


def judge(gold: dict, pred: dict | None, totals: dict) -> str | None:
    """Count one gold figure into `totals`; the kind of error, if any."""
    problems = []
    if pred is None:
        return "missed"
    totals["exact"] += 1
    if same_value(gold, pred):
        totals["value_ok"] += 1
    else:
        problems.append("value/unit")
    if gold["approx"] == pred["approx"]:
        totals["approx_ok"] += 1
    else:
        problems.append("approx")
    if gold.get("period"):
        totals["period_gold"] += 1
        if pred.get("period") == gold["period"]:
            totals["period_ok"] += 1
        else:
            problems.append("period")
    return ", ".join(problems) or None


def summarise(t: dict, documents: int) -> dict[str, Any]:
    ratio = lambda a, b: round(a / b, 4) if b else None  # noqa: E731
    return {
        "documents": documents,
        "gold_figures": t["gold"],
        "predicted_figures": t["pred"],
        "span_exact": f1(t["exact"], t["gold"], t["pred"]),
        "span_overlap": f1(t["overlap"], t["gold"], t["pred"]),
        "value_unit_accuracy": ratio(t["value_ok"], t["exact"]),
        "approx_accuracy": ratio(t["approx_ok"], t["exact"]),
        "period_accuracy": ratio(t["period_ok"], t["period_gold"]),
        "period_gold_matched": t["period_gold"],
    }


def stage_timings(records: list[dict], corpora: Path) -> dict[str, Any]:
    """Milliseconds per document of each configured stage that builds here, on the gold documents,
    and the figures stage's share of their sum. Stages whose models are missing are listed and left out."""
    import time

    from ..config import load_config
    from ..ingest import txt_doc
    from ..pipe import enabled_stages
    from ..registry import STAGES
    from ..stages import load_all

    load_all()
    built, missing, available = [], [], {"id", "text", "meta"}
    for factory, params in enabled_stages(load_config()):
        cls = STAGES.get(factory)
        if cls is None:
            missing.append(f"{factory}: not registered")
            continue
        lacking = [need for need in cls.requires if need not in available]
        if lacking:
            missing.append(f"{factory}: needs {', '.join(lacking)}")
            continue
        try:
            built.append((factory, cls(**params)))
            available.update(cls.assigns)
        except Exception as error:  # a stage without its trained model
            missing.append(f"{factory}: {type(error).__name__}")
    docs = [txt_doc(document_path(corpora, r).read_text(encoding="utf-8"), r["doc_id"]) for r in records]
    spent = {}
    for factory, stage in built:
        start = time.perf_counter()
        stage(docs)
        spent[factory] = round(1000 * (time.perf_counter() - start) / len(docs), 2)
    total = sum(spent.values())
    return {"ms_per_document": spent, "figures_share": round(spent.get("figures.v1", 0) / total, 4), "not_built": missing}


def command(
    gold: Path = typer.Option(GOLD, help="Gold figures (JSON lines, offsets into the shared corpora)."),
    corpora: Path = typer.Option(None, help="Shared corpora folder (default: $BILAT_CORPORA or ../shared/corpora)."),
    split: str = typer.Option("all", help="Which documents: dev, heldout, heldout2, or all."),
    errors: bool = typer.Option(False, help="Print every disagreement after the scores."),
    timing: bool = typer.Option(False, help="Also time each configured stage on these documents."),
) -> None:
    """Score the figures stage against the hand-annotated gold: span F1, value+unit and period accuracy."""
    records = [r for r in read_gold(gold) if split == "all" or r.get("split", "dev") == split]
    metrics, disagreements = score(records, corpora or paths.corpora_dir())
    metrics["split"] = split
    if timing:
        metrics["timing"] = stage_timings(records, corpora or paths.corpora_dir())
    typer.echo(json.dumps(metrics, ensure_ascii=False, indent=2))
    if errors:
        for e in disagreements:
            typer.echo(json.dumps(e, ensure_ascii=False))
