"""Topics of the document (multi-label) and the sentences that carry them.

Writes `topics` = [{label, score}] (only assigned labels, most probable first) and
`topic_sentences` = [{start, end, scores: {label: p}}] for the sentences where at least one of the
document's labels reaches its threshold, with only those labels in `scores` (sentences are evidence
for the document's topics, not topics of their own). The document and all its sentences are scored
in one call to the model.
"""
from __future__ import annotations

from bisect import bisect_left

from .. import paths
from ..errors import BadConfig
from ..record import Doc, Span, Token
from ..registry import Stage, register
from ..topics import content_lemmas, load_model

DIGITS = 4


def tokens_within(tokens: list[Token], starts: list[int], sent: Span) -> list[Token]:
    """The tokens inside `sent`, found by bisection on the sorted token starts."""
    first = bisect_left(starts, sent.start)
    last = bisect_left(starts, sent.end, lo=first)
    return [t for t in tokens[first:last] if t.end <= sent.end]


def document_lemmas(sent_lemmas: list[str]) -> str:
    """The document's content lemmas as its sentences' joined: the same string as over all its tokens
    (the segment stage cuts sentences at token boundaries), without walking the tokens a second time."""
    return " ".join(lemmas for lemmas in sent_lemmas if lemmas)


def sentence_record(sent: Span, scored: list[tuple[str, float]]) -> dict:
    return {"start": sent.start, "end": sent.end, "scores": {label: round(p, DIGITS) for label, p in scored}}


@register("topics.v1")
class Topics(Stage):
    requires = ("sents", "tokens")
    assigns = ("topics", "topic_sentences")

    def __init__(self, model: str = "models/topics/v1", backend: str = "default", **params) -> None:
        super().__init__(model=model, backend=backend, **params)
        folder = paths.resolve(model)
        if not (folder / "model.json").is_file():
            raise BadConfig(f"topics model {folder} not found (train it with `bilat train topics`)")
        self.model = load_model(folder)
        if self.model.backend != backend:
            raise BadConfig(f"topics model {folder} is a {self.model.backend!r} model, the stage asks for {backend!r}")

    def process(self, doc: Doc) -> None:
        starts = [t.start for t in doc.tokens]
        sent_lemmas = [content_lemmas(tokens_within(doc.tokens, starts, s)) for s in doc.sents]
        texts = [doc.text] + [s.text for s in doc.sents]
        proba = self.model.predict_proba(texts, [document_lemmas(sent_lemmas)] + sent_lemmas)
        topics = self.model.assign(proba[0])
        doc.fields["topics"] = [{"label": label, "score": round(p, DIGITS)} for label, p in topics]
        doc_labels = {label for label, _ in topics}
        scored = [(s, [(l, p) for l, p in self.model.assign(row, at_least_one=False) if l in doc_labels])
                  for s, row in zip(doc.sents, proba[1:])]
        doc.fields["topic_sentences"] = [sentence_record(s, labels) for s, labels in scored if labels]
