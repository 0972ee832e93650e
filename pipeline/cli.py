"""The `bilat` command line: analyze, train, evaluate, sentiment, bench, validate."""
from __future__ import annotations

from functools import wraps
from importlib import import_module
from importlib.metadata import version
from pathlib import Path
from typing import Optional

import typer

from .errors import BilatError

app = typer.Typer(
    help="bilat: structured, checkable records from Russian-language news on international relations.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
train_app = typer.Typer(help="Train a model; artefacts go to models/<task>/<version>/ with a model card.",
                        no_args_is_help=True)
evaluate_app = typer.Typer(help="Score a model or stage against dev data and print the figures.",
                           no_args_is_help=True)
app.add_typer(train_app, name="train")
app.add_typer(evaluate_app, name="evaluate")

TRAINABLE = ("ner", "topics", "sentiment", "dyads")
EVALUABLE = ("ner", "actors", "figures", "claims", "topics", "sentiment", "dyads")


def show_version(value: bool) -> None:
    if value:
        typer.echo(f"bilat {version('bilat')}")
        raise typer.Exit()


@app.callback()
def main(
    _version: bool = typer.Option(False, "--version", callback=show_version, is_eager=True,
                                  help="Print the version and exit."),
) -> None:
    """Set-up, commands and the record contract are described in README.md."""


def fail(error: BilatError) -> None:
    typer.echo(f"bilat: {error}", err=True)
    raise typer.Exit(2)


@app.command()
def analyze(
    inputs: list[str] = typer.Argument(..., metavar="INPUT...",
                                       help=".txt, .jsonl ({id, text, ...meta} per line), .html files, "
                                            "directories (recursive), or - for stdin."),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="JSONL output file (default: stdout)."),
    jobs: int = typer.Option(1, "-j", "--jobs", min=1, help="Worker processes."),
    resume: bool = typer.Option(False, "--resume", help="Skip documents whose id is already in the output file."),
    config: Optional[Path] = typer.Option(None, "--config", help="TOML file merged over configs/default.toml."),
    quiet: bool = typer.Option(False, "-q", "--quiet", help="No progress bar."),
) -> None:
    """Analyse documents into JSONL records, one per document (schema: pipeline/schema/record.v1.json).

    Exit codes: 0 all documents ok; 3 some documents failed (their error records are written);
    2 bad usage or no readable input.
    """
    from .batch import run_batch
    from .config import load_config

    if resume and output is None:
        fail(BilatError("--resume needs -o/--output: there is no file to resume"))
    try:
        code = run_batch(inputs, output, load_config(config), jobs=jobs, resume=resume, progress=not quiet)
    except BilatError as error:
        fail(error)
    raise typer.Exit(code)


@app.command()
def validate(
    records: Path = typer.Argument(..., help="A JSONL file of records written by `bilat analyze`."),
) -> None:
    """Check every record of a JSONL file against the record contract (JSON Schema); exit 1 if any fails."""
    from .schema import validation_errors

    bad = 0
    with open(records, encoding="utf-8") as file:
        for number, line in enumerate(file, 1):
            for message in validation_errors(line):
                bad += 1
                typer.echo(f"{records}:{number}: {message}", err=True)
    typer.echo(f"{records}: {'ok' if not bad else f'{bad} problems'}")
    raise typer.Exit(1 if bad else 0)


@app.command()
def bench(
    folder: Path = typer.Argument(..., help="A folder of documents (e.g. ../shared/corpora/nerel/dev)."),
    limit: Optional[int] = typer.Option(None, help="Use only the first N documents."),
    config: Optional[Path] = typer.Option(None, "--config", help="TOML file merged over configs/default.toml."),
    repeat: int = typer.Option(1, help="Passes over the documents (the best pass counts)."),
) -> None:
    """Throughput of the default pipeline vs natasha's stack (segment+morph+syntax+NER+normalisation).

    Each engine runs in its own process over the same documents; prints documents/s, the ratio,
    peak RSS and model-load time.
    """
    from .bench import run_bench

    typer.echo(run_bench(folder, limit=limit, config=config, repeat=repeat))


def one_line_errors(command):
    """Errors users can hit end the command with their one-line message and exit 2, no traceback."""
    @wraps(command)
    def run(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except BilatError as error:
            fail(error)
    return run


def register_task_commands() -> None:
    """Training/evaluation commands live beside their models; a task without a module is not offered."""
    for group, package, tasks in ((train_app, "training", TRAINABLE), (evaluate_app, "scoring", EVALUABLE)):
        for task in tasks:
            try:
                module = import_module(f"{__package__}.{package}.{task}")
            except ModuleNotFoundError as error:
                if error.name == f"{__package__}.{package}.{task}":
                    continue
                raise
            group.command(task)(one_line_errors(module.command))


def register_sentiment_command() -> None:
    try:
        module = import_module(f"{__package__}.scoring.sentiment")
    except ModuleNotFoundError:
        return
    if hasattr(module, "predict_command"):
        app.command("sentiment")(one_line_errors(module.predict_command))


register_task_commands()
register_sentiment_command()
