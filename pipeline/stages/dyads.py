"""Dyads: for every pair of actors named in one sentence, do they interact and in what tone; per document per pair.

Actors are the entities' `actor` codes (states, international organisations; a state's people, bodies and
adjectives stand for it). Each sentence with two or more distinct actors yields one pair view per pair of
codes; the dyad model (pipeline/dyads.py) answers all of a document's pairs in one batch. A pair enters the
record when it interacts in at least one sentence: its score is the mean of those sentences' scores, its
tone the one with the most probability summed over them, and the sentences are its evidence.
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from itertools import combinations

from .. import paths
from ..dyads import PairView, Prediction, check_format, load_model
from ..errors import BadConfig
from ..record import Doc, Span
from ..registry import Stage, register


@dataclass(frozen=True, slots=True)
class SentencePair:
    sent: Span
    actors: tuple[str, str]
    view: PairView


@register("dyads.v1")
class Dyads(Stage):
    requires = ("sents", "tokens", "entities")
    assigns = ("dyads",)

    def __init__(self, model: str = "models/dyads/v1", backend: str = "default", **params) -> None:
        super().__init__(model=model, backend=backend, **params)
        folder = paths.resolve(model)
        trained_with = check_format(folder).get("backend", "default")
        if backend != trained_with:
            raise BadConfig(f"dyads: {model} was trained with backend {trained_with!r}, not {backend!r}")
        self.model = load_model(folder)

    def process(self, doc: Doc) -> None:
        pairs = sentence_pairs(doc)
        doc.fields["dyads"] = aggregate(pairs, self.model.predict([p.view for p in pairs]))


def sentence_pairs(doc: Doc) -> list[SentencePair]:
    """One `SentencePair` per sentence and pair of distinct actor codes mentioned in it."""
    starts = [t.start for t in doc.tokens]
    mentions = sorted((e["start"], e["end"], e["actor"]) for e in doc.fields.get("entities", []) if e.get("actor"))
    out = []
    for sent in doc.sents:
        inside = [m for m in mentions if m[0] >= sent.start and m[1] <= sent.end]
        by_actor: dict[str, list[tuple[int, int]]] = {}
        for start, end, actor in inside:
            by_actor.setdefault(actor, []).append((start, end))
        if len(by_actor) < 2:
            continue
        tokens = doc.tokens[bisect_left(starts, sent.start):bisect_right(starts, sent.end - 1)]
        for a, b in combinations(sorted(by_actor), 2):
            other = [span for code, spans in by_actor.items() if code not in (a, b) for span in spans]
            out.append(SentencePair(sent, (a, b), PairView(tokens, by_actor[a], by_actor[b], other)))
    return out


def aggregate(pairs: list[SentencePair], predictions: list[Prediction]) -> list[dict]:
    """The record's dyads: pairs that interact in at least one sentence, in order of first evidence."""
    found: dict[tuple[str, str], list[tuple[SentencePair, Prediction]]] = {}
    for pair, prediction in zip(pairs, predictions):
        if prediction.interacts:
            found.setdefault(pair.actors, []).append((pair, prediction))
    return [dyad(actors, evidence) for actors, evidence in found.items()]


def dyad(actors: tuple[str, str], evidence: list[tuple[SentencePair, Prediction]]) -> dict:
    mass: dict[str, float] = {}
    for _, prediction in evidence:
        for tone, p in prediction.tone_proba.items():
            mass[tone] = mass.get(tone, 0.0) + p
    score = sum(p.score for _, p in evidence) / len(evidence)
    return {"actors": list(actors), "tone": max(mass, key=mass.get), "score": round(max(-1.0, min(1.0, score)), 4),
            "evidence": [{"start": pair.sent.start, "end": pair.sent.end} for pair, _ in evidence]}
