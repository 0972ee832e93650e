"""`bilat train <task>`: one module per trainable task, each exposing a typer `command`."""
from __future__ import annotations

import shlex
import sys


def invocation(task: str) -> str:
    """The command line that is running, for meta.json: `bilat train TASK ...` however it was started."""
    args = sys.argv[1:]
    if args[:2] == ["train", task]:
        args = args[2:]
    return shlex.join(["bilat", "train", task, *args])
