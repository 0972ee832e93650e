"""Fitted scikit-learn text models applied at the cost of their arithmetic.

`TfidfVectorizer.transform` and `LogisticRegression.predict_proba` re-validate their input on every
call (parameter checks, dataframe detection through narwhals, finiteness), which for one news
document costs more than the counting itself. The stages call them once per document, so `tfidf_transform` and `regression_proba` compute the same matrices from the
fitted attributes; tests/test_linear.py holds them equal to sklearn's own calls.
"""
from __future__ import annotations

from typing import Sequence
from weakref import WeakKeyDictionary

import numpy as np


def tfidf_transform(vectorizer, documents: Sequence[str]):
    """`vectorizer.transform(documents)` for a fitted TfidfVectorizer (any analyzer, l1/l2/no norm)."""
    from scipy.sparse import csr_matrix

    analyse, vocabulary = _analyzer(vectorizer), vectorizer.vocabulary_
    columns: list[int] = []
    indptr = [0]
    for document in documents:
        columns += [j for j in map(vocabulary.get, analyse(document)) if j is not None]
        indptr.append(len(columns))
    x = csr_matrix((np.ones(len(columns)), columns, indptr), shape=(len(documents), len(vocabulary)))
    x.sum_duplicates()
    if vectorizer.sublinear_tf:
        x.data = np.log(x.data) + 1.0
    if vectorizer.use_idf:
        x.data *= vectorizer.idf_[x.indices]
    if vectorizer.norm:
        row_norms = (np.sqrt(x.multiply(x).sum(axis=1)) if vectorizer.norm == "l2"
                     else abs(x).sum(axis=1))
        row_norms = np.asarray(row_norms).ravel()
        x.data /= np.repeat(np.where(row_norms > 0, row_norms, 1.0), np.diff(x.indptr))
    return x


def _analyzer(vectorizer):
    """The vectorizer's analyzer, built once per fitted vectorizer (building it compiles its regex);
    kept beside the vectorizer, not on it, so a model pickled after use stays as sklearn left it."""
    analyse = _ANALYZERS.get(vectorizer)
    if analyse is None:
        analyse = _ANALYZERS[vectorizer] = vectorizer.build_analyzer()
    return analyse


_ANALYZERS: WeakKeyDictionary = WeakKeyDictionary()


def regression_proba(regression, x) -> np.ndarray:
    """A fitted LogisticRegression's `predict_proba(x)`, computed from its weights."""
    from scipy.special import expit, softmax

    logits = np.asarray(x @ regression.coef_.T) + regression.intercept_
    if logits.shape[1] == 1:  # binary: one weight vector for the second class
        positive = expit(logits[:, 0])
        return np.stack([1.0 - positive, positive], axis=1)
    return softmax(logits, axis=1)
