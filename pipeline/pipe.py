"""A pipeline is the configured stages in order; it checks their requirements once, at build time."""
from __future__ import annotations

from typing import Any, Iterable

from . import stages
from .errors import BilatError, MissingRequirement, StageFailed, UnknownStage
from .record import Doc, error_record
from .registry import STAGES, Stage

# What a document has before any stage runs.
GIVEN = ("id", "text", "meta")


class Pipeline:
    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config
        self.stages: list[Stage] = build_stages(config)

    @property
    def names(self) -> list[str]:
        return [stage.registered_name for stage in self.stages]

    def __call__(self, docs: list[Doc]) -> list[dict[str, Any]]:
        """Records for `docs`; a document whose stage fails becomes an error record."""
        try:
            self.run(docs)
            return [doc.record() for doc in docs]
        except Exception as error:
            if len(docs) == 1:
                return [failure_record(docs[0], error)]
            return [record for doc in docs for record in self([doc])]

    def run(self, docs: list[Doc]) -> None:
        for stage in self.stages:
            stage(docs)


def failure_record(doc: Doc, error: Exception) -> dict[str, Any]:
    if not isinstance(error, BilatError):
        error = StageFailed(f"{type(error).__name__}: {error}")
    return error_record(doc.id, error)


def enabled_stages(config: dict[str, Any]) -> Iterable[tuple[str, dict[str, Any]]]:
    tables = config.get("stages", {})
    for name in config["pipeline"]["stages"]:
        params = dict(tables.get(name, {}))
        if params.pop("enabled", True):
            yield params.pop("factory", f"{name}.v1"), params


def build_stages(config: dict[str, Any]) -> list[Stage]:
    stages.load_all()
    built, available = [], set(GIVEN)
    for factory, params in enabled_stages(config):
        if factory not in STAGES:
            raise UnknownStage(f"no stage registered as {factory!r}; known: {', '.join(sorted(STAGES))}")
        cls = STAGES[factory]
        missing = [need for need in cls.requires if need not in available]
        if missing:
            raise MissingRequirement(f"stage {factory} needs {', '.join(missing)}, which no earlier stage assigns")
        built.append(cls(**params))
        available.update(cls.assigns)
    return built
