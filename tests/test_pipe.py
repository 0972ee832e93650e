import pytest

from pipeline import errors
from pipeline.config import load_config, merge
from pipeline.pipe import Pipeline
from pipeline.record import Doc
from pipeline.registry import STAGES, Stage, register


@register("test_boom.v1")
class Boom(Stage):
    requires = ("sents",)
    assigns = ("boom",)

    def process(self, doc):
        if "взрыв" in doc.text:
            raise RuntimeError("boom")
        doc.fields["boom"] = len(doc.sents)


def config(*stages, **tables):
    return {"pipeline": {"stages": list(stages)}, "stages": tables, "batch": {"executor": "serial", "chunk_size": 2}}


def test_pipe_merge_is_deep():
    assert merge({"a": {"b": 1, "c": 2}, "d": 1}, {"a": {"c": 3}}) == {"a": {"b": 1, "c": 3}, "d": 1}


def test_pipe_default_config_names_registered_stages():
    pipeline = Pipeline(load_config())
    assert pipeline.names[0] == "segment.v1" and all(name in STAGES for name in pipeline.names)


def test_pipe_fails_early_on_missing_requirement():
    with pytest.raises(errors.MissingRequirement, match="test_boom.v1 needs sents"):
        Pipeline(config("boom", boom={"factory": "test_boom.v1"}))


def test_pipe_fails_early_on_unknown_stage():
    with pytest.raises(errors.UnknownStage, match="nosuch.v1"):
        Pipeline(config("nosuch"))


def test_pipe_disabled_stage_is_skipped():
    pipeline = Pipeline(config("segment", "boom", boom={"factory": "test_boom.v1", "enabled": False}))
    assert pipeline.names == ["segment.v1"]


def test_pipe_one_failing_document_does_not_stop_the_batch():
    pipeline = Pipeline(config("segment", "boom", boom={"factory": "test_boom.v1"}))
    records = pipeline([Doc("a", "Мир. Дружба."), Doc("b", "Случился взрыв."), Doc("c", "Жвачка.")])
    assert records[0]["boom"] == 2 and records[2]["boom"] == 1
    assert records[1] == {"id": "b", "error": {"type": "stage_failed", "code": "E201",
                                                "message": "RuntimeError: boom"}}
