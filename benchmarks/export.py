"""Measure export throughput and peak memory on a large synthetic warehouse.

    .venv/bin/python -m benchmarks.export --conversations 1000000 --runs 2

Each export runs in a fresh child process so its peak RSS is its own. The warehouse is built
once and reused (pass the same --warehouse).
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

from sample_lake.synthetic_warehouse import build_synthetic_warehouse


def run_child(warehouse: Path, out: Path) -> None:
    """Export once (then verify) and print the figures as one JSON line."""
    from exports import export_warehouse, verify_export

    started = time.perf_counter()
    manifest = export_warehouse(warehouse, out)
    export_s = time.perf_counter() - started
    export_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    started = time.perf_counter()
    report = verify_export(out)
    verify_s = time.perf_counter() - started
    by_format = {
        fmt: sum(f.bytes for f in manifest.files if f.format == fmt) for fmt in ("parquet", "jsonl")
    }
    print(
        json.dumps(
            {
                "export_s": export_s,
                "verify_s": verify_s,
                "verify_ok": report.ok,
                "records": manifest.quality_summary.conversations
                + manifest.quality_summary.preference_pairs,
                "files": len(manifest.files),
                "bytes": by_format,
                "export_peak_rss": export_rss,
                "content_sha256": manifest.content_sha256,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--conversations", type=int, default=1_000_000)
    parser.add_argument("--pairs", type=int, default=20_000)
    parser.add_argument("--words-per-message", type=int, default=50)
    parser.add_argument("--warehouse", type=Path, default=Path("/tmp/pixel_bench.duckdb"))
    parser.add_argument("--out", type=Path, default=Path("/tmp/pixel_bench_export"))
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_child(args.warehouse, args.out)
        return
    if not args.warehouse.exists():
        started = time.perf_counter()
        build_synthetic_warehouse(
            args.warehouse,
            n_conversations=args.conversations,
            n_pairs=args.pairs,
            words_per_message=args.words_per_message,
        )
        print(f"built {args.warehouse} in {time.perf_counter() - started:.1f}s")
    hashes = set()
    for run in range(args.runs):
        shutil.rmtree(args.out, ignore_errors=True)
        command = [
            sys.executable,
            "-m",
            "benchmarks.export",
            "--child",
            "--warehouse",
            str(args.warehouse),
        ]
        result = subprocess.run(
            [*command, "--out", str(args.out)], capture_output=True, text=True, check=True
        )
        figures = json.loads(result.stdout.strip().splitlines()[-1])
        hashes.add(figures["content_sha256"])
        total_bytes = sum(figures["bytes"].values())
        print(
            f"run {run + 1}: {figures['records']:,} records in {figures['export_s']:.1f}s = "
            f"{figures['records'] / figures['export_s']:,.0f} records/s; "
            f"wrote {total_bytes / 1e6:,.0f} MB ({figures['bytes']['jsonl'] / 1e6:,.0f} MB jsonl, "
            f"{figures['bytes']['parquet'] / 1e6:,.0f} MB parquet) = "
            f"{total_bytes / 1e6 / figures['export_s']:,.0f} MB/s; "
            f"peak RSS {figures['export_peak_rss'] / 2**20:,.0f} MiB; "
            f"{figures['files']} files; verify {figures['verify_s']:.1f}s ok={figures['verify_ok']}"
        )
    print(f"identical content_sha256 across runs: {len(hashes) == 1}")


if __name__ == "__main__":
    main()
