"""Entity-oriented sentiment: is a sentence positive, negative or neutral toward one entity in it?

A `Mention` is a sentence plus the [start, end) span of the entity inside it. Every model here
maps a list of mentions to an (n, 3) probability array over LABELS = (-1, 0, 1) and goes through
`SentimentModel`, which averages its members' probabilities, adds per-class log-offsets tuned on
train (F1_PN rewards recall on the rare positive/negative classes) and saves/loads one folder:

    model = SentimentModel.load("models/sentiment/v3")
    model.predict([Mention("Россия осудила удар.", 0, 6, "COUNTRY")])   # -> array([-1])

Members: `sklearn` (entity-aware sparse features + navec, logistic regression), `torch` (a BiLSTM,
BiGRU or CNN over navec with entity-relative position embeddings, optionally slovnet syntax flags;
v2 and v3 are one BiGRU distilled from three seeds), `hf` (a fine-tuned transformer, see
pipeline/hf.py). navec is never saved into a model folder: it is loaded from natasha's wheel.
"""
from __future__ import annotations

import json
import math
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, Iterable

import numpy as np

from .ner import NAVEC_DIM, navec_matrix

LABELS = (-1, 0, 1)
LABEL_NAMES = {-1: "negative", 0: "neutral", 1: "positive"}
FORMAT_VERSION = 1
ENTITY_OPEN, ENTITY_CLOSE = "[E]", "[/E]"


@dataclass(frozen=True)
class Mention:
    """An entity [start, end) inside `text` (one sentence), with its RuSentNE/NEREL tag.

    `tokens` ([start, end) spans in `text`) may come from the pipeline's own tokenisation, which
    saves tokenising the sentence again; `others` are the spans of the sentence's other entities.
    """

    text: str
    start: int
    end: int
    tag: str = ""
    tokens: tuple[tuple[int, int], ...] = ()
    others: tuple[tuple[int, int], ...] = ()


def mentions_from_frame(frame) -> list[Mention]:
    """Mentions from a RuSentNE-format pandas frame; the rows of one sentence are each other's `others`."""
    columns = ("sentence", "entity_pos_start_rel", "entity_pos_end_rel", "entity_tag")
    rows = [(s, int(a), int(b), str(t)) for s, a, b, t in zip(*(frame[c] for c in columns))]
    spans: dict[str, set[tuple[int, int]]] = {}
    for s, a, b, _ in rows:
        spans.setdefault(s, set()).add((a, b))
    return [Mention(s, a, b, t, others=tuple(sorted(spans[s] - {(a, b)}))) for s, a, b, t in rows]


def f1_pn(gold: Iterable[int], pred: Iterable[int]) -> float:
    """The RuSentNE-2023 metric: macro-F1 over the positive and negative classes, all rows counted."""
    from sklearn.metrics import f1_score

    return float(f1_score(list(gold), list(pred), labels=[1, -1], average="macro", zero_division=0))


# --- tokens around the entity ------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Context:
    """A mention's sentence as tokens: lower-cased words, capitalised and other-entity flags (arrays),
    and the entity's token range."""

    words: tuple[str, ...]
    caps: np.ndarray
    entity: tuple[int, int]
    other: np.ndarray  # the token belongs to another entity of the sentence

    @cached_property
    def lemmas(self) -> tuple[str, ...]:
        # only the sparse features read lemmas: the torch member never pays for them
        from . import morph

        return tuple(morph.lemma(w) for w in self.words)

    def distance(self, i: int) -> int:
        """Tokens between token i and the entity; 0 inside it, negative on its left."""
        first, last = self.entity
        return i - first if i < first else max(0, i - last + 1)


@dataclass(frozen=True, eq=False)
class SentenceTokens:
    words: tuple[str, ...]
    caps: np.ndarray
    starts: tuple[int, ...]
    ends: tuple[int, ...]


@lru_cache(maxsize=4096)
def sentence_tokens(text: str, spans: tuple[tuple[int, int], ...] = ()) -> SentenceTokens:
    """A sentence's tokens (razdel's unless `spans` are given), shared by all its mentions."""
    from razdel import tokenize

    spans = spans or tuple((t.start, t.stop) for t in tokenize(text))
    texts = [text[a:b] for a, b in spans]
    return SentenceTokens(tuple(t.lower() for t in texts), np.array([t[:1].isupper() for t in texts], bool),
                          tuple(a for a, _ in spans), tuple(b for _, b in spans))


def token_range(tokens: SentenceTokens, start: int, end: int) -> tuple[int, int]:
    """[first, last) of the tokens overlapping [start, end); empty (first >= last) when none does.
    Tokens do not overlap, so their ends are as sorted as their starts."""
    return bisect_right(tokens.ends, start), bisect_left(tokens.starts, end)


@lru_cache(maxsize=50_000)
def context(mention: Mention) -> Context:
    tokens = sentence_tokens(mention.text, mention.tokens)
    first, last = token_range(tokens, mention.start, mention.end)
    if first >= last:
        first, last = _nearest(tokens.starts, mention.start)
    other = np.zeros(len(tokens.words), bool)
    for start, end in mention.others:
        a, b = token_range(tokens, start, end)
        other[a:b] = True
    return Context(words=tokens.words, caps=tokens.caps, entity=(first, last), other=other)


def _nearest(starts: tuple[int, ...], start: int) -> tuple[int, int]:
    # a span that cuts no token (empty or whitespace) sits before the first token after it
    i = bisect_left(starts, start)
    i = i if i < len(starts) else max(len(starts) - 1, 0)
    return i, i + 1


def mark_entity(mention: Mention) -> str:
    """The sentence with the entity wrapped in markers: the input of the transformer backend."""
    t, a, b = mention.text, mention.start, mention.end
    return f"{t[:a]}{ENTITY_OPEN} {t[a:b]} {ENTITY_CLOSE}{t[b:]}"


# --- navec ----------------------------------------------------------------------------------


def sentence_matrices(sentences: Iterable[tuple[str, ...]]) -> dict[tuple[str, ...], tuple[np.ndarray, np.ndarray]]:
    """`navec_matrix` of each distinct sentence (a tuple of words), all looked up in one call: a
    document's mentions share a handful of sentences, and the per-call overhead outweighs the words."""
    from itertools import accumulate

    distinct = list(dict.fromkeys(sentences))
    matrix, known = navec_matrix([w for words in distinct for w in words])
    bounds = list(accumulate((len(words) for words in distinct), initial=0))
    return {words: (matrix[a:b], known[a:b]) for words, a, b in zip(distinct, bounds, bounds[1:])}


# --- slovnet syntax (an option of the torch member) -------------------------------------------

# the entity head's relations with a column of their own; any other relation shares the last column
SYNTAX_RELATIONS = ("nsubj", "obj", "nmod", "obl", "amod")
# tree distance to the entity 1, 2, 3, 4+; an ancestor of the entity; the entity head's relation
SYNTAX_FLAGS = 4 + 1 + len(SYNTAX_RELATIONS) + 1


@lru_cache(maxsize=1)
def syntax_parser():
    """natasha's news dependency parser (slovnet, on navec), from natasha's wheel."""
    from slovnet import Syntax

    from . import paths
    from .ner import navec

    return Syntax.load(paths.SLOVNET_SYNTAX).navec(navec())


@lru_cache(maxsize=4096)
def sentence_tree(text: str, spans: tuple[tuple[int, int], ...] = ()) -> tuple[tuple[int, ...], tuple[str, ...]]:
    """Each token's head (token index, -1 for the root) and relation, parsed by slovnet."""
    tokens = sentence_tokens(text, spans)
    if not tokens.words:
        return (), ()
    markup = next(syntax_parser().map([[text[a:b] for a, b in zip(tokens.starts, tokens.ends)]]))
    return tuple(int(t.head_id) - 1 for t in markup.tokens), tuple(t.rel for t in markup.tokens)


def syntax_flags(mention: Mention) -> np.ndarray:
    """(tokens, SYNTAX_FLAGS): each token's tree distance to the entity (one-hot 1, 2, 3, 4+), whether
    it governs the entity (directly or not), and the entity head's relation on every token."""
    ctx = context(mention)
    heads, relations = sentence_tree(mention.text, mention.tokens)
    n = len(ctx.words)
    flags = np.zeros((n, SYNTAX_FLAGS), np.float32)
    if len(heads) != n or not n:
        return flags
    entity = range(ctx.entity[0], min(ctx.entity[1], n))
    head = next((i for i in entity if heads[i] not in entity), entity[0])
    for i, d in tree_distances(heads, entity).items():
        if d:
            flags[i, min(d, 4) - 1] = 1.0
    flags[governors(heads, head), 4] = 1.0
    relation = relations[head].split(":")[0]
    flags[:, 5 + (SYNTAX_RELATIONS.index(relation) if relation in SYNTAX_RELATIONS else len(SYNTAX_RELATIONS))] = 1.0
    return flags


def tree_distances(heads: tuple[int, ...], entity: range) -> dict[int, int]:
    """Edges from each token to the nearest entity token, the tree read as undirected."""
    from collections import deque

    neighbours: list[list[int]] = [[] for _ in heads]
    for i, h in enumerate(heads):
        if 0 <= h < len(heads):
            neighbours[i].append(h)
            neighbours[h].append(i)
    distance, queue = {i: 0 for i in entity}, deque(entity)
    while queue:
        i = queue.popleft()
        for j in neighbours[i]:
            if j not in distance:
                distance[j] = distance[i] + 1
                queue.append(j)
    return distance


def governors(heads: tuple[int, ...], token: int) -> list[int]:
    """The token's head, its head's head, ... up to the root (a cycle, which slovnet never makes, stops it)."""
    chain: list[int] = []
    head = heads[token]
    while 0 <= head < len(heads) and head not in chain:
        chain.append(head)
        head = heads[head]
    return chain


# --- sklearn member ---------------------------------------------------------------------------


def entity_features(ctx: Context, tag: str, window: int = 5, decay: float = 4.0,
                    entity_words: bool = False) -> dict[str, float]:
    """Sparse features of the words around the entity, weighted by their distance to it."""
    feats: dict[str, float] = {f"tag={tag}": 1.0}
    for i, lemma in enumerate(ctx.lemmas):
        d = ctx.distance(i)
        if d == 0:
            if entity_words:
                feats[f"e={lemma}"] = 1.0
            continue
        weight = math.exp(-(abs(d) - 1) / decay)
        feats[f"w={lemma}"] = feats.get(f"w={lemma}", 0.0) + weight
        if abs(d) <= window:
            side = "L" if d < 0 else "R"
            feats[f"{side}={lemma}"] = 1.0
            if i + 1 < len(ctx.lemmas) and ctx.distance(i + 1) != 0:
                feats[f"b={lemma}_{ctx.lemmas[i + 1]}"] = 1.0
    return feats


def window_text(mention: Mention, ctx: Context, window: int) -> str:
    """The words within `window` tokens of the entity, the entity itself replaced by a marker."""
    first, last = ctx.entity
    left = ctx.words[max(0, first - window):first]
    right = ctx.words[last:last + window]
    return " ".join((*left, "ENT", *right))


def navec_features(ctx: Context, decay: float) -> np.ndarray:
    """Distance-weighted mean of navec vectors around the entity, then the plain sentence mean."""
    matrix, known = navec_matrix(ctx.words)
    outside = np.array([ctx.distance(i) != 0 for i in range(len(ctx.words))]) & known
    weights = np.array([math.exp(-(abs(ctx.distance(i)) - 1) / decay) for i in range(len(ctx.words))])
    weights = weights * outside
    near = weights @ matrix / max(weights.sum(), 1e-6)
    mean = matrix[outside].mean(axis=0) if outside.any() else np.zeros(NAVEC_DIM, np.float32)
    return np.concatenate([near, mean]).astype(np.float32)


class MentionFeatures:
    """Mentions → one sparse matrix: entity-window lemmas, window char n-grams, navec (each optional)."""

    def __init__(self, window: int = 5, decay: float = 4.0, char: bool = True, words: bool = True,
                 navec: bool = True, entity_words: bool = False, navec_scale: float = 1.0,
                 char_window: int = 10) -> None:
        self.window, self.decay, self.char_window = window, decay, char_window
        self.char, self.words, self.navec = char, words, navec
        self.entity_words, self.navec_scale = entity_words, navec_scale

    def fit(self, mentions: list[Mention], y=None) -> "MentionFeatures":
        from sklearn.feature_extraction import DictVectorizer
        from sklearn.feature_extraction.text import TfidfTransformer, TfidfVectorizer

        contexts = [context(m) for m in mentions]
        if self.words:
            self.dict_ = DictVectorizer().fit(self._dicts(mentions, contexts))
            self.tfidf_ = TfidfTransformer(sublinear_tf=True).fit(
                self.dict_.transform(self._dicts(mentions, contexts)))
        if self.char:
            self.chars_ = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2,
                                          sublinear_tf=True, max_features=100_000)
            self.chars_.fit(self._windows(mentions, contexts))
        return self

    def transform(self, mentions: list[Mention]):
        from scipy import sparse

        contexts = [context(m) for m in mentions]
        blocks = []
        if self.words:
            blocks.append(self.tfidf_.transform(self.dict_.transform(self._dicts(mentions, contexts))))
        if self.char:
            blocks.append(self.chars_.transform(self._windows(mentions, contexts)))
        if self.navec:
            dense = np.stack([navec_features(c, self.decay) for c in contexts]) * self.navec_scale
            blocks.append(sparse.csr_matrix(dense))
        return sparse.hstack(blocks).tocsr()

    def fit_transform(self, mentions, y=None):
        return self.fit(mentions).transform(mentions)

    def _dicts(self, mentions, contexts):
        return [entity_features(c, m.tag, self.window, self.decay, self.entity_words)
                for m, c in zip(mentions, contexts)]

    def _windows(self, mentions, contexts):
        # char_window 0 reads the whole sentence: the entity-blind baseline
        if not self.char_window:
            return [m.text for m in mentions]
        return [window_text(m, c, self.char_window) for m, c in zip(mentions, contexts)]


class SklearnMember:
    """Logistic regression over `MentionFeatures`, classes balanced."""

    kind = "sklearn"

    def __init__(self, C: float = 4.0, seed: int = 0, **features: Any) -> None:
        self.params = {"C": C, "seed": seed, **features}

    def fit(self, mentions: list[Mention], labels: list[int]) -> "SklearnMember":
        from sklearn.linear_model import LogisticRegression

        self.features = MentionFeatures(**{k: v for k, v in self.params.items() if k not in ("C", "seed")})
        x = self.features.fit_transform(mentions)
        self.classifier = LogisticRegression(C=self.params["C"], class_weight="balanced", max_iter=3000,
                                             random_state=self.params["seed"])
        self.classifier.fit(x, labels)
        return self

    def predict_proba(self, mentions: list[Mention]) -> np.ndarray:
        proba = self.classifier.predict_proba(self.features.transform(mentions))
        return proba[:, [list(self.classifier.classes_).index(c) for c in LABELS]]

    def save(self, folder: Path) -> None:
        import joblib

        joblib.dump({"features": self.features, "classifier": self.classifier}, folder / "sklearn.joblib",
                    compress=3)

    @classmethod
    def load(cls, folder: Path, params: dict) -> "SklearnMember":
        import joblib

        member = cls(**params)
        saved = joblib.load(folder / "sklearn.joblib")
        member.features, member.classifier = saved["features"], saved["classifier"]
        return member


# --- torch member -----------------------------------------------------------------------------

MAX_DISTANCE = 20  # relative positions beyond ±20 tokens share one embedding


# entity types with their own flag column (`tags`): PROFESSION mentions, for one, are rarely
# anything but neutral; any other type leaves all five at zero
TAGS = ("PERSON", "ORGANIZATION", "COUNTRY", "NATIONALITY", "PROFESSION")


def encode_batch(mentions: list[Mention], window: int = 0, mask_entity: bool = False, others: bool = False,
                 tags: bool = False, syntax: bool = False) -> tuple[np.ndarray, ...]:
    """Mentions as padded arrays (vectors, flags, position, mask): navec vectors; flags (known,
    capitalised, entity[, other entity][, the entity's type, one-hot on every token][, `syntax_flags`]);
    the clipped distance to the entity. `window` keeps only the tokens within that many of the entity (0: the
    whole sentence); `mask_entity` blanks the entity's own vectors, so the model judges the context
    rather than who the entity is. Per mention only slices are copied: the rest is whole-batch."""
    contexts = [context(m) for m in mentions]
    matrices = sentence_matrices(c.words for c in contexts)
    first = np.array([c.entity[0] for c in contexts])
    last = np.array([c.entity[1] for c in contexts])
    size = np.array([len(c.words) for c in contexts])
    lo, hi = (np.maximum(0, first - window), np.minimum(size, last + window)) if window else (0 * size, size)
    length = max(1, int((hi - lo).max()))
    at = lo[:, None] + np.arange(length)[None]
    mask = at < hi[:, None]
    distance = np.where(at < first[:, None], at - first[:, None], np.maximum(0, at - last[:, None] + 1))
    position = (np.minimum(np.maximum(distance, -MAX_DISTANCE), MAX_DISTANCE) + MAX_DISTANCE) * mask
    vectors = np.zeros((len(mentions), length, NAVEC_DIM), np.float32)
    flags = np.zeros((len(mentions), length, flag_count(others, tags, syntax)), np.float32)
    for i, (mention, ctx, a, b) in enumerate(zip(mentions, contexts, lo.tolist(), hi.tolist())):
        matrix, known = matrices[ctx.words]
        vectors[i, :b - a], flags[i, :b - a, 0], flags[i, :b - a, 1] = matrix[a:b], known[a:b], ctx.caps[a:b]
        if others:
            flags[i, :b - a, 3] = ctx.other[a:b]
        if tags and mention.tag in TAGS:
            flags[i, :b - a, 3 + others + TAGS.index(mention.tag)] = 1.0
        if syntax:
            flags[i, :b - a, 3 + others + len(TAGS) * tags:] = syntax_flags(mention)[a:b]
    at_entity = (distance == 0) & mask
    flags[..., 2] = at_entity
    if mask_entity:
        vectors[at_entity] = 0.0
    return vectors, flags, position.astype(np.int64), mask


def flag_count(others: bool = False, tags: bool = False, syntax: bool = False) -> int:
    """Flag columns per token: known, capitalised, entity [, other entity][, type one-hot][, syntax]."""
    return 3 + bool(others) + len(TAGS) * bool(tags) + SYNTAX_FLAGS * bool(syntax)


def encode(mention: Mention, **options) -> dict[str, np.ndarray]:
    """One mention's arrays (see `encode_batch`), unpadded."""
    vectors, flags, position, mask = encode_batch([mention], **options)
    k = int(mask.sum())
    return {"vectors": vectors[0, :k], "flags": flags[0, :k], "position": position[0, :k]}


def build_network(hidden: int = 128, position_dim: int = 24, dropout: float = 0.4, packed: bool = False,
                  arch: str = "lstm", project: int = 0, flags: int = 3):
    """An encoder over [navec (projected to `project` dims when set); flags; position embedding],
    pooled at the entity, by attention keyed on the entity and by max, then an MLP.

    `arch`: "lstm" (a BiLSTM, v1), "gru" (a BiGRU) or "cnn" (two width-3 convolutions with a residual
    connection: no sequential steps, so it is the cheapest per document). `packed` runs a recurrent
    encoder on packed sequences, so a mention's output does not depend on the padding of its batch;
    v1 was trained without it. The convolution masks the padding itself.
    """
    import torch
    from torch import nn

    class EntityEncoder(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.position = nn.Embedding(2 * MAX_DISTANCE + 1, position_dim)
            self.drop = nn.Dropout(dropout)
            if project:
                self.project = nn.Linear(NAVEC_DIM, project)
            width = (project or NAVEC_DIM) + flags + position_dim
            if arch == "cnn":
                self.conv = nn.ModuleList([nn.Conv1d(width, 2 * hidden, 3, padding=1),
                                           nn.Conv1d(2 * hidden, 2 * hidden, 3, padding=1)])
            else:
                rnn = {"lstm": nn.LSTM, "gru": nn.GRU}[arch]
                setattr(self, arch, rnn(width, hidden, batch_first=True, bidirectional=True))
            self.attention = nn.Linear(4 * hidden, 1)
            self.out = nn.Sequential(nn.Linear(6 * hidden, hidden), nn.ReLU(), nn.Dropout(dropout),
                                     nn.Linear(hidden, len(LABELS)))

        def encode(self, x, mask):
            if arch == "cnn":
                x = (x * mask.unsqueeze(-1)).transpose(1, 2)
                first = self.conv[0](x).relu()
                return (first + self.conv[1](first * mask.unsqueeze(1)).relu()).transpose(1, 2)
            rnn = getattr(self, arch)
            if not packed:
                return rnn(x)[0]
            lengths = mask.sum(1).cpu()
            h, _ = rnn(nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False))
            return nn.utils.rnn.pad_packed_sequence(h, batch_first=True, total_length=x.shape[1])[0]

        def forward(self, vectors, flags, position, mask):
            vectors = self.drop(vectors) if self.training else vectors
            if project:
                vectors = self.project(vectors).tanh()
            h = self.encode(torch.cat([vectors, flags, self.position(position)], dim=-1), mask)
            at_entity = (flags[..., 2:3] * h).sum(1) / flags[..., 2:3].sum(1).clamp(min=1)
            keys = torch.cat([h, at_entity.unsqueeze(1).expand_as(h)], dim=-1)
            scores = self.attention(keys).squeeze(-1).masked_fill(~mask, -1e9)
            attended = (scores.softmax(-1).unsqueeze(-1) * h).sum(1)
            pooled = h.masked_fill(~mask.unsqueeze(-1), -1e9).max(1).values
            pooled = torch.cat([at_entity, attended, pooled], dim=-1)
            return self.out(self.drop(pooled) if self.training else pooled)

    return EntityEncoder()


class TorchMember:
    """An entity encoder (see `build_network`) trained with class-weighted cross-entropy; an average
    of `runs` seeds. The defaults are v1's BiLSTM."""

    kind = "torch"

    def __init__(self, epochs: int = 8, lr: float = 2e-3, batch_size: int = 32, hidden: int = 128,
                 position_dim: int = 24, dropout: float = 0.4, runs: int = 1, seed: int = 0,
                 threads: int = 2, packed: bool = False, arch: str = "lstm", project: int = 0,
                 window: int = 0, mask_entity: bool = False, others: bool = False, tags: bool = False,
                 distil: bool = False, decay: bool = False, syntax: bool = False) -> None:
        self.params = {"epochs": epochs, "lr": lr, "batch_size": batch_size, "hidden": hidden,
                       "position_dim": position_dim, "dropout": dropout, "runs": runs, "seed": seed,
                       "threads": threads, "packed": packed, "arch": arch, "project": project,
                       "window": window, "mask_entity": mask_entity, "others": others, "tags": tags,
                       "distil": distil, "decay": decay, "syntax": syntax}

    def _network(self):
        p = self.params
        return build_network(p["hidden"], p["position_dim"], p["dropout"], p.get("packed", False),
                             p.get("arch", "lstm"), p.get("project", 0),
                             flag_count(p.get("others", False), p.get("tags", False), p.get("syntax", False)))

    def _tensors(self, mentions: list[Mention]):
        """A batch as the network's inputs (torch tensors)."""
        import torch

        p = self.params
        arrays = encode_batch(mentions, p.get("window", 0), p.get("mask_entity", False), p.get("others", False),
                              p.get("tags", False), p.get("syntax", False))
        return tuple(torch.from_numpy(a) for a in arrays)

    def _length(self, mention: Mention) -> int:
        """Tokens the network reads for `mention`."""
        ctx, window = context(mention), self.params.get("window", 0)
        first, last = ctx.entity
        return min(len(ctx.words), last + window) - max(0, first - window) if window else len(ctx.words)

    def _padding_free(self) -> bool:
        return self.params.get("arch", "lstm") == "cnn" or self.params.get("packed", False)

    def fit(self, mentions: list[Mention], labels: list[int]) -> "TorchMember":
        import torch

        torch.set_num_threads(self.params["threads"])
        y = torch.tensor([LABELS.index(label) for label in labels])
        counts = torch.bincount(y, minlength=len(LABELS)).float()
        weights = counts.sum() / (len(LABELS) * counts)
        self.networks = [self._train_one(mentions, y, weights, self.params["seed"] + run)
                         for run in range(self.params["runs"])]
        if self.params.get("distil"):
            # one student learns the seeds' averaged probabilities: an ensemble's steadiness at
            # the inference cost of a single network
            teachers = torch.from_numpy(self._proba(mentions, range(len(mentions))))
            self.teachers = self.networks  # kept in memory for the model card, never saved
            self.networks = [self._train_one(mentions, y, weights, self.params["seed"] + self.params["runs"],
                                             teachers)]
        return self

    def teachers_member(self) -> "TorchMember | None":
        """The seeds a distilled member learnt from, as a member of their own (None if not distilled)."""
        if not getattr(self, "teachers", None):
            return None
        member = TorchMember(**{**self.params, "distil": False})
        member.networks = self.teachers
        return member

    def _train_one(self, mentions, y, weights, seed: int, teachers=None):
        import torch

        torch.manual_seed(seed)
        rng = np.random.default_rng(seed)
        network = self._network()
        optimiser = torch.optim.Adam(network.parameters(), lr=self.params["lr"])
        gold = torch.nn.CrossEntropyLoss(weight=weights)

        def loss(logits, batch):
            if teachers is None:
                return gold(logits, y[batch])
            soft = -(teachers[batch] * logits.log_softmax(-1)).sum(-1).mean()
            return (gold(logits, y[batch]) + soft) / 2

        size = self.params["batch_size"]
        steps = self.params["epochs"] * -(-len(mentions) // size)
        # a learning rate falling linearly to zero: the last epochs' weights, and so the seeds,
        # scatter less than at a constant rate
        schedule = torch.optim.lr_scheduler.LambdaLR(
            optimiser, lambda step: 1 - step / steps if self.params.get("decay") else 1.0)
        for _ in range(self.params["epochs"]):
            network.train()
            order = rng.permutation(len(mentions))
            for start in range(0, len(order), size):
                batch = order[start:start + size]
                optimiser.zero_grad()
                loss(network(*self._tensors([mentions[i] for i in batch])), batch).backward()
                torch.nn.utils.clip_grad_norm_(network.parameters(), 5.0)
                optimiser.step()
                schedule.step()
        return network.eval()

    def predict_proba(self, mentions: list[Mention], batch_size: int = 64) -> np.ndarray:
        import torch

        # one thread: a document's mentions make small batches, and a second thread mostly waits
        # (on a busy machine two spinning threads cost several times more than one)
        torch.set_num_threads(1)
        # a padding-free encoder may batch mentions of similar length together: less padding to run
        order = (sorted(range(len(mentions)), key=lambda i: self._length(mentions[i]))
                 if self._padding_free() else range(len(mentions)))
        return self._proba(mentions, order, batch_size)

    def _proba(self, mentions: list[Mention], order, batch_size: int = 64) -> np.ndarray:
        """Probabilities of `mentions` (run in `order`), averaged over the networks."""
        import torch

        order = list(order)
        proba = np.zeros((len(mentions), len(LABELS)), np.float32)
        with torch.inference_mode():
            for start in range(0, len(order), batch_size):
                rows = order[start:start + batch_size]
                inputs = self._tensors([mentions[i] for i in rows])
                proba[rows] = sum(network(*inputs).softmax(-1).numpy() for network in self.networks)
        return proba / len(self.networks)

    def save(self, folder: Path) -> None:
        import torch

        torch.save([n.state_dict() for n in self.networks], folder / "torch.pt")

    @classmethod
    def load(cls, folder: Path, params: dict) -> "TorchMember":
        import torch

        member = cls(**params)
        states = torch.load(folder / "torch.pt", weights_only=True)
        member.networks = []
        for state in states:
            network = member._network()
            network.load_state_dict(state)
            member.networks.append(network.eval())
        return member


# --- transformers member ----------------------------------------------------------------------


class HFMember:
    """A fine-tuned transformer (pipeline/hf.py) reading the sentence with the entity in markers."""

    kind = "hf"

    def __init__(self, base_model: str = "", epochs: int = 3, lr: float = 3e-5, batch_size: int = 16,
                 max_length: int = 192, seed: int = 0) -> None:
        self.params = {"base_model": base_model, "epochs": epochs, "lr": lr, "batch_size": batch_size,
                       "max_length": max_length, "seed": seed}

    def fit(self, mentions: list[Mention], labels: list[int], folder: Path | None = None) -> "HFMember":
        from . import hf

        if folder is None:
            raise ValueError("the hf member trains straight into its model folder")
        p = self.params
        self.metrics = hf.train_classifier(
            [mark_entity(m) for m in mentions], [LABELS.index(label) for label in labels],
            base_model=p["base_model"], output=folder / "hf", epochs=p["epochs"], lr=p["lr"],
            batch_size=p["batch_size"], seed=p["seed"], max_length=p["max_length"],
            text_pairs=[m.text[m.start:m.end] for m in mentions], class_weight="balanced",
            extra_tokens=[ENTITY_OPEN, ENTITY_CLOSE])
        self.classifier = hf.HFClassifier.load(folder / "hf")
        return self

    def predict_proba(self, mentions: list[Mention]) -> np.ndarray:
        return self.classifier.predict_proba([mark_entity(m) for m in mentions],
                                             text_pairs=[m.text[m.start:m.end] for m in mentions])

    def save(self, folder: Path) -> None:
        """Nothing to do: `fit` wrote the checkpoint into folder/hf."""

    @classmethod
    def load(cls, folder: Path, params: dict) -> "HFMember":
        from . import hf

        member = cls(**params)
        member.classifier = hf.HFClassifier.load(folder / "hf")
        return member


MEMBERS = {m.kind: m for m in (SklearnMember, TorchMember, HFMember)}


# --- the model ---------------------------------------------------------------------------------


def tune_offsets(proba: np.ndarray, gold: list[int], grid: np.ndarray | None = None) -> list[float]:
    """Log-offsets for (negative, neutral, positive) that maximise F1_PN of `proba` on `gold`."""
    grid = np.round(np.arange(-1.5, 2.51, 0.1), 2) if grid is None else grid
    logp = np.log(np.clip(proba, 1e-9, 1))
    candidates = [[float(neg), 0.0, float(pos)] for neg in grid for pos in grid]
    # among equal scores the smallest shift wins: the least distortion of the probabilities
    return max(candidates, key=lambda o: (round(f1_pn(gold, decide(logp, o)), 9), -abs(o[0]) - abs(o[2])))


def decide(logp: np.ndarray, offsets: list[float]) -> np.ndarray:
    return np.array(LABELS)[(logp + np.array(offsets)).argmax(axis=1)]


def decide_proba(proba: np.ndarray, offsets: list[float]) -> np.ndarray:
    """`decide` on probabilities (log-probabilities floored at 1e-9)."""
    return decide(np.log(np.clip(proba, 1e-9, 1)), offsets)


def tuned_f1_pn(proba: np.ndarray, gold: list[int]) -> float:
    """F1_PN of `proba` with the offsets tuned on `gold` itself: the best any recalibration reaches."""
    return f1_pn(gold, decide_proba(proba, tune_offsets(proba, gold)))


class SentimentModel:
    """Members averaged with weights, then per-class log-offsets; one folder on disk."""

    def __init__(self, members: list, weights: list[float] | None = None,
                 offsets: list[float] | None = None) -> None:
        self.members = members
        self.weights = weights or [1.0] * len(members)
        self.offsets = offsets or [0.0, 0.0, 0.0]

    def restricted_to(self, backend: str = "ensemble") -> "SentimentModel":
        """All members ("ensemble"), or only those of one kind (sklearn|torch|hf), offsets kept."""
        if backend == "ensemble":
            return self
        kept = [(m, w) for m, w in zip(self.members, self.weights) if m.kind == backend]
        if not kept:
            kinds = sorted({m.kind for m in self.members})
            from .errors import BadConfig

            raise BadConfig(f"this sentiment model has no {backend!r} member (it has {', '.join(kinds)})")
        weights = [w for _, w in kept] if any(w > 0 for _, w in kept) else [1.0] * len(kept)
        return SentimentModel([m for m, _ in kept], weights, self.offsets)

    def predict_proba(self, mentions: list[Mention]) -> np.ndarray:
        """Averaged member probabilities (before offsets), columns in LABELS order."""
        if not mentions:
            return np.zeros((0, len(LABELS)), np.float32)
        # a member tuned down to weight 0 is kept on disk for the record but not run
        used = [(m, w) for m, w in zip(self.members, self.weights) if w > 0]
        return sum(w * m.predict_proba(mentions) for m, w in used) / sum(w for _, w in used)

    def predict_scored(self, mentions: list[Mention]) -> tuple[np.ndarray, np.ndarray]:
        """Labels (-1/0/1) and the averaged probability of each chosen label."""
        proba = self.predict_proba(mentions)
        labels = self.labels(proba)
        columns = [LABELS.index(label) for label in labels]
        return labels, proba[np.arange(len(labels)), columns]

    def labels(self, proba: np.ndarray) -> np.ndarray:
        """Labels (-1/0/1) of averaged probabilities, the model's offsets applied."""
        return decide_proba(proba, self.offsets)

    def predict(self, mentions: list[Mention]) -> np.ndarray:
        return self.predict_scored(mentions)[0]

    def save(self, folder: Path, meta: dict | None = None) -> None:
        """Weights of each member plus model.json (what load needs); `meta` goes to meta.json."""
        folder.mkdir(parents=True, exist_ok=True)
        for member in self.members:
            member.save(folder)
        spec = {"format_version": FORMAT_VERSION, "labels": list(LABELS), "weights": self.weights,
                "offsets": self.offsets, "members": [{"kind": m.kind, "params": m.params} for m in self.members]}
        (folder / "model.json").write_text(json.dumps(spec, indent=2, ensure_ascii=False))
        if meta is not None:
            (folder / "meta.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False))

    @classmethod
    def load(cls, folder: str | Path) -> "SentimentModel":
        folder = Path(folder)
        spec = json.loads((folder / "model.json").read_text())
        if spec["format_version"] != FORMAT_VERSION:
            raise ValueError(f"E201 {folder}: model format {spec['format_version']}, this code reads {FORMAT_VERSION}")
        members = [MEMBERS[m["kind"]].load(folder, m["params"]) for m in spec["members"]]
        return cls(members, spec["weights"], spec["offsets"])
