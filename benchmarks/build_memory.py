"""One `pixel-data build` on fresh caches, with the dbt process's memory and CPU per model.

Runs `python -m pixel_data.cli build --lake LAKE --warehouse WORKDIR/w.duckdb --engine ENGINE`
in `--project` (a checkout: its `dbt_project/` and its Python packages, put first on
PYTHONPATH, so an older commit's worktree can be measured with this virtualenv), with the
result and embedding caches in WORKDIR (empty: everything is embedded and scored). Every
`--interval` s it reads the dbt process (the build's descendant running `cli() build`): its
resident memory (VmRSS) and its own CPU seconds (user + system, its children not counted), and
the models running (begun and not finished in dbt's log, WORKDIR/dbt-logs/dbt.log; dbt runs two
at a time). Prints per model the dbt process's peak RSS and its own CPU seconds while that model ran
(a model beside it counted too), then the whole build: wall
seconds, the dbt process's own CPU, the CPU of every process of the build (this process's
children, from `getrusage` once they are reaped: the CLI, dbt, the local pool) and the peak
RSS. No record content is read or printed.

    python -m benchmarks.build_memory --lake /tmp/lake --workdir /tmp/run --project .
"""

from __future__ import annotations

import argparse
import hashlib
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

EVENT = re.compile(r"(Began executing|Finished running) node model\.pixel\.([a-z_0-9]+)")


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


def model_events(log: Path, offset: int) -> tuple[int, list[tuple[bool, str]]]:
    """(new offset, [(began?, model)]) of what `log` says past `offset` (read only what is new,
    whole lines only)."""
    if not log.exists():
        return offset, []
    with open(log, "rb") as handle:
        handle.seek(offset)
        new = handle.read()
    end = new.rfind(b"\n") + 1
    text = new[:end].decode("utf-8", "replace")
    return offset + end, [(what == "Began executing", name) for what, name in EVENT.findall(text)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lake", type=Path, required=True)
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--project", type=Path, default=Path.cwd())
    parser.add_argument("--engine", default="local")
    parser.add_argument("--interval", type=float, default=1.0)
    parser.add_argument("--export", action="store_true", help="export after, print its digest")
    parser.add_argument("--select", default=None, help="dbt node selection (a model alone)")
    parser.add_argument("--vars", default=None, help="extra dbt vars, a JSON object")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="build into WORKDIR's warehouse and caches as they are (with --select: one model "
        "again on a built warehouse), not into an emptied WORKDIR",
    )
    args = parser.parse_args()
    project = args.project.resolve()
    root = args.workdir.resolve()
    if not args.reuse:
        shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True, exist_ok=True)
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
    # dbt's log of this run alone (another build of the same checkout logs elsewhere)
    env["DBT_LOG_PATH"] = str(root / "dbt-logs")
    log = root / "dbt-logs" / "dbt.log"
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
        *(["--select", args.select] if args.select else []),
        *(["--vars", args.vars] if args.vars else []),
    ]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    with open(root / f"build{'-' + args.select if args.select else ''}.log", "w") as out:
        build = subprocess.Popen(
            command, cwd=project, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    top = psutil.Process(build.pid)
    peak: dict[str, int] = defaultdict(int)  # model -> peak RSS while it ran
    cpu_began: dict[str, float] = {}  # model -> the dbt process's CPU when it began
    cpu_used: dict[str, float] = {}  # model -> the dbt process's CPU while it ran
    running: list[str] = []
    dbt, dbt_cpu, peak_all = None, 0.0, 0
    samples = open(root / f"rss{'-' + args.select if args.select else ''}.log", "w")  # noqa: SIM115 (closed below)
    while build.poll() is None:
        if dbt is None or not dbt.is_running():
            dbt = dbt_process(top)
        rss = 0
        if dbt is not None:
            try:
                rss = dbt.memory_info().rss
                times = dbt.cpu_times()
                dbt_cpu = times.user + times.system
            except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                rss = 0
        offset, events = model_events(log, offset)
        for began, name in events:
            if began:
                running.append(name)
                cpu_began[name] = dbt_cpu
            elif name in running:
                running.remove(name)
                cpu_used[name] = dbt_cpu - cpu_began[name]
        for name in running:
            peak[name] = max(peak[name], rss)
        peak_all = max(peak_all, rss)
        elapsed = time.perf_counter() - started
        samples.write(f"{elapsed:.1f} {rss >> 20} {dbt_cpu:.1f} {','.join(running)}\n")
        samples.flush()
        time.sleep(args.interval)
    samples.close()
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    tree_cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    print(f"build exit {build.returncode}, wall {wall:.1f} s, project {project}")
    # models run two at a time (dbt threads): a model's figures include what ran beside it
    print(f"{'model (while it ran)':45s} {'peak RSS MiB':>12s} {'dbt CPU s':>10s}")
    for name in cpu_began:
        used = cpu_used.get(name, dbt_cpu - cpu_began[name])
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
        # the files' digests only: content_sha256 also covers the git commit (config_lock)
        files = sorted((f["path"], f["sha256"]) for f in manifest["files"])
        digest = hashlib.sha256(json.dumps(files).encode()).hexdigest()
        print(f"export content_sha256 {manifest['content_sha256']}, files' digest {digest}")


if __name__ == "__main__":
    main()
