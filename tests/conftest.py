"""Shared fixtures: the corpora folder (tests that need it skip without it) and the CLI runner."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.paths import corpora_dir

REPO = Path(__file__).resolve().parents[1]
LIGHT_CONFIG = REPO / "tests" / "data" / "segment_only.toml"


@pytest.fixture(scope="session")
def corpora() -> Path:
    path = corpora_dir()
    if not path.is_dir():
        pytest.skip(f"shared corpora not found at {path} (set BILAT_CORPORA to run this test)")
    return path


@pytest.fixture(scope="session")
def sample_path(corpora: Path) -> Path:
    return corpora / "samples" / "dayaz_2025-10-20_az_kz.txt"


def run_bilat(*args: str, stdin: str | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """`bilat ...` in a subprocess, as a user runs it."""
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([sys.executable, "-m", "pipeline", *args], input=stdin, capture_output=True,
                          text=True, cwd=cwd or REPO, env=env, timeout=600)


def jsonl(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]
