"""Counselling-behaviour scorer throughput: two weight files, alternating A/B/A/B, per CPU-second.

    .venv/bin/python -m benchmarks.behaviour_weights --a OLD.npz --b NEW.npz

Replies and their seeker turns are ESConv's train dialogues (../shared/realdata; the held-out
dialogues are not read), repeated to at least --replies. Each round embeds the seeker turns and
scores every reply as `BehaviourScorer.score` does in the pipeline (utterances split, embedded
and classified, then pooled); CPU time is this process's, wall time is printed beside it.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path


def main() -> None:
    from evaluation.fitting.fit_behaviour import split_replies
    from evaluation.realdata import realdata_root
    from python_models.embeddings.backends import get_embedder
    from python_models.scoring.behaviour import BehaviourScorer
    from python_models.scoring.linear import LinearTextModel

    parser = argparse.ArgumentParser()
    parser.add_argument("--a", type=Path, required=True)
    parser.add_argument("--b", type=Path, required=True)
    parser.add_argument("--replies", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    train, _ = split_replies(realdata_root())
    repeats = max(1, -(-args.replies // len(train)))
    seekers = [r.seeker for r in train] * repeats
    replies = [r.reply for r in train] * repeats
    embedder = get_embedder("default")
    scorers = {
        "A": BehaviourScorer(LinearTextModel.load(args.a).prepare()),
        "B": BehaviourScorer(LinearTextModel.load(args.b).prepare()),
    }
    print(f"replies per round: {len(replies)}; load average {os.getloadavg()}")
    totals = {"A": 0.0, "B": 0.0}
    for round_number in range(args.rounds):
        for name, scorer in scorers.items():
            wall, cpu = time.perf_counter(), time.process_time()
            scorer.score(replies, embedder.encode(seekers), embedder.encode)
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
