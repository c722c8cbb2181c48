"""End-to-end benchmark: generate a lake of N records, build the warehouse, export it.

    python -m benchmarks.e2e --records 1000000

Prints wall time per phase, records/s and peak RSS (the dbt build runs in a child process, so
its peak is read from the children's rusage). Record the figures in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import tempfile
import time
from pathlib import Path

import duckdb

from ingestion.sample_lake import generate_lake
from pixel_data.cli import build_warehouse


def peak_rss_mib(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # Linux reports KiB


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--workdir", type=Path, default=None, help="Keep artefacts here.")
    args = parser.parse_args()

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="pixel-bench-"))
    lake, warehouse, out = workdir / "lake", workdir / "warehouse.duckdb", workdir / "export"
    # a cold embedding cache, so near-duplicate detection embeds every conversation
    embeddings = workdir / "embeddings"
    for path in (lake, out, embeddings):
        shutil.rmtree(path, ignore_errors=True)
    warehouse.unlink(missing_ok=True)
    os.environ["PIXEL_EMBEDDING_CACHE"] = str(embeddings)

    figures: dict[str, object] = {"records_requested": args.records, "machine": platform.node()}
    started = time.perf_counter()
    summary = generate_lake(lake, records=args.records, seed=7)
    figures["generate_s"] = round(time.perf_counter() - started, 1)
    input_records = sum(d.input_records for d in summary.datasets.values())
    figures["input_records"] = input_records
    figures["lake_mib"] = round(summary.total_bytes / 2**20, 1)

    started = time.perf_counter()
    ok = build_warehouse(str(lake), args.seed, warehouse, None)
    figures["build_s"] = round(time.perf_counter() - started, 1)
    if not ok:
        raise SystemExit("dbt build failed; see output above")
    figures["build_peak_rss_mib"] = round(peak_rss_mib(resource.RUSAGE_CHILDREN), 0)

    from exports.writer import export_warehouse

    started = time.perf_counter()
    manifest = export_warehouse(warehouse, out, seed=args.seed)
    figures["export_s"] = round(time.perf_counter() - started, 1)
    figures["export_files"] = len(manifest.files)
    figures["export_mib"] = round(sum(f.bytes for f in manifest.files) / 2**20, 1)
    figures["export_peak_rss_mib"] = round(peak_rss_mib(resource.RUSAGE_SELF), 0)

    with duckdb.connect(str(warehouse), read_only=True) as con:
        figures["exported_conversations"] = con.execute(
            "select count(*) from conversations"
        ).fetchone()[0]
        figures["exported_pairs"] = con.execute("select count(*) from preference_pairs").fetchone()[
            0
        ]
        figures["near_duplicates"] = con.execute("select count(*) from near_duplicates").fetchone()[
            0
        ]
    total = figures["build_s"] + figures["export_s"]
    figures["build_plus_export_s"] = round(total, 1)
    figures["records_per_s"] = round(input_records / total)
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
