"""Fine-tune and run any local Hugging Face checkpoint as a text classifier (no hub downloads).

Two entry points, shared by the sentiment, topics and dyads tasks:

    metrics = train_classifier(texts, labels, base_model="path/to/checkpoint", output=Path("models/x/hf-v1"))
    proba = HFClassifier.load("models/x/hf-v1").predict_proba(texts)        # (n, num_labels)

- Single-label: `labels` are class indices 0..k-1 (`num_labels` defaults to max + 1); `predict_proba`
  returns softmax rows.
- Multi-label (`multi_label=True`): `labels` are multi-hot rows (list of 0/1 of length k); training uses
  BCE and `predict_proba` returns independent sigmoids.
- `text_pairs` feeds a second segment (e.g. the entity) to the tokenizer, at training and prediction alike.
- `extra_tokens` (e.g. entity markers "[E]", "[/E]") become special tokens; embeddings are resized.
- `class_weight="balanced"` (or a list of weights) reweights the single-label loss.
- `eval_texts/eval_labels[/eval_pairs]` are scored after each epoch; the returned dict has the
  per-epoch train loss, eval loss/accuracy if given, and the seconds spent.

The output folder is a normal checkpoint (`save_pretrained` of model and tokenizer) plus
`bilat_hf.json` (multi_label, max_length, metrics). Runs on CUDA when available, else CPU.
Everything loads with `local_files_only=True`.
"""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Sequence

import numpy as np

SETTINGS = "bilat_hf.json"


def train_classifier(
    texts: list[str],
    labels: list[list[int]] | list[int],
    base_model: str,
    output: Path,
    multi_label: bool = False,
    text_pairs: list[str] | None = None,
    epochs: int = 3,
    lr: float = 3e-5,
    batch_size: int = 16,
    seed: int = 0,
    max_length: int = 256,
    num_labels: int | None = None,
    class_weight: str | Sequence[float] | None = None,
    extra_tokens: Sequence[str] = (),
    warmup: float = 0.1,
    weight_decay: float = 0.01,
    eval_texts: list[str] | None = None,
    eval_labels: list[list[int]] | list[int] | None = None,
    eval_pairs: list[str] | None = None,
) -> dict:
    """Fine-tune `base_model` (a local folder) with AutoModelForSequenceClassification; save to `output`."""
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer, get_linear_schedule_with_warmup

    torch.manual_seed(seed)
    started = time.time()
    num_labels = num_labels or (len(labels[0]) if multi_label else int(max(labels)) + 1)
    tokenizer = AutoTokenizer.from_pretrained(base_model, local_files_only=True)
    if extra_tokens:
        tokenizer.add_special_tokens({"additional_special_tokens": list(extra_tokens)})
    model = AutoModelForSequenceClassification.from_pretrained(
        base_model, num_labels=num_labels, local_files_only=True, ignore_mismatched_sizes=True,
        problem_type="multi_label_classification" if multi_label else "single_label_classification")
    model.resize_token_embeddings(len(tokenizer))
    device = _device()
    model.to(device)

    target = torch.tensor(labels, dtype=torch.float if multi_label else torch.long)
    loss_fn = _loss(multi_label, class_weight, target, num_labels).to(device)
    optimiser = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    steps = epochs * -(-len(texts) // batch_size)
    schedule = get_linear_schedule_with_warmup(optimiser, int(warmup * steps), steps)
    rng = np.random.default_rng(seed)
    metrics: dict = {"train_loss": [], "num_labels": num_labels, "rows": len(texts), "device": str(device)}
    for _ in range(epochs):
        model.train()
        total = 0.0
        for batch in _batches(rng.permutation(len(texts)), batch_size):
            inputs = _encode(tokenizer, texts, text_pairs, batch, max_length).to(device)
            loss = loss_fn(model(**inputs).logits, target[batch].to(device))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimiser.step()
            schedule.step()
            optimiser.zero_grad()
            total += loss.item() * len(batch)
        metrics["train_loss"].append(total / len(texts))
        if eval_texts is not None:
            metrics.setdefault("eval", []).append(
                _evaluate(model, tokenizer, eval_texts, eval_labels, eval_pairs, multi_label, max_length, loss_fn))

    output = Path(output)
    output.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(output)
    tokenizer.save_pretrained(output)
    metrics["seconds"] = round(time.time() - started, 1)
    settings = {"multi_label": multi_label, "max_length": max_length, "base_model": str(base_model),
                "metrics": metrics}
    (output / SETTINGS).write_text(json.dumps(settings, indent=2, ensure_ascii=False))
    return metrics


class HFClassifier:
    """A checkpoint written by `train_classifier`, ready to predict."""

    def __init__(self, model, tokenizer, multi_label: bool, max_length: int) -> None:
        self.model, self.tokenizer = model, tokenizer
        self.multi_label, self.max_length = multi_label, max_length

    @classmethod
    def load(cls, path: str | Path) -> "HFClassifier":
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        path = Path(path)
        settings = json.loads((path / SETTINGS).read_text())
        tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
        model = AutoModelForSequenceClassification.from_pretrained(path, local_files_only=True)
        model.to(_device()).eval()
        return cls(model, tokenizer, settings["multi_label"], settings["max_length"])

    def predict_proba(self, texts: list[str], text_pairs: list[str] | None = None,
                      batch_size: int = 32) -> np.ndarray:
        """(n, num_labels): softmax rows, or independent sigmoids for a multi-label model."""
        logits = _logits(self.model, self.tokenizer, texts, text_pairs, self.max_length, batch_size)
        return _proba(logits, self.multi_label).numpy()


def _device():
    import torch

    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def _loss(multi_label: bool, class_weight, target, num_labels: int):
    import torch

    if multi_label:
        return torch.nn.BCEWithLogitsLoss()
    if class_weight == "balanced":
        counts = torch.bincount(target, minlength=num_labels).float().clamp(min=1)
        weights = counts.sum() / (num_labels * counts)
    else:
        weights = None if class_weight is None else torch.tensor(list(class_weight), dtype=torch.float)
    return torch.nn.CrossEntropyLoss(weight=weights)


def _batches(order: np.ndarray, size: int):
    for start in range(0, len(order), size):
        yield order[start:start + size]


def _encode(tokenizer, texts, pairs, rows, max_length: int):
    first = [texts[i] for i in rows]
    second = None if pairs is None else [pairs[i] for i in rows]
    return tokenizer(first, second, truncation=True, max_length=max_length, padding=True, return_tensors="pt")


def _logits(model, tokenizer, texts, pairs, max_length: int, batch_size: int):
    import torch

    device = next(model.parameters()).device
    chunks = []
    with torch.inference_mode():
        for batch in _batches(np.arange(len(texts)), batch_size):
            chunks.append(model(**_encode(tokenizer, texts, pairs, batch, max_length).to(device)).logits.float().cpu())
    return torch.cat(chunks) if chunks else torch.zeros((0, model.config.num_labels))


def _proba(logits, multi_label: bool):
    return logits.sigmoid() if multi_label else logits.softmax(-1)


def _evaluate(model, tokenizer, texts, labels, pairs, multi_label, max_length, loss_fn) -> dict:
    import torch

    model.eval()
    logits = _logits(model, tokenizer, texts, pairs, max_length, 64)
    target = torch.tensor(labels, dtype=torch.float if multi_label else torch.long)
    loss = float(loss_fn.cpu()(logits, target))
    loss_fn.to(next(model.parameters()).device)
    predicted = (logits.sigmoid() > 0.5).float() if multi_label else logits.argmax(-1)
    accuracy = float((predicted == target).float().mean())
    return {"loss": round(loss, 4), "accuracy": round(accuracy, 4)}
