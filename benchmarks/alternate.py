"""Two ways of doing the same work, alternated A/B per round, timed in this process's CPU time.

Used by the scorer-weight benchmarks (`benchmarks.empathy_weights`, `benchmarks.behaviour_weights`):
CPU time is one core's worth whatever the machine's load; wall time is printed beside it.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path


def weight_arguments() -> argparse.Namespace:
    """The weight benchmarks' arguments: the two weight files or folders (A and B), the
    replies a round (at least) and the rounds."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--a", type=Path, required=True)
    parser.add_argument("--b", type=Path, required=True)
    parser.add_argument("--replies", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    return parser.parse_args()


def repeated(items: Sequence, at_least: int) -> list:
    """``items`` repeated whole until there are at least ``at_least``."""
    return list(items) * max(1, -(-at_least // len(items)))


def alternate(runs: dict[str, Callable[[], object]], items: int, rounds: int, unit: str) -> None:
    """Each of ``runs`` (each doing ``items`` of ``unit``) once per round, in order, for
    ``rounds`` rounds; prints each run's rate and then A's and B's over all rounds."""
    print(f"{unit} per round: {items}; load average {os.getloadavg()}")
    totals = dict.fromkeys(runs, 0.0)
    for round_number in range(rounds):
        for name, run in runs.items():
            wall, cpu = time.perf_counter(), time.process_time()
            run()
            cpu = time.process_time() - cpu
            wall = time.perf_counter() - wall
            totals[name] += cpu
            print(
                f"round {round_number + 1} {name}: {items / cpu:,.0f} {unit} per "
                f"CPU-second ({items / wall:,.0f}/s wall)"
            )
    rate = {name: rounds * items / cpu for name, cpu in totals.items()}
    print(
        f"A {rate['A']:,.0f}/CPU-s, B {rate['B']:,.0f}/CPU-s, B/A {rate['B'] / rate['A']:.2f}; "
        f"load average {os.getloadavg()}"
    )
