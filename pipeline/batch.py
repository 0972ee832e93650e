"""The batch runner: documents in, records out, append-safe, resumable, with progress.

The executor comes from configuration (`[batch] executor`): "process" is a local process pool,
"serial" runs in this process. Another engine plugs in by adding an executor here: it only has
to map `process_chunk` over chunks of items, in order, with `init_worker(config)` run once per worker.
"""
from __future__ import annotations

import json
import os
import sys
from contextlib import contextmanager
from itertools import chain, islice
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from tqdm import tqdm

from .errors import NoInput
from .ingest import Item, Source, discover, read
from .pipe import Pipeline

EXIT_OK, EXIT_USAGE, EXIT_SOME_FAILED = 0, 2, 3

_pipeline: Pipeline | None = None


def init_worker(config: dict[str, Any]) -> None:
    """Build the pipeline once per process: heavy models load here, not per document."""
    global _pipeline
    _pipeline = Pipeline(config)
    if "torch" in sys.modules:  # one thread per worker: -j sets the parallelism
        sys.modules["torch"].set_num_threads(1)


def process_chunk(items: list[Item]) -> list[dict[str, Any]]:
    docs = [item for item in items if not isinstance(item, dict)]
    records = iter(_pipeline(docs) if docs else [])
    return [item if isinstance(item, dict) else next(records) for item in items]


Mapper = Callable[[Iterable[list[Item]]], Iterator[list[dict[str, Any]]]]


@contextmanager
def serial_executor(config: dict[str, Any], jobs: int) -> Iterator[Mapper]:
    init_worker(config)
    yield lambda chunks: map(process_chunk, chunks)


@contextmanager
def process_executor(config: dict[str, Any], jobs: int) -> Iterator[Mapper]:
    if jobs <= 1:
        with serial_executor(config, jobs) as mapper:
            yield mapper
        return
    # spawn, not fork: torch and tokenizers are not fork-safe once loaded
    with get_context("spawn").Pool(jobs, initializer=init_worker, initargs=(config,)) as pool:
        yield lambda chunks: pool.imap(process_chunk, chunks)


EXECUTORS = {"serial": serial_executor, "process": process_executor}


def chunked(items: Iterable[Item], size: int) -> Iterator[list[Item]]:
    items = iter(items)
    while chunk := list(islice(items, size)):
        yield chunk


def done_ids(output: Path) -> set[str]:
    """Ids already in the output; a torn last line (a crash mid-write) is cut off first."""
    if not output.exists():
        return set()
    repair_tail(output)
    with open(output, encoding="utf-8") as file:
        return {json.loads(line)["id"] for line in file if line.strip()}


def repair_tail(output: Path) -> None:
    data = output.read_bytes()
    if data and not data.endswith(b"\n"):
        with open(output, "r+b") as file:
            file.truncate(data.rfind(b"\n") + 1)


class Writer:
    """One JSON line per record, written whole and flushed, so a crash leaves only whole lines."""

    def __init__(self, output: Path | None) -> None:
        self.file = open(output, "a", encoding="utf-8") if output else sys.stdout
        self.failed = 0

    def write(self, record: dict[str, Any]) -> None:
        self.failed += "error" in record
        self.file.write(json.dumps(record, ensure_ascii=False) + "\n")
        self.file.flush()

    def close(self) -> None:
        if self.file is not sys.stdout:
            os.fsync(self.file.fileno())
            self.file.close()


def run_batch(inputs: list[str], output: Path | None, config: dict[str, Any], jobs: int = 1,
              resume: bool = False, progress: bool = True) -> int:
    """Analyse every document of `inputs` into `output` (stdout when None); returns the exit code."""
    sources, missing = discover(inputs)
    if not sources:
        raise NoInput("no readable input among: " + " ".join(inputs))
    for record in missing:
        print(f"bilat: {record['error']['code']} {record['error']['message']}", file=sys.stderr)
    skip = done_ids(output) if resume and output else set()
    total = sum(source.count() for source in sources)
    bar = tqdm(total=total, unit="doc", file=sys.stderr, disable=not progress or total <= 1, dynamic_ncols=True)
    items = pending(sources, skip, bar)
    first = next(items, None)
    writer = Writer(output)
    try:
        for record in missing:
            if record["id"] not in skip:
                writer.write(record)
        if first is not None:  # nothing left to do (a finished --resume): no models to load
            with EXECUTORS[config["batch"]["executor"]](config, jobs) as mapper:
                for records in mapper(chunked(chain([first], items), config["batch"]["chunk_size"])):
                    for record in records:
                        writer.write(record)
                        bar.update(1)
    finally:
        writer.close()
        bar.close()
    return EXIT_SOME_FAILED if writer.failed else EXIT_OK


def pending(sources: list[Source], skip: set[str], bar: tqdm) -> Iterator[Item]:
    for source in sources:
        for item in read(source):
            if item_id(item) in skip:
                bar.update(1)
            else:
                yield item


def item_id(item: Item) -> str:
    return item["id"] if isinstance(item, dict) else item.id
