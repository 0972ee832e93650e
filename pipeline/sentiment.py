"""Entity-oriented sentiment: is a sentence positive, negative or neutral toward one entity in it?

A `Mention` is a sentence plus the [start, end) span of the entity inside it. Every model here
maps a list of mentions to an (n, 3) probability array over LABELS = (-1, 0, 1) and goes through
`SentimentModel`, which averages its members' probabilities, adds per-class log-offsets tuned on
train (F1_PN rewards recall on the rare positive/negative classes) and saves/loads one folder:

    model = SentimentModel.load("models/sentiment/v1")
    model.predict([Mention("Россия осудила удар.", 0, 6, "COUNTRY")])   # -> array([-1])

Members: `sklearn` (entity-aware sparse features + navec, logistic regression), `torch` (BiLSTM
over navec with entity-relative position embeddings), `hf` (a fine-tuned transformer, see
pipeline/hf.py). navec is never saved into a model folder: it is loaded from natasha's wheel.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

import numpy as np

LABELS = (-1, 0, 1)
LABEL_NAMES = {-1: "negative", 0: "neutral", 1: "positive"}
FORMAT_VERSION = 1
ENTITY_OPEN, ENTITY_CLOSE = "[E]", "[/E]"


@dataclass(frozen=True)
class Mention:
    """An entity [start, end) inside `text` (one sentence), with its RuSentNE/NEREL tag."""

    text: str
    start: int
    end: int
    tag: str = ""


def mentions_from_frame(frame) -> list[Mention]:
    """Mentions from a RuSentNE-format pandas frame."""
    columns = ("sentence", "entity_pos_start_rel", "entity_pos_end_rel", "entity_tag")
    return [Mention(s, int(a), int(b), str(t)) for s, a, b, t in zip(*(frame[c] for c in columns))]


def f1_pn(gold: Iterable[int], pred: Iterable[int]) -> float:
    """The RuSentNE-2023 metric: macro-F1 over the positive and negative classes, all rows counted."""
    from sklearn.metrics import f1_score

    return float(f1_score(list(gold), list(pred), labels=[1, -1], average="macro", zero_division=0))


# --- tokens around the entity ------------------------------------------------------------------


@dataclass(frozen=True)
class Context:
    """A mention's sentence as tokens: lower-cased words, lemmas, and the entity's token range."""

    words: tuple[str, ...]
    lemmas: tuple[str, ...]
    caps: tuple[bool, ...]
    entity: tuple[int, int]

    def distance(self, i: int) -> int:
        """Tokens between token i and the entity; 0 inside it, negative on its left."""
        first, last = self.entity
        return i - first if i < first else max(0, i - last + 1)


@lru_cache(maxsize=50_000)
def context(mention: Mention) -> Context:
    from razdel import tokenize

    from . import morph

    tokens = list(tokenize(mention.text))
    inside = [i for i, t in enumerate(tokens) if t.start < mention.end and t.stop > mention.start]
    first, last = (inside[0], inside[-1] + 1) if inside else _nearest(tokens, mention.start)
    words = tuple(t.text.lower() for t in tokens)
    return Context(
        words=words,
        lemmas=tuple(morph.lemma(w) for w in words),
        caps=tuple(t.text[:1].isupper() for t in tokens),
        entity=(first, last),
    )


def _nearest(tokens, start: int) -> tuple[int, int]:
    # a span that cuts no token (empty or whitespace) sits before the first token after it
    i = next((i for i, t in enumerate(tokens) if t.start >= start), max(len(tokens) - 1, 0))
    return i, i + 1


def mark_entity(mention: Mention) -> str:
    """The sentence with the entity wrapped in markers: the input of the transformer backend."""
    t, a, b = mention.text, mention.start, mention.end
    return f"{t[:a]}{ENTITY_OPEN} {t[a:b]} {ENTITY_CLOSE}{t[b:]}"


# --- navec ----------------------------------------------------------------------------------


@lru_cache(maxsize=200_000)
def word_vector(word: str) -> np.ndarray | None:
    from .ner import navec

    return navec().get(word)


NAVEC_DIM = 300


def navec_matrix(words: Iterable[str]) -> tuple[np.ndarray, np.ndarray]:
    """(n, 300) vectors, zero where navec lacks the word, and the (n,) known-word mask."""
    vectors = [word_vector(w) for w in words]
    known = np.array([v is not None for v in vectors], dtype=bool)
    matrix = np.zeros((len(vectors), NAVEC_DIM), dtype=np.float32)
    for i, v in enumerate(vectors):
        if v is not None:
            matrix[i] = v
    return matrix, known


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


def encode(mention: Mention) -> dict[str, np.ndarray]:
    """One mention as arrays: navec vectors, known/capitalised flags, clipped distance to the entity."""
    ctx = context(mention)
    vectors, known = navec_matrix(ctx.words)
    distance = np.array([ctx.distance(i) for i in range(len(ctx.words))])
    return {
        "vectors": vectors,
        "flags": np.stack([known, np.array(ctx.caps), distance == 0], axis=1).astype(np.float32),
        "position": np.clip(distance, -MAX_DISTANCE, MAX_DISTANCE) + MAX_DISTANCE,
    }


def collate(encoded: list[dict[str, np.ndarray]]):
    """Pad a batch; returns torch tensors (vectors, flags, position, mask)."""
    import torch

    length = max(len(e["position"]) for e in encoded)
    n = len(encoded)
    vectors = np.zeros((n, length, NAVEC_DIM), np.float32)
    flags = np.zeros((n, length, 3), np.float32)
    position = np.zeros((n, length), np.int64)
    mask = np.zeros((n, length), bool)
    for i, e in enumerate(encoded):
        k = len(e["position"])
        vectors[i, :k], flags[i, :k], position[i, :k], mask[i, :k] = e["vectors"], e["flags"], e["position"], True
    return tuple(torch.from_numpy(a) for a in (vectors, flags, position, mask))


def build_network(hidden: int = 128, position_dim: int = 24, dropout: float = 0.4, packed: bool = False):
    """BiLSTM over [navec; flags; position embedding]; pooled at the entity, by attention and by max.

    `packed` runs the LSTM on packed sequences, so a mention's output does not depend on the padding
    of the batch it came in; v1 was trained without it (its padding is part of what it learned).
    """
    import torch
    from torch import nn

    class EntityBiLSTM(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.position = nn.Embedding(2 * MAX_DISTANCE + 1, position_dim)
            self.drop = nn.Dropout(dropout)
            self.lstm = nn.LSTM(NAVEC_DIM + 3 + position_dim, hidden, batch_first=True, bidirectional=True)
            self.attention = nn.Linear(4 * hidden, 1)
            self.out = nn.Sequential(nn.Linear(6 * hidden, hidden), nn.ReLU(), nn.Dropout(dropout),
                                     nn.Linear(hidden, len(LABELS)))

        def forward(self, vectors, flags, position, mask):
            x = torch.cat([self.drop(vectors), flags, self.position(position)], dim=-1)
            if packed:
                lengths = mask.sum(1).cpu()
                h, _ = self.lstm(nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True,
                                                                   enforce_sorted=False))
                h, _ = nn.utils.rnn.pad_packed_sequence(h, batch_first=True, total_length=x.shape[1])
            else:
                h, _ = self.lstm(x)
            at_entity = (flags[..., 2:3] * h).sum(1) / flags[..., 2:3].sum(1).clamp(min=1)
            keys = torch.cat([h, at_entity.unsqueeze(1).expand_as(h)], dim=-1)
            scores = self.attention(keys).squeeze(-1).masked_fill(~mask, -1e9)
            attended = (scores.softmax(-1).unsqueeze(-1) * h).sum(1)
            pooled = h.masked_fill(~mask.unsqueeze(-1), -1e9).max(1).values
            return self.out(self.drop(torch.cat([at_entity, attended, pooled], dim=-1)))

    return EntityBiLSTM()


class TorchMember:
    """The BiLSTM, trained with class-weighted cross-entropy; an average of `runs` seeds."""

    kind = "torch"

    def __init__(self, epochs: int = 8, lr: float = 2e-3, batch_size: int = 32, hidden: int = 128,
                 position_dim: int = 24, dropout: float = 0.4, runs: int = 1, seed: int = 0,
                 threads: int = 2, packed: bool = False) -> None:
        self.params = {"epochs": epochs, "lr": lr, "batch_size": batch_size, "hidden": hidden,
                       "position_dim": position_dim, "dropout": dropout, "runs": runs, "seed": seed,
                       "threads": threads, "packed": packed}

    def _network(self):
        p = self.params
        return build_network(p["hidden"], p["position_dim"], p["dropout"], p.get("packed", False))

    def fit(self, mentions: list[Mention], labels: list[int]) -> "TorchMember":
        import torch

        torch.set_num_threads(self.params["threads"])
        encoded = [encode(m) for m in mentions]
        y = torch.tensor([LABELS.index(label) for label in labels])
        counts = torch.bincount(y, minlength=len(LABELS)).float()
        weights = counts.sum() / (len(LABELS) * counts)
        self.networks = [self._train_one(encoded, y, weights, self.params["seed"] + run)
                         for run in range(self.params["runs"])]
        return self

    def _train_one(self, encoded, y, weights, seed: int):
        import torch

        torch.manual_seed(seed)
        rng = np.random.default_rng(seed)
        network = self._network()
        optimiser = torch.optim.Adam(network.parameters(), lr=self.params["lr"])
        loss = torch.nn.CrossEntropyLoss(weight=weights)
        size = self.params["batch_size"]
        for _ in range(self.params["epochs"]):
            network.train()
            order = rng.permutation(len(encoded))
            for start in range(0, len(order), size):
                batch = order[start:start + size]
                optimiser.zero_grad()
                loss(network(*collate([encoded[i] for i in batch])), y[batch]).backward()
                torch.nn.utils.clip_grad_norm_(network.parameters(), 5.0)
                optimiser.step()
        return network.eval()

    def predict_proba(self, mentions: list[Mention], batch_size: int = 64) -> np.ndarray:
        import torch

        torch.set_num_threads(self.params["threads"])
        encoded = [encode(m) for m in mentions]
        proba = np.zeros((len(mentions), len(LABELS)), np.float32)
        with torch.inference_mode():
            for network in self.networks:
                for start in range(0, len(encoded), batch_size):
                    logits = network(*collate(encoded[start:start + batch_size]))
                    proba[start:start + batch_size] += logits.softmax(-1).numpy()
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
            raise ValueError(f"E202 this model has no {backend!r} member (it has {', '.join(kinds)})")
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
        labels = decide(np.log(np.clip(proba, 1e-9, 1)), self.offsets)
        columns = [LABELS.index(label) for label in labels]
        return labels, proba[np.arange(len(labels)), columns]

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
