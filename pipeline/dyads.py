"""Dyad tone: does a sentence say two actors interact, and is the interaction cooperative, neutral or conflictual.

A *pair view* is a sentence's tokens (`.start/.end/.text/.lemma/.pos`, as the segment stage makes them)
with the character spans of the two actors' mentions (`a`, `b`) and of any other actor (`other`).
The default model featurises a view as

- TF-IDF over the sentence's lemmas with actor mentions masked (`_ACT_`, `_OTH_`), so it cannot learn
  "США = conflict"; the lemmas between the two closest mentions again, prefixed `btw:`; the verbs, `v:`;
- a few dense cues: cooperation / conflict lexicon counts (configs/dyads.toml, in the sentence and between
  the mentions), whether only "и" / commas separate the mentions (a list, the typical co-mention), the distance;
- optionally the mean navec vectors of the sentence's and of the between-mention lemmas,

and answers with two logistic regressions: "interacts" (binary) and tone (3-way, trained on interacting pairs).
The score is the tone probabilities weighted by the mean training score of each tone (Goldstein-like, -1..1).

    model = DyadModel.load("models/dyads/v1")
    model.predict([PairView(tokens, a=[(s, e)], b=[(s, e)])])   # [Prediction(interacts, p, tone, score)]

navec is never saved into a model folder: it is loaded from natasha's wheel (pipeline.ner.navec).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Sequence

import numpy as np

TONES = ("cooperative", "neutral", "conflictual")
FORMAT_VERSION = 1
ACTOR_MASK, OTHER_MASK = "_ACT_", "_OTH_"
# Tokens that, alone between two mentions, make them a list ("России и Казахстана", "США, Канады").
LIST_WORDS = frozenset({"и", ",", "или", "а", "также", "либо"})
FUNCTION_POS = frozenset({"PREP", "CONJ", "PRCL", "INTJ", "NPRO", "PRED"})
VERB_POS = frozenset({"VERB", "INFN", "PRTF", "PRTS", "GRND"})
LEXICON_KINDS = ("cooperative", "neutral", "conflictual")

Spans = Sequence[tuple[int, int]]


@dataclass(slots=True)
class PairView:
    tokens: Sequence[Any]
    a: Spans
    b: Spans
    other: Spans = ()


@dataclass(slots=True)
class Prediction:
    interacts: bool
    interacts_proba: float
    tone: str | None
    tone_proba: dict[str, float] = field(default_factory=dict)
    score: float | None = None


# --- features ----------------------------------------------------------------------------------

def _inside(token, spans: Spans) -> bool:
    return any(token.start >= s and token.end <= e for s, e in spans)


def masked_lemmas(view: PairView) -> list[str]:
    """One item per token: its lemma, or a mask for actor mentions (multi-token mentions collapse to one)."""
    out: list[str] = []
    for t in view.tokens:
        mask = ACTOR_MASK if _inside(t, view.a) or _inside(t, view.b) else OTHER_MASK if _inside(t, view.other) else None
        if mask and out and out[-1] == mask:
            continue
        out.append(mask or t.lemma.replace("ё", "е"))
    return out


def closest_gap(view: PairView) -> tuple[int, int] | None:
    """Character gap between the closest pair of an `a` and a `b` mention (None when one is missing)."""
    gaps = [(max(a[0], b[0]) - min(a[1], b[1]), min(a[1], b[1]), max(a[0], b[0]))
            for a in view.a for b in view.b]
    if not gaps:
        return None
    _, start, end = min(gaps)
    return (start, end) if start <= end else None


def between_tokens(view: PairView) -> list:
    gap = closest_gap(view)
    if gap is None:
        return []
    return [t for t in view.tokens if t.start >= gap[0] and t.end <= gap[1]
            and not _inside(t, view.a) and not _inside(t, view.b)]


def lexical_document(view: PairView) -> str:
    """The space-joined tokens the TF-IDF sees: masked lemmas, `btw:` lemmas, `v:` verbs."""
    words = [w for w in masked_lemmas(view) if w[:1].isalnum() or w in (ACTOR_MASK, OTHER_MASK)]
    between = ["btw:" + t.lemma for t in between_tokens(view) if t.text[:1].isalnum()]
    verbs = ["v:" + t.lemma for t in view.tokens if t.pos in VERB_POS]
    return " ".join(words + between + verbs)


def dense_cues(view: PairView, lexicon: dict[str, frozenset[str]]) -> list[float]:
    """Lexicon counts in the sentence and between the mentions, the list pattern, the distance."""
    lemmas = [t.lemma for t in view.tokens]
    between = between_tokens(view)
    between_lemmas = [t.lemma for t in between]
    counts = [float(sum(w in lexicon[kind] for w in words)) for kind in LEXICON_KINDS
              for words in (lemmas, between_lemmas)]
    return counts + [
        float(bool(between) and all(t.text.lower() in LIST_WORDS for t in between)),
        float(not between),
        float(np.log1p(len(between))),
        float(len(view.other) > 0),
    ]


@lru_cache(maxsize=300_000)
def navec_vector(word: str) -> np.ndarray | None:
    from .ner import navec

    return navec().get(word)


def mean_navec(words: Sequence[str]) -> np.ndarray:
    vectors = [v for v in map(navec_vector, words) if v is not None]
    if not vectors:
        return np.zeros(300, dtype=np.float32)
    mean = np.mean(vectors, axis=0)
    return mean / (np.linalg.norm(mean) or 1.0)


@lru_cache(maxsize=8)
def lexicon_matrix(words: frozenset[str]) -> np.ndarray:
    """The unit navec vectors of a lexicon's words, one per row."""
    vectors = [v / (np.linalg.norm(v) or 1.0) for v in map(navec_vector, sorted(words)) if v is not None]
    return np.array(vectors, dtype=np.float32).reshape(-1, 300)


def lexicon_similarity(view: PairView, lexicon: dict[str, frozenset[str]]) -> list[float]:
    """Per lexicon kind, the highest cosine of any content lemma (sentence, then between) to a lexicon word:
    a soft lexicon that also fires on words the list lacks ("бомбить" near "обстрел")."""
    def best(tokens, kind) -> float:
        return max((lemma_similarity(t.lemma, lexicon[kind]) for t in tokens
                    if t.text[:1].isalpha() and t.pos not in FUNCTION_POS), default=0.0)

    between = between_tokens(view)
    return [best(tokens, kind) for kind in LEXICON_KINDS for tokens in (view.tokens, between)]


@lru_cache(maxsize=200_000)
def lemma_similarity(lemma: str, words: frozenset[str]) -> float:
    """The highest cosine between `lemma` and a word of `words` (0 when navec lacks the lemma)."""
    vector = navec_vector(lemma)
    if vector is None:
        return 0.0
    return float((lexicon_matrix(words) @ (vector / (np.linalg.norm(vector) or 1.0))).max(initial=0.0))


def navec_features(view: PairView) -> np.ndarray:
    words = [t.lemma for t in view.tokens if t.text[:1].isalpha() and not _inside(t, view.a) and not _inside(t, view.b)]
    between = [t.lemma for t in between_tokens(view) if t.text[:1].isalpha()]
    return np.concatenate([mean_navec(words), mean_navec(between)])


class Featuriser:
    """Sparse TF-IDF of `lexical_document` + the dense cues (+ navec means and lexicon similarity when `use_navec`)."""

    def __init__(self, lexicon: dict[str, Sequence[str]], use_navec: bool = True, min_df: int = 2) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.lexicon = {kind: frozenset(words) for kind, words in lexicon.items()}
        self.use_navec = use_navec
        self.tfidf = TfidfVectorizer(analyzer="word", token_pattern=r"\S+", ngram_range=(1, 2), min_df=min_df,
                                     sublinear_tf=True, lowercase=False)

    def fit(self, views: Sequence[PairView]) -> "Featuriser":
        self.tfidf.fit([lexical_document(v) for v in views])
        return self

    def transform(self, views: Sequence[PairView]):
        from scipy.sparse import csr_matrix, hstack

        tfidf = self.tfidf.transform([lexical_document(v) for v in views])
        fixed = np.array([self.fixed_features(v) for v in views], dtype=np.float32).reshape(len(views), -1)
        return hstack([tfidf, csr_matrix(fixed)]).tocsr()

    def fixed_features(self, view: PairView) -> np.ndarray:
        """The features that need no fitting, cached by the view's content (cross-validation repeats them)."""
        key = (tuple((t.start, t.end, t.lemma, t.pos) for t in view.tokens), tuple(view.a), tuple(view.b),
               tuple(view.other), self.use_navec, tuple(sorted((k, hash(v)) for k, v in self.lexicon.items())))
        return _fixed_features(key, view, self)


def _fixed_features(key, view: PairView, featuriser: "Featuriser") -> np.ndarray:
    """Bounded first-in-first-out cache: enough for a training set, small for a long-running stage."""
    cached = _FIXED_CACHE.get(key)
    if cached is None:
        parts = [np.asarray(dense_cues(view, featuriser.lexicon), dtype=np.float32)]
        if featuriser.use_navec:
            parts += [navec_features(view), np.asarray(lexicon_similarity(view, featuriser.lexicon), dtype=np.float32)]
        cached = np.concatenate(parts)
        if len(_FIXED_CACHE) >= 4096:
            _FIXED_CACHE.pop(next(iter(_FIXED_CACHE)))
        _FIXED_CACHE[key] = cached
    return cached


_FIXED_CACHE: dict = {}


# --- the model ---------------------------------------------------------------------------------

class DyadModel:
    """Two logistic regressions over one featuriser: interacts (binary) and tone (3-way)."""

    def __init__(self, featuriser: Featuriser, interacts, tone, tone_scores: dict[str, float],
                 threshold: float = 0.5) -> None:
        self.featuriser, self.interacts, self.tone = featuriser, interacts, tone
        self.tone_scores, self.threshold = tone_scores, threshold

    @classmethod
    def fit(cls, views: Sequence[PairView], interacts: Sequence[bool], tones: Sequence[str | None],
            scores: Sequence[float | None], lexicon: dict[str, Sequence[str]], use_navec: bool = True,
            C_interacts: float = 1.0, C_tone: float = 1.0, seed: int = 0, threshold: float = 0.5) -> "DyadModel":
        """Fit on annotated pair views; the tone regression sees only the interacting pairs."""
        from sklearn.linear_model import LogisticRegression

        featuriser = Featuriser(lexicon, use_navec=use_navec).fit(views)
        x = featuriser.transform(views)
        regression = lambda C: LogisticRegression(C=C, max_iter=3000, class_weight="balanced", random_state=seed)  # noqa: E731
        interacts_model = regression(C_interacts).fit(x, np.asarray(interacts, dtype=int))
        rows = [i for i, flag in enumerate(interacts) if flag]
        tone_model = regression(C_tone).fit(x[rows], [tones[i] for i in rows])
        return cls(featuriser, interacts_model, tone_model, mean_score_by_tone(tones, scores), threshold)

    def predict(self, views: Sequence[PairView]) -> list[Prediction]:
        if not views:
            return []
        x = self.featuriser.transform(views)
        p_interacts = self.interacts.predict_proba(x)[:, list(self.interacts.classes_).index(1)]
        p_tone = self.tone.predict_proba(x)
        out = []
        for p, row in zip(p_interacts, p_tone):
            tone_proba = dict(zip(self.tone.classes_, map(float, row)))
            tone = max(tone_proba, key=tone_proba.get)
            score = sum(tone_proba[t] * self.tone_scores[t] for t in tone_proba)
            interacts = bool(p >= self.threshold)
            out.append(Prediction(interacts, float(p), tone if interacts else None, tone_proba,
                                  round(float(score), 4) if interacts else None))
        return out

    def save(self, folder: Path) -> None:
        import joblib

        folder.mkdir(parents=True, exist_ok=True)
        joblib.dump({"featuriser": self.featuriser, "interacts": self.interacts, "tone": self.tone,
                     "tone_scores": self.tone_scores, "threshold": self.threshold}, folder / "model.joblib", compress=3)

    @classmethod
    def load(cls, folder: str | Path) -> "DyadModel":
        import joblib

        folder = Path(folder)
        check_format(folder)
        parts = joblib.load(folder / "model.joblib")
        return cls(parts["featuriser"], parts["interacts"], parts["tone"], parts["tone_scores"], parts["threshold"])


def mean_score_by_tone(tones: Sequence[str | None], scores: Sequence[float | None]) -> dict[str, float]:
    by_tone: dict[str, list[float]] = {}
    for tone, score in zip(tones, scores):
        if tone is not None and score is not None:
            by_tone.setdefault(tone, []).append(score)
    return {tone: float(np.mean(values)) for tone, values in by_tone.items()}


def check_format(folder: Path) -> dict:
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    if meta.get("format_version") != FORMAT_VERSION:
        raise ValueError(f"{folder}: dyads model format {meta.get('format_version')!r}, expected {FORMAT_VERSION}")
    return meta




# --- the hf backend ----------------------------------------------------------------------------

MARKERS = ("[E]", "[/E]")


def marked_text(view: PairView) -> str:
    """The sentence rebuilt from its tokens with both actors' mentions bracketed: "[E] США [/E] ввели санкции…"."""
    out, previous_end, inside = [], None, False
    for t in view.tokens:
        actor = _inside(t, view.a) or _inside(t, view.b)
        if inside and not actor:
            out.append(" " + MARKERS[1])
        if previous_end is not None and (t.start > previous_end or actor != inside):
            out.append(" ")
        if actor and not inside:
            out.append(MARKERS[0] + " ")
        out.append(t.text)
        inside, previous_end = actor, t.end
    if inside:
        out.append(" " + MARKERS[1])
    return "".join(out)


class HFDyadModel:
    """Two fine-tuned transformer classifiers (pipeline/hf.py) over sentences with the actors marked."""

    def __init__(self, interacts, tone, tone_scores: dict[str, float], threshold: float = 0.5) -> None:
        self.interacts, self.tone, self.tone_scores, self.threshold = interacts, tone, tone_scores, threshold

    @classmethod
    def load(cls, folder: str | Path) -> "HFDyadModel":
        from .hf import HFClassifier

        folder = Path(folder)
        meta = check_format(folder)
        return cls(HFClassifier.load(folder / "interacts"), HFClassifier.load(folder / "tone"),
                   meta["tone_scores"], meta["chosen"]["threshold"])

    def predict(self, views: Sequence[PairView]) -> list[Prediction]:
        if not views:
            return []
        texts = [marked_text(v) for v in views]
        p_interacts = np.asarray(self.interacts.predict_proba(texts))[:, 1]
        p_tone = np.asarray(self.tone.predict_proba(texts))
        return [self._prediction(float(p), dict(zip(TONES, map(float, row)))) for p, row in zip(p_interacts, p_tone)]

    def _prediction(self, p: float, tone_proba: dict[str, float]) -> Prediction:
        interacts = p >= self.threshold
        score = sum(tone_proba[t] * self.tone_scores.get(t, 0.0) for t in tone_proba)
        return Prediction(interacts, p, max(tone_proba, key=tone_proba.get) if interacts else None, tone_proba,
                          round(float(score), 4) if interacts else None)


def load_model(folder: str | Path) -> DyadModel | HFDyadModel:
    """The model in `folder`, whichever backend trained it (meta.json says; its format version is checked)."""
    meta = check_format(Path(folder))
    return HFDyadModel.load(folder) if meta.get("backend") == "hf" else DyadModel.load(folder)
