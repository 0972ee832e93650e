"""Configuration as data: configs/default.toml, deep-merged with a user's --config file."""
from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from . import paths
from .errors import BadConfig

DEFAULT = paths.CONFIGS / "default.toml"


def read_toml(path: str | Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as file:
            return tomllib.load(file)
    except FileNotFoundError:
        raise BadConfig(f"config file {path} not found") from None
    except tomllib.TOMLDecodeError as error:
        raise BadConfig(f"config file {path} is not valid TOML: {error}") from None


def merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """`override` wins; nested tables merge key by key."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def load_config(path: str | Path | None = None) -> dict[str, Any]:
    config = read_toml(DEFAULT)
    return merge(config, read_toml(path)) if path else config
