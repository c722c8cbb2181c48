"""The Ray engine against the local one on one stage (PII redaction, scoring off), alternating.

Generated conversations (no record content printed) go through `unscored_table`: locally in one
process, then on a Ray cluster this script starts on loopback (stopped by PID) with 1 and with 2
actors; each round runs all three in turn. Prints seconds, rows/s, the Ray-vs-local ratio and
the 1 -> 2 actor scaling efficiency (speed-up / 2).

    python -m benchmarks.ray_engine --rows 20000 --rounds 2
"""

from __future__ import annotations

import argparse
import time

import pyarrow as pa

from python_models.ray_cluster import LocalRayCluster


def conversations(rows: int) -> pa.Table:
    """Generated two-turn conversations with names and phone numbers in them."""
    messages = [
        [
            {"role": "user", "content": f"I'm Dana Reyes, call me on 555-010-{i % 10000:04d}."},
            {"role": "assistant", "content": "Thank you. What would you like to talk about?"},
        ]
        for i in range(rows)
    ]
    return pa.table({"conversation_id": [f"c{i:08d}" for i in range(rows)], "messages": messages})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--batch-rows", type=int, default=4_096)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()

    from python_models.ray_stages import connect
    from python_models.scoring.pii import PiiDetector
    from python_models.scoring.warehouse import unscored_table

    table = conversations(args.rows)
    detector = PiiDetector()
    times: dict[str, list[float]] = {"local": [], "ray x1": [], "ray x2": []}
    with LocalRayCluster(num_cpus=2) as cluster, connect(cluster.address):
        for _ in range(args.rounds):
            for name, engine, workers in (
                ("local", "local", 1),
                ("ray x1", "ray", 1),
                ("ray x2", "ray", 2),
            ):
                started = time.perf_counter()
                unscored_table(
                    table.to_batches(max_chunksize=args.batch_rows),
                    detector,
                    workers=workers,
                    engine=engine,
                )
                times[name].append(time.perf_counter() - started)
    best = {name: min(seconds) for name, seconds in times.items()}
    for name, seconds in times.items():
        runs = " ".join(f"{s:.1f}" for s in seconds)
        print(
            f"{name:7s} best {best[name]:.1f} s ({args.rows / best[name]:,.0f} rows/s), runs {runs}"
        )
    print(f"ray x1 / local: {best['ray x1'] / best['local']:.2f}")
    print(
        f"1 -> 2 actors: speed-up {best['ray x1'] / best['ray x2']:.2f}, "
        f"efficiency {best['ray x1'] / best['ray x2'] / 2:.2f}"
    )


if __name__ == "__main__":
    main()
