"""Errors a user can hit, each with a stable code (asserted in tests) and a one-line message."""
from __future__ import annotations


class BilatError(Exception):
    """An error with a stable code; its message is shown as one line, never a traceback."""

    code = "E000"
    kind = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return f"{self.code} {self.kind}: {self.message}"


def _error(code: str, kind: str) -> type[BilatError]:
    return type(kind.title().replace("_", ""), (BilatError,), {"code": code, "kind": kind})


# input problems (reported per document as error records, or for the whole run as bad usage)
PathNotFound = _error("E001", "path_not_found")
BinaryInput = _error("E002", "binary_input")
UndecodableInput = _error("E003", "undecodable_input")
EmptyText = _error("E004", "empty_text")
DocumentTooLarge = _error("E005", "document_too_large")
MalformedJsonl = _error("E006", "malformed_jsonl")
NoInput = _error("E007", "no_input")
UnsupportedInput = _error("E008", "unsupported_input")
# configuration problems (fail at start)
UnknownStage = _error("E101", "unknown_stage")
MissingRequirement = _error("E102", "missing_requirement")
BadConfig = _error("E103", "bad_config")
# a stage raised while processing one document
StageFailed = _error("E201", "stage_failed")
