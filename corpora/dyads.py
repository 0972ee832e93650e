"""Dyad annotations: our labels of country pairs in shared-corpus sentences, loaded as 🤗 datasets.

`corpora/annotations/dyads.jsonl` holds only ids and offsets; the sentence text is read back from
the shared corpora (NEREL .txt files, factRuEval books, RuSentNE rows) at load time, and the two
actors' mentions are found in it again with the same state-name finder that proposed the candidates.
"""
from __future__ import annotations

import csv
import gettext
import json
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Iterator, Sequence

from razdel import sentenize, tokenize

from pipeline import morph, paths

ANNOTATIONS = paths.REPO_ROOT / "corpora" / "annotations" / "dyads.jsonl"
# Train-only pairs of a second labelling round: sentences with four or five actors, and sentences whose pair
# needs a capital or a demonym ("Москва и Киев", "американцы"; rows with "finder": "extended"); see the guideline.
ROUND2_ANNOTATIONS = paths.REPO_ROOT / "corpora" / "annotations" / "dyads_round2.jsonl"
CONFIG = paths.CONFIGS / "dyads.toml"
TONES = ("cooperative", "neutral", "conflictual")
DOCUMENT_FOLDERS = {"nerel/train": "*.txt", "nerel/dev": "*.txt", "factrueval/devset": "book_*.txt"}
RUSENTNE = "rusentne"


# --- finding state mentions -------------------------------------------------------------------

def _pycountry_names() -> dict[tuple[str, ...], str]:
    import pycountry

    ru = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["ru"])
    names = {}
    for country in pycountry.countries:
        for english in {country.name, getattr(country, "common_name", country.name)}:
            names[_lemmas(ru.gettext(english))] = country.alpha_3
    return names


def _lemmas(phrase: str) -> tuple[str, ...]:
    return tuple(morph.lemma(t.text) for t in tokenize(phrase) if t.text.strip("-."))


@lru_cache(maxsize=1)
def actor_names() -> dict[tuple[str, ...], str]:
    """Lemma sequence → actor code: pycountry's Russian names plus the aliases in configs/dyads.toml."""
    names = _pycountry_names()
    config = tomllib.loads(CONFIG.read_text(encoding="utf-8"))
    for code, phrases in config["aliases"].items():
        names.update({tuple(p.split()): code for p in phrases})
    names.update({tuple(p.split()): "" for p in config["not_actors"]["phrases"]})
    return names


def find_actor_mentions(text: str, finder: str = "acting") -> list[tuple[int, int, str]]:
    """(start, end, code) of actor mentions: state names (`find_state_names`) and the project gazetteer's
    acting mentions (adjectives "российско-", state bodies "Кремль", office holders, organisations),
    i.e. the mentions the entities stage gives an `actor` at run time. `finder="extended"` also takes
    capitals and demonyms ("Москва", "американцы"), whatever their role in the sentence."""
    names = scan_names(text)
    vetoed = [(s, e) for s, e, code in names if not code]
    found = {(s, e): code for s, e, code in gazetteer_mentions(text, FINDER_KINDS[finder])
             if not any(s < e2 and s2 < e for s2, e2 in vetoed)}
    for s, e, code in names:
        if not code:
            continue
        if not any(s < e2 and s2 < e for s2, e2 in found):
            found[s, e] = code
    return sorted((s, e, code) for (s, e), code in found.items())


GAZETTEER_KINDS = frozenset({"country", "adjective", "organisation", "body", "person"})
# The finder an annotation row names ("finder" field; rows without one used "acting").
FINDER_KINDS = {"acting": GAZETTEER_KINDS, "extended": GAZETTEER_KINDS | {"capital", "demonym"}}


def gazetteer_mentions(text: str, kinds: frozenset[str] = GAZETTEER_KINDS) -> list[tuple[int, int, str]]:
    from pipeline.gazetteer import default_gazetteer

    return [(m.start, m.end, m.entry.actor) for m in default_gazetteer().match(text)
            if m.entry.kind in kinds and m.entry.actor]


def find_state_names(text: str) -> list[tuple[int, int, str]]:
    """(start, end, code) of state / organisation names in `text`, longest match first."""
    return [m for m in scan_names(text) if m[2]]


def scan_names(text: str) -> list[tuple[int, int, str]]:
    """Longest-first name matches; code "" marks a phrase that only looks like a state ("Латинская Америка")."""
    tokens = list(tokenize(text))
    lemmas = [morph.lemma(t.text) for t in tokens]
    names = actor_names()
    longest = max(map(len, names))
    found, i = [], 0
    while i < len(tokens):
        for n in range(min(longest, len(tokens) - i), 0, -1):
            code = names.get(tuple(lemmas[i:i + n]))
            if code is not None and tokens[i].text[:1].isupper():
                found.append((tokens[i].start, tokens[i + n - 1].stop, code))
                i += n - 1
                break
        i += 1
    return found


# --- reading the shared corpora ---------------------------------------------------------------

def iter_documents(root: Path) -> Iterator[tuple[str, str, str]]:
    """(corpus, doc_id, text) of every document the annotations may refer to."""
    for corpus, pattern in DOCUMENT_FOLDERS.items():
        for path in sorted((root / corpus).glob(pattern)):
            yield corpus, path.stem, path.read_text(encoding="utf-8")
    for index, sentence in rusentne_sentences(root).items():
        yield RUSENTNE, str(index), sentence


def rusentne_sentences(root: Path) -> dict[int, str]:
    """Distinct RuSentNE sentences keyed by the first row index they occur on."""
    seen: dict[str, int] = {}
    with open(root / "rusentne" / "train_data.csv", encoding="utf-8", newline="") as f:
        for index, row in enumerate(csv.DictReader(f, delimiter="\t")):
            seen.setdefault(row["sentence"], index)
    return {index: sentence for sentence, index in seen.items()}


def document_sentences(corpus: str, text: str) -> list[tuple[int, int]]:
    if corpus == RUSENTNE:
        return [(0, len(text))]
    return [(s.start, s.stop) for s in sentenize(text) if s.text.strip()]


# --- the annotations as a dataset -------------------------------------------------------------

def read_annotations(path: Path | Sequence[Path] = ANNOTATIONS) -> list[dict]:
    """The rows of one annotation file, or of several in order."""
    if not isinstance(path, (str, Path)):
        return [row for one in path for row in read_annotations(one)]
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def attach_text(rows: list[dict], root: Path) -> list[dict]:
    """Each annotation with its sentence text and the two actors' mention offsets in it."""
    texts = {(c, d): t for c, d, t in iter_documents(root)}
    examples = []
    for row in rows:
        sentence = texts[row["corpus"], row["doc_id"]][row["sent_start"]:row["sent_end"]]
        mentions = find_actor_mentions(sentence, row.get("finder", "acting"))
        examples.append({
            **row,
            "finder": row.get("finder", "acting"),
            "annotator": row.get("annotator", ""),
            "text": sentence,
            "a_spans": [[s, e] for s, e, code in mentions if code == row["a"]],
            "b_spans": [[s, e] for s, e, code in mentions if code == row["b"]],
            "other_spans": [[s, e] for s, e, code in mentions if code not in (row["a"], row["b"])],
        })
    return examples


def load(root: Path | None = None, path: Path | Sequence[Path] = ANNOTATIONS, limit: int | None = None):
    """The dyad annotations (one file or several) as a `datasets.DatasetDict` with "train" and "dev" splits
    (the first `limit` of each)."""
    import datasets

    rows = read_annotations(path)
    by_split = {split: [r for r in rows if r["split"] == split][:limit] for split in ("train", "dev")}
    root = root or paths.corpora_dir()
    return datasets.DatasetDict({split: datasets.Dataset.from_list(attach_text(rows, root))
                                 for split, rows in by_split.items()})
