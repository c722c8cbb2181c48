"""The Ray engine's scaling from 1 to 2 workers on a heavy stage, alternating, with the load.

`--stage score` runs every scorer and PII redaction (`ScoreStage`, what int_conversations_scored
runs on Ray) over synthetic conversations (benchmarks/scoring.py: 2-6 turns of 15-120 words);
`--stage redact` runs PII redaction alone (`RedactStage`, scoring off). A Ray this script starts
on loopback with `--cpus` CPUs (stopped by PID) first runs one job on `--cpus` workers (cold:
the worker processes start and build the stage; reported apart), then the stage with 1 worker
and with 2 workers on the warm workers, as a build's later jobs, alternating for `--rounds`
rounds (`--local` adds one process without Ray to each round; `--host` adds 1 and 2 plain
processes without Ray, the stage built and run once before the timing: the host's own scaling).
Every run prints its wall seconds, the load average before and after it (`os.getloadavg`, the
figures `uptime` prints), the CPU seconds the workers spent in the stage's calls (process time
per batch: what load disturbs least), CPU ms per conversation for each worker, and the stage
builds. Then the speed-up and efficiency (speed-up / 2), per round and best against best, and
the CPU efficiency (ms/conv with 1 over with 2). Each run also prints where the CPU went over
its wall time (benchmarks/process_cpu.py: the driver, raylet, GCS, the other Ray daemons, the
workers in and outside the stage's calls, other workers) and how busy the machine was.

`--overhead` measures instead the whole scoring stage as the build calls it
(`score_conversations`, embedding cache and category model included) with `--engine local`
(the process pool of `--cpus` workers) and with `--engine ray` (`--cpus` workers on the local
Ray), alternating, in `--batch-rows` batches: Ray's overhead = ray wall / local wall - 1.

    python -m benchmarks.ray_engine --stage score --rows 8192 --batch-rows 1024 --rounds 2 --host
    python -m benchmarks.ray_engine --overhead --rows 32768 --rounds 2
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from collections import defaultdict

import numpy as np
import pyarrow as pa

from benchmarks.process_cpu import ProcessCpu
from python_models.ray_cluster import LocalRayCluster

BATCH_ROWS = 4_096  # the build's ray_batch_rows default


def load_average() -> str:
    return "/".join(f"{value:.1f}" for value in os.getloadavg())


def conversations(rows: int) -> pa.Table:
    """Synthetic counselling conversations (benchmarks/scoring.py), all of category general."""
    from benchmarks.scoring import synthetic_conversations

    return pa.table(
        {
            "conversation_id": [f"c{i:08d}" for i in range(rows)],
            "messages": synthetic_conversations(rows),
            "category": ["general"] * rows,
        }
    )


def stage_inputs(table: pa.Table, stage: str, batch_rows: int) -> tuple[type, list[pa.Table]]:
    """The stage class and its input batches, as the warehouse hands them to Ray."""
    from python_models.ray_stages import table_batches, with_vectors
    from python_models.scoring.warehouse import RedactStage, ScoreStage

    if stage == "redact":
        unscored = table.select(["conversation_id", "messages"])
        return RedactStage, list(table_batches(unscored, batch_rows))
    from python_models.embeddings.backends import get_embedder

    dim = get_embedder().dim  # category "general" everywhere: conversation vectors go unused
    batches = [
        with_vectors(batch, np.zeros((batch.num_rows, dim), np.float32))
        for batch in table_batches(table, batch_rows)
    ]
    return ScoreStage, batches


def run_local(stage: str, batches: list[pa.Table]) -> float:
    """The stage in this process (its models loaded once, counted); CPU seconds."""
    from python_models.ray_stages import split_vectors
    from python_models.scoring.pii import PiiDetector
    from python_models.scoring.pipeline import Scorers
    from python_models.scoring.warehouse import _unscored_batch, score_table

    cpu = time.process_time()
    if stage == "redact":
        detector = PiiDetector()
        for batch in batches:
            _unscored_batch(batch, detector)
    else:
        scorers = Scorers(redact=True)
        for batch in batches:
            table, vectors = split_vectors(batch)
            score_table(table, scorers, vectors)
    return time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stage", choices=("score", "redact"), default="score")
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--batch-rows", type=int, default=BATCH_ROWS)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--cpus", type=int, default=2, help="CPUs of the local Ray")
    parser.add_argument("--local", action="store_true", help="also run in one process")
    parser.add_argument(
        "--host",
        action="store_true",
        help="also 1 and 2 plain processes (no Ray, stage built first): the host's own scaling",
    )
    parser.add_argument(
        "--overhead", action="store_true", help="the scoring stage, local pool against Ray"
    )
    args = parser.parse_args()

    # the run folders (conversation text) in a folder of this run's, removed at the end
    runs = tempfile.mkdtemp(prefix="pixel-ray-benchmark-")
    os.environ["PIXEL_RAY_RUN_DIR"] = runs
    try:
        overhead(args) if args.overhead else measure(args)
    finally:
        shutil.rmtree(runs, ignore_errors=True)


_HOST_STAGE = None  # in a plain process of `--host`: the stage it built
_HOST_BARRIER = None


def _host_init(stage_class: type, warm: pa.Table, barrier) -> None:
    """A pool process: build the stage and run it once on a few rows (its first call's lazy
    set-up is not timed, as the Ray workers' is not after the first job)."""
    global _HOST_STAGE, _HOST_BARRIER
    _HOST_STAGE, _HOST_BARRIER = stage_class(redact=True), barrier
    _HOST_STAGE(warm)


def _host_ready(_: int) -> int:
    _HOST_BARRIER.wait(timeout=600)  # each of the pool's processes holds one until all are up
    return os.getpid()


def _host_call(batch: pa.Table) -> tuple[int, float, int]:
    cpu = time.process_time()
    rows = _HOST_STAGE(batch).num_rows
    return os.getpid(), time.process_time() - cpu, rows


def _host_runner(stage_class: type, batches: list[pa.Table], processes: int, pipe) -> None:
    """In a session of its own (as the Ray cluster is: this kernel shares the CPU between
    sessions, sched_autogroup): a pool of `processes` plain processes, ready, then on "go" the
    batches; sends back (pid, CPU s in the call, rows) per batch."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    os.setsid()
    os.environ["OMP_NUM_THREADS"] = "1"  # as Ray sets it for a worker of one CPU
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        processes,
        mp_context=context,
        initializer=_host_init,
        initargs=(stage_class, batches[0].slice(0, 16), context.Barrier(processes)),
    ) as pool:
        if len(set(pool.map(_host_ready, range(processes)))) != processes:
            raise RuntimeError("the pool did not start every process")
        pipe.send("ready")
        pipe.recv()
        pipe.send(list(pool.map(_host_call, batches)))


def host_runner(stage_class: type, batches: list[pa.Table], processes: int):
    """Start `_host_runner` and wait until its pool is ready; returns (process, pipe)."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    mine, theirs = context.Pipe()
    runner = context.Process(target=_host_runner, args=(stage_class, batches, processes, theirs))
    runner.start()
    theirs.close()  # so a runner that dies ends recv() with EOFError instead of a wait
    if mine.recv() != "ready":
        raise RuntimeError("the host runner did not start")
    return runner, mine


def measure(args: argparse.Namespace) -> None:
    """The runs, alternating, and the summary (see the module docstring)."""
    from python_models.ray_stages import RayRun, connect, run_stage
    from python_models.scoring.warehouse import SCORES_SCHEMA

    started = time.perf_counter()
    table = conversations(args.rows)
    stage_class, batches = stage_inputs(table, args.stage, args.batch_rows)
    rows_of = [batch.num_rows for batch in batches]
    print(
        f"{args.stage}: {args.rows:,} conversations, {len(batches)} batches of up to "
        f"{args.batch_rows:,} (generated in {time.perf_counter() - started:.1f} s); "
        f"Ray with {args.cpus} CPUs on this host; os.cpu_count() {os.cpu_count()}",
        flush=True,
    )
    walls: dict[str, list[float]] = defaultdict(list)
    cpu_ms: dict[str, list[float]] = defaultdict(list)  # CPU ms per conversation, per actor
    plan = [("local", 0)] if args.local else []
    plan += [("ray x1", 1), ("ray x2", 2)]
    if args.host:
        plan += [("procs x1", -1), ("procs x2", -2)]

    def ray_job(actors: int) -> RayRun:
        run = RayRun(stage=args.stage)
        run_stage(
            stage_class,
            batches,
            SCORES_SCHEMA,
            name=args.stage,
            constructor_kwargs={"redact": True},
            workers=actors,
            run=run,
        )
        return run

    with LocalRayCluster(num_cpus=args.cpus) as cluster, connect(cluster.address):
        # the worker processes keep the stage they built for the connection's later jobs (a
        # build's): the first job pays their start and the build, the rounds measure the rest
        started = time.perf_counter()
        first = ray_job(args.cpus)
        print(
            f"first job ({args.cpus} workers, cold: worker processes start, stage built): "
            f"{time.perf_counter() - started:.1f} s wall; stage builds {len(first.load_cpu)}, "
            f"{sum(first.load_cpu):.1f} CPU s; load {load_average()}",
            flush=True,
        )
        for round_number in range(1, args.rounds + 1):
            for name, actors in plan:
                host = host_runner(stage_class, batches, -actors) if actors < 0 else None
                before = load_average()
                accounting = ProcessCpu(roots=cluster.node_pids())
                accounting.start()
                started = time.perf_counter()
                stage_cpu, start_cpu = None, None
                by_actor: dict[int, list[float]] = defaultdict(lambda: [0.0, 0])
                if actors == 0:
                    cpu = run_local(args.stage, batches)
                    wall = time.perf_counter() - started
                    by_actor[0] = [cpu, args.rows]
                    detail = f"CPU {cpu:.1f} s"
                elif host is not None:
                    runner, pipe = host
                    pipe.send("go")
                    for pid, cpu, rows in pipe.recv():
                        by_actor[pid][0] += cpu
                        by_actor[pid][1] += rows
                    wall = time.perf_counter() - started
                    runner.join()
                    stage_cpu = sum(cpu for cpu, _ in by_actor.values())
                    detail = f"processes' CPU in the stage's calls {stage_cpu:.1f} s"
                else:
                    run = ray_job(actors)
                    wall = time.perf_counter() - started
                    stage_cpu, start_cpu = run.cpu_seconds(), sum(run.load_cpu)
                    for batch, (pid, _) in run.done_by.items():
                        by_actor[pid][0] += run.batch_cpu[batch]
                        by_actor[pid][1] += rows_of[batch]
                    detail = (
                        f"ray job {run.seconds['ray_job']:.1f} s, workers' CPU "
                        f"{stage_cpu:.1f} s, stages built {len(run.load_cpu)}"
                    )
                accounting.stop()
                per_actor = [1000 * cpu / n for cpu, n in by_actor.values()]
                shares = "/".join(str(int(n)) for _, n in by_actor.values())
                walls[name].append(wall)
                cpu_ms[name] += per_actor
                ms = ", ".join(f"{value:.2f}" for value in per_actor)
                print(
                    f"round {round_number} {name:8s} {wall:7.1f} s wall "
                    f"({args.rows / wall:,.0f} conv/s); {detail}; rows per worker {shares}; "
                    f"CPU ms/conv per worker {ms}; load {before} -> {load_average()}",
                    flush=True,
                )
                print(accounting.report(stage_cpu, start_cpu), flush=True)
    print()
    for name in walls:
        runs = " ".join(f"{s:.1f}" for s in walls[name])
        mean_ms = sum(cpu_ms[name]) / len(cpu_ms[name])
        print(f"{name:8s} runs {runs} s; mean CPU {mean_ms:.2f} ms/conv per worker")
    if "local" in walls:
        print(f"ray x1 / local (best): {min(walls['ray x1']) / min(walls['local']):.2f}")
    for kind in ("ray", "procs") if args.host else ("ray",):
        one, two = walls[f"{kind} x1"], walls[f"{kind} x2"]
        for index, (a, b) in enumerate(zip(one, two, strict=True), 1):
            speed_up = a / b
            print(
                f"{kind:5s} round {index}: 1 -> 2 speed-up {speed_up:.2f}, "
                f"efficiency {speed_up / 2:.2f}"
            )
        best = min(one) / min(two)
        cpu = (sum(cpu_ms[f"{kind} x1"]) / len(cpu_ms[f"{kind} x1"])) / (
            sum(cpu_ms[f"{kind} x2"]) / len(cpu_ms[f"{kind} x2"])
        )
        print(
            f"{kind:5s} best vs best: speed-up {best:.2f}, efficiency {best / 2:.2f}; "
            f"CPU efficiency (ms/conv with 1 over with 2) {cpu:.2f}"
        )


def overhead(args: argparse.Namespace) -> None:
    """The scoring stage as the build runs it, local pool against Ray, alternating."""
    from python_models.ray_stages import connect
    from python_models.scoring.warehouse import ScoringRun, score_conversations

    table = conversations(args.rows)
    batches = table.to_batches(max_chunksize=args.batch_rows)
    empty = pa.table({"conversation_id": pa.array([], pa.string()), "embedding_text": []})
    sample = empty.append_column("category", pa.array([], pa.string()))
    print(
        f"scoring stage: {args.rows:,} conversations in {len(batches)} batches of up to "
        f"{args.batch_rows:,}; local pool of {args.cpus} processes against Ray with "
        f"{args.cpus} CPUs ({args.cpus} actors); os.cpu_count() {os.cpu_count()}",
        flush=True,
    )
    walls: dict[str, list[float]] = defaultdict(list)
    with LocalRayCluster(num_cpus=args.cpus) as cluster, connect(cluster.address):
        for round_number in range(1, args.rounds + 1):
            for engine in ("local", "ray"):
                before = load_average()
                accounting = ProcessCpu(roots=cluster.node_pids())
                accounting.start()
                started = time.perf_counter()
                run = ScoringRun()
                scored = score_conversations(
                    iter(batches),
                    sample,
                    empty,
                    run=run,
                    total_rows=args.rows,
                    workers=args.cpus,
                    min_rows_per_worker=1,  # the pool at any size: same parallelism as Ray
                    engine=engine,
                )
                wall = time.perf_counter() - started
                accounting.stop()
                if scored.num_rows != args.rows:
                    raise RuntimeError(f"{engine}: {scored.num_rows} rows for {args.rows}")
                walls[engine].append(wall)
                print(
                    f"round {round_number} {engine:5s} {wall:7.1f} s wall "
                    f"({args.rows / wall:,.0f} conv/s) on {run.workers} workers; "
                    f"load {before} -> {load_average()}",
                    flush=True,
                )
                print(accounting.report(), flush=True)
    print()
    for index, (local, ray) in enumerate(zip(walls["local"], walls["ray"], strict=True), 1):
        print(f"round {index}: ray / local {ray / local:.3f} (overhead {ray / local - 1:+.1%})")
    best = min(walls["ray"]) / min(walls["local"])
    print(f"best vs best: ray / local {best:.3f} (overhead {best - 1:+.1%})")


if __name__ == "__main__":
    main()
