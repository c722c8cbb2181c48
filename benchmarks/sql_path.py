"""SQL-path benchmark: the warehouse build against one bare DuckDB pass over the same lake.

    python -m benchmarks.sql_path --records 1000000

Writes the sample lake, then in one run measures
- the floor: one DuckDB pass that reads every line of every file (every row of a Parquet file),
  hashes it, drops exact copies, assigns a split from the hash and writes Parquet partitioned by
  split;
- the build: `dbt build` with scoring and near-duplicate detection off (the SQL path) and
  DBT_THREADS=1, minus the execution time of its Python models (target/run_results.json).
It prints the ratio (SQL path / floor), every node over 1 s, the unit tests' time, the build
time outside every node (dbt's own cost) and the peak RSS of each phase.
Record the figures in docs/benchmarks.md; on a shared machine compare ratios, not seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from pixel_config import settings
from sample_lake import generate_lake

SQL_PATH_VARS = {"near_dup_enabled": False, "scoring_enabled": False}
TEXT_SUFFIXES = (".jsonl", ".jsonl.gz", ".json", ".csv", ".md", ".txt")


def lake_files(lake: Path) -> tuple[list[str], list[str]]:
    """The lake's text files (read line by line) and its Parquet files (read row by row)."""
    files = sorted(p for p in lake.rglob("*") if p.is_file())
    text = [str(p) for p in files if p.name.endswith(TEXT_SUFFIXES)]
    parquet = [str(p) for p in files if p.name.endswith(".parquet")]
    return text, parquet


def floor_sql(text: list[str], parquet: list[str], out: Path, seed: int) -> str:
    """One pass: every line, hashed, exact copies dropped, a split from the hash, Parquet out."""
    text_list = ", ".join(f"'{f}'" for f in text)
    lines = (
        f"select line from read_csv([{text_list}], columns = {{'line': 'varchar'}}, "
        "header = false, delim = '\x01', quote = '', escape = '', compression = 'auto', "
        "strict_mode = false, null_padding = true, ignore_errors = true)"
    )
    if parquet:
        parquet_list = ", ".join(f"'{f}'" for f in parquet)
        lines += (
            " union all select to_json(p)::varchar"
            f" from read_parquet([{parquet_list}], union_by_name = true) as p"
        )
    return f"""
        copy (
            with lines as ({lines}),
            hashed as (
                select sha256(line) as content_hash, any_value(line) as line
                from lines
                where line is not null
                group by content_hash
            )
            select
                content_hash,
                line,
                case
                    when hash(content_hash || '{seed}') % 100 < 90 then 'train'
                    when hash(content_hash || '{seed}') % 100 < 95 then 'validation'
                    else 'test'
                end as split
            from hashed
        ) to '{out}' (format parquet, partition_by (split), overwrite_or_ignore true)
    """


def run_floor(lake: Path, out: Path, seed: int, memory_limit: str) -> tuple[float, int]:
    """Seconds the floor took (one thread, like the build) and the lines it kept."""
    text, parquet = lake_files(lake)
    shutil.rmtree(out, ignore_errors=True)
    con = duckdb.connect(config={"threads": 1, "memory_limit": memory_limit})
    con.execute("set preserve_insertion_order = false")
    started = time.perf_counter()
    con.execute(floor_sql(text, parquet, out, seed))
    seconds = time.perf_counter() - started
    kept = con.execute(f"select count(*) from read_parquet('{out}/**/*.parquet')").fetchone()[0]
    con.close()
    return seconds, kept


def run_build(lake: Path, warehouse: Path, seed: int) -> tuple[float, bool]:
    """Wall seconds of `dbt build` on the SQL path (one dbt thread) and whether it passed."""
    dbt_vars = {**SQL_PATH_VARS, "lake_root": str(lake), "split_seed": seed}
    env = {**os.environ, **settings.dbt_environment(warehouse), "DBT_THREADS": "1"}
    command = [
        sys.executable,
        "-c",
        "from dbt.cli.main import cli; cli()",
        "build",
        "--threads",  # dbt reads no DBT_THREADS for this: the profile's 2 threads otherwise
        "1",
        "--vars",
        json.dumps(dbt_vars),
        "--project-dir",
        str(settings.DBT_PROJECT_DIR),
        "--profiles-dir",
        str(settings.PROFILES_DIR),
    ]
    started = time.perf_counter()
    result = subprocess.run(command, env=env, cwd=settings.PROJECT_ROOT, check=False)
    return time.perf_counter() - started, result.returncode == 0


def node_times(run_results: Path) -> list[dict[str, object]]:
    """Every node of the last dbt run: name, kind (model language or test), seconds, status."""
    loaded = json.loads((run_results.parent / "manifest.json").read_text())
    manifest = {**loaded["nodes"], **loaded.get("unit_tests", {})}  # unit tests are apart
    nodes = []
    for result in json.loads(run_results.read_text())["results"]:
        node = manifest.get(result["unique_id"], {})
        kind = node.get("resource_type", "?")
        if kind == "model":
            kind = f"{node.get('language', 'sql')} model"
        nodes.append(
            {
                "node": result["unique_id"].split(".")[2],
                "kind": kind,
                "seconds": round(result["execution_time"], 2),
                "status": result["status"],
            }
        )
    return sorted(nodes, key=lambda n: n["seconds"], reverse=True)


def peak_rss_mib(who: int) -> float:
    return round(resource.getrusage(who).ru_maxrss / 1024)  # Linux reports KiB


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--workdir", type=Path, default=None, help="Keep artefacts here.")
    parser.add_argument(
        "--reuse-lake", action="store_true", help="Keep an existing lake in --workdir."
    )
    parser.add_argument("--json", type=Path, default=None, help="Also write the figures here.")
    args = parser.parse_args()

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="pixel-sqlpath-"))
    workdir.mkdir(parents=True, exist_ok=True)
    lake, warehouse = workdir / "lake", workdir / "warehouse.duckdb"
    marker = workdir / "lake_bytes.txt"
    reuse = args.reuse_lake and marker.exists()
    figures: dict[str, object] = {"records_requested": args.records, "vars": SQL_PATH_VARS}
    if not reuse:
        shutil.rmtree(lake, ignore_errors=True)
        started = time.perf_counter()
        summary = generate_lake(lake, records=args.records, seed=7)
        figures["generate_s"] = round(time.perf_counter() - started, 1)
        marker.write_text(str(summary.total_bytes))
    figures["lake_mib"] = round(int(marker.read_text()) / 2**20, 1)

    memory_limit = os.environ.get("PIXEL_DUCKDB_MEMORY_LIMIT", "2GB")
    floor_s, kept = run_floor(lake, workdir / "floor", args.seed, memory_limit)
    figures["floor_s"] = round(floor_s, 1)
    figures["floor_distinct_lines"] = kept
    figures["floor_peak_rss_mib"] = peak_rss_mib(resource.RUSAGE_SELF)

    warehouse.unlink(missing_ok=True)
    build_s, ok = run_build(lake, warehouse, args.seed)
    figures["build_s"] = round(build_s, 1)
    figures["build_passed"] = ok
    figures["build_peak_rss_mib"] = peak_rss_mib(resource.RUSAGE_CHILDREN)

    nodes = node_times(settings.DBT_PROJECT_DIR / "target" / "run_results.json")
    python_s = sum(n["seconds"] for n in nodes if n["kind"] == "python model")
    sql_path_s = build_s - python_s
    figures["python_models_s"] = round(python_s, 1)
    figures["sql_path_s"] = round(sql_path_s, 1)
    figures["ratio_to_floor"] = round(sql_path_s / floor_s, 2)
    tests = [n for n in nodes if n["kind"] == "test"]
    figures["tests_s"] = round(sum(n["seconds"] for n in tests), 1)
    figures["tests_over_1s"] = sum(1 for n in tests if n["seconds"] > 1.0)
    figures["unit_tests_s"] = round(sum(n["seconds"] for n in nodes if n["kind"] == "unit_test"), 1)
    kinds: dict[str, int] = {}
    for n in nodes:
        kinds[str(n["kind"])] = kinds.get(str(n["kind"]), 0) + 1
    figures["nodes_by_kind"] = kinds
    # what no node's execution time holds: parsing, compiling, hooks, dbt's per-node bookkeeping
    figures["outside_nodes_s"] = round(build_s - sum(n["seconds"] for n in nodes), 1)
    figures["slowest_test"] = tests[0] if tests else None
    figures["nodes_over_1s"] = [n for n in nodes if n["seconds"] > 1.0]
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    if not ok:
        raise SystemExit("dbt build failed; see output above")


if __name__ == "__main__":
    main()
