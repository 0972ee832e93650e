"""Sentiment toward each person, organisation, country, nationality and profession, within its sentence."""
from __future__ import annotations

from bisect import bisect_left, bisect_right

from ..record import Doc, Span
from ..registry import Stage, register
from ..sentiment import LABEL_NAMES, Mention

# the entity types RuSentNE annotates; other types get no sentiment
SENTIMENT_TYPES = frozenset({"PERSON", "ORGANIZATION", "COUNTRY", "NATIONALITY", "PROFESSION"})


def sentence_of(sents: list[Span], start: int, starts: list[int]) -> Span | None:
    """The sentence holding offset `start` (`starts`: every sentence's start, in order)."""
    i = bisect_right(starts, start) - 1
    return sents[i] if i >= 0 and start < sents[i].end else None


def sentence_tokens(doc: Doc, sent: Span, starts: list[int]) -> tuple[tuple[int, int], ...]:
    """The segment stage's tokens of `sent` (`starts`: every token's start), relative to the sentence:
    the model need not tokenise it again."""
    inside = doc.tokens[bisect_left(starts, sent.start):bisect_left(starts, sent.end)]
    return tuple((t.start - sent.start, t.end - sent.start) for t in inside if t.end <= sent.end)


def entity_mentions(doc: Doc) -> tuple[list[int], list[Mention]]:
    """Indices into doc.fields["entities"] and their mentions, cut to the entity's sentence; the other
    sentiment-type entities of that sentence, and its tokens when the document has them, travel with
    each mention."""
    chosen, sent_starts = [], [s.start for s in doc.sents]
    for i, entity in enumerate(doc.fields.get("entities", [])):
        sent = sentence_of(doc.sents, entity["start"], sent_starts) if entity["type"] in SENTIMENT_TYPES else None
        if sent is not None:
            chosen.append((i, sent, entity["start"] - sent.start, min(entity["end"], sent.end) - sent.start))
    spans: dict[int, set[tuple[int, int]]] = {}
    for _, sent, start, end in chosen:
        spans.setdefault(sent.start, set()).add((start, end))
    starts = [t.start for t in doc.tokens]
    sents = {sent.start: sent for _, sent, _, _ in chosen}
    tokens = {at: sentence_tokens(doc, sent, starts) for at, sent in sents.items()}
    mentions = [Mention(sent.text, start, end, doc.fields["entities"][i]["type"], tokens.get(sent.start, ()),
                        tuple(sorted(spans[sent.start] - {(start, end)})))
                for i, sent, start, end in chosen]
    return [i for i, *_ in chosen], mentions


@register("sentiment.v1")
class Sentiment(Stage):
    """Params: `model` (a folder written by `bilat train sentiment`), `backend` ("ensemble", or one
    member kind of that model: "sklearn" | "torch" | "hf")."""

    requires = ("sents", "entities")
    assigns = ("sentiment",)

    def __init__(self, model: str = "models/sentiment/v3", backend: str = "ensemble", **params) -> None:
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
