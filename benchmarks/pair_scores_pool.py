"""Built preference pairs' reply scores for the local engine: one process against the pool.

`int_preference_pairs_built` scores every (prompt, reply) row of the built pairs; with `--engine
local` above 40,000 rows it now does so in a pool of spawned processes
(`preference_builder.reply_scores_in_pool`), as conversation scoring does. This prints, for
generated rows (no lake content), the wall and CPU seconds of scoring them in this process and in
the pool, alternating, and checks both give the same scores; with `--busy` a thread of pure
Python runs beside the scoring the whole time, as the near-dup search does on dbt's other thread
in a large build (the GIL the in-process scoring shares with it).

    python -m benchmarks.pair_scores_pool --rows 48000 --rounds 2 --busy
"""

from __future__ import annotations

import argparse
import os
import threading
import time

from python_models.preference_builder import reply_scorer, reply_scores, reply_scores_in_pool

SEEKERS = [
    "I feel so alone since my brother moved away and nobody calls me anymore",
    "My boss keeps yelling at me and I can't sleep before work",
    "I failed my exam again and my parents will be so disappointed",
    "Everything feels pointless lately, I don't enjoy anything",
]
REPLIES = [
    "It sounds like you miss him a lot and the quiet is hard.",
    "How long has this been going on?",
    "You should try to get more sleep and exercise.",
    "That must be really exhausting to carry every day.",
    "I went through something similar last year.",
]


def rows(n: int) -> tuple[list[str], list[str]]:
    seekers = [f"{SEEKERS[i % len(SEEKERS)]} ({i})" for i in range(n)]
    replies = [f"{REPLIES[(i * 7) % len(REPLIES)]} {i % 97}" for i in range(n)]
    return seekers, replies


def children_cpu() -> float:
    usage = os.times()
    return usage.children_user + usage.children_system


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=48_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--busy", action="store_true", help="a pure-Python thread beside it")
    args = parser.parse_args()
    seekers, replies = rows(args.rows)
    scorer = reply_scorer("counselling_quality")
    stop = threading.Event()
    spins = [0]

    def busy() -> None:
        while not stop.is_set():
            sum(i * i for i in range(1_000))
            spins[0] += 1

    print(f"{args.rows:,} rows, {args.workers} workers, busy thread: {args.busy}")
    results = {}
    for round_number in range(1, args.rounds + 1):
        for name in ("one process", "pool"):
            spins[0] = 0
            stop.clear()
            thread = threading.Thread(target=busy) if args.busy else None
            if thread:
                thread.start()
            wall, cpu, children = time.perf_counter(), time.process_time(), children_cpu()
            if name == "pool":
                scores = reply_scores_in_pool(
                    scorer,
                    seekers,
                    replies,
                    score_name="counselling_quality",
                    workers=args.workers,
                )
            else:
                scores = reply_scores(scorer, seekers, replies)
            wall = time.perf_counter() - wall
            cpu, children = time.process_time() - cpu, children_cpu() - children
            stop.set()
            if thread:
                thread.join()
            if name in results:
                assert results[name] == scores
            results[name] = scores
            print(
                f"round {round_number} {name:11s} {wall:6.1f} s wall, CPU here {cpu:6.1f} s "
                f"(the busy thread's share in it), workers {children:6.1f} s; "
                f"{args.rows / wall:,.0f} rows/s; busy thread {spins[0]:,} spins; "
                f"load {os.getloadavg()[0]:.1f}",
                flush=True,
            )
    assert results["one process"] == results["pool"], "the pool's scores differ"
    print("scores identical in one process and in the pool")


if __name__ == "__main__":
    main()
