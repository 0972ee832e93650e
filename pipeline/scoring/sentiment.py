"""Score and apply the entity-sentiment model on RuSentNE-format TSV files.

`command` is `bilat evaluate sentiment`; `predict_command` is `bilat sentiment IN.tsv -o OUT.tsv`.
"""
from __future__ import annotations

import typer

DEFAULT_MODEL = "models/sentiment/v3"


def evaluate(gold: list[int], pred: list[int]) -> dict:
    """F1_PN, per-class precision/recall/F1/support and the confusion matrix (rows gold, columns predicted)."""
    from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

    from ..sentiment import LABEL_NAMES, LABELS, f1_pn

    p, r, f, n = precision_recall_fscore_support(gold, pred, labels=list(LABELS), zero_division=0)
    return {
        "f1_pn": round(f1_pn(gold, pred), 4),
        "per_class": {LABEL_NAMES[label]: {"precision": round(float(p[i]), 4), "recall": round(float(r[i]), 4),
                                           "f1": round(float(f[i]), 4), "support": int(n[i])}
                      for i, label in enumerate(LABELS)},
        "confusion": confusion_matrix(gold, pred, labels=list(LABELS)).tolist(),
        "rows": len(gold),
    }


def format_report(metrics: dict) -> str:
    from ..sentiment import LABEL_NAMES, LABELS

    lines = [f"F1_PN {metrics['f1_pn']:.4f} on {metrics['rows']} rows", "",
             f"{'class':<10}{'P':>8}{'R':>8}{'F1':>8}{'n':>7}"]
    for name, row in metrics["per_class"].items():
        lines.append(f"{name:<10}{row['precision']:>8.4f}{row['recall']:>8.4f}{row['f1']:>8.4f}{row['support']:>7}")
    names = [LABEL_NAMES[label][:3] for label in LABELS]
    lines += ["", "gold \\ pred " + "".join(f"{n:>7}" for n in names)]
    lines += [f"{names[i]:<12}" + "".join(f"{c:>7}" for c in row) for i, row in enumerate(metrics["confusion"])]
    return "\n".join(lines)


def load_model(model: str, backend: str = "ensemble"):
    from .. import paths
    from ..sentiment import SentimentModel

    return SentimentModel.load(paths.resolve(model)).restricted_to(backend)


def command(
    model: str = typer.Option(DEFAULT_MODEL, help="model folder"),
    data: str = typer.Option("", help="RuSentNE-format TSV with labels; default: the fixed dev split"),
    backend: str = typer.Option("ensemble", help="ensemble, or only the members of one kind: sklearn|torch|hf"),
) -> dict:
    """Evaluate entity sentiment: F1_PN, per-class P/R/F1 and the confusion matrix."""
    from corpora import rusentne

    import time

    from ..sentiment import mentions_from_frame

    frame = rusentne.read_tsv(data) if data else rusentne.load("dev").to_pandas()
    predictor = load_model(model, backend)
    gold = [int(x) for x in frame["label"]]
    started = time.perf_counter()
    proba = predictor.predict_proba(mentions_from_frame(frame))
    pred = predictor.labels(proba)
    metrics = evaluate(gold, [int(x) for x in pred])
    metrics["rows_per_second"] = round(len(frame) / (time.perf_counter() - started), 1)
    metrics["f1_pn_offsets_tuned_here"] = offsets_ceiling(proba, gold)
    typer.echo(format_report(metrics) + f"\n\n{metrics['rows_per_second']} rows/s (tokenising included)\n"
               f"F1_PN with the offsets tuned on these very rows (a ceiling of this model's probabilities, "
               f"not a score): {metrics['f1_pn_offsets_tuned_here']:.4f}")
    return metrics


def offsets_ceiling(proba, gold: list[int]) -> float:
    """The best F1_PN any per-class offsets reach on `proba`: what no recalibration of the model can beat."""
    from ..sentiment import tuned_f1_pn

    return round(tuned_f1_pn(proba, gold), 4)


def predict_command(
    input: str = typer.Argument(..., help="RuSentNE-format TSV (sentence, entity, entity_tag, start, end[, label])"),
    output: str = typer.Option(..., "-o", "--output", help="where to write the TSV with predicted labels"),
    model: str = typer.Option(DEFAULT_MODEL, help="model folder"),
    backend: str = typer.Option("ensemble", help="ensemble, or only the members of one kind: sklearn|torch|hf"),
) -> None:
    """Predict RuSentNE labels (-1, 0, 1) for every row of a TSV and write the same columns back."""
    import csv

    from corpora import rusentne

    from ..sentiment import mentions_from_frame

    frame = rusentne.read_tsv(input)
    frame["label"] = load_model(model, backend).predict(mentions_from_frame(frame))
    columns = [c for c in rusentne.COLUMNS]
    frame[columns].to_csv(output, sep="\t", index=False, quoting=csv.QUOTE_NONE)
