"""Score the claims stage's quotes and speakers against our gold (corpora/annotations/quotes.jsonl).

A predicted quote matches a gold quote when their overlap covers at least 0.8 of the LONGER of the
two spans (so an exact match counts, and a prediction that swallows a whole paragraph around a short
gold quote does not); matching is one-to-one, best overlap first. Every gold document is fully
annotated, so any unmatched prediction is a false positive.

A speaker is right when the gold and predicted normal forms name the same thing: their lemma sets are
equal or one holds the other ("Лавров" ~ "Сергей Лавров", "МВД" ~ "МВД Украины"), or both are null.
Speaker accuracy is over matched quotes.

Checkworthiness is validated by Spearman's rank correlation between the stage's score and our 0..1
ratings of claim units (the `checkworthiness` lists in the same file).
"""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import typer

from .. import morph, paths
from ..record import Doc

GOLD = paths.REPO_ROOT / "corpora" / "annotations" / "quotes.jsonl"
MIN_OVERLAP = 0.8


def load_gold(path: Path = GOLD) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def document_path(corpora: Path, corpus: str, doc_id: str) -> Path:
    """Where a gold document's text lies: NEREL by split/name, factRuEval by book, the sample by name."""
    folders = {
        "nerel": corpora / "nerel", "factrueval": corpora / "factrueval" / "devset", "sample": corpora / "samples",
    }
    return folders[corpus] / f"{doc_id}.txt"


def overlap(a: dict, b: dict) -> float:
    """The shared length of two spans as a share of the longer one."""
    shared = min(a["end"], b["end"]) - max(a["start"], b["start"])
    return max(0, shared) / max(a["end"] - a["start"], b["end"] - b["start"], 1)


def match_spans(gold: list[dict], predicted: list[dict]) -> list[tuple[int, int]]:
    """One-to-one (gold index, predicted index) pairs with overlap ≥ MIN_OVERLAP, best first."""
    candidates = sorted(
        ((overlap(g, p), gi, pi) for gi, g in enumerate(gold) for pi, p in enumerate(predicted)), reverse=True
    )
    used_gold, used_pred, pairs = set(), set(), []
    for score, gi, pi in candidates:
        if score < MIN_OVERLAP:
            break
        if gi not in used_gold and pi not in used_pred:
            used_gold.add(gi)
            used_pred.add(pi)
            pairs.append((gi, pi))
    return pairs


def lemma_set(name: str | None) -> frozenset[str]:
    if not name:
        return frozenset()
    words = "".join(c if c.isalnum() else " " for c in name).split()
    # initials ("Д.Медведев") say nothing a surname does not
    return frozenset(morph.lemma(w).replace("ё", "е") for w in words if len(w) > 1)


def same_speaker(gold: str | None, predicted: str | None) -> bool:
    g, p = lemma_set(gold), lemma_set(predicted)
    if not g or not p:
        return not g and not p
    return g <= p or p <= g


def predicted_quotes(claims: list[dict]) -> list[dict]:
    """The distinct quotes among the claims, with their attribution and speaker's normal form."""
    seen, quotes = set(), []
    for claim in claims:
        quote = claim.get("quote")
        if quote and (quote["start"], quote["end"]) not in seen:
            seen.add((quote["start"], quote["end"]))
            speaker = claim.get("speaker") or {}
            quotes.append({**quote, "attribution": claim["attribution"], "normal": speaker.get("normal")})
    return quotes


def f1(tp: int, fp: int, fn: int) -> dict[str, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    score = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(score, 4)}


def score_document(gold: dict, claims: list[dict]) -> dict[str, Any]:
    """Counts and the mismatches of one document."""
    predicted = predicted_quotes(claims)
    pairs = match_spans(gold["quotes"], predicted)
    speakers_right = [
        same_speaker((gold["quotes"][gi]["speaker"] or {}).get("normal"), predicted[pi]["normal"]) for gi, pi in pairs
    ]
    attribution_right = [gold["quotes"][gi]["attribution"] == predicted[pi]["attribution"] for gi, pi in pairs]
    matched_gold, matched_pred = {gi for gi, _ in pairs}, {pi for _, pi in pairs}
    return {
        "tp": len(pairs),
        "fp": len(predicted) - len(pairs),
        "fn": len(gold["quotes"]) - len(pairs),
        "speaker_right": sum(speakers_right),
        "attribution_right": sum(attribution_right),
        "missed": [q for i, q in enumerate(gold["quotes"]) if i not in matched_gold],
        "spurious": [q for i, q in enumerate(predicted) if i not in matched_pred],
        "wrong_speaker": [
            (gold["quotes"][gi], predicted[pi]) for (gi, pi), right in zip(pairs, speakers_right) if not right
        ],
    }


def summarise(results: list[dict]) -> dict[str, Any]:
    tp, fp, fn = (sum(r[k] for r in results) for k in ("tp", "fp", "fn"))
    return {
        "documents": len(results),
        "gold_quotes": tp + fn,
        "predicted_quotes": tp + fp,
        "quotes": f1(tp, fp, fn),
        "speaker_accuracy": round(sum(r["speaker_right"] for r in results) / tp, 4) if tp else 0.0,
        "attribution_accuracy": round(sum(r["attribution_right"] for r in results) / tp, 4) if tp else 0.0,
        "match": f"overlap >= {MIN_OVERLAP} of the longer span, one-to-one",
    }


def spearman(xs: list[float], ys: list[float]) -> float:
    from scipy.stats import spearmanr

    return round(float(spearmanr(xs, ys).statistic), 4)


def rated_claims(gold: dict, claims: list[dict]) -> list[tuple[float, float]]:
    """(our rating, stage score) for each rated unit, paired with the claim that overlaps it most."""
    pairs = []
    for rating in gold.get("checkworthiness", []):
        best = max(claims, key=lambda c: overlap(rating, c), default=None)
        if best is not None and overlap(rating, best) >= MIN_OVERLAP:
            pairs.append((rating["rating"], best["checkworthiness"]))
    return pairs


# --- running the pipeline ------------------------------------------------------------------------


def entity_stage():
    """The configured entities stage when it is registered; None means the slovnet fallback."""
    from ..registry import STAGES
    from ..stages import load_all

    load_all()
    if "entities.v1" not in STAGES:
        return None
    from ..config import load_config

    params = dict(load_config().get("stages", {}).get("entities", {}))
    params.pop("enabled", None)
    params.pop("factory", None)
    return STAGES["entities.v1"](**params)


def nominative_name(text: str) -> str:
    """A name's words put in the nominative by pymorphy3 (for the slovnet fallback only)."""
    words = []
    for word in text.split():
        parse = morph.parse(word.lower())
        form = parse if "nomn" in parse.tag else parse.inflect({"nomn"})
        new = form.word if form else word.lower()
        words.append(new[:1].upper() + new[1:] if word[:1].isupper() else new)
    return " ".join(words)


def slovnet_entities(doc: Doc) -> list[dict]:
    """Entities from natasha's slovnet tagger, when no entities stage is registered yet."""
    from ..ner import load_tagger

    spans = load_tagger("slovnet")([doc.text])[0]
    return [
        {"start": s, "end": e, "text": doc.text[s:e], "type": t, "normal": nominative_name(doc.text[s:e]),
         "actor": None}
        for s, e, t in spans
    ]


def analyse(docs: list[Doc], with_figures: bool = False) -> dict[str, float]:
    """segment → entities (→ figures) → claims, as the pipeline runs them; seconds spent per stage
    (models are loaded before the clock starts)."""
    from ..registry import STAGES
    from ..stages.claims import Claims
    from ..stages.segment import Segment

    stages = {"segment": Segment(), "entities": entity_stage() or fallback_entities}
    if with_figures:
        stages["figures"] = STAGES["figures.v1"]()
    stages["claims"] = Claims()
    seconds = {}
    for name, stage in stages.items():
        started = time.perf_counter()
        stage(docs)
        seconds[name] = time.perf_counter() - started
    return seconds


def fallback_entities(docs: list[Doc]) -> None:
    for doc in docs:
        doc.fields["entities"] = slovnet_entities(doc)


def evaluate(gold_path: Path = GOLD, corpora: Path | None = None, timing: bool = False) -> tuple[dict, list[dict]]:
    corpora = corpora or paths.corpora_dir()
    gold = load_gold(gold_path)
    docs = [
        Doc(f"{g['corpus']}:{g['doc_id']}", document_path(corpora, g["corpus"], g["doc_id"]).read_text(encoding="utf-8"))
        for g in gold
    ]
    seconds = analyse(docs, with_figures=timing)
    results = [score_document(g, d.fields["claims"]) for g, d in zip(gold, docs)]
    summary = summarise(results)
    ratings = [pair for g, d in zip(gold, docs) for pair in rated_claims(g, d.fields["claims"])]
    if ratings:
        summary["checkworthiness"] = {
            "rated_units": len(ratings),
            "spearman": spearman([r for r, _ in ratings], [s for _, s in ratings]),
        }
    if timing:
        summary["timing"] = timing_summary(seconds, len(docs))
    for g, d, r in zip(gold, docs, results):
        r.update(doc_id=g["doc_id"], text=d.text)
    return summary, results


def timing_summary(seconds: dict[str, float], documents: int) -> dict[str, Any]:
    """Milliseconds per document by stage, and what figures + claims add to the stages before them."""
    per_doc = {name: round(1000 * s / documents, 2) for name, s in seconds.items()}
    base = sum(s for name, s in seconds.items() if name not in ("figures", "claims"))
    added = seconds.get("figures", 0.0) + seconds["claims"]
    return {"ms_per_document": per_doc, "figures_and_claims_added_share": round(added / base, 4)}


def describe_errors(results: list[dict]) -> str:
    lines = []
    cut = lambda text, q: text[q["start"] : q["end"]][:70].replace("\n", " ")
    for r in results:
        for q in r["missed"]:
            lines.append(f"MISS  {r['doc_id']} {cut(r['text'], q)!r}")
        for q in r["spurious"]:
            lines.append(f"EXTRA {r['doc_id']} {cut(r['text'], q)!r}")
        for g, p in r["wrong_speaker"]:
            gold_normal = (g["speaker"] or {}).get("normal")
            lines.append(f"SPKR  {r['doc_id']} gold={gold_normal!r} got={p['normal']!r} {cut(r['text'], g)!r}")
    return "\n".join(lines)


def command(
    gold: Path = typer.Option(GOLD, help="gold quotes (JSON lines by document id and offsets)"),
    corpora: Path = typer.Option(None, help="the shared corpora folder (default: $BILAT_CORPORA or ../shared/corpora)"),
    errors: bool = typer.Option(False, "--errors", help="also list missed, spurious and wrong-speaker quotes"),
    timing: bool = typer.Option(
        False, "--timing", help="also run the figures stage and report ms per document by stage"
    ),
) -> None:
    """Quote detection P/R/F1, speaker accuracy and checkworthiness rank correlation against our gold."""
    summary, results = evaluate(gold, corpora, timing)
    if errors:
        typer.echo(describe_errors(results))
    typer.echo(json.dumps(summary, ensure_ascii=False, indent=2))
