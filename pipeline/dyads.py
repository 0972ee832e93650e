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

Format 2 (models/dyads/v2) adds, as options of the same classes:

- `local_words`: the pair's surroundings as pseudo-words (lemmas before/after the two closest mentions, the
  first/last word between them, the pattern joining them: a list "A и B", "между A и B", "A с B", "A против B",
  the governing verb and whether it is negated, every negated lemma);
- the cue lexicon as data (pipeline/data/dyads.toml) with negation-aware counts ("не поддержал");
- `mode="joint"`: one 4-way regression (none / cooperative / neutral / conflictual), P(interacts) = 1 - P(none);
- a separate tone regression over its own featuriser (`tone_featuriser`).

Format 3 (models/dyads/v3) adds options measured there: `clause` (a second featuriser over the pair's clause,
`clause_view`), `sentiment` (the sentiment model's sklearn member rating each actor; ~10x the stage's budget) and
a rule prior (`prior_weight`: tone probabilities times the clause's lexicon-cue distribution, `lexicon_prior`).

v1 and v2 folders still load (READABLE_FORMATS) and behave as before.

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

from .linear import regression_proba, tfidf_transform
from .ner import NAVEC_DIM

TONES = ("cooperative", "neutral", "conflictual")
FORMAT_VERSION = 3  # 2: joint mode, separate tone featuriser, pair-local words, negation-aware lexicon; 3: clause featuriser
READABLE_FORMATS = (1, 2, 3)  # a v1 folder loads as a two-stage model with v1's features
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


# --- pair-local features (v2) ---------------------------------------------------------------------
# A list ("России и Казахстана") is a co-mention; "между A и B", "A с B", "A против B" relate the two.
PATTERN_BEFORE = {"между": "pat:between"}
PATTERN_LAST_BETWEEN = {"с": "pat:with", "со": "pat:with", "против": "pat:against"}


def _outside_mentions(token, view: PairView) -> bool:
    return not _inside(token, view.a) and not _inside(token, view.b)


def pair_edges(view: PairView) -> tuple[list, list] | None:
    """Up to three non-mention tokens before the first and after the second of the closest two mentions."""
    gap = closest_gap(view)
    if gap is None:
        return None
    tokens = list(view.tokens)
    first = max((i for i, t in enumerate(tokens) if t.end <= gap[0]), default=None)
    second = min((i for i, t in enumerate(tokens) if t.start >= gap[1]), default=None)
    if first is None or second is None:
        return None
    while first > 0 and not _outside_mentions(tokens[first - 1], view):
        first -= 1
    while second + 1 < len(tokens) and not _outside_mentions(tokens[second + 1], view):
        second += 1
    before = [t for t in tokens[max(0, first - 3):first] if _outside_mentions(t, view)]
    after = [t for t in tokens[second + 1:second + 4] if _outside_mentions(t, view)]
    return before, after


def governing_verb(view: PairView, before: list, after: list):
    """The verb nearest the pair: the first between the mentions, else the last before, else the first after."""
    between = [t for t in between_tokens(view) if t.pos in VERB_POS]
    if between:
        return between[0]
    edges = [t for t in view.tokens if t.pos in VERB_POS]
    left = [t for t in edges if before and t.end <= before[-1].end]
    right = [t for t in edges if after and t.start >= after[0].start]
    return left[-1] if left else right[0] if right else None


def local_words(view: PairView, negators: frozenset[str]) -> list[str]:
    """Pseudo-words of the pair's surroundings: `pre:`/`post:` lemmas, the connecting pattern, the governing
    verb `gv:` (and `gvneg:` when negated), and every negated lemma `neg:`."""
    edges = pair_edges(view)
    if edges is None:
        return []
    before, after = edges
    between = between_tokens(view)
    out = ["pre:" + t.lemma for t in before] + ["post:" + t.lemma for t in after]
    relating = before[-1].lemma in PATTERN_BEFORE if before else False
    if before:
        out.append("pre1:" + before[-1].lemma)
        out += [PATTERN_BEFORE[before[-1].lemma]] if relating else []
    if between:
        out += ["btw_first:" + between[0].lemma, "btw_last:" + between[-1].lemma]
        out += [PATTERN_LAST_BETWEEN[between[-1].lemma]] if between[-1].lemma in PATTERN_LAST_BETWEEN else []
        out += ["pat:prep_" + between[-1].lemma] if between[-1].pos == "PREP" else []
        # "между A и B" relates the two; without it, "A и B" is a list
        out += ["pat:list"] if not relating and all(t.text.lower() in LIST_WORDS for t in between) else []
    out.append(f"nverb_btw:{min(sum(t.pos in VERB_POS for t in between), 2)}")
    verb = governing_verb(view, before, after)
    if verb is not None:
        out.append("gv:" + verb.lemma)
        out += ["gvneg:" + verb.lemma] if negated(view.tokens, verb, negators) else []
    tokens = list(view.tokens)
    out += ["neg:" + t.lemma for previous, t in zip(tokens, tokens[1:])
            if previous.lemma in negators and t.text[:1].isalpha()]
    return out


def negated(tokens: Sequence[Any], token, negators: frozenset[str]) -> bool:
    tokens = list(tokens)
    i = tokens.index(token)
    return i > 0 and tokens[i - 1].lemma in negators


def negation_aware_counts(tokens: Sequence[Any], lexicon: dict[str, frozenset[str]],
                          negators: frozenset[str]) -> list[float]:
    """Per lexicon kind: plain hits and hits right after a negator ("не поддержал" is not support)."""
    lemmas = [t.lemma for t in tokens]
    out = []
    for kind in LEXICON_KINDS:
        hits = [i for i, w in enumerate(lemmas) if w in lexicon[kind]]
        negated_hits = sum(1 for i in hits if i > 0 and lemmas[i - 1] in negators)
        out += [float(len(hits) - negated_hits), float(negated_hits)]
    return out


def load_lexicon(path: str | Path) -> dict:
    """The cue lexicon data file (pipeline/data/dyads.toml): {"lexicon": {kind: [lemmas]}, "negators": [...]}."""
    from .config import read_toml

    return read_toml(path)


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


def known_vectors(words: Sequence[str]) -> np.ndarray:
    """The navec vectors of the words navec knows, one per row."""
    from .ner import navec_matrix

    matrix, known = navec_matrix(words)
    return matrix[known]


def mean_navec(words: Sequence[str]) -> np.ndarray:
    vectors = known_vectors(words)
    if not len(vectors):
        return np.zeros(NAVEC_DIM, dtype=np.float32)
    mean = np.mean(vectors, axis=0)
    return mean / (np.linalg.norm(mean) or 1.0)


@lru_cache(maxsize=8)
def lexicon_matrix(words: frozenset[str]) -> np.ndarray:
    """The unit navec vectors of a lexicon's words, one per row."""
    vectors = [v / (np.linalg.norm(v) or 1.0) for v in known_vectors(sorted(words))]
    return np.array(vectors, dtype=np.float32).reshape(-1, NAVEC_DIM)


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
    found = known_vectors([lemma])
    if not len(found):
        return 0.0
    vector = found[0]
    return float((lexicon_matrix(words) @ (vector / (np.linalg.norm(vector) or 1.0))).max(initial=0.0))


def navec_features(view: PairView) -> np.ndarray:
    words = [t.lemma for t in view.tokens if t.text[:1].isalpha() and not _inside(t, view.a) and not _inside(t, view.b)]
    between = [t.lemma for t in between_tokens(view) if t.text[:1].isalpha()]
    return np.concatenate([mean_navec(words), mean_navec(between)])


# --- the pair's clause (v3) -------------------------------------------------------------------------
# Outside the stretch between the two mentions (always kept, lists need its commas), a clause ends at punctuation
# or before a word that opens a new clause: "Сербия не поддержала санкции против России, введённые из-за…" keeps
# the participle out of the pair's clause.
CLAUSE_BOUNDS = frozenset({".", ",", ";", ":", "—", "–", "!", "?", "(", ")", "«", "»", '"', "„", "“", "”"})
CLAUSE_OPENERS = frozenset({"но", "однако", "а", "хотя", "тогда", "когда", "который", "что", "чтобы", "если",
                            "поскольку", "потому"})


def clause_view(view: PairView) -> PairView:
    """The view cut to the clause around the closest two mentions (the whole view when one is missing)."""
    gap = closest_gap(view)
    if gap is None:
        return view
    tokens = list(view.tokens)
    first = max((i for i, t in enumerate(tokens) if t.end <= gap[0]), default=0)
    last = min((i for i, t in enumerate(tokens) if t.start >= gap[1]), default=len(tokens) - 1)
    while first > 0 and not _opens_clause(tokens[first - 1], view):
        first -= 1
    while last + 1 < len(tokens) and not _opens_clause(tokens[last + 1], view):
        last += 1
    return PairView(tokens[first:last + 1], view.a, view.b, view.other)


def _opens_clause(token, view: PairView) -> bool:
    return token.text in CLAUSE_BOUNDS or (token.lemma in CLAUSE_OPENERS and _outside_mentions(token, view))


class Featuriser:
    """Sparse TF-IDF of `lexical_document` (+ `local_words` when `local`) + the dense cues (+ negation-aware
    lexicon counts when `negators`; + navec means when `navec_means` and lexicon similarity when `use_navec`)."""

    # v1 models were pickled before these options existed; the class defaults are v1's behaviour.
    local = False
    clause = None  # v3: a second featuriser over the pair's clause (`clause_view`), its columns appended
    sentiment: str | None = None  # v3: a sentiment model folder whose sklearn member rates each actor
    negators: frozenset[str] = frozenset()
    navec_means = True
    dense_weight = 1.0

    def __init__(self, lexicon: dict[str, Sequence[str]], use_navec: bool = True, min_df: int = 2,
                 local: bool = False, negators: Sequence[str] = (), navec_means: bool = True,
                 dense_weight: float = 1.0, clause: bool = False, sentiment: str | None = None) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.lexicon = {kind: frozenset(words) for kind, words in lexicon.items()}
        self.use_navec, self.local, self.negators = use_navec, local, frozenset(negators)
        self.navec_means, self.dense_weight = navec_means, dense_weight
        self.clause = Featuriser(lexicon, use_navec, min_df, local, negators, navec_means, dense_weight) if clause else None
        self.sentiment = sentiment
        self.tfidf = TfidfVectorizer(analyzer="word", token_pattern=r"\S+", ngram_range=(1, 2), min_df=min_df,
                                     sublinear_tf=True, lowercase=False)

    def document(self, view: PairView) -> str:
        words = lexical_document(view)
        return words + " " + " ".join(local_words(view, self.negators)) if self.local else words

    def fit(self, views: Sequence[PairView]) -> "Featuriser":
        self.tfidf.fit([self.document(v) for v in views])
        if self.clause is not None:
            self.clause.fit([clause_view(v) for v in views])
        return self

    def transform(self, views: Sequence[PairView]):
        from scipy.sparse import csr_matrix, hstack

        tfidf = tfidf_transform(self.tfidf, [self.document(v) for v in views])
        fixed = np.array([self.fixed_features(v) for v in views], dtype=np.float32).reshape(len(views), -1)
        parts = [tfidf, csr_matrix(fixed * self.dense_weight)]
        if self.clause is not None:
            parts.append(self.clause.transform([clause_view(v) for v in views]))
        return hstack(parts).tocsr()

    def fixed_features(self, view: PairView) -> np.ndarray:
        """The features that need no fitting, cached by the view's content (cross-validation repeats them)."""
        key = (tuple((t.start, t.end, t.lemma, t.pos) for t in view.tokens), tuple(view.a), tuple(view.b),
               tuple(view.other), self.use_navec, self.navec_means, self.negators, getattr(self, "sentiment", None),
               tuple(sorted((k, hash(v)) for k, v in self.lexicon.items())))
        return _fixed_features(key, view, self)


def _fixed_features(key, view: PairView, featuriser: "Featuriser") -> np.ndarray:
    """Bounded first-in-first-out cache: enough for a training set, small for a long-running stage."""
    cached = _FIXED_CACHE.get(key)
    if cached is None:
        parts = [np.asarray(dense_cues(view, featuriser.lexicon), dtype=np.float32)]
        if featuriser.negators:
            parts += [np.asarray(negation_aware_counts(tokens, featuriser.lexicon, featuriser.negators), dtype=np.float32)
                      for tokens in (view.tokens, between_tokens(view))]
        if featuriser.use_navec:
            parts += [navec_features(view)] if featuriser.navec_means else []
            parts += [np.asarray(lexicon_similarity(view, featuriser.lexicon), dtype=np.float32)]
        if getattr(featuriser, "sentiment", None):
            parts += [pair_sentiment(view, featuriser.sentiment)]
        cached = np.concatenate(parts)
        if len(_FIXED_CACHE) >= 8192:
            _FIXED_CACHE.pop(next(iter(_FIXED_CACHE)))
        _FIXED_CACHE[key] = cached
    return cached


_FIXED_CACHE: dict = {}


# --- what the sentiment model and the lexicon say (v3 options) -----------------------------------

@lru_cache(maxsize=2)
def sentiment_member(folder: str):
    """The fast (sklearn) member of an entity-sentiment model (pipeline.sentiment), loaded once per folder."""
    from . import paths
    from .sentiment import SentimentModel

    return SentimentModel.load(paths.resolve(folder)).restricted_to("sklearn")


def sentence_of(view: PairView) -> tuple[str, int]:
    """The sentence rebuilt from the view's tokens (whitespace as spaces) and the offset of its first character."""
    start = view.tokens[0].start
    chars = [" "] * (view.tokens[-1].end - start)
    for t in view.tokens:
        chars[t.start - start:t.end - start] = t.text
    return "".join(chars), start


def pair_sentiment(view: PairView, folder: str) -> np.ndarray:
    """Sentiment toward each actor (negative/neutral/positive, mean over its mentions); the pair is unordered,
    so per class the higher and the lower of the two actors' probabilities."""
    from .sentiment import Mention

    if not view.tokens or not view.a or not view.b:
        return np.zeros(6, dtype=np.float32)
    text, offset = sentence_of(view)
    member = sentiment_member(folder)
    per_actor = np.array([member.predict_proba([Mention(text, s - offset, e - offset, "COUNTRY") for s, e in spans])
                          .mean(axis=0) for spans in (view.a, view.b)])
    return np.concatenate([per_actor.max(axis=0), per_actor.min(axis=0)]).astype(np.float32)


def lexicon_prior(view: PairView, lexicon: dict[str, frozenset[str]], negators: frozenset[str],
                  smoothing: float = 0.5) -> np.ndarray:
    """A rule's tone distribution (TONES order): the un-negated cue words of each kind in the pair's clause,
    smoothed; a clause without cues gives the uniform distribution."""
    lemmas = [t.lemma for t in clause_view(view).tokens]
    counts = np.array([sum(1 for i, w in enumerate(lemmas) if w in lexicon[kind] and not (i and lemmas[i - 1] in negators))
                       for kind in TONES], dtype=float) + smoothing
    return counts / counts.sum()


def with_prior(p_tone: np.ndarray, priors: np.ndarray, weight: float) -> np.ndarray:
    """Classifier probabilities times the rule prior to the power `weight`, renormalised."""
    mixed = p_tone * priors ** weight
    return mixed / mixed.sum(axis=1, keepdims=True)


# --- the model ---------------------------------------------------------------------------------

NONE = "none"  # the joint model's label of a pair that does not interact
MODES = ("two-stage", "joint")


class DyadModel:
    """Logistic regressions over featurisers. `two-stage` (v1): "interacts" (binary) and tone (3-way, trained on
    interacting pairs) over one featuriser. `joint`: one 4-way regression (none / cooperative / neutral /
    conflictual) answers "interacts" as 1 - P(none). Either may take its tone from a separate tone regression
    over its own featuriser (`tone_featuriser`), trained on the interacting pairs only."""

    def __init__(self, featuriser: Featuriser, interacts, tone, tone_scores: dict[str, float],
                 threshold: float = 0.5, mode: str = "two-stage", tone_featuriser: Featuriser | None = None,
                 prior_weight: float = 0.0) -> None:
        self.featuriser, self.interacts, self.tone = featuriser, interacts, tone
        self.tone_scores, self.threshold = tone_scores, threshold
        self.mode, self.tone_featuriser, self.prior_weight = mode, tone_featuriser, prior_weight

    @classmethod
    def fit(cls, views: Sequence[PairView], interacts: Sequence[bool], tones: Sequence[str | None],
            scores: Sequence[float | None], lexicon: dict[str, Sequence[str]], use_navec: bool = True,
            C_interacts: float = 1.0, C_tone: float = 1.0, seed: int = 0, threshold: float = 0.5,
            mode: str = "two-stage", features: dict | None = None, tone_features: dict | None = None,
            prior_weight: float = 0.0) -> "DyadModel":
        """Fit on annotated pair views. `features` / `tone_features` are extra Featuriser options (local,
        negators, navec_means, dense_weight, clause, sentiment); with `tone_features` the tone regression gets its
        own featuriser. `prior_weight` > 0 multiplies the tone probabilities by the lexicon prior to that power."""
        from sklearn.linear_model import LogisticRegression

        if mode not in MODES:
            raise ValueError(f"dyads: mode {mode!r} is not one of {MODES}")
        featuriser = Featuriser(lexicon, use_navec=use_navec, **(features or {})).fit(views)
        x = featuriser.transform(views)
        regression = lambda C: LogisticRegression(C=C, max_iter=3000, class_weight="balanced", random_state=seed)  # noqa: E731
        if mode == "joint":
            labels = [tone if flag else NONE for flag, tone in zip(interacts, tones)]
            interacts_model = regression(C_interacts).fit(x, labels)
        else:
            interacts_model = regression(C_interacts).fit(x, np.asarray(interacts, dtype=int))
        rows = [i for i, flag in enumerate(interacts) if flag]
        tone_featuriser, tone_model = None, None
        if tone_features is not None:
            tone_featuriser = Featuriser(lexicon, use_navec=use_navec, **tone_features).fit([views[i] for i in rows])
            tone_model = regression(C_tone).fit(tone_featuriser.transform([views[i] for i in rows]),
                                                [tones[i] for i in rows])
        elif mode == "two-stage":
            tone_model = regression(C_tone).fit(x[rows], [tones[i] for i in rows])
        return cls(featuriser, interacts_model, tone_model, mean_score_by_tone(tones, scores), threshold, mode,
                   tone_featuriser, prior_weight)

    def probabilities(self, views: Sequence[PairView]) -> tuple[np.ndarray, np.ndarray]:
        """P(interacts) per view and the tone probabilities (columns in TONES order)."""
        x = self.featuriser.transform(views)
        classes = list(self.interacts.classes_)
        raw = regression_proba(self.interacts, x)
        if getattr(self, "mode", "two-stage") == "joint":
            p_interacts = 1.0 - raw[:, classes.index(NONE)]
            p_tone = raw[:, [classes.index(t) for t in TONES]]
            p_tone = p_tone / np.maximum(p_tone.sum(axis=1, keepdims=True), 1e-12)
        else:
            p_interacts = raw[:, classes.index(1)]
        if self.tone is not None:
            tone_featuriser = getattr(self, "tone_featuriser", None) or self.featuriser
            tone_x = x if tone_featuriser is self.featuriser else tone_featuriser.transform(views)
            tone_classes = list(self.tone.classes_)
            p_tone = regression_proba(self.tone, tone_x)[:, [tone_classes.index(t) for t in TONES]]
        if getattr(self, "prior_weight", 0.0):
            priors = np.array([lexicon_prior(v, self.featuriser.lexicon, self.featuriser.negators) for v in views])
            p_tone = with_prior(p_tone, priors, self.prior_weight)
        return p_interacts, p_tone

    def predict(self, views: Sequence[PairView]) -> list[Prediction]:
        if not views:
            return []
        p_interacts, p_tone = self.probabilities(views)
        out = []
        for p, row in zip(p_interacts, p_tone):
            tone_proba = dict(zip(TONES, map(float, row)))
            tone = max(tone_proba, key=tone_proba.get)
            score = sum(tone_proba[t] * self.tone_scores.get(t, 0.0) for t in tone_proba)
            interacts = bool(p >= self.threshold)
            out.append(Prediction(interacts, float(p), tone if interacts else None, tone_proba,
                                  round(float(score), 4) if interacts else None))
        return out

    def save(self, folder: Path) -> None:
        import joblib

        folder.mkdir(parents=True, exist_ok=True)
        joblib.dump({"featuriser": self.featuriser, "interacts": self.interacts, "tone": self.tone,
                     "tone_scores": self.tone_scores, "threshold": self.threshold, "mode": self.mode,
                     "tone_featuriser": self.tone_featuriser, "prior_weight": self.prior_weight},
                    folder / "model.joblib", compress=3)

    @classmethod
    def load(cls, folder: str | Path) -> "DyadModel":
        import joblib

        folder = Path(folder)
        check_format(folder)
        parts = joblib.load(folder / "model.joblib")
        return cls(parts["featuriser"], parts["interacts"], parts["tone"], parts["tone_scores"], parts["threshold"],
                   parts.get("mode", "two-stage"), parts.get("tone_featuriser"), parts.get("prior_weight", 0.0))


def mean_score_by_tone(tones: Sequence[str | None], scores: Sequence[float | None]) -> dict[str, float]:
    by_tone: dict[str, list[float]] = {}
    for tone, score in zip(tones, scores):
        if tone is not None and score is not None:
            by_tone.setdefault(tone, []).append(score)
    return {tone: float(np.mean(values)) for tone, values in by_tone.items()}


def check_format(folder: Path) -> dict:
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    if meta.get("format_version") not in READABLE_FORMATS:
        raise ValueError(f"{folder}: dyads model format {meta.get('format_version')!r}, expected one of {READABLE_FORMATS}")
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
