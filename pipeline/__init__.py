"""bilat: Russian-language news on international relations → structured, checkable records.

    >>> import pipeline
    >>> record = pipeline.analyze(text, published="2025-10-20")

`analyze` runs the same stages and code path as `bilat analyze` (configs/default.toml).
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any

__all__ = ["analyze", "load_pipeline"]


@lru_cache(maxsize=4)
def load_pipeline(config_path: str | None = None):
    """The configured pipeline, built once per process (models load here)."""
    from .config import load_config
    from .pipe import Pipeline

    return Pipeline(load_config(config_path))


def analyze(text: str, *, id: str = "doc", config: str | None = None, **meta: Any) -> dict[str, Any]:
    """The record of one document; `meta` may give title, published, author, outlet, url, language.

    Bad input (empty or oversized text) raises a `pipeline.errors.BilatError` with a stable code;
    a stage failure comes back as an error record, as in a batch.
    """
    from .ingest import checked, iso_date, txt_doc

    if meta.get("published"):
        meta["published"] = iso_date(str(meta["published"]))
    doc = checked(txt_doc(text, id, meta))
    return load_pipeline(config)([doc])[0]
