"""The local engine's pool of spawned processes: input order, bounded look-ahead, errors."""

from __future__ import annotations

import os

import pytest

from python_models.spawn_pool import in_spawned_pool

_OFFSET = None  # set in each worker by the initializer


def _init(offset: int) -> None:
    global _OFFSET
    _OFFSET = offset


def _work(value: int, delay_first: bool) -> tuple[int, int]:
    import time

    if delay_first and value == 0:
        time.sleep(0.3)  # the first call finishes last: order must still be the input's
    if value == 7:
        raise ValueError("seven")
    return value + _OFFSET, os.getpid()


def test_results_come_in_input_order_from_spawned_workers():
    results = list(
        in_spawned_pool(
            _work,
            ((value, True) for value in range(6)),
            workers=2,
            initializer=_init,
            initargs=(100,),
        )
    )
    assert [value for value, _ in results] == [100, 101, 102, 103, 104, 105]
    assert os.getpid() not in {pid for _, pid in results}  # run in the workers, not here


def test_arguments_are_read_at_most_ahead_of_the_results():
    read = []

    def arguments():
        for value in range(10):
            read.append(value)
            yield value, False

    results = in_spawned_pool(
        _work, arguments(), workers=1, initializer=_init, initargs=(0,), ahead=3
    )
    first = next(results)
    assert first[0] == 0
    assert len(read) == 3  # three submitted, one collected: the input was not drained
    results.close()


def test_an_error_in_a_worker_is_raised_at_its_result():
    results = in_spawned_pool(
        _work,
        ((value, False) for value in range(5, 9)),
        workers=2,
        initializer=_init,
        initargs=(0,),
    )
    assert [next(results)[0], next(results)[0]] == [5, 6]
    with pytest.raises(ValueError, match="seven"):
        next(results)
