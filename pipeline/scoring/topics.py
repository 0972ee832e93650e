"""Evaluate a topic model on our read-labelled documents: per-label P/R/F1, micro-F1 and macro-F1."""
from __future__ import annotations

from typing import Optional, Sequence

import typer


def with_lemmas(rows: list[dict]) -> list[dict]:
    """The rows with `lemmas` added, tokenised and lemmatised as the pipeline does it."""
    from pipeline.topics import lemmatise

    return [{**row, "lemmas": lemmatise(row["text"])} for row in rows]


def predict_labels(model, rows: list[dict]) -> list[set[str]]:
    proba = model.predict_proba([r["text"] for r in rows], [r["lemmas"] for r in rows])
    return [{label for label, _ in model.assign(row)} for row in proba]


def f1(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return precision, recall, (2 * precision * recall / (precision + recall) if precision + recall else 0.0)


def label_metrics(gold: list[set[str]], pred: list[set[str]], labels: Sequence[str]) -> dict:
    """{per_label: {label: {precision, recall, f1, support}}, micro_f1, macro_f1, documents}."""
    per_label, totals = {}, [0, 0, 0]
    for label in labels:
        tp = sum(label in g and label in p for g, p in zip(gold, pred))
        fp = sum(label not in g and label in p for g, p in zip(gold, pred))
        fn = sum(label in g and label not in p for g, p in zip(gold, pred))
        precision, recall, score = f1(tp, fp, fn)
        per_label[label] = {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(score, 4),
                            "support": tp + fn}
        totals = [totals[0] + tp, totals[1] + fp, totals[2] + fn]
    scored = [m["f1"] for m in per_label.values() if m["support"]]
    return {"per_label": per_label, "micro_f1": round(f1(*totals)[2], 4),
            "macro_f1": round(sum(scored) / len(scored), 4) if scored else 0.0, "documents": len(gold)}


def evaluate(model, rows: list[dict]) -> dict:
    """Metrics of `model` on rows with text, lemmas and gold labels (macro over labels present in gold)."""
    return label_metrics([set(r["labels"]) for r in rows], predict_labels(model, rows), model.labels)


def format_metrics(metrics: dict) -> str:
    lines = [f"{'label':<22}{'P':>7}{'R':>7}{'F1':>7}{'n':>6}"]
    for label, m in metrics["per_label"].items():
        lines.append(f"{label:<22}{m['precision']:>7.3f}{m['recall']:>7.3f}{m['f1']:>7.3f}{m['support']:>6}")
    lines.append(f"micro-F1 {metrics['micro_f1']:.4f}  macro-F1 {metrics['macro_f1']:.4f}  "
                 f"({metrics['documents']} documents)")
    return "\n".join(lines)


def command(
    model: str = typer.Option("models/topics/v1", help="model folder"),
    split: str = typer.Option("dev", help="annotation split to score: dev or train"),
    annotations: Optional[str] = typer.Option(None, help="annotation file (default corpora/annotations/topics.jsonl)"),
    corpora: Optional[str] = typer.Option(None, help="shared corpora folder (default $BILAT_CORPORA or ../shared/corpora)"),
) -> None:
    """Print per-label precision/recall/F1, micro-F1 and macro-F1 of a topic model on our labelled documents."""
    from corpora import topics as corpus
    from pipeline import paths
    from pipeline.topics import load_model

    rows = list(corpus.iter_documents(corpora or paths.corpora_dir(), split, annotations or corpus.ANNOTATIONS))
    typer.echo(format_metrics(evaluate(load_model(paths.resolve(model)), with_lemmas(rows))))
