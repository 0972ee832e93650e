"""The record contract v1 as JSON Schema (record.v1.json beside this file), and its validator."""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator

SCHEMA_PATH = Path(__file__).resolve().parent / "record.v1.json"


@lru_cache(maxsize=2)
def validator(branch: str | None = None):
    """The schema's validator; `branch` ("analysis" or "failure") picks one side of its oneOf,
    which gives precise messages instead of "not valid under any of the given schemas"."""
    from jsonschema import Draft202012Validator

    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    if branch:
        schema = {key: value for key, value in schema.items() if key != "oneOf"}
        schema["$ref"] = f"#/$defs/{branch}"
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def validation_errors(record: dict[str, Any] | str) -> Iterator[str]:
    """Messages for each way `record` (a dict or one JSON line) breaks the contract; none if it holds."""
    if isinstance(record, str):
        try:
            record = json.loads(record)
        except json.JSONDecodeError as error:
            yield f"not JSON: {error.msg}"
            return
    branch = "failure" if isinstance(record, dict) and "error" in record else "analysis"
    for error in validator(branch).iter_errors(record):
        where = "/".join(str(part) for part in error.absolute_path) or "(record)"
        yield f"{where}: {error.message}"
    yield from offset_errors(record)


def offset_errors(record: dict[str, Any]) -> Iterator[str]:
    """Spans must index into `text` and quote their own text exactly."""
    text = record.get("text", "")
    for field in ("entities", "figures", "claims"):
        for index, item in enumerate(record.get(field) or []):
            if not 0 <= item["start"] < item["end"] <= len(text):
                yield f"{field}/{index}: span {item['start']}..{item['end']} outside the text"
            elif text[item["start"]:item["end"]] != item["text"]:
                yield f"{field}/{index}: text does not match its span"
