"""A summary per pair of states: tone, what the pair's passages are about, key figures and claims.

Extractive by design: every item points back to a dyad, figure or claim of the same record.
Topics, figures and claims are used when their stages ran; the dyads are what is summarised.
"""
from __future__ import annotations

from typing import Any

from ..record import Doc
from ..registry import Stage, register

KEY_FIGURES, KEY_CLAIMS, PAIR_TOPICS = 5, 3, 3


@register("summary.v1")
class Summary(Stage):
    requires = ("sents", "dyads")
    assigns = ("summary",)

    def process(self, doc: Doc) -> None:
        doc.fields["summary"] = {
            "headline": headline(doc),
            "dyads": [pair_summary(doc, dyad) for dyad in doc.fields["dyads"]],
        }


def headline(doc: Doc) -> str:
    """The title when known, else the lead sentence (the metadata header skipped)."""
    if doc.meta.get("title"):
        return doc.meta["title"]
    return doc.body_sents()[0].text.strip() if doc.body_sents() else ""


def within(item: dict[str, Any], spans: list[dict[str, int]]) -> bool:
    return any(span["start"] <= item["start"] and item["end"] <= span["end"] for span in spans)


def pair_summary(doc: Doc, dyad: dict[str, Any]) -> dict[str, Any]:
    pair, evidence = set(dyad["actors"]), dyad["evidence"]
    figures = key_figures(doc.fields.get("figures", []), pair, evidence)
    claims = key_claims(doc.fields.get("claims", []), pair, evidence)
    topics = pair_topics(doc, evidence)
    return {
        "actors": dyad["actors"],
        "tone": dyad["tone"],
        "topics": topics,
        "key_figures": figures,
        "key_claims": claims,
        "text": describe(doc, dyad, topics, figures, claims),
    }


def key_figures(figures: list[dict[str, Any]], pair: set[str], evidence: list[dict[str, int]]) -> list[int]:
    """Figures about both states, money first, then those in the pair's evidence sentences."""
    about_pair = [i for i, f in enumerate(figures) if pair <= set(f["actors"]) or within(f, evidence)]
    about_pair.sort(key=lambda i: (figures[i]["kind"] != "money", not pair <= set(figures[i]["actors"]), i))
    return sorted(about_pair[:KEY_FIGURES])


def key_claims(claims: list[dict[str, Any]], pair: set[str], evidence: list[dict[str, int]]) -> list[int]:
    """The most check-worthy claims in the pair's passages or spoken by one of the pair."""
    def concerns_pair(claim: dict[str, Any]) -> bool:
        speaker = claim.get("speaker") or {}
        return within(claim, evidence) or any(span_overlaps(claim, e) for e in evidence) \
            or speaker.get("actor") in pair
    chosen = [i for i, c in enumerate(claims) if concerns_pair(c)]
    chosen.sort(key=lambda i: -claims[i]["checkworthiness"])
    return sorted(chosen[:KEY_CLAIMS])


def span_overlaps(a: dict[str, int], b: dict[str, int]) -> bool:
    return a["start"] < b["end"] and b["start"] < a["end"]


def pair_topics(doc: Doc, evidence: list[dict[str, int]]) -> list[str]:
    """Topics of the pair's evidence sentences when per-sentence scores exist, else the document's."""
    totals: dict[str, float] = {}
    for sent in doc.fields.get("topic_sentences", []):
        if any(span_overlaps(sent, e) for e in evidence):
            for label, score in sent["scores"].items():
                totals[label] = totals.get(label, 0.0) + score
    if not totals:
        totals = {topic["label"]: topic["score"] for topic in doc.fields.get("topics", [])}
    return sorted(totals, key=totals.get, reverse=True)[:PAIR_TOPICS]


def describe(doc: Doc, dyad: dict[str, Any], topics: list[str], figures: list[int], claims: list[int]) -> str:
    """One readable paragraph; every piece is quoted from the record."""
    a, b = dyad["actors"]
    parts = [f"{a}–{b}: {dyad['tone']} ({dyad['score']:+.2f})"]
    if topics:
        parts.append("topics: " + ", ".join(topics))
    if figures:
        parts.append("figures: " + "; ".join(figure_phrase(doc.fields["figures"][i]) for i in figures))
    if claims:
        parts.append("claims: " + " | ".join(claim_phrase(doc.fields["claims"][i]) for i in claims))
    return ". ".join(parts) + "."


def figure_phrase(figure: dict[str, Any]) -> str:
    phrase = f"{figure.get('metric') or figure['kind']} {figure['text']}"
    if figure.get("period"):
        phrase += f" ({figure['period']['start']}..{figure['period']['end']})"
    return phrase


def claim_phrase(claim: dict[str, Any]) -> str:
    speaker = (claim.get("speaker") or {}).get("normal")
    text = claim["text"].strip()
    return f"{speaker}: {text}" if speaker else text
