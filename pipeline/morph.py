"""pymorphy3, loaded once per process, with per-word caching (news vocabulary repeats a lot)."""
from __future__ import annotations

from functools import lru_cache

import pymorphy3

_analyzer: pymorphy3.MorphAnalyzer | None = None


def analyzer() -> pymorphy3.MorphAnalyzer:
    global _analyzer
    if _analyzer is None:
        _analyzer = pymorphy3.MorphAnalyzer(lang="ru")
    return _analyzer


@lru_cache(maxsize=200_000)
def parses(word: str) -> tuple:
    """All pymorphy3 parses of `word`, most probable first; one analysis per word per process."""
    return tuple(analyzer().parse(word))


def parse(word: str):
    return parses(word)[0]


def lemma(word: str) -> str:
    return parse(word.lower()).normal_form


def pos(word: str) -> str | None:
    return parse(word.lower()).tag.POS
