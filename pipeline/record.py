"""The core data model: a document travelling through the stages, and the spans it carries.

Stages read the shared analysis (`sents`, `tokens`) and write their own record fields into
`Doc.fields`; `Doc.record()` is what goes out as one JSON line (see pipeline/schema/record.v1.json).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Span:
    """A [start, end) character span of `Doc.text`."""

    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class Token(Span):
    """A razdel token with its pymorphy3 lemma and part of speech (filled by the segment stage)."""

    lemma: str = ""
    pos: str | None = None


@dataclass(slots=True)
class Doc:
    id: str
    text: str
    meta: dict[str, Any] = field(default_factory=dict)
    sents: list[Span] = field(default_factory=list)
    tokens: list[Token] = field(default_factory=list)
    fields: dict[str, Any] = field(default_factory=dict)
    body_start: int = 0  # where the text starts after a metadata header; stages skip what is before

    def body_sents(self) -> list[Span]:
        return [s for s in self.sents if s.start >= self.body_start]

    def sent_tokens(self, sent: Span) -> list[Token]:
        """Tokens that lie inside `sent`."""
        return [t for t in self.tokens if t.start >= sent.start and t.end <= sent.end]

    def record(self) -> dict[str, Any]:
        return {"id": self.id, "text": self.text, "meta": self.meta, **self.fields}


def error_record(doc_id: str, error: Exception) -> dict[str, Any]:
    """The record of a document that could not be processed; the batch goes on."""
    kind = getattr(error, "kind", type(error).__name__)
    code = getattr(error, "code", None)
    message = getattr(error, "message", str(error))
    return {"id": doc_id, "error": {"type": kind, "code": code, "message": message}}
