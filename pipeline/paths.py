"""Where things live: the repo's models/ and configs/, the Russian stack's bundled weights, shared corpora."""
from __future__ import annotations

import os
from importlib.util import find_spec
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
CONFIGS = REPO_ROOT / "configs"
MODELS = REPO_ROOT / "models"


# natasha's wheel ships navec and the slovnet weights; locate them without importing natasha.
NATASHA_DATA = Path(find_spec("natasha").submodule_search_locations[0]) / "data"
NAVEC_NEWS = NATASHA_DATA / "emb" / "navec_news_v1_1B_250K_300d_100q.tar"
SLOVNET_NER = NATASHA_DATA / "model" / "slovnet_ner_news_v1.tar"
SLOVNET_MORPH = NATASHA_DATA / "model" / "slovnet_morph_news_v1.tar"
SLOVNET_SYNTAX = NATASHA_DATA / "model" / "slovnet_syntax_news_v1.tar"


def resolve(path: str | os.PathLike) -> Path:
    """A path from a config: absolute as given, relative to the repo root otherwise."""
    path = Path(path)
    return path if path.is_absolute() else REPO_ROOT / path


def corpora_dir() -> Path:
    """The shared corpora: $BILAT_CORPORA, else ../shared/corpora beside the repo."""
    return Path(os.environ.get("BILAT_CORPORA", REPO_ROOT.parent / "shared" / "corpora"))
