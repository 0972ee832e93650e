"""`bilat evaluate ner`: strict-span precision/recall/F1 per type, micro over the twelve NEREL types,
and a coarse PER/ORG/LOC view comparable with natasha's published tables.

Strict span: a prediction counts only if start, end and type all equal a gold entity's. Gold is every
entity of the scored types, nested ones included. The coarse view maps NEREL types as below (the same
map for gold and predictions); factRuEval has only the coarse view (its reader already maps
Person→PER, Org→ORG, Location/LocOrg→LOC).

The coarse view is printed twice. "All spans" maps every span. "Names" also drops single lowercase
adjectives ("российского", "московских") from gold and predictions alike: NEREL tags them COUNTRY/CITY,
while the PER/ORG/LOC convention of factRuEval and natasha tags names, so without this a NEREL-trained
model is charged on factRuEval for following NEREL (about 70 of its LOC false positives there).
"""
from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Annotated

import typer

TWELVE = [
    "PERSON", "ORGANIZATION", "COUNTRY", "CITY", "STATE_OR_PROVINCE", "LOCATION",
    "NATIONALITY", "FACILITY", "PROFESSION", "MONEY", "PERCENT", "DATE",
]
COARSE = {
    "PERSON": "PER", "ORGANIZATION": "ORG",
    "COUNTRY": "LOC", "CITY": "LOC", "STATE_OR_PROVINCE": "LOC", "LOCATION": "LOC",
    "PER": "PER", "ORG": "ORG", "LOC": "LOC",
}
COARSE_TYPES = ["PER", "ORG", "LOC"]
CORPORA = {"nerel/dev": ("brat", "nerel/dev"), "nerel/train": ("brat", "nerel/train"),
           "factrueval": ("factrueval", "factrueval/devset")}

Span = tuple[int, int, str]


def prf(tp: int, n_pred: int, n_gold: int) -> dict:
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0, "support": n_gold}


def score(gold: list[list[Span]], pred: list[list[Span]], types: list[str]) -> dict:
    """Per-type and micro strict-span scores over documents (gold[i] and pred[i] are one document)."""
    counts = {t: [0, 0, 0] for t in types}  # tp, predicted, gold
    for gold_doc, pred_doc in zip(gold, pred, strict=True):
        gold_set, pred_set = set(gold_doc), set(pred_doc)
        for start, end, type_ in gold_set:
            if type_ in counts:
                counts[type_][2] += 1
                counts[type_][0] += (start, end, type_) in pred_set
        for _, _, type_ in pred_set:
            if type_ in counts:
                counts[type_][1] += 1
    result = {t: prf(*c) for t, c in counts.items()}
    result["micro"] = prf(*(sum(c[i] for c in counts.values()) for i in range(3)))
    return result


def coarse(spans: list[Span]) -> list[Span]:
    return sorted({(s, e, COARSE[t]) for s, e, t in spans if t in COARSE})


def is_relational_adjective(word: str) -> bool:
    """A single lowercase adjective such as "российского" (NEREL's COUNTRY, not a name)."""
    from pipeline.morph import parses

    if not re.fullmatch(r"[^\W\d_][\w-]*", word) or not word[0].islower():
        return False
    found = parses(word)
    return bool(found) and found[0].tag.POS == "ADJF"


def names(text: str, spans: list[Span]) -> list[Span]:
    return [(s, e, t) for s, e, t in spans if not is_relational_adjective(text[s:e])]


def gold_spans(docs) -> list[list[Span]]:
    return [[(s["start"], s["end"], s["type"]) for s in doc["spans"]] for doc in docs]


def load_corpus(name: str) -> tuple[str, list[dict]]:
    """A corpus by name (nerel/dev, factrueval) or folder, as (format, documents)."""
    from corpora import brat, factrueval
    from pipeline.paths import corpora_dir

    format_, folder = CORPORA[name] if name in CORPORA else (None, Path(name))
    folder = corpora_dir() / folder if name in CORPORA else folder
    if format_ is None:
        format_ = "factrueval" if any(folder.glob("book_*.spans")) else "brat"
    reader = brat if format_ == "brat" else factrueval
    return format_, list(reader.iter_documents(folder))


def format_table(title: str, rows: dict[str, dict]) -> str:
    lines = [title, f"{'type':<20}{'P':>7}{'R':>7}{'F1':>7}{'gold':>7}"]
    lines += [
        f"{name:<20}{m['precision']:>7.3f}{m['recall']:>7.3f}{m['f1']:>7.3f}{m['support']:>7}"
        for name, m in rows.items()
    ]
    return "\n".join(lines)


def timed(tagger, texts: list[str]) -> tuple[list[list[Span]], float]:
    """Predictions and the process CPU seconds they took."""
    started = time.process_time()
    pred = tagger(texts)
    return pred, time.process_time() - started


def evaluate(tagger, docs: list[dict], fine: bool) -> dict:
    """{"fine": per-type scores over the twelve types (NEREL only), "coarse": PER/ORG/LOC, "speed"}."""
    texts = [doc["text"] for doc in docs]
    pred, seconds = timed(tagger, texts)
    gold = gold_spans(docs)
    result = {"coarse": score([coarse(g) for g in gold], [coarse(p) for p in pred], COARSE_TYPES)}
    result["coarse_names"] = score(
        [coarse(names(t, g)) for t, g in zip(texts, gold)], [coarse(names(t, p)) for t, p in zip(texts, pred)],
        COARSE_TYPES)
    result["speed"] = {"cpu_seconds": round(seconds, 2), "chars_per_cpu_s": round(sum(map(len, texts)) / seconds)}
    if fine:
        result["fine"] = score(gold, pred, TWELVE)
    return result


def command(
    model: Annotated[str, typer.Option(help="model folder (models/ner/vN) or 'slovnet'")] = "models/ner/v5",
    data: Annotated[list[str], typer.Option(help="corpus names (nerel/dev, factrueval) or folders")] = ["nerel/dev", "factrueval"],
    natasha: Annotated[bool, typer.Option(help="add natasha's slovnet NER on the same data")] = False,
) -> None:
    """Strict-span P/R/F1 of an NER model per NEREL type and in a coarse PER/ORG/LOC view."""
    import torch

    from pipeline.ner import load_tagger
    from pipeline.paths import resolve

    torch.set_num_threads(1)  # what one pipeline worker gets; makes the speed line comparable

    taggers = {model: load_tagger(model if model == "slovnet" else str(resolve(model)))}
    if natasha:
        taggers["natasha (slovnet)"] = load_tagger("slovnet")
    for name in data:
        format_, docs = load_corpus(name)
        for label, tagger in taggers.items():
            result = evaluate(tagger, docs, fine=format_ == "brat")
            if "fine" in result:
                print(format_table(f"\n{name} · {label} · strict span, twelve types", result["fine"]))
            print(format_table(f"\n{name} · {label} · coarse PER/ORG/LOC, all spans", result["coarse"]))
            print(format_table(f"\n{name} · {label} · coarse PER/ORG/LOC, names", result["coarse_names"]))
            print(f"speed: {result['speed']['chars_per_cpu_s']} chars per CPU second ({result['speed']['cpu_seconds']} s, one thread)")
