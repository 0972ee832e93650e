"""A layered NEREL tagger: navec + word shape + char CNN → BiLSTM (or CNN) → per-type BIO layers.

NEREL nests entities, also within one type: "заместитель министра иностранных дел России" is a
PROFESSION holding the PROFESSION "министра иностранных дел России", which holds an ORGANIZATION and a
COUNTRY (in train, 1630 of 7051 PROFESSIONs and 854 of 5771 ORGANIZATIONs sit inside one of their type). So every type gets two BIO layers, each a 3-way softmax
head: the outermost spans of that type, and the spans nested inside a span of the same type. Types
never compete, so "МВД Киргизии" can be an ORGANIZATION and "Киргизии" a COUNTRY at once. With
`crf = true` each layer is a sequence decoded by a CRF (pytorch-crf) instead of a softmax per tag.
An ensemble folder averages the scores of several such models (`Ensemble`).

Like slovnet, the navec table is not saved with the weights: it is stripped at save and injected at
load from natasha's wheel, so a model folder stays a few MB.
"""
from __future__ import annotations

import json
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import torch
from razdel import sentenize, tokenize
from slovnet.model.emb import NavecEmbedding
from slovnet.shape import SHAPES, word_shape
from torch import nn
from torchcrf import CRF

FORMAT_VERSION = 1
DEPTHS = 2  # outer layer + one nested layer per type
O, B, I = 0, 1, 2
PAD_CHAR, UNK_CHAR = 0, 1
SHAPE_IDS = {shape: i + 1 for i, shape in enumerate(SHAPES)}  # 0 pads
WEIGHTS = "model.pt"
META = "meta.json"


@dataclass
class Token:
    start: int
    end: int
    text: str


# --- text → sentences of tokens -------------------------------------------------------------


# NEREL annotates inside hyphenated words ("экс-[президент]", "COVID-[19]", "российско-[британской]"):
# 1.3% of the dev entities of the twelve types start or end inside a razdel token.
DASH = re.compile(r"[-‐–—]")
HYPHEN_PIECES = re.compile(r"[^-‐–—]+|[-‐–—]")


def hyphen_pieces(token: Token) -> list[Token]:
    """A hyphenated token as its parts and dashes; any other token as itself."""
    if len(token.text) < 2 or not DASH.search(token.text):
        return [token]
    return [Token(token.start + m.start(), token.start + m.end(), m.group()) for m in HYPHEN_PIECES.finditer(token.text)]


def sentences(text: str, split_hyphens: bool = False) -> list[list[Token]]:
    """razdel sentences within lines: NEREL titles end without a full stop, so lines split first."""
    result, offset = [], 0
    for line in text.split("\n"):
        for sent in sentenize(line):
            tokens = [
                Token(offset + sent.start + t.start, offset + sent.start + t.stop, t.text)
                for t in tokenize(sent.text)
            ]
            if split_hyphens:
                tokens = [piece for token in tokens for piece in hyphen_pieces(token)]
            if tokens:
                result.append(tokens)
        offset += len(line) + 1
    return result


# --- spans ↔ layered BIO tags --------------------------------------------------------------


def token_range(tokens: list[Token], start: int, end: int) -> tuple[int, int] | None:
    """The tokens a character span covers, as [first, last + 1), or None if it is outside."""
    inside = [i for i, t in enumerate(tokens) if t.end > start and t.start < end]
    return (inside[0], inside[-1] + 1) if inside else None


def non_overlapping(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Longest first, keeping those that do not overlap one already kept."""
    kept: list[tuple[int, int]] = []
    for a, b in sorted(set(ranges), key=lambda r: (r[0] - r[1], r[0])):
        if all(b <= c or d <= a for c, d in kept):
            kept.append((a, b))
    return sorted(kept)


def split_depths(ranges: list[tuple[int, int]]) -> tuple[list, list]:
    """Outermost ranges of one type, and the ranges nested inside them."""
    outer = non_overlapping(ranges)
    inner = [r for r in set(ranges) if r not in outer]
    return outer, non_overlapping(inner)


def encode_tags(tokens: list[Token], spans: list[dict], types: list[str]) -> list[list[int]]:
    """tags[token][layer] with layer = type index * DEPTHS + depth."""
    tags = [[O] * (len(types) * DEPTHS) for _ in tokens]
    for t, type_ in enumerate(types):
        ranges = [token_range(tokens, s["start"], s["end"]) for s in spans if s["type"] == type_]
        for depth, layer in enumerate(split_depths([r for r in ranges if r])):
            for a, b in layer:
                tags[a][t * DEPTHS + depth] = B
                for i in range(a + 1, b):
                    tags[i][t * DEPTHS + depth] = I
    return tags


def decode_layer(tags: list[int]) -> list[tuple[int, int]]:
    """BIO → token ranges; an I with no open span starts one (softmax heads can emit that)."""
    ranges, start = [], None
    for i, tag in enumerate(list(tags) + [O]):
        if tag in (O, B) and start is not None:
            ranges.append((start, i))
            start = None
        if tag == B or (tag == I and start is None):
            start = i
    return ranges


def decode_tags(tokens: list[Token], tags, types: list[str], layers: list[int] | None = None) -> list[tuple[int, int, str]]:
    """Spans from tags[token][layer]; `layers` (those with any B or I) spares scanning the empty ones."""
    spans = set()
    for layer in range(len(types) * DEPTHS) if layers is None else layers:
        for a, b in decode_layer([row[layer] for row in tags]):
            spans.add((tokens[a].start, tokens[b - 1].end, types[layer // DEPTHS]))
    return sorted(spans)


# --- slovnet hints: natasha's PER/ORG/LOC tags as an input feature --------------------------

HINT_TYPES = ["PERSON", "ORGANIZATION", "LOCATION"]  # slovnet's PER/ORG/LOC as pipeline.ner names them
HINT_O = 1  # 0 pads; then O, B-PERSON, I-PERSON, B-ORGANIZATION, ...
N_HINTS = 2 + 2 * len(HINT_TYPES)


def hint_ids(tokens: list[Token], spans: list[tuple[int, int, str]]) -> list[int]:
    """Per token: O, or B/I of the slovnet span it lies in (slovnet tokenizes with razdel too)."""
    ids = [HINT_O] * len(tokens)
    for start, end, type_ in spans:
        inside = [i for i, t in enumerate(tokens) if t.start >= start and t.end <= end]
        for k, i in enumerate(inside):
            ids[i] = 2 + 2 * HINT_TYPES.index(type_) + (k > 0)
    return ids


def slovnet_spans(texts: list[str]) -> list[list[tuple[int, int, str]]]:
    from .ner import load_tagger

    return load_tagger("slovnet")(texts)


# --- features --------------------------------------------------------------------------------


class Features:
    """Token texts → navec word ids, shape ids and char ids."""

    def __init__(self, navec, chars: str, max_word_chars: int) -> None:
        self.words = navec.vocab
        self.unk = navec.vocab["<unk>"]
        self.pad_id = navec.vocab["<pad>"]
        self.chars = {c: i + 2 for i, c in enumerate(chars)}
        self.max_word_chars = max_word_chars

    def word_id(self, text: str) -> int:
        return self.words.get(text.lower(), self.unk)

    def char_ids(self, text: str) -> list[int]:
        return [self.chars.get(c, UNK_CHAR) for c in text[: self.max_word_chars]]

    def encode(self, sent: list[Token], hints: list[int] | None = None) -> tuple:
        """One sentence's ids, computed once per sentence (training reuses them every epoch)."""
        return (
            [self.word_id(t.text) for t in sent],
            [SHAPE_IDS.get(word_shape(t.text), 0) for t in sent],
            [self.char_ids(t.text) for t in sent],
            hints or [HINT_O] * len(sent),
        )

    def pad(self, encoded: list[tuple]) -> dict[str, torch.Tensor]:
        """Padded tensors for a batch of encoded sentences."""
        length = max(len(enc[0]) for enc in encoded)
        width = max(len(ids) for enc in encoded for ids in enc[2])
        word = torch.full((len(encoded), length), self.pad_id, dtype=torch.long)
        shape = torch.zeros((len(encoded), length), dtype=torch.long)
        chars = torch.zeros((len(encoded), length, width), dtype=torch.long)
        hint = torch.zeros((len(encoded), length), dtype=torch.long)
        for i, (words, shapes, char_ids, hints) in enumerate(encoded):
            word[i, : len(words)] = torch.tensor(words)
            shape[i, : len(shapes)] = torch.tensor(shapes)
            hint[i, : len(hints)] = torch.tensor(hints)
            for j, ids in enumerate(char_ids):
                chars[i, j, : len(ids)] = torch.tensor(ids)
        lengths = torch.tensor([len(enc[0]) for enc in encoded])
        return {"word": word, "shape": shape, "chars": chars, "hint": hint, "lengths": lengths}


# --- the network -----------------------------------------------------------------------------


class CharCNN(nn.Module):
    def __init__(self, n_chars: int, dim: int, filters: int) -> None:
        super().__init__()
        self.emb = nn.Embedding(n_chars, dim, padding_idx=PAD_CHAR)
        self.conv = nn.Conv1d(dim, filters, kernel_size=3, padding=1)

    def forward(self, chars: torch.Tensor) -> torch.Tensor:
        batch, length, width = chars.shape
        x = self.emb(chars.view(batch * length, width)).transpose(1, 2)
        x = torch.relu(self.conv(x)).max(dim=2).values
        return x.view(batch, length, -1)


class ConvEncoder(nn.Module):
    """slovnet-style stack of same-width convolutions, the fast alternative to the BiLSTM."""

    def __init__(self, dim: int, hidden: int, layers: int = 3) -> None:
        super().__init__()
        dims = [dim] + [hidden * 2] * layers
        self.convs = nn.ModuleList(nn.Conv1d(a, b, 3, padding=1) for a, b in zip(dims, dims[1:]))

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        x = x.transpose(1, 2)
        for conv in self.convs:
            x = torch.relu(conv(x))
        return x.transpose(1, 2)


class LSTMEncoder(nn.Module):
    def __init__(self, dim: int, hidden: int, layers: int = 1) -> None:
        super().__init__()
        self.lstm = nn.LSTM(dim, hidden, num_layers=layers, batch_first=True, bidirectional=True)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        packed = nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        out, _ = self.lstm(packed)
        return nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])[0]


ENCODERS = {"lstm": LSTMEncoder, "cnn": ConvEncoder}


class NerNet(nn.Module):
    def __init__(self, navec, n_chars: int, n_layers: int, config: dict) -> None:
        super().__init__()
        with warnings.catch_warnings():  # slovnet wraps navec's read-only arrays; they are never written
            warnings.filterwarnings("ignore", message="The given NumPy array is not writable")
            self.word = NavecEmbedding(navec)
        self.shape = nn.Embedding(len(SHAPES) + 1, config["shape_dim"], padding_idx=0)
        self.char = CharCNN(n_chars, config["char_dim"], config["char_filters"])
        # slovnet_dim > 0: natasha's PER/ORG/LOC tags are an input (the tagger then runs slovnet first)
        self.hint_dim = config.get("slovnet_dim", 0)
        self.hint = nn.Embedding(N_HINTS, self.hint_dim, padding_idx=0) if self.hint_dim else None
        dim = self.word.dim + config["shape_dim"] + config["char_filters"] + self.hint_dim
        self.dropout = nn.Dropout(config["dropout"])
        self.encoder = ENCODERS[config["encoder"]](dim, config["hidden"], config["encoder_layers"])
        self.head = nn.Linear(config["hidden"] * 2, n_layers * 3)
        self.n_layers = n_layers
        # word_dropout: in training, a word's navec vector is replaced by <unk>'s, so the char CNN and
        # shape learn to carry names navec has never seen
        self.word_dropout, self.unk = config.get("word_dropout", 0.0), navec.vocab["<unk>"]
        # crf: one BIO transition table shared by all layers, trained by likelihood, Viterbi-decoded
        self.crf = CRF(3, batch_first=True) if config.get("crf", False) else None

    def forward(self, word, shape, chars, hint, lengths) -> torch.Tensor:
        """Scores per token, layer and tag O/B/I: (batch, length, layers, 3)."""
        if self.training and self.word_dropout:
            word = word.masked_fill(torch.rand(word.shape) < self.word_dropout, self.unk)
        parts = [self.word(word), self.shape(shape), self.char(chars)]
        x = torch.cat(parts + ([self.hint(hint)] if self.hint else []), dim=-1)
        x = self.encoder(self.dropout(x), lengths)
        logits = self.head(self.dropout(x))
        return logits.view(*logits.shape[:2], self.n_layers, 3)

    def loss(self, scores: torch.Tensor, tags: torch.Tensor) -> torch.Tensor:
        """Mean cross-entropy per tag, or with a CRF the mean negative log-likelihood per layer sequence.

        tags: (batch, length, layers) with -100 on padding."""
        if self.crf is None:
            return nn.functional.cross_entropy(scores.reshape(-1, 3), tags.reshape(-1), ignore_index=-100)
        mask = tags[..., 0] != -100
        emissions, mask = per_layer(scores), mask.repeat_interleave(self.n_layers, dim=0)
        gold = per_layer(tags.clamp(min=0).unsqueeze(-1)).squeeze(-1)
        return -self.crf(emissions, gold, mask, reduction="mean")

    def decode(self, scores: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """Best tags (batch, length, layers): per-tag argmax, or the CRF's best sequence per layer."""
        if self.crf is None:
            return scores.argmax(-1)
        mask = torch.arange(scores.shape[1])[None, :] < lengths[:, None]
        tags = viterbi(self.crf, per_layer(scores), mask.repeat_interleave(self.n_layers, dim=0))
        return tags.view(scores.shape[0], self.n_layers, -1).transpose(1, 2)


def per_layer(x: torch.Tensor) -> torch.Tensor:
    """(batch, length, layers, k) → (batch * layers, length, k): each layer a sequence of its own."""
    return x.transpose(1, 2).reshape(-1, x.shape[1], x.shape[3])


def viterbi(crf: CRF, emissions: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Best tag sequences (n, length) under `crf`'s transitions.

    torchcrf's own decode backtracks each sequence in Python item by item; with 58 layers per sentence
    that made tagging several times slower, so the backtrace here runs over all sequences at once."""
    score, history = crf.start_transitions + emissions[:, 0], []
    for t in range(1, emissions.shape[1]):
        best, came_from = (score[:, :, None] + crf.transitions + emissions[:, t, None, :]).max(dim=1)
        score = torch.where(mask[:, t, None], best, score)
        history.append(came_from)
    tag = (score + crf.end_transitions).argmax(-1)
    tags = [tag]
    for t in range(emissions.shape[1] - 1, 0, -1):
        previous = history[t - 1].gather(1, tag[:, None]).squeeze(1)
        tag = torch.where(mask[:, t], previous, tag)  # past a sequence's end its last tag carries back
        tags.append(tag)
    return torch.stack(tags[::-1], dim=1)


# --- saved model -----------------------------------------------------------------------------


def without_navec(state: dict) -> dict:
    return {k: v for k, v in state.items() if not k.startswith("word.")}


def save(net: NerNet, folder: Path, meta: dict) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    torch.save(without_navec(net.state_dict()), folder / WEIGHTS)
    (folder / META).write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def load_net(folder: Path, meta: dict) -> NerNet:
    from .ner import navec

    net = NerNet(navec(), len(meta["chars"]) + 2, len(meta["labels"]) * DEPTHS, meta["config"]["model"])
    missing, unexpected = net.load_state_dict(torch.load(folder / WEIGHTS, weights_only=True), strict=False)
    if unexpected or any(not key.startswith("word.") for key in missing):
        raise ValueError(f"{folder}: weights do not fit the config ({missing + unexpected})")
    return net.eval()


# what members of an ensemble must share: they read one set of features and write one set of layers
SHARED_INPUTS = ("labels", "chars")
SHARED_MODEL_CONFIG = ("max_word_chars", "split_hyphens", "slovnet_dim", "crf")


def same_inputs(models: Path, meta: dict) -> list[str]:
    """The ensemble's member folder names, once each member's meta agrees with the ensemble's."""
    for name in meta["members"]:
        member = json.loads((models / name / META).read_text(encoding="utf-8"))
        clashes = [key for key in SHARED_INPUTS if member[key] != meta[key]] + [
            key for key in SHARED_MODEL_CONFIG if member["config"]["model"].get(key) != meta["config"]["model"].get(key)
        ]
        if clashes:
            raise ValueError(f"{models / name}: differs from the ensemble in {clashes}")
    return meta["members"]


class Ensemble(nn.Module):
    """Several NerNets as one: their scores averaged per token, layer and tag, decoded by a CRF whose
    transitions are the members' averaged (or by argmax when the members have no CRF)."""

    def __init__(self, nets: list[NerNet]) -> None:
        super().__init__()
        self.nets = nn.ModuleList(nets)
        self.hint_dim, self.n_layers = nets[0].hint_dim, nets[0].n_layers
        self.crf = averaged_crf([net.crf for net in nets]) if nets[0].crf is not None else None

    def forward(self, **batch) -> torch.Tensor:
        return torch.stack([net(**batch) for net in self.nets]).mean(dim=0)

    decode = NerNet.decode


def averaged_crf(crfs: list[CRF]) -> CRF:
    crf = CRF(crfs[0].num_tags, batch_first=True)
    states = [c.state_dict() for c in crfs]
    crf.load_state_dict({key: torch.stack([state[key] for state in states]).mean(dim=0) for key in states[0]})
    return crf


class NerModel:
    """A trained model as a Tagger: texts → [[(start, end, NEREL type)]]."""

    def __init__(self, net: NerNet, features: Features, types: list[str], batch_size: int = 64,
                 split_hyphens: bool = False) -> None:
        self.net, self.features, self.types, self.batch_size = net, features, types, batch_size
        self.split_hyphens = split_hyphens

    @classmethod
    def load(cls, folder: str | Path, batch_size: int = 64) -> "NerModel":
        """A model folder (model.pt + meta.json, navec injected from natasha's wheel), or an ensemble
        folder whose meta.json lists member folders beside it."""
        from .ner import navec

        folder = Path(folder)
        meta = json.loads((folder / META).read_text(encoding="utf-8"))
        if meta["format_version"] != FORMAT_VERSION:
            raise ValueError(f"{folder}: format {meta['format_version']}, expected {FORMAT_VERSION}")
        config = meta["config"]["model"]
        if "members" in meta:
            net = Ensemble([cls.load(folder.parent / name).net for name in same_inputs(folder.parent, meta)])
        else:
            net = load_net(folder, meta)
        features = Features(navec(), meta["chars"], config["max_word_chars"])
        model = cls(net, features, meta["labels"], batch_size, config.get("split_hyphens", False))
        model.meta = meta
        return model

    def tag_sentences(self, sents: list[list[Token]], hints: list | None = None) -> list[list[tuple[int, int, str]]]:
        """Spans per sentence; sentences are batched by length so padding stays small."""
        hints = hints or [None] * len(sents)
        order = sorted(range(len(sents)), key=lambda i: len(sents[i]))
        result: list = [None] * len(sents)
        with torch.inference_mode():
            for k in range(0, len(order), self.batch_size):
                ids = order[k : k + self.batch_size]
                batch = self.features.pad([self.features.encode(sents[i], hints[i]) for i in ids])
                tags = self.net.decode(self.net(**batch), batch["lengths"])
                for i, row in zip(ids, tags):
                    row = row[: len(sents[i])]
                    layers = row.any(dim=0).nonzero().flatten().tolist()
                    result[i] = decode_tags(sents[i], row.tolist(), self.types, layers)
        return result

    def hints(self, texts: list[str], per_text: list[list[list[Token]]]) -> list | None:
        """slovnet's tags per sentence, when the model was trained with them."""
        if not self.net.hint_dim:
            return None
        return [hint_ids(sent, spans) for sents, spans in zip(per_text, slovnet_spans(texts)) for sent in sents]

    def __call__(self, texts: list[str]) -> list[list[tuple[int, int, str]]]:
        per_text = [sentences(text, self.split_hyphens) for text in texts]
        flat = [s for sents in per_text for s in sents]
        tagged = iter(self.tag_sentences(flat, self.hints(texts, per_text)))
        return [sorted(span for _ in sents for span in next(tagged)) for sents in per_text]
