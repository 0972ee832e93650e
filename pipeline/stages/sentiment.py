"""Sentiment toward each person, organisation, country, nationality and profession, within its sentence."""
from __future__ import annotations

from ..record import Doc, Span
from ..registry import Stage, register
from ..sentiment import LABEL_NAMES, Mention

# the entity types RuSentNE annotates; other types get no sentiment
SENTIMENT_TYPES = frozenset({"PERSON", "ORGANIZATION", "COUNTRY", "NATIONALITY", "PROFESSION"})


def sentence_of(sents: list[Span], start: int) -> Span | None:
    return next((s for s in sents if s.start <= start < s.end), None)


def entity_mentions(doc: Doc) -> tuple[list[int], list[Mention]]:
    """Indices into doc.fields["entities"] and their mentions, cut to the entity's sentence."""
    indices, mentions = [], []
    for i, entity in enumerate(doc.fields.get("entities", [])):
        sent = sentence_of(doc.sents, entity["start"]) if entity["type"] in SENTIMENT_TYPES else None
        if sent is None:
            continue
        end = min(entity["end"], sent.end)
        indices.append(i)
        mentions.append(Mention(sent.text, entity["start"] - sent.start, end - sent.start, entity["type"]))
    return indices, mentions


@register("sentiment.v1")
class Sentiment(Stage):
    """Params: `model` (a folder written by `bilat train sentiment`), `backend` ("ensemble", or one
    member kind of that model: "sklearn" | "torch" | "hf")."""

    requires = ("sents", "entities")
    assigns = ("sentiment",)

    def __init__(self, model: str = "models/sentiment/v1", backend: str = "ensemble", **params) -> None:
        from .. import paths
        from ..sentiment import SentimentModel

        super().__init__(model=model, backend=backend, **params)
        self.model = SentimentModel.load(paths.resolve(model)).restricted_to(backend)

    def __call__(self, docs: list[Doc]) -> None:
        # all mentions of the batch in one model call: the per-call overhead dominates small documents
        plans = [entity_mentions(doc) for doc in docs]
        labels, scores = self.model.predict_scored([m for _, mentions in plans for m in mentions])
        at = 0
        for doc, (indices, _) in zip(docs, plans):
            doc.fields["sentiment"] = [
                {"entity": i, "label": LABEL_NAMES[int(labels[at + k])], "score": round(float(scores[at + k]), 4)}
                for k, i in enumerate(indices)]
            at += len(indices)

    def process(self, doc: Doc) -> None:
        self([doc])
