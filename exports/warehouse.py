"""Read what the exporter needs from a built warehouse: tables, build metadata, summaries.

The tables must hold the columns of their mart contracts (exports.contract, read from the dbt
project's YAML), with the contract's types; nothing here restates them.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from exports.contract import PUBLISHED_MARTS, ContractColumn, mart_columns
from exports.errors import ExportError
from pixel_config.values import quote_identifier

SCHEMA = "main"
# DuckDB worker threads for the export; None lets DuckDB use every core. Output bytes do not
# depend on it (tests export with several values).
DUCKDB_THREADS: int | None = None


def required_columns() -> dict[str, tuple[ContractColumn, ...]]:
    """The columns (name and type) each table the export reads must have: its mart contract.

    Columns beyond the contract (a warehouse extended by hand) are exported too.
    """
    return {mart: mart_columns(mart) for mart in PUBLISHED_MARTS}


@dataclass(frozen=True)
class BuildMetadata:
    """The single row of `build_metadata`: how the warehouse was built."""

    lake_root: str | None
    split_seed: int | None
    dbt_vars: dict[str, Any]
    registry_sha256: str | None


@contextmanager
def open_warehouse(
    warehouse: Path, *, spill_dir: Path, memory_limit: str
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the warehouse read-only with bounded memory; big sorts spill to `spill_dir`."""
    if not warehouse.is_file():
        raise ExportError(f"warehouse not found: {warehouse} (run `dbt build` first)")
    config = {
        "memory_limit": memory_limit,
        "temp_directory": str(spill_dir),
        "preserve_insertion_order": True,
    }
    if DUCKDB_THREADS is not None:
        config["threads"] = DUCKDB_THREADS
    try:
        con = duckdb.connect(str(warehouse), read_only=True, config=config)
    except duckdb.Error as error:
        raise ExportError(f"cannot open warehouse {warehouse} read-only: {error}") from error
    try:
        yield con
    finally:
        con.close()


def table_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str]]:
    """(name, type) of every column of `table`, in table order; empty when there is no table.

    A temporary table of the same name (a composed sample) shadows the warehouse's, exactly as
    it does in the queries that read it.
    """
    rows = con.execute(
        """
        select column_name, data_type, table_catalog = 'temp' as is_temp
        from information_schema.columns
        where table_schema = ? and table_name = ?
        order by is_temp desc, ordinal_position
        """,
        [SCHEMA, table],
    ).fetchall()
    shadowing = rows and rows[0][2]
    return [(name, data_type) for name, data_type, is_temp in rows if is_temp == shadowing]


def check_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Refuse a warehouse that lacks a table, or a contract column, or has it with another type."""
    problems = []
    for table, required in required_columns().items():
        present = dict(table_columns(con, table))
        if not present:
            problems.append(f"table {SCHEMA}.{table} is missing")
            continue
        missing = [column.name for column in required if column.name not in present]
        if missing:
            problems.append(f"table {SCHEMA}.{table} lacks columns {', '.join(missing)}")
        retyped = [
            f"{column.name} ({present[column.name]}, contract {expected})"
            for column in required
            if column.name in present
            and present[column.name] != (expected := duckdb_type(con, column.data_type))
        ]
        if retyped:
            problems.append(f"table {SCHEMA}.{table} has other types: {', '.join(retyped)}")
    if problems:
        raise ExportError(
            "warehouse is not ready for export: " + "; ".join(problems) + " (run `dbt build`)"
        )


def duckdb_type(con: duckdb.DuckDBPyConnection, data_type: str) -> str:
    """A contract type as the catalog spells it (`float[]` -> `FLOAT[]`), so the two compare."""
    return con.execute(f"select typeof(cast(null as {data_type}))").fetchone()[0]


def read_build_metadata(con: duckdb.DuckDBPyConnection) -> BuildMetadata:
    """The single `build_metadata` row, with `dbt_vars` parsed from JSON."""
    rows = con.execute(
        "select lake_root, split_seed, dbt_vars, registry_sha256 from build_metadata"
    ).fetchall()
    if len(rows) != 1:
        raise ExportError(f"build_metadata must hold exactly one row, found {len(rows)}")
    lake_root, split_seed, dbt_vars, registry_sha256 = rows[0]
    try:
        parsed_vars = json.loads(dbt_vars) if dbt_vars else {}
    except json.JSONDecodeError as error:
        raise ExportError(f"build_metadata.dbt_vars is not JSON: {error}") from error
    if not isinstance(parsed_vars, dict):
        raise ExportError("build_metadata.dbt_vars must be a JSON object")
    return BuildMetadata(
        lake_root=lake_root,
        split_seed=split_seed,
        dbt_vars=parsed_vars,
        registry_sha256=registry_sha256,
    )


def check_build_state(con: duckdb.DuckDBPyConnection, build: BuildMetadata) -> None:
    """Refuse anything but a finished, passed, full `dbt build` of the lake `build` names.

    `build_state` is written by the dbt hooks (macros/record_build_state.sql): `started` when a
    build begins, `passed`/`failed` when it ends, so a build killed midway stays `started`.
    """
    if not table_columns(con, "build_state"):
        raise ExportError(
            "the warehouse records no build state (built before build states were kept, or "
            "not by this project's dbt build): rebuild it with `pixel-data build`"
        )
    rows = con.execute(
        "select command, selection, lake_root, split_seed, status, started_at, failed_nodes, "
        "failed_gates from build_state"
    ).fetchall()
    if len(rows) != 1:
        raise ExportError(f"build_state must hold exactly one row, found {len(rows)}: rebuild")
    command, selection, lake_root, split_seed, status, started_at, failed, gates = rows[0]
    if status == "started":
        raise ExportError(
            f"the last build (started {started_at}) did not finish: it was interrupted or is "
            "still running, so the warehouse may mix two builds; rebuild with `pixel-data build`"
        )
    if status != "passed":
        raise ExportError(
            f"the last build failed: {failed} models or gates did not pass or were skipped "
            f"({gates} of them gates); nothing is exported from it. Fix them and rebuild"
        )
    if command != "build":
        raise ExportError(
            f"the last change to the warehouse was `dbt {command}`, which does not run every "
            "gate: run `pixel-data build`"
        )
    if selection:
        raise ExportError(
            f"the last build was partial ({selection}): run a full `pixel-data build`"
        )
    if (lake_root, split_seed) != (build.lake_root, build.split_seed):
        raise ExportError(
            f"the last build was of lake {lake_root} (seed {split_seed}) but build_metadata "
            f"names lake {build.lake_root} (seed {build.split_seed}): rebuild"
        )


def json_value(value: Any) -> Any:
    """Turn a DuckDB Python value into a JSON-ready one, the same way on every run."""
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(key): json_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [json_value(item) for item in value]
    return value


def _count_by(con: duckdb.DuckDBPyConnection, table: str, column: str) -> dict[str, int]:
    rows = con.execute(
        f"select {quote_identifier(column)}, count(*) from {table} group by all order by all"
    ).fetchall()
    return {str(key): count for key, count in rows}


def read_counts(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """The manifest's `counts`: conversations by split/stage/source, pairs by split/source."""
    by_split_stage: dict[str, dict[str, int]] = {}
    rows = con.execute(
        "select split, stage, count(*) from conversations group by all order by all"
    ).fetchall()
    for split, stage, count in rows:
        by_split_stage.setdefault(str(split), {})[str(stage)] = count
    return {
        "by_split": _count_by(con, "conversations", "split"),
        "by_stage": _count_by(con, "conversations", "stage"),
        "by_source": _count_by(con, "conversations", "source_dataset"),
        "by_split_stage": by_split_stage,
        "by_language": {
            str(language): count
            for language, count in con.execute(
                "select coalesce(language, 'none'), count(*) from conversations"
                " group by all order by all"
            ).fetchall()
        },
        "preference_pairs": {
            "by_split": _count_by(con, "preference_pairs", "split"),
            "by_source": _count_by(con, "preference_pairs", "source_dataset"),
        },
    }


def read_row_accounting(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Every row and column of `row_accounting`, ordered by source dataset."""
    cursor = con.execute("select * from row_accounting order by source_dataset")
    names = [column[0] for column in cursor.description]
    return [
        {name: json_value(value) for name, value in zip(names, row, strict=True)}
        for row in cursor.fetchall()
    ]


def read_quality_summary(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Headline counts: conversations, pairs, training edge cases, holdout records."""
    conversations, edge_cases, holdout = con.execute(
        """
        select
            count(*),
            count(*) filter (where is_training_edge_case),
            count(*) filter (where is_holdout)
        from conversations
        """
    ).fetchone()
    (pairs,) = con.execute("select count(*) from preference_pairs").fetchone()
    return {
        "conversations": conversations,
        "preference_pairs": pairs,
        "edge_cases": edge_cases,
        "holdout_records": holdout,
    }
