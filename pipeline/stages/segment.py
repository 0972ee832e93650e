"""Sentences and tokens (razdel) with lemmas and parts of speech (pymorphy3): the shared analysis."""
from __future__ import annotations

import re

from razdel import sentenize, tokenize

from .. import morph
from ..record import Doc, Span, Token
from ..registry import Stage, register


LINE = re.compile(r"[^\n]+")


def split_sentences(text: str) -> list[Span]:
    """razdel's sentences within each line: a line break always ends a sentence (headers, titles, paragraphs)."""
    return [
        Span(line.start() + s.start, line.start() + s.stop, s.text)
        for line in LINE.finditer(text)
        for s in sentenize(line.group())
        if s.text.strip()
    ]


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
