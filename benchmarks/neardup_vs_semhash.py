"""Near-dup CPU and wall time against SemHash on the evaluation corpus, alternating in one process.

    python -m benchmarks.neardup_vs_semhash --rounds 2 --json out.json

Each round times the production pipeline (``time_production_pipeline``: cold embedding cache)
and then SemHash at its calibrated threshold with the same static model, so a loaded machine
slows both alike; compare CPU seconds when the load is high. For a before/after, run the old
commit's copy of this script on ``PYTHONPATH`` the same way, alternating the two processes.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--threshold", type=float, default=0.99, help="SemHash's cosine.")
    parser.add_argument("--realdata", type=Path, default=None)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()

    from evaluation.neardup.corpus import build_eval_corpus
    from evaluation.neardup.hybrid import time_production_pipeline
    from evaluation.neardup.semhash_peer import _Encoder, semhash_clusters

    corpus = build_eval_corpus(args.realdata)
    encoder = _Encoder("static")
    rounds = []
    for i in range(args.rounds):
        load = os.getloadavg()[0]
        production = time_production_pipeline(corpus)
        _, wall, cpu = semhash_clusters(corpus.texts, args.threshold, encoder)
        rounds.append(
            {
                "round": i,
                "load": round(load, 1),
                "production_wall_s": production["wall_seconds"],
                "production_cpu_s": production["cpu_seconds"],
                "semhash_wall_s": round(wall, 2),
                "semhash_cpu_s": round(cpu, 2),
                "removed": production["removed_as_near_duplicates"],
                "steps": production["steps"],
            }
        )
        print(json.dumps(rounds[-1]), flush=True)
    if args.json is not None:
        args.json.write_text(json.dumps(rounds, indent=2))


if __name__ == "__main__":
    main()
