"""How a serving process sets itself up."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from gateway.serve import YOUNG_GC_THRESHOLD, tune_collector


@pytest.fixture
def collector() -> Iterator[None]:
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


@pytest.mark.usefixtures("collector")
def test_serving_moves_start_up_objects_out_of_the_collectors_reach_and_scans_the_young_less_often() -> None:
    before = gc.get_threshold()
    tune_collector()
    assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == (YOUNG_GC_THRESHOLD, *before[1:])
    assert before[0] < YOUNG_GC_THRESHOLD
