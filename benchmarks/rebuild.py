"""Incremental rebuilds as ratios of a full build, measured in one run (docs/incremental.md).

    python -m benchmarks.rebuild --records 20000

Four `dbt build`s of a generated lake: (1) a full build with cold caches into a new warehouse;
(2) the same lake again into the same warehouse, as a user's rebuild, with the caches (1) filled;
(3) the lake grown by about 10% (a second generated lake, another seed, its files copied in under
new names) into the same warehouse with the same caches; (4) the grown lake with cold caches into
a new warehouse, the full build (3) is compared with. A cold build starts without dbt's
partial-parse file (a first build parses the whole project); a rebuild keeps it. Prints seconds,
the CPU seconds of the build (this process and every child it waited for: the dbt process and
its pool's workers), the load average around it, dbt's own seconds, whether dbt parsed fully,
the ratios unchanged/full and grown/full-of-grown (wall and CPU), the result-cache counts from
the build log and the slowest models of each build (every node's time is kept beside the build
log, `<build>.run_results.json`). Record the figures in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from benchmarks.e2e import slowest_nodes
from pixel_config import settings
from pixel_data.commands.warehouse import build_warehouse
from sample_lake import generate_lake


def grow(lake: Path, extra: Path) -> int:
    """Copy every file of ``extra`` into ``lake`` under a new name the same glob matches."""
    copied = 0
    for path in sorted(p for p in extra.rglob("*") if p.is_file()):
        relative = path.relative_to(extra)
        stem, dot, suffix = relative.name.partition(".")
        target = lake / relative.parent / f"{stem}_grown{dot}{suffix}"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, target)
        copied += 1
    return copied


@contextlib.contextmanager
def _stdout_to(log) -> Iterator[None]:
    """Send this process's and its children's stdout (file descriptor 1) to ``log``."""
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(log.fileno(), 1)
    try:
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def timed_build(
    lake: Path, warehouse: Path, cache: Path, seed: int, log_path: Path, cold: bool = False
) -> dict[str, object]:
    """One build with its caches under ``cache``; seconds, cache counts and slowest models.
    ``cold``: without dbt's partial-parse file, as a first build. dbt's output goes to
    ``log_path`` (counts and ids only, as every build log)."""
    os.environ["PIXEL_EMBEDDING_CACHE"] = str(cache / "embeddings")
    if cold:
        (settings.DBT_PROJECT_DIR / "target" / "partial_parse.msgpack").unlink(missing_ok=True)
    load_before = os.getloadavg()[0]
    cpu_before = _cpu_seconds()
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as log, _stdout_to(log):  # dbt runs in a child process
        ok = build_warehouse(str(lake), seed, warehouse, None)
        seconds = time.perf_counter() - started
        cpu = _cpu_seconds() - cpu_before
        log.seek(0)
        output = log.read()
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log_path.write_text(output)
    if not ok:
        print(output[-5000:])
        raise SystemExit("dbt build failed; see output above")
    computed = {
        name: int(count)
        for name, count, _ in re.findall(r"(\w+) computed (\d+) reused (\d+)", output)
    }
    index = re.search(r"near-dup index: ([^\n]*)", output)
    dbt_seconds = re.search(r"in 0 hours \d+ minutes and [\d.]+ seconds \(([\d.]+)s\)", output)
    run_results = settings.DBT_PROJECT_DIR / "target" / "run_results.json"
    if run_results.exists():
        shutil.copy(run_results, log_path.with_suffix(".run_results.json"))
    return {
        "seconds": round(seconds, 1),
        "cpu_seconds": round(cpu, 1),
        "load_average_1m": [round(load_before, 1), round(os.getloadavg()[0], 1)],
        "dbt_run_seconds": float(dbt_seconds.group(1)) if dbt_seconds else None,
        "parse": "full" if "Unable to do partial parsing" in output else "partial",
        "computed": computed,
        "near_dup_index": index.group(1) if index else None,
        "slowest_models_s": slowest_nodes(run_results, top=6),
    }


def _cpu_seconds() -> float:
    """User + system CPU seconds of this process and of every child it has waited for (the dbt
    process, which waits for its own pool's workers)."""
    own, children = (
        resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--growth", type=float, default=0.10, help="share of records added")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--workdir", type=Path, default=None, help="Keep artefacts here.")
    args = parser.parse_args()

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="pixel-rebuild-"))
    for name in ("lake", "extra", "cache", "cold", "warehouses", "logs"):
        shutil.rmtree(workdir / name, ignore_errors=True)
    lake, extra = workdir / "lake", workdir / "extra"
    warehouses = workdir / "warehouses"
    warehouses.mkdir(parents=True)
    generate_lake(lake, records=args.records, seed=7)
    generate_lake(extra, records=max(1, int(args.records * args.growth)), seed=8)

    figures: dict[str, object] = {"records": args.records, "growth": args.growth}
    rebuilt = warehouses / "lake.duckdb"  # the warehouse a user rebuilds
    logs = workdir / "logs"
    cache = workdir / "cache"
    figures["full"] = timed_build(lake, rebuilt, cache, args.seed, logs / "full.log", cold=True)
    figures["unchanged"] = timed_build(lake, rebuilt, cache, args.seed, logs / "unchanged.log")
    figures["files_added"] = grow(lake, extra)
    figures["grown"] = timed_build(lake, rebuilt, cache, args.seed, logs / "grown.log")
    figures["full_of_grown"] = timed_build(
        lake,
        warehouses / "full_of_grown.duckdb",
        workdir / "cold",
        args.seed,
        logs / "full_of_grown.log",
        cold=True,
    )
    full, grown_full = figures["full"]["seconds"], figures["full_of_grown"]["seconds"]
    figures["ratio_unchanged"] = round(figures["unchanged"]["seconds"] / full, 3)
    figures["ratio_grown"] = round(figures["grown"]["seconds"] / grown_full, 3)
    figures["cpu_ratio_unchanged"] = round(
        figures["unchanged"]["cpu_seconds"] / figures["full"]["cpu_seconds"], 3
    )
    figures["cpu_ratio_grown"] = round(
        figures["grown"]["cpu_seconds"] / figures["full_of_grown"]["cpu_seconds"], 3
    )
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
