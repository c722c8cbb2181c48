"""Per-model A/B of two trees' SQL: recreate every SQL model whose compiled SQL differs between
them, on copies of one built warehouse, in dependency order, rounds alternating A B, B A, ...

    dbt compile --target-path DIR_A ...   (in each tree, with the vars of the build measured)
    python -m benchmarks.sql_models_ab WAREHOUSE --rounds 4 before=DIR_A after=DIR_B

Each model runs as `create or replace table|view <name> as (<compiled SQL>)` plus a checkpoint
(DuckDB writes the table as a dbt build does), in this process, so wall seconds and CPU seconds
(getrusage, every DuckDB thread) are the model's own. The inputs are the warehouse's tables, the
same for both trees; the last round of each tree is compared table by table (`except all` both
ways, which must be empty when a change is to keep the output). A model that holds the build's
commit (`build_metadata`) is left out. Figures go to --json; compare CPU seconds on a shared
machine.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import time
from pathlib import Path

import duckdb

SKIP = {"build_metadata"}  # its SQL holds the git commit: it differs between any two commits


def compiled_models(target: Path) -> dict[str, dict[str, object]]:
    """Every SQL model of a compiled target: materialization, compiled SQL, the models it reads."""
    nodes = json.loads((target / "manifest.json").read_text())["nodes"]
    models = {}
    for node in nodes.values():
        if node["resource_type"] != "model" or node.get("language", "sql") != "sql":
            continue
        path = target / "compiled" / "pixel" / node["original_file_path"]
        if path.exists():
            models[node["name"]] = {
                "kind": "view" if node["config"]["materialized"] == "view" else "table",
                "sql": path.read_text(),
                "reads": [d.split(".")[-1] for d in node["depends_on"]["nodes"]],
            }
    return models


def changed_models(a: dict, b: dict) -> set[str]:
    return {m for m in a if m in b and a[m]["sql"] != b[m]["sql"]} - SKIP


def in_dependency_order(names: set[str], models: dict) -> list[str]:
    done: set[str] = set()
    ordered: list[str] = []

    def visit(name: str) -> None:
        if name in done or name not in names:
            return
        done.add(name)
        for read in models[name]["reads"]:
            visit(read)
        ordered.append(name)

    for name in sorted(names):
        visit(name)
    return ordered


def run_round(warehouse: Path, copy: Path, models: dict, names: list[str]) -> dict[str, list]:
    """Recreate `names` on a fresh copy; wall and CPU seconds of each."""
    copy.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(warehouse, copy)  # same file name: the compiled SQL names its catalog after it
    con = duckdb.connect(str(copy), config={"memory_limit": "2GB", "threads": 2})
    con.execute("set preserve_insertion_order = false")
    times = {}
    for name in names:
        kind, sql = models[name]["kind"], models[name]["sql"]
        existing = con.execute(
            "select table_type from information_schema.tables where table_name = ?", [name]
        ).fetchone()
        if existing and (existing[0] == "VIEW") != (kind == "view"):
            con.execute(f"drop {'view' if existing[0] == 'VIEW' else 'table'} {name}")
        before, started = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
        con.execute(f"create or replace {kind} {name} as ({sql})")
        con.execute("checkpoint")
        after, wall = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter() - started
        cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
        times[name] = [round(wall, 3), round(cpu, 3)]
    con.close()
    return times


def compare(copy_a: Path, copy_b: Path, models: dict, names: list[str]) -> dict[str, list]:
    """Rows and `except all` both ways of every table the two last rounds wrote."""
    con = duckdb.connect()
    con.execute(f"attach '{copy_a}' as a (read_only)")
    con.execute(f"attach '{copy_b}' as b (read_only)")
    out = {}
    for name in names:
        if models[name]["kind"] == "view":
            continue
        counts = [
            f"select count(*) from b.main.{name}",
            f"select count(*) from (from a.main.{name} except all from b.main.{name})",
            f"select count(*) from (from b.main.{name} except all from a.main.{name})",
        ]
        out[name] = [con.execute(sql).fetchone()[0] for sql in counts]
    con.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("warehouse", type=Path)
    parser.add_argument("trees", nargs=2, help="LABEL=COMPILED_TARGET_DIR, twice")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--workdir", type=Path, default=Path("build/sql_models_ab"))
    parser.add_argument("--also", default="", help="Comma-separated models to run in any case.")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()

    labels = [tree.split("=", 1)[0] for tree in args.trees]
    models = {
        tree.split("=", 1)[0]: compiled_models(Path(tree.split("=", 1)[1])) for tree in args.trees
    }
    names = changed_models(models[labels[0]], models[labels[1]])
    names |= {m for m in args.also.split(",") if m} - SKIP
    ordered = in_dependency_order(names, models[labels[1]])
    print("models:", ", ".join(ordered), flush=True)
    copies = {label: args.workdir / label / args.warehouse.name for label in labels}
    rounds = []
    for r in range(args.rounds):
        for label in labels if r % 2 == 0 else labels[::-1]:
            load = os.getloadavg()[0]
            times = run_round(args.warehouse, copies[label], models[label], ordered)
            rounds.append(
                {"round": r + 1, "label": label, "load": [load, os.getloadavg()[0]], "times": times}
            )
            wall = sum(t[0] for t in times.values())
            cpu = sum(t[1] for t in times.values())
            print(
                f"round {r + 1} {label}: wall {wall:.2f} s, CPU {cpu:.2f} s, load {load:.1f}",
                flush=True,
            )
    same = compare(copies[labels[0]], copies[labels[1]], models[labels[1]], ordered)
    for name, (rows, a_not_b, b_not_a) in same.items():
        a, b = labels
        print(f"{name}: {rows} rows, in {a} not {b}: {a_not_b}, in {b} not {a}: {b_not_a}")
    if args.json:
        args.json.write_text(
            json.dumps({"models": ordered, "rounds": rounds, "compared": same}, indent=1)
        )
    for copy in copies.values():
        copy.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
