"""Batches through a pool of spawned worker processes, results in input order.

The local engine's Python stages (conversation scoring, redaction, pair redaction, pair
scoring) run their batches in worker processes started by `spawn`, never `fork`: the dbt
process holds DuckDB's threads, and a forked child of a multi-threaded process can wait forever
on a lock that a thread which does not exist in the child held. Each worker builds its models
once, in the pool's initializer. At most `ahead` batches are submitted and not yet collected, so
however long the input, memory holds a bounded number of batches in flight.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, TypeVar

Result = TypeVar("Result")


def in_spawned_pool(
    function: Callable[..., Result],
    arguments: Iterable[tuple],
    *,
    workers: int,
    initializer: Callable[..., None],
    initargs: tuple = (),
    ahead: int | None = None,
) -> Iterator[Result]:
    """`function(*args)` for each `args` of `arguments`, in `workers` spawned processes (each
    runs `initializer(*initargs)` once), yielded in the order of `arguments`. `arguments` is
    read lazily, at most `ahead` (default `2 * workers`) calls ahead of the results collected.
    A call's exception is raised here when its result is reached."""
    ahead = ahead or 2 * workers
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=initializer, initargs=initargs
    ) as pool:
        pending: deque[Future[Any]] = deque()
        for args in arguments:
            pending.append(pool.submit(function, *args))
            if len(pending) >= ahead:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
