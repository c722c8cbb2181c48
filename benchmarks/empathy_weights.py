"""EPITOME empathy scorer throughput: two weight folders, alternating A/B/A/B, per CPU-second.

    .venv/bin/python -m benchmarks.empathy_weights --a OLD_DIR --b python_models/scoring/weights

Replies and seeker posts are EPITOME's train split (../shared/realdata; the held-out posts are not
read), repeated to at least --replies. Each round embeds both turns with the default (static)
embedder and scores all three mechanisms; CPU time is this process's (one core's worth whatever
the machine's load), wall time is printed beside it.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from benchmarks.alternate import alternate


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

    def scoring(scorer):
        return lambda: scorer.score(
            seekers, replies, embedder.encode(seekers), embedder.encode(replies)
        )

    runs = {name: scoring(scorer) for name, scorer in scorers.items()}
    alternate(runs, len(replies), args.rounds, "replies")


if __name__ == "__main__":
    main()
