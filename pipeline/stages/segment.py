"""Sentences and tokens (razdel) with lemmas and parts of speech (pymorphy3): the shared analysis."""
from __future__ import annotations

from razdel import sentenize, tokenize

from .. import morph
from ..record import Doc, Span, Token
from ..registry import Stage, register


def split_sentences(text: str) -> list[Span]:
    return [Span(s.start, s.stop, s.text) for s in sentenize(text) if s.text.strip()]


def analyse_tokens(text: str) -> list[Token]:
    tokens = []
    for t in tokenize(text):
        parse = morph.parse(t.text.lower())
        tokens.append(Token(t.start, t.stop, t.text, parse.normal_form, parse.tag.POS))
    return tokens


@register("segment.v1")
class Segment(Stage):
    assigns = ("sents", "tokens")

    def process(self, doc: Doc) -> None:
        doc.sents = split_sentences(doc.text)
        doc.tokens = analyse_tokens(doc.text)
