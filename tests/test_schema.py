import json

import pytest

from pipeline.schema import SCHEMA_PATH, validation_errors, validator


def minimal_record(**fields):
    meta = {"title": None, "published": "2025-10-20", "author": None, "outlet": None, "url": None, "language": "ru"}
    return {"id": "a.txt", "text": "Баку и Астана.", "meta": meta, **fields}


def test_schema_is_a_valid_json_schema():
    assert json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))["title"] == "bilat record v1"
    validator()


def test_schema_accepts_analysis_and_error_records():
    entity = {"start": 0, "end": 4, "text": "Баку", "type": "CITY", "normal": "Баку", "actor": "AZE"}
    assert list(validation_errors(minimal_record(entities=[entity]))) == []
    failure = {"id": "x", "error": {"type": "empty_text", "code": "E004", "message": "document has no text"}}
    assert list(validation_errors(failure)) == []


@pytest.mark.parametrize("fields, fragment", [
    ({"entities": [{"start": 0, "end": 4, "text": "Баку", "type": "TOWN", "normal": "Баку", "actor": None}]},
     "TOWN"),
    ({"entities": [{"start": 0, "end": 4, "text": "Баки", "type": "CITY", "normal": "Баку", "actor": None}]},
     "does not match its span"),
    ({"topics": [{"label": "weather", "score": 0.5}]}, "weather"),
    ({"dyads": [{"actors": ["AZE"], "tone": "cooperative", "score": 0.5, "evidence": [{"start": 0, "end": 5}]}]},
     "too short"),
    ({"figures": [{"start": 0, "end": 4, "text": "Баку", "kind": "money", "value": "много", "unit": "USD",
                   "approx": False, "metric": None, "period": None, "actors": []}]}, "not of type"),
])
def test_schema_rejects_broken_records(fields, fragment):
    assert any(fragment in message for message in validation_errors(minimal_record(**fields)))


def test_schema_rejects_bad_meta_date():
    record = minimal_record()
    record["meta"]["published"] = "20.10.2025"
    assert list(validation_errors(record))
