"""`bilat train <task>`: one module per trainable task, each exposing a typer `command`."""
from __future__ import annotations

import shlex
import sys
from pathlib import Path


def invocation(task: str) -> str:
    """The command line that is running, for meta.json: `bilat train TASK ...` however it was started."""
    args = sys.argv[1:]
    if args[:2] == ["train", task]:
        args = args[2:]
    return shlex.join(["bilat", "train", task, *args])


def new_version(folder: Path, force: bool = False) -> Path:
    """`folder` if no trained model is there yet: a version is never overwritten in place."""
    from ..errors import BadConfig

    if (folder / "meta.json").exists() and not force:
        raise BadConfig(f"{folder} already holds a trained model; train into a new version (--output models/<task>/vN)")
    return folder
