"""bot/heap.py: after start-up the long-lived objects leave the garbage collector's walks."""

from __future__ import annotations

import gc

from bot import heap


def _walked(target: object) -> bool:
    return any(o is target for o in gc.get_objects())


def test_settle_takes_start_up_objects_out_of_the_collectors_walks() -> None:
    surveys = [{"id": "age"}]  # a long-lived container, as the loaded surveys are
    assert _walked(surveys)
    try:
        frozen = heap.settle()
        assert frozen == gc.get_freeze_count() > 0
        assert not _walked(surveys)
        later = [{"id": "answer"}]  # what updates create afterwards is collected as before
        assert _walked(later)
    finally:
        gc.unfreeze()  # the test process goes on as before
    assert _walked(surveys)
