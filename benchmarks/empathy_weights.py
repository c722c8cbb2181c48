"""EPITOME empathy scorer throughput: two weight folders, alternating A/B/A/B, per CPU-second.

    .venv/bin/python -m benchmarks.empathy_weights --a OLD_DIR --b python_models/scoring/weights

Replies and seeker posts are EPITOME's train split (../shared/realdata; the held-out posts are not
read), repeated to at least --replies. Each round embeds both turns with the default (static)
embedder and scores all three mechanisms; CPU time is this process's (one core's worth whatever
the machine's load), wall time is printed beside it.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path


def main() -> None:
    from evaluation.fitting.fit_empathy import split_pairs
    from evaluation.realdata import epitome_pairs, realdata_root
    from python_models.embeddings.backends import get_embedder
    from python_models.scoring.empathy import EmpathyScorer, load_empathy_models

    parser = argparse.ArgumentParser()
    parser.add_argument("--a", type=Path, required=True)
    parser.add_argument("--b", type=Path, required=True)
    parser.add_argument("--replies", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    train, _ = split_pairs(epitome_pairs(realdata_root()))
    repeats = max(1, -(-args.replies // len(train)))
    seekers = [p.seeker for p in train] * repeats
    replies = [p.response for p in train] * repeats
    embedder = get_embedder("default")
    scorers = {
        "A": EmpathyScorer(load_empathy_models(args.a)),
        "B": EmpathyScorer(load_empathy_models(args.b)),
    }
    print(f"replies per round: {len(replies)}; load average {os.getloadavg()}")
    totals = {"A": 0.0, "B": 0.0}
    for round_number in range(args.rounds):
        for name, scorer in scorers.items():
            wall, cpu = time.perf_counter(), time.process_time()
            scorer.score(seekers, replies, embedder.encode(seekers), embedder.encode(replies))
            cpu = time.process_time() - cpu
            wall = time.perf_counter() - wall
            totals[name] += cpu
            print(
                f"round {round_number + 1} {name}: {len(replies) / cpu:,.0f} replies per "
                f"CPU-second ({len(replies) / wall:,.0f}/s wall)"
            )
    rate = {name: args.rounds * len(replies) / cpu for name, cpu in totals.items()}
    print(
        f"A {rate['A']:,.0f}/CPU-s, B {rate['B']:,.0f}/CPU-s, B/A {rate['B'] / rate['A']:.2f}; "
        f"load average {os.getloadavg()}"
    )


if __name__ == "__main__":
    main()
