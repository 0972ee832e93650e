"""Topic classification: texts in, one probability per topic label out (multi-label).

The default model featurises a text as TF-IDF over its content lemmas (pymorphy3, 1–2-grams) and
its lower-cased character n-grams, optionally joined by the mean navec vector of its lemmas, and
scores each label with its own logistic regression; a label is assigned when its probability
reaches the label's threshold (tuned by cross-validation on train). The "hf" backend swaps the
featuriser and regressions for a fine-tuned transformer (pipeline/hf.py) and keeps the thresholds.

    model = load_model("models/topics/v1")
    proba = model.predict_proba(texts, lemma_strings)      # (n, len(model.labels))
    model.assign(proba[0])                                 # [("diplomacy", 0.91), ...]

navec is never saved into a model folder: it is loaded from natasha's wheel.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

LABELS = (
    "diplomacy", "economy_trade", "energy", "transport_logistics", "security_defense", "law_crime",
    "domestic_politics", "society_culture", "environment", "sport", "science_technology",
)
FORMAT_VERSION = 1
FEATURE_BLOCKS = ("lemmas", "chars", "navec")
# pymorphy3 parts of speech that carry no topic: prepositions, conjunctions, particles, pronouns...
FUNCTION_POS = frozenset({"PREP", "CONJ", "PRCL", "INTJ", "NPRO", "PRED"})


def content_lemmas(tokens: Iterable) -> str:
    """The lemmas of the word tokens that can carry a topic, space-joined (tokens need .text/.lemma/.pos)."""
    return " ".join(t.lemma for t in tokens if t.text[:1].isalpha() and t.pos not in FUNCTION_POS)


def lemmatise(text: str) -> str:
    """`content_lemmas` of a raw text, tokenised the way the segment stage does it."""
    from .stages.segment import analyse_tokens

    return content_lemmas(analyse_tokens(text))


def mean_navec(lemma_strings: Sequence[str]) -> np.ndarray:
    """Per string, the L2-normalised mean navec vector of the lemmas it knows (zeros when it knows none).

    Each distinct lemma is looked up once for all the strings: a document and its sentences share them."""
    from scipy.sparse import csr_matrix

    from .ner import navec_matrix

    columns: dict[str, int] = {}
    rows, indptr = [], [0]
    for lemmas in lemma_strings:
        rows += [columns.setdefault(w, len(columns)) for w in lemmas.split()]
        indptr.append(len(rows))
    vectors, _ = navec_matrix(columns)  # unknown lemmas are zero rows: they add nothing to a sum
    counts = csr_matrix((np.ones(len(rows), np.float32), rows, indptr), shape=(len(lemma_strings), len(columns)))
    totals = np.asarray(counts @ vectors, dtype=np.float32)
    norms = np.linalg.norm(totals, axis=1, keepdims=True)
    return totals / np.where(norms > 0, norms, 1.0)


class Featuriser:
    """Side-by-side feature blocks named by `kind`, e.g. "lemmas+chars+navec".

    lemmas: TF-IDF over content-lemma n-grams; chars: TF-IDF over char_wb n-grams of the lower-cased
    text (robust to lemmatiser misses, but the slowest block); navec: the mean navec vector of the lemmas.
    """

    def __init__(self, kind: str = "lemmas+chars", word_ngrams: Sequence[int] = (1, 2),
                 char_ngrams: Sequence[int] = (2, 5), min_df: int = 2, max_df: float = 0.5,
                 navec_weight: float = 1.0) -> None:
        unknown = set(kind.split("+")) - set(FEATURE_BLOCKS)
        if unknown or not kind:
            raise ValueError(f"unknown topic features {kind!r}; blocks: {', '.join(FEATURE_BLOCKS)}")
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.kind, self.blocks, self.navec_weight = kind, tuple(kind.split("+")), navec_weight
        self.words = TfidfVectorizer(analyzer="word", token_pattern=r"\S+", ngram_range=tuple(word_ngrams),
                                     min_df=min_df, max_df=max_df, sublinear_tf=True, lowercase=False)
        self.chars = TfidfVectorizer(analyzer="char_wb", ngram_range=tuple(char_ngrams), min_df=min_df,
                                     max_df=max_df, sublinear_tf=True, lowercase=True, max_features=200_000)

    def fit(self, texts: list[str], lemmas: list[str]) -> "Featuriser":
        if "lemmas" in self.blocks:
            self.words.fit(lemmas)
        if "chars" in self.blocks:
            self.chars.fit(texts)
        return self

    def transform(self, texts: list[str], lemmas: list[str]):
        from scipy.sparse import csr_matrix, hstack

        from .linear import tfidf_transform

        make = {
            "lemmas": lambda: tfidf_transform(self.words, lemmas),
            "chars": lambda: tfidf_transform(self.chars, texts),
            "navec": lambda: csr_matrix(mean_navec(lemmas) * self.navec_weight),
        }
        return hstack([make[block]() for block in self.blocks], format="csr")


def make_classifier(C: float, seed: int):
    """One balanced logistic regression per label (rare labels would otherwise never reach 0.5)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier

    return OneVsRestClassifier(LogisticRegression(C=C, class_weight="balanced", solver="liblinear",
                                                  max_iter=2000, random_state=seed))


class LinearHead:
    """The per-label regressions as one weight matrix: sigmoid(X·W + b), what each regression computes.

    Scoring all labels in one sparse product instead of eleven sklearn calls (each re-validating its
    input) is what keeps the stage at a few milliseconds per document.
    """

    def __init__(self, weights: np.ndarray, bias: np.ndarray) -> None:
        self.weights, self.bias = weights, bias

    @classmethod
    def from_one_vs_rest(cls, classifier) -> "LinearHead":
        columns, bias = [], []
        for estimator in classifier.estimators_:
            if hasattr(estimator, "coef_"):
                columns.append(estimator.coef_.ravel())
                bias.append(float(estimator.intercept_[0]))
            else:  # a label constant in training data: sklearn keeps a constant predictor
                p = float(np.clip(estimator.y_[0], 1e-6, 1 - 1e-6))
                columns.append(np.zeros(classifier.n_features_in_))
                bias.append(float(np.log(p / (1 - p))))
        return cls(np.stack(columns, axis=1).astype(np.float32), np.array(bias, dtype=np.float32))

    def predict_proba(self, X) -> np.ndarray:
        logits = np.asarray(X @ self.weights) + self.bias
        return 1.0 / (1.0 + np.exp(-logits))


def assign(proba: np.ndarray, thresholds: np.ndarray, labels: Sequence[str], at_least_one: bool = True
           ) -> list[tuple[str, float]]:
    """The labels whose probability reaches their threshold, most probable first.

    A document always gets a topic (guideline): when none passes, the one closest to passing does.
    """
    chosen = [i for i in range(len(labels)) if proba[i] >= thresholds[i]]
    if not chosen and at_least_one:
        chosen = [int(np.argmax(proba / thresholds))]
    return [(labels[i], float(proba[i])) for i in sorted(chosen, key=lambda i: -proba[i])]


class TopicModel:
    """Featuriser + per-label regressions + per-label thresholds (the default, CPU backend)."""

    backend = "default"

    def __init__(self, featuriser: Featuriser, head: LinearHead, thresholds: Sequence[float],
                 labels: Sequence[str] = LABELS) -> None:
        self.featuriser, self.head = featuriser, head
        self.thresholds, self.labels = np.asarray(thresholds, dtype=float), tuple(labels)

    def predict_proba(self, texts: list[str], lemmas: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, len(self.labels)))
        return self.head.predict_proba(self.featuriser.transform(texts, lemmas))

    def assign(self, proba: np.ndarray, at_least_one: bool = True) -> list[tuple[str, float]]:
        return assign(proba, self.thresholds, self.labels, at_least_one)

    def save(self, folder: Path, meta: dict | None = None) -> None:
        import joblib

        folder.mkdir(parents=True, exist_ok=True)
        joblib.dump({"featuriser": self.featuriser, "head": self.head}, folder / "model.joblib", compress=3)
        write_spec(folder, self.backend, self.labels, self.thresholds, meta)

    @classmethod
    def load(cls, folder: Path, spec: dict) -> "TopicModel":
        import joblib

        parts = joblib.load(folder / "model.joblib")
        return cls(parts["featuriser"], parts["head"], spec["thresholds"], spec["labels"])


class HFTopicModel:
    """A fine-tuned transformer (pipeline/hf.py, multi-label) with per-label thresholds."""

    backend = "hf"

    def __init__(self, classifier, thresholds: Sequence[float], labels: Sequence[str] = LABELS) -> None:
        self.classifier = classifier
        self.thresholds, self.labels = np.asarray(thresholds, dtype=float), tuple(labels)

    def predict_proba(self, texts: list[str], lemmas: list[str] | None = None) -> np.ndarray:
        if not texts:
            return np.zeros((0, len(self.labels)))
        return np.asarray(self.classifier.predict_proba(texts))

    def assign(self, proba: np.ndarray, at_least_one: bool = True) -> list[tuple[str, float]]:
        return assign(proba, self.thresholds, self.labels, at_least_one)

    def save(self, folder: Path, meta: dict | None = None) -> None:
        # the classifier's own weights were written to folder/"hf" by pipeline.hf.train_classifier
        write_spec(folder, self.backend, self.labels, self.thresholds, meta)

    @classmethod
    def load(cls, folder: Path, spec: dict) -> "HFTopicModel":
        from .hf import HFClassifier

        return cls(HFClassifier.load(folder / "hf"), spec["thresholds"], spec["labels"])


BACKENDS = {"default": TopicModel, "hf": HFTopicModel}


def write_spec(folder: Path, backend: str, labels: Sequence[str], thresholds: np.ndarray, meta: dict | None) -> None:
    """model.json (what `load_model` needs) and, when given, meta.json."""
    spec = {"format_version": FORMAT_VERSION, "backend": backend, "labels": list(labels),
            "thresholds": [round(float(t), 4) for t in thresholds]}
    (folder / "model.json").write_text(json.dumps(spec, indent=2, ensure_ascii=False))
    if meta is not None:
        (folder / "meta.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False))


def load_model(folder: str | Path) -> TopicModel | HFTopicModel:
    """A saved topic model of either backend; refuses a folder of another format version."""
    folder = Path(folder)
    spec = json.loads((folder / "model.json").read_text())
    if spec["format_version"] != FORMAT_VERSION:
        raise ValueError(f"{folder}: topic model format {spec['format_version']}, this code reads {FORMAT_VERSION}")
    return BACKENDS[spec["backend"]].load(folder, spec)
