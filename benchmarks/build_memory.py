"""One `pixel-data build` on fresh caches, with the dbt process's memory and CPU per model.

Runs `python -m pixel_data.cli build --lake LAKE --warehouse WORKDIR/w.duckdb --engine ENGINE`
in `--project` (a checkout: its `dbt_project/` and its Python packages, put first on
PYTHONPATH, so an older commit's worktree can be measured with this virtualenv), with the
result and embedding caches in WORKDIR (empty: everything is embedded and scored). Every
`--interval` s it reads the dbt process (the build's descendant running `cli() build`): its
resident memory (VmRSS) and its own CPU seconds (user + system, its children not counted), and
the model dbt last began (`dbt_project/logs/dbt.log`). Prints per model the dbt process's peak
RSS and its own CPU seconds while that model was the last begun, then the whole build: wall
seconds, the dbt process's own CPU, the CPU of every process of the build (this process's
children, from `getrusage` once they are reaped: the CLI, dbt, the local pool) and the peak
RSS. No record content is read or printed.

    python -m benchmarks.build_memory --lake /tmp/lake --workdir /tmp/run --project .
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import psutil

BEGAN = re.compile(r"Began executing node model\.pixel\.([a-z_0-9]+)")


def dbt_process(root: psutil.Process) -> psutil.Process | None:
    """The build's dbt process: the descendant of `root` whose command line runs `cli() build`."""
    try:
        for child in root.children(recursive=True):
            try:
                if "cli() build" in " ".join(child.cmdline()):
                    return child
            except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                continue
    except psutil.NoSuchProcess:
        return None
    return None


def last_model(log: Path, offset: int, current: str) -> tuple[int, str]:
    """The model last begun in `log` past `offset` (the log grows; read only what is new)."""
    if not log.exists():
        return offset, current
    with open(log, "rb") as handle:
        handle.seek(offset)
        new = handle.read().decode("utf-8", "replace")
        offset = handle.tell()
    found = BEGAN.findall(new)
    return offset, found[-1] if found else current


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lake", type=Path, required=True)
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--project", type=Path, default=Path.cwd())
    parser.add_argument("--engine", default="local")
    parser.add_argument("--interval", type=float, default=1.0)
    parser.add_argument("--export", action="store_true", help="export after, print its digest")
    args = parser.parse_args()
    project = args.project.resolve()
    root = args.workdir.resolve()
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    env = {
        **os.environ,
        "PYTHONPATH": str(project),
        "PIXEL_PROJECT_DIR": str(project),
        "PIXEL_RESULT_CACHE": str(root / "results"),
        "PIXEL_EMBEDDING_CACHE": str(root / "embeddings"),
        "PIXEL_DUCKDB_EXTENSION_DIR": str(
            Path(sys.prefix) / "lib/python3.11/site-packages/duckdb_ext/extensions"
        ),
    }
    env.pop("RAY_ADDRESS", None)
    log = project / "dbt_project" / "logs" / "dbt.log"
    offset = log.stat().st_size if log.exists() else 0
    command = [
        sys.executable,
        "-m",
        "pixel_data.cli",
        "build",
        "--lake",
        str(args.lake.resolve()),
        "--warehouse",
        str(root / "w.duckdb"),
        "--engine",
        args.engine,
    ]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    with open(root / "build.log", "w") as out:
        build = subprocess.Popen(
            command, cwd=project, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    top = psutil.Process(build.pid)
    peak: dict[str, int] = defaultdict(int)
    cpu_at_start: dict[str, float] = {}
    cpu_last: dict[str, float] = {}
    order: list[str] = []
    model, dbt, dbt_cpu, peak_all = "(start)", None, 0.0, 0
    samples = open(root / "rss.log", "w")  # noqa: SIM115 (closed below)
    while build.poll() is None:
        if dbt is None or not dbt.is_running():
            dbt = dbt_process(top)
        offset, now = last_model(log, offset, model)
        if now != model:
            cpu_last[model] = dbt_cpu
            model = now
            order.append(model)
            cpu_at_start[model] = dbt_cpu
        if dbt is not None:
            try:
                rss = dbt.memory_info().rss
                times = dbt.cpu_times()
                dbt_cpu = times.user + times.system
            except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                rss = 0
            peak[model] = max(peak[model], rss)
            peak_all = max(peak_all, rss)
            elapsed = time.perf_counter() - started
            samples.write(f"{elapsed:.1f} {rss >> 20} {dbt_cpu:.1f} {model}\n")
            samples.flush()
        time.sleep(args.interval)
    samples.close()
    cpu_last[model] = dbt_cpu
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    tree_cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    print(f"build exit {build.returncode}, wall {wall:.1f} s, project {project}")
    print(f"{'model':45s} {'peak RSS MiB':>12s} {'dbt CPU s':>10s}")
    for name in order:
        used = cpu_last.get(name, dbt_cpu) - cpu_at_start[name]
        print(f"{name:45s} {peak[name] >> 20:12d} {used:10.1f}")
    print(
        f"dbt process: peak RSS {peak_all >> 20} MiB, own CPU {dbt_cpu:.1f} s; "
        f"build's processes in all: CPU {tree_cpu:.1f} s"
    )
    if build.returncode:
        sys.exit(build.returncode)
    if args.export:
        out = root / "export"
        subprocess.run(
            [sys.executable, "-m", "pixel_data.cli", "export", "--out", str(out),
             "--warehouse", str(root / "w.duckdb")],
            cwd=project, env=env, check=True, capture_output=True,
        )  # fmt: skip
        manifest = json.loads((out / "manifest.json").read_text())
        print(f"export content_sha256 {manifest['content_sha256']}")


if __name__ == "__main__":
    main()
