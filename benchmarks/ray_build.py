"""The whole build, `--engine local` against `--engine ray`, alternating, on one sample lake.

Writes the sample lake once (`pixel-data sample-lake --records N`), then runs `pixel-data build`
on it `--rounds` times per engine, alternating local, ray, local, ray, each into a warehouse of
its own with empty result and embedding caches (so both engines embed and score everything).
`--engine ray` starts its own local Ray for the build (one CPU per core) and stops it after,
as a user's build does: its start and stop are in the timing. Prints per build its wall
seconds, the load average before and after (`uptime`'s figures), and the CPU seconds of every
process of the build (the CLI, dbt, the local pool, the Ray daemons and workers) with the
machine's busy time that was not ours (benchmarks/process_cpu.py); then ray / local per round
and best against best. No record content is printed.

    python -m benchmarks.ray_build --records 20000 --rounds 2 --workdir /tmp/wt-16-build
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from benchmarks.process_cpu import ProcessCpu

CLI = [sys.executable, "-m", "pixel_data.cli"]


def load_average() -> str:
    return "/".join(f"{value:.1f}" for value in os.getloadavg())


def build(lake: Path, root: Path, engine: str) -> tuple[float, ProcessCpu, str]:
    """One build on fresh caches; (wall s, its CPU accounting, its `Engine:` line)."""
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    env = {
        **os.environ,
        "PIXEL_RESULT_CACHE": str(root / "results"),
        "PIXEL_EMBEDDING_CACHE": str(root / "embeddings"),
    }
    env.pop("RAY_ADDRESS", None)  # the build starts its own Ray
    command = [*CLI, "build", "--lake", str(lake), "--warehouse", str(root / "w.duckdb")]
    accounting = ProcessCpu(roots=[])  # this process's children: the build and all it starts
    accounting.start()
    started = time.perf_counter()
    result = subprocess.run(
        [*command, "--engine", engine], env=env, capture_output=True, text=True, check=False
    )
    wall = time.perf_counter() - started
    accounting.stop()
    if result.returncode != 0:
        raise RuntimeError(f"{engine} build exited {result.returncode}: {result.stderr[-2000:]}")
    # the build summary's line (the last: a Ray build also says first that it starts one)
    engine_line = [line for line in result.stdout.splitlines() if line.startswith("Engine:")]
    return wall, accounting, engine_line[-1] if engine_line else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument(
        "--engines",
        default="local,ray",
        help="which engines each round runs, in order (e.g. `ray` to run one half again)",
    )
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="pixel-ray-build-"))
    workdir.mkdir(parents=True, exist_ok=True)
    lake = workdir / "lake"
    if not lake.exists():
        subprocess.run(
            [*CLI, "sample-lake", str(lake), "--records", str(args.records)],
            check=True,
            capture_output=True,
        )
    print(f"lake of ~{args.records:,} records at {lake}; os.cpu_count() {os.cpu_count()}")
    walls: dict[str, list[float]] = defaultdict(list)
    cpus: dict[str, list[float]] = defaultdict(list)
    for round_number in range(1, args.rounds + 1):
        for engine in args.engines.split(","):
            before = load_average()
            root = workdir / f"{engine}-{round_number}"
            wall, accounting, engine_line = build(lake, root, engine)
            ours = sum(cpu for cpu, _ in accounting.by_role().values())
            walls[engine].append(wall)
            cpus[engine].append(ours)
            print(
                f"round {round_number} {engine:5s} {wall:7.1f} s wall, CPU of the build "
                f"{ours:.1f} s; load {before} -> {load_average()}",
                flush=True,
            )
            print(accounting.report(), flush=True)
            print(f"  {engine_line}", flush=True)
    print()
    if not (walls["local"] and walls["ray"]):
        return
    for index, (local, ray) in enumerate(zip(walls["local"], walls["ray"], strict=True), 1):
        cpu = cpus["ray"][index - 1] / cpus["local"][index - 1]
        print(
            f"round {index}: ray / local wall {ray / local:.3f} (overhead {ray / local - 1:+.1%}),"
            f" CPU {cpu:.3f}"
        )
    best = min(walls["ray"]) / min(walls["local"])
    print(f"best vs best: ray / local {best:.3f} (overhead {best - 1:+.1%})")


if __name__ == "__main__":
    main()
