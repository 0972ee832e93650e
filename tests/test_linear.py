"""The arithmetic copies of sklearn's calls (pipeline/linear.py) give sklearn's matrices."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse import random as sparse_random
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from pipeline.linear import regression_proba, tfidf_transform

TRAIN = ["Россия и Казахстан подписали соглашение о транзите нефти",
         "переговоры России и Китая о поставках газа",
         "Казахстан увеличил поставки нефти в Китай",
         "санкции против России продлены",
         "соглашение о транзите газа подписано"]
NEW = ["Китай и Казахстан подписали соглашение о газе", "", "неизвестные слова только", TRAIN[0] + " " + TRAIN[0]]


@pytest.mark.parametrize("options", [
    {"analyzer": "word", "token_pattern": r"\S+", "ngram_range": (1, 2), "sublinear_tf": True, "lowercase": False},
    {"analyzer": "word", "min_df": 2, "max_df": 0.9},
    {"analyzer": "char_wb", "ngram_range": (2, 4), "sublinear_tf": True, "max_features": 60},
    {"analyzer": "word", "norm": "l1", "use_idf": False},
    {"analyzer": "word", "norm": None},
])
def test_tfidf_transform_is_sklearns_transform(options):
    vectorizer = TfidfVectorizer(**options).fit(TRAIN)
    ours, theirs = tfidf_transform(vectorizer, NEW), vectorizer.transform(NEW)
    assert ours.shape == theirs.shape
    assert np.allclose(ours.toarray(), theirs.toarray(), atol=1e-12)


@pytest.mark.parametrize("classes", [2, 3, 4])
def test_regression_proba_is_sklearns_predict_proba(classes):
    x = sparse_random(120, 30, density=0.3, random_state=classes, format="csr")
    y = np.arange(120) % classes
    regression = LogisticRegression(max_iter=500, class_weight="balanced").fit(x, y)
    assert np.allclose(regression_proba(regression, x), regression.predict_proba(x), atol=1e-12)


def test_tfidf_transform_leaves_the_vectorizer_as_sklearn_fitted_it():
    vectorizer = TfidfVectorizer().fit(TRAIN)
    before = set(vars(vectorizer))
    tfidf_transform(vectorizer, NEW)
    assert set(vars(vectorizer)) == before
