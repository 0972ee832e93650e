"""Score the dyad model on our dev labels: interacts precision/recall/F1, tone accuracy, confusion matrix."""
from __future__ import annotations

from pathlib import Path
from typing import Optional, Sequence

import typer

NONE = "none"  # the end-to-end label of a pair that does not interact
TONES = ("cooperative", "neutral", "conflictual")
END_TO_END = (NONE, *TONES)


def pair_views(examples: Sequence[dict]) -> list:
    """A `PairView` per annotated example (tokens as the segment stage makes them, spans in the sentence)."""
    from pipeline.dyads import PairView
    from pipeline.stages.segment import analyse_tokens

    return [PairView(analyse_tokens(e["text"]), [tuple(s) for s in e["a_spans"]], [tuple(s) for s in e["b_spans"]],
                     [tuple(s) for s in e["other_spans"]]) for e in examples]


def end_to_end_label(interacts: bool, tone: str | None) -> str:
    return tone if interacts and tone else NONE


def score(gold: Sequence[dict], predictions: Sequence) -> dict:
    """Metrics of `predictions` (pipeline.dyads.Prediction) against gold annotation rows."""
    tp = sum(p.interacts and g["interacts"] for g, p in zip(gold, predictions))
    fp = sum(p.interacts and not g["interacts"] for g, p in zip(gold, predictions))
    fn = sum(not p.interacts and g["interacts"] for g, p in zip(gold, predictions))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    interacting = [(g, p) for g, p in zip(gold, predictions) if g["interacts"]]
    tone_on_gold = [max(p.tone_proba, key=p.tone_proba.get) == g["tone"] for g, p in interacting]
    gold_e2e = [end_to_end_label(g["interacts"], g["tone"]) for g in gold]
    pred_e2e = [end_to_end_label(p.interacts, p.tone) for p in predictions]
    return {
        "pairs": len(gold),
        "interacts": {"precision": round(precision, 4), "recall": round(recall, 4),
                      "f1": round(2 * precision * recall / (precision + recall), 4) if tp else 0.0,
                      "gold_positive": tp + fn, "predicted_positive": tp + fp},
        "tone_accuracy_gold_interacting": round(sum(tone_on_gold) / len(tone_on_gold), 4) if tone_on_gold else 0.0,
        "tone_accuracy_end_to_end": round(sum(g == p for g, p in zip(gold_e2e, pred_e2e)) / len(gold), 4) if gold else 0.0,
        "tone_accuracy_predicted_interacting": tone_accuracy_on_predicted(gold, predictions),
        "confusion_end_to_end": confusion(gold_e2e, pred_e2e),
        "confusion_tone_gold_interacting": confusion([g["tone"] for g, _ in interacting],
                                                     [max(p.tone_proba, key=p.tone_proba.get) for _, p in interacting],
                                                     TONES),
    }


def tone_accuracy_on_predicted(gold: Sequence[dict], predictions: Sequence) -> float:
    """Tone accuracy on pairs both gold and the model call interacting (what the record's dyads carry)."""
    both = [(g, p) for g, p in zip(gold, predictions) if g["interacts"] and p.interacts]
    return round(sum(p.tone == g["tone"] for g, p in both) / len(both), 4) if both else 0.0


def confusion(gold: Sequence[str], predicted: Sequence[str], labels: Sequence[str] = END_TO_END) -> dict[str, dict[str, int]]:
    """rows: gold label, columns: predicted label."""
    return {g: {p: sum(1 for x, y in zip(gold, predicted) if x == g and y == p) for p in labels} for g in labels}


def format_report(metrics: dict) -> str:
    i = metrics["interacts"]
    lines = [
        f"pairs: {metrics['pairs']}",
        f"interacts: precision {i['precision']:.3f}  recall {i['recall']:.3f}  F1 {i['f1']:.3f}  "
        f"(gold {i['gold_positive']}, predicted {i['predicted_positive']})",
        f"tone accuracy on gold-interacting pairs: {metrics['tone_accuracy_gold_interacting']:.3f}",
        f"tone accuracy on pairs gold and predicted interacting: {metrics['tone_accuracy_predicted_interacting']:.3f}",
        f"end-to-end accuracy (none/cooperative/neutral/conflictual): {metrics['tone_accuracy_end_to_end']:.3f}",
        "confusion (rows gold, columns predicted): " + " ".join(f"{p[:4]:>5}" for p in END_TO_END),
    ]
    lines += [f"  {g:>12} " + " ".join(f"{metrics['confusion_end_to_end'][g][p]:>5}" for p in END_TO_END) for g in END_TO_END]
    lines.append("tone confusion on gold-interacting pairs (rows gold, columns predicted): "
                 + " ".join(f"{p[:4]:>5}" for p in TONES))
    lines += [f"  {g:>12} " + " ".join(f"{metrics['confusion_tone_gold_interacting'][g][p]:>5}" for p in TONES) for g in TONES]
    return "\n".join(lines)


def predict_examples(model, examples: Sequence[dict]) -> list:
    return model.predict(pair_views(examples))


def command(
    model: str = typer.Option("models/dyads/v1", help="model folder"),
    annotations: Optional[Path] = typer.Option(None, help="annotation file (default: corpora/annotations/dyads.jsonl "
                                               "and the train-only dyads_round2.jsonl)"),
    split: str = typer.Option("dev", help="train or dev"),
    corpora: Optional[Path] = typer.Option(None, help="shared corpora folder (default $BILAT_CORPORA or ../shared/corpora)"),
) -> dict:
    """Print interacts precision/recall/F1, tone accuracy and the confusion matrix of a dyad model on our labels."""
    from corpora import dyads as corpus
    from pipeline import paths
    from pipeline.dyads import load_model

    dataset = corpus.load(corpora, annotations or (corpus.ANNOTATIONS, corpus.ROUND2_ANNOTATIONS))
    examples = list(dataset[split])
    metrics = score(examples, predict_examples(load_model(paths.resolve(model)), examples))
    typer.echo(format_report(metrics))
    return metrics
