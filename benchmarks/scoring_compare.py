"""Scoring throughput, two source trees alternated: CPU seconds per conversation and equal outputs.

    # the conversations: the synthetic ones of benchmarks/scoring.py, plus (optionally) a built
    # warehouse's scoring input (int_conversations_scoring_input: the sample lake's shapes)
    .venv/bin/python -m benchmarks.scoring_compare inputs --synthetic 4000 \\
        --warehouse /tmp/lake-wh/warehouse.duckdb --out /tmp/scoring-inputs
    # tree A (e.g. `git archive <base> | tar -x -C /tmp/base`) and this tree, alternated
    .venv/bin/python -m benchmarks.scoring_compare ab --base /tmp/base \\
        --inputs /tmp/scoring-inputs --rounds 2

Each run is a fresh process (`run`) that imports `python_models` from one tree, loads every
scorer, scores 50 other synthetic conversations to warm up (imports, the embedder's word memo),
then times `score_table` (the warehouse's scoring function: every scorer, PII redaction and the
output columns) over each input in batches of 4,096 with `time.process_time`, per step
(`Scorers.cpu_timings`) and in total. Conversation vectors (the near-duplicate stage's in a
build) are computed before the clock starts. `ab` alternates the trees, reads /proc/loadavg
before each run, and checks that every output column of every input is equal in the two trees.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

BATCH = 4096


def _write_inputs(args: argparse.Namespace) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from benchmarks.scoring import synthetic_conversations

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    conversations = synthetic_conversations(args.synthetic)
    table = pa.table(
        {
            "conversation_id": [f"synthetic-{i:06d}" for i in range(len(conversations))],
            "messages": conversations,
            "category": pa.nulls(len(conversations), pa.string()),
        }
    )
    pq.write_table(table, out / "synthetic.parquet")
    print(f"synthetic: {table.num_rows} conversations")
    if args.warehouse:
        import duckdb

        with duckdb.connect(args.warehouse, read_only=True) as connection:
            lake = connection.sql(
                "select conversation_id, messages, category "
                "from int_conversations_scoring_input order by conversation_id"
            ).to_arrow_table()
        pq.write_table(lake, out / "lake.parquet")
        print(f"lake: {lake.num_rows} conversations")


def _run(args: argparse.Namespace) -> None:
    """One tree, every input: timings as JSON on stdout, the outputs as Parquet in --out."""
    sys.path.insert(0, str(Path(args.tree).resolve()))
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    import python_models
    from benchmarks.scoring import synthetic_conversations
    from python_models.embeddings.backends import get_embedder
    from python_models.embeddings.texts import conversation_text
    from python_models.scoring.category import COUNSEL_CHAT_WEIGHTS, CategoryModel
    from python_models.scoring.pipeline import Scorers
    from python_models.scoring.warehouse import _messages, score_table

    tree = Path(python_models.__file__).resolve().parent.parent
    assert tree == Path(args.tree).resolve(), f"imported {tree}, not {args.tree}"
    embedder = get_embedder("default")
    scorers = Scorers(
        embedder=embedder, category_model=CategoryModel.load(COUNSEL_CHAT_WEIGHTS)
    ).load_all()
    warm = synthetic_conversations(50, seed=99)
    scorers.score(
        warm, conversation_embeddings=embedder.encode([conversation_text(c) for c in warm])
    )
    report: dict[str, dict] = {"tree": {"path": str(tree)}}
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for path in sorted(Path(args.inputs).glob("*.parquet")):
        table = pq.read_table(path)
        vectors = embedder.encode([conversation_text(c) for c in _messages(table)])
        scorers.timings.clear()
        scorers.cpu_timings.clear()
        started, cpu = time.perf_counter(), time.process_time()
        scored = [
            score_table(
                table.slice(start, BATCH),
                scorers,
                np.ascontiguousarray(vectors[start : start + BATCH]),
            )
            for start in range(0, table.num_rows, BATCH)
        ]
        cpu = time.process_time() - cpu
        wall = time.perf_counter() - started
        pq.write_table(pa.concat_tables(scored), out / path.name)
        report[path.stem] = {
            "conversations": table.num_rows,
            "cpu_s": round(cpu, 3),
            "wall_s": round(wall, 3),
            "conversations_per_cpu_s": round(table.num_rows / cpu),
            "steps_cpu_s": {k: round(v, 3) for k, v in sorted(scorers.cpu_timings.items())},
        }
    print(json.dumps(report))


def _equal(a_dir: Path, b_dir: Path) -> dict[str, str]:
    import pyarrow.parquet as pq

    verdict = {}
    for path in sorted(a_dir.glob("*.parquet")):
        a, b = pq.read_table(path), pq.read_table(b_dir / path.name)
        if a.schema != b.schema or a.num_rows != b.num_rows:
            verdict[path.stem] = "schemas or row counts differ"
            continue
        differing = [name for name in a.schema.names if not a.column(name).equals(b.column(name))]
        verdict[path.stem] = (
            f"every column equal ({len(a.schema.names)} columns, {a.num_rows} rows)"
            if not differing
            else f"DIFFERENT columns: {differing}"
        )
    return verdict


def _ab(args: argparse.Namespace) -> None:
    here = Path(__file__).resolve().parent.parent
    trees = {"A": Path(args.base).resolve(), "B": here}
    scratch = Path(args.scratch)
    rows = []
    for round_number in range(1, args.rounds + 1):
        for side in ("A", "B") if round_number % 2 else ("B", "A"):
            load = Path("/proc/loadavg").read_text().split()[:3]
            out = scratch / f"{side}{round_number}"
            command = [sys.executable, "-m", "benchmarks.scoring_compare", "run", "--tree"]
            command += [str(trees[side]), "--inputs", args.inputs, "--out", str(out)]
            env = {**os.environ, "PYTHONPATH": str(trees[side])}
            done = subprocess.run(command, cwd=trees[side], env=env, capture_output=True, text=True)
            if done.returncode:
                sys.exit(f"{side} failed:\n{done.stderr[-3000:]}")
            report = json.loads(done.stdout.strip().splitlines()[-1])
            rows.append({"round": round_number, "side": side, "load": load, **report})
            print(json.dumps(rows[-1]), flush=True)
    for round_number in range(1, args.rounds + 1):
        print(
            round_number,
            json.dumps(_equal(scratch / f"A{round_number}", scratch / f"B{round_number}")),
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    inputs = sub.add_parser("inputs", help="write the input conversations as Parquet")
    inputs.add_argument("--synthetic", type=int, default=4000)
    inputs.add_argument("--warehouse", help="a built warehouse: its scoring input is added")
    inputs.add_argument("--out", required=True)
    run = sub.add_parser("run", help="score every input in one tree (a fresh process)")
    run.add_argument("--tree", required=True)
    run.add_argument("--inputs", required=True)
    run.add_argument("--out", required=True)
    ab = sub.add_parser("ab", help="alternate a base tree and this one; compare outputs")
    ab.add_argument("--base", required=True)
    ab.add_argument("--inputs", required=True)
    ab.add_argument("--rounds", type=int, default=2)
    ab.add_argument("--scratch", default="/tmp/scoring-compare")
    args = parser.parse_args()
    {"inputs": _write_inputs, "run": _run, "ab": _ab}[args.command](args)


if __name__ == "__main__":
    main()
