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

from pixel_data.commands.warehouse import build_warehouse
from sample_lake import generate_lake


def peak_rss_mib(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # Linux reports KiB


def slowest_nodes(run_results: Path, top: int = 8) -> dict[str, float]:
    """The dbt nodes that took longest in the last build, from dbt's run_results.json."""
    if not run_results.exists():
        return {}
    results = json.loads(run_results.read_text())["results"]
    ranked = sorted(results, key=lambda r: r["execution_time"], reverse=True)[:top]
    return {r["unique_id"].split(".")[-1]: round(r["execution_time"], 1) for r in ranked}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--workdir", type=Path, default=None, help="Keep artefacts here.")
    parser.add_argument(
        "--vars", default="{}", help="extra dbt vars as JSON, e.g. '{\"near_dup_enabled\": false}'"
    )
    parser.add_argument(
        "--reuse-lake", action="store_true", help="Keep an existing lake in --workdir."
    )
    args = parser.parse_args()
    extra_vars = json.loads(args.vars)

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="pixel-bench-"))
    lake, warehouse, out = workdir / "lake", workdir / "warehouse.duckdb", workdir / "export"
    # a cold embedding cache, so near-duplicate detection embeds every conversation
    embeddings = workdir / "embeddings"
    reuse = args.reuse_lake and (workdir / "lake_summary.json").exists()
    for path in (out, embeddings) if reuse else (lake, out, embeddings):
        shutil.rmtree(path, ignore_errors=True)
    warehouse.unlink(missing_ok=True)
    os.environ["PIXEL_EMBEDDING_CACHE"] = str(embeddings)

    figures: dict[str, object] = {
        "records_requested": args.records,
        "machine": platform.node(),
        "vars": extra_vars,
    }
    if reuse:
        summary_json = json.loads((workdir / "lake_summary.json").read_text())
        input_records, lake_bytes = summary_json["input_records"], summary_json["total_bytes"]
    else:
        started = time.perf_counter()
        summary = generate_lake(lake, records=args.records, seed=7)
        figures["generate_s"] = round(time.perf_counter() - started, 1)
        input_records = sum(d.input_records for d in summary.datasets.values())
        lake_bytes = summary.total_bytes
        (workdir / "lake_summary.json").write_text(
            json.dumps({"input_records": input_records, "total_bytes": lake_bytes})
        )
    figures["input_records"] = input_records
    figures["lake_mib"] = round(lake_bytes / 2**20, 1)

    started = time.perf_counter()
    ok = build_warehouse(str(lake), args.seed, warehouse, None, extra_vars)
    figures["build_s"] = round(time.perf_counter() - started, 1)
    if not ok:
        raise SystemExit("dbt build failed; see output above")
    figures["build_peak_rss_mib"] = round(peak_rss_mib(resource.RUSAGE_CHILDREN), 0)
    figures["slowest_models_s"] = slowest_nodes(Path("dbt_project/target/run_results.json"))

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
