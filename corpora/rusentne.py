"""RuSentNE-2023 (sentiment toward a named entity in a news sentence) as 🤗 datasets.

Rows keep their position in train_data.csv as `id` (0-based, header excluded), so the dev split
can be stored as a list of ids (corpora/annotations/rusentne_dev_ids.txt) and stays fixed.
The dev split is grouped by sentence: one sentence often carries several entities, and letting
it sit on both sides of the split would leak its wording into the score.
"""
from __future__ import annotations

from pathlib import Path

from pipeline import paths

COLUMNS = ("sentence", "entity", "entity_tag", "entity_pos_start_rel", "entity_pos_end_rel", "label")
DEV_IDS = Path(__file__).resolve().parent / "annotations" / "rusentne_dev_ids.txt"
DEV_FOLDS = 7  # one fold of seven ≈ 14 % of the rows
DEV_SEED = 13


def train_csv() -> Path:
    return paths.corpora_dir() / "rusentne" / "train_data.csv"


def read_tsv(path: str | Path):
    """A RuSentNE-format file as a pandas frame with an `id` column; `label` may be absent."""
    import csv

    import pandas as pd

    frame = pd.read_csv(path, sep="\t", quoting=csv.QUOTE_NONE, dtype={"sentence": str, "entity": str})
    frame.insert(0, "id", range(len(frame)))
    return frame


def load(split: str = "train"):
    """`train` (all rows minus dev), `dev`, or `all` rows of train_data.csv as a datasets.Dataset."""
    from datasets import Dataset

    frame = read_tsv(train_csv())
    dev = set(dev_ids())
    keep = {"all": lambda i: True, "dev": lambda i: i in dev, "train": lambda i: i not in dev}[split]
    return Dataset.from_pandas(frame[frame["id"].map(keep)], preserve_index=False)


def dev_ids() -> list[int]:
    return [int(line) for line in DEV_IDS.read_text().split()]


def make_dev_ids(seed: int = DEV_SEED) -> list[int]:
    """Pick the dev rows again: stratified by label, grouped by sentence, seeded (rewrites DEV_IDS)."""
    from sklearn.model_selection import StratifiedGroupKFold

    frame = read_tsv(train_csv())
    folds = StratifiedGroupKFold(n_splits=DEV_FOLDS, shuffle=True, random_state=seed)
    _, dev = next(folds.split(frame, frame["label"], groups=frame["sentence"]))
    ids = sorted(int(i) for i in frame["id"].iloc[dev])
    DEV_IDS.write_text("".join(f"{i}\n" for i in ids))
    return ids
