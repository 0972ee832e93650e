"""The benchmark's arithmetic (the run itself is `bilat bench`, a separate command)."""
from __future__ import annotations

import pytest

from pipeline.bench import classifier_share


@pytest.mark.parametrize("stages, expected", [
    ({"segment.v1": 20.0, "entities.v1": 20.0, "topics.v1": 4.0, "sentiment.v1": 6.0, "dyads.v1": 2.0}, 0.3),
    ({"segment.v1": 10.0, "summary.v1": 0.0, "topics.v1": 1.0}, 0.1),
    ({"segment.v1": 10.0, "entities.v1": 5.0}, None),
    ({"topics.v1": 3.0}, None),
])
def test_classifier_share_is_classifier_time_over_the_rest(stages, expected):
    share = classifier_share(stages)
    assert share == pytest.approx(expected) if expected is not None else share is None
