"""Named-entity taggers behind one interface: texts in, (start, end, NEREL type) spans out.

`load_tagger("slovnet")` is natasha's pretrained PER/ORG/LOC tagger (LOC is refined into
COUNTRY/CITY/... by the entities stage's gazetteer). `load_tagger("models/ner/v1")` is our own
model trained on NEREL (pipeline/nermodel.py): all NEREL types, nested entities included.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Iterable, Protocol

import numpy as np

from . import paths

SLOVNET_TYPES = {"PER": "PERSON", "ORG": "ORGANIZATION", "LOC": "LOCATION"}

Spans = list[tuple[int, int, str]]


class Tagger(Protocol):
    def __call__(self, texts: list[str]) -> list[Spans]: ...


@lru_cache(maxsize=1)
def navec():
    from navec import Navec

    return Navec.load(paths.NAVEC_NEWS)


NAVEC_DIM = 300


def navec_matrix(words: Iterable[str]) -> tuple[np.ndarray, np.ndarray]:
    """(n, 300) vectors, zero where navec lacks the word, and the (n,) known-word mask.

    One product-quantisation lookup for all the words: navec's per-word `get` costs about 20 µs a word,
    over 1 ms per news document."""
    word_ids, indexes, codes, offsets = navec_tables()
    ids = [word_ids.get(w) for w in words]
    known = np.array([i is not None for i in ids], dtype=bool)
    matrix = np.zeros((len(ids), NAVEC_DIM), dtype=np.float32)
    if known.any():
        rows = indexes[[i for i in ids if i is not None]].astype(np.int64) + offsets
        matrix[known] = np.take(codes, rows.ravel(), axis=0).reshape(-1, NAVEC_DIM)
    return matrix, known


@lru_cache(maxsize=1)
def navec_tables():
    """navec's word → row dict and product-quantisation tables, the codebooks flattened for np.take.

    The dict itself, not `Vocab.get`, which looks each word up twice."""
    embeddings = navec()
    pq = embeddings.pq
    offsets = np.arange(pq.qdim, dtype=np.int64) * pq.codes.shape[1]
    return embeddings.vocab.word_ids, pq.indexes, pq.codes.reshape(-1, pq.codes.shape[-1]), offsets


class SlovnetTagger:
    """natasha's news NER (slovnet CNN-CRF on navec), types mapped to NEREL's names."""

    takes_words = True  # see __call__

    def __init__(self, batch_size: int = 8) -> None:
        from slovnet import NER

        self.model = NER.load(paths.SLOVNET_NER, batch_size=batch_size).navec(navec())

    def __call__(self, texts: list[str], words: list[list[str]] | None = None) -> list[Spans]:
        """Spans per text. `words`, each text's razdel tokens in order (what the segment stage made),
        spares slovnet tokenising the texts again; the spans are the same."""
        from slovnet.chop import chop

        # slovnet fails on a text without tokens, so blank texts skip it
        filled = [i for i, text in enumerate(texts) if text.strip()]
        result: list[Spans] = [[] for _ in texts]
        chunks = chop([(texts[i], words[i] if words else None) for i in filled], self.model.batch_size)
        markups = (markup for chunk in chunks for markup in self.tag_chunk(chunk))
        for i, markup in zip(filled, markups):
            result[i] = [(s.start, s.stop, SLOVNET_TYPES[s.type]) for s in markup.spans]
        return result

    def tag_chunk(self, chunk: list[tuple[str, list[str] | None]]):
        """slovnet's NERInfer.__call__ with the tokenisation step made optional."""
        from slovnet.exec.infer import text_words
        from slovnet.markup import BIOMarkup

        infer = self.model.infer
        items = [words if words is not None else text_words(text) for text, words in chunk]
        preds = infer.decoder(infer.process(infer.encoder(items)))
        for (text, _), item, pred in zip(chunk, items, preds):
            yield BIOMarkup.from_tuples(zip(item, pred)).to_span(text)


@lru_cache(maxsize=4)
def load_tagger(spec: str = "slovnet") -> Tagger:
    """A tagger by name ("slovnet") or by path to a trained model folder (models/ner/vN)."""
    if spec == "slovnet":
        return SlovnetTagger()
    folder = paths.resolve(spec)
    if (folder / "meta.json").is_file():
        from .nermodel import NerModel

        return NerModel.load(folder)
    raise ValueError(f"unknown NER model {spec!r}: neither 'slovnet' nor a model folder with meta.json")
