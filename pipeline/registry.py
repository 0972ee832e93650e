"""Stage registry: stages are named in configs/*.toml and built from here, spaCy-factory style.

A stage is a class registered under a versioned name ("entities.v1"). It declares the `Doc`
attributes or record fields it `requires` and the ones it `assigns`; a pipeline whose stage
needs something no earlier stage assigns fails at build time with a message naming it.
Heavy models load in `__init__` and the pipeline is built once per process.
"""
from __future__ import annotations

from typing import Any, Callable, ClassVar

from .record import Doc

STAGES: dict[str, type["Stage"]] = {}


class Stage:
    requires: ClassVar[tuple[str, ...]] = ()
    assigns: ClassVar[tuple[str, ...]] = ()

    def __init__(self, **params: Any) -> None:
        self.params = params

    def __call__(self, docs: list[Doc]) -> None:
        """Annotate a batch of documents in place; one document is a batch of one."""
        for doc in docs:
            self.process(doc)

    def process(self, doc: Doc) -> None:
        raise NotImplementedError


def register(name: str) -> Callable[[type[Stage]], type[Stage]]:
    def wrap(cls: type[Stage]) -> type[Stage]:
        STAGES[name] = cls
        cls.registered_name = name
        return cls

    return wrap
