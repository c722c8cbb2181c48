"""Check the source registry before a build, naming the row and the column of every problem.

The rules are not restated here: they are read from where they live, the seed's tests in
``seeds/_seeds.yml`` (``not_null``, ``unique``, ``accepted_values``, ``accepted_range``,
``expression_is_true``, evaluated by DuckDB) and its ``+column_types`` in ``dbt_project.yml``;
the glob syntax is ``ingestion.lake``'s. dbt's own seed tests still run in the build; this check
only says *which row* before the build starts, instead of a count or a CSV sniffer dump.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import yaml

from ingestion.lake import glob_to_regex
from pixel_config.values import quote_identifier

SEED = "source_registry"
_BOOLEANS = {"true", "false", "t", "f", "1", "0", "yes", "no", "y", "n"}


def registry_problems(registry_csv: Path, seeds_yml: Path, project_yml: Path) -> list[str]:
    """Every problem of the registry CSV as ``row N (dataset D), column C: what``."""
    try:
        with Path(registry_csv).open(newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.reader(handle))
    except (OSError, UnicodeDecodeError) as error:
        return [f"cannot read {registry_csv}: {type(error).__name__}"]
    except csv.Error as error:
        return [f"{registry_csv} is not CSV: {error}"]
    if not rows:
        return [f"{registry_csv} is empty"]
    header = [name.strip() for name in rows[0]]
    problems: list[str] = []
    records: list[tuple[int, dict[str, str]]] = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            problems.append(f"row {number}: {len(row)} fields, the header has {len(header)}")
            continue
        records.append((number, dict(zip(header, row, strict=True))))
    tests = _column_tests(seeds_yml)
    types = _column_types(project_yml)
    problems += _missing_columns(header, tests)
    problems += _type_problems(records, types)
    problems += _test_problems(records, tests)
    problems += _glob_problems(records)
    return problems


def _where(number: int, record: dict[str, str], column: str) -> str:
    dataset = record.get("dataset", "").strip()
    return f"row {number}" + (f" (dataset {dataset})" if dataset else "") + f", column {column}"


def _column_tests(seeds_yml: Path) -> dict[str, list[Any]]:
    document = yaml.safe_load(Path(seeds_yml).read_text()) or {}
    for seed in document.get("seeds", []):
        if seed.get("name") == SEED:
            return {
                column["name"]: column.get("data_tests") or column.get("tests") or []
                for column in seed.get("columns", [])
            }
    return {}


def _column_types(project_yml: Path) -> dict[str, str]:
    document = yaml.safe_load(Path(project_yml).read_text()) or {}
    seeds = document.get("seeds", {}).get(document.get("name"), {})
    return {
        name: str(kind).lower()
        for name, kind in seeds.get(SEED, {}).get("+column_types", {}).items()
    }


def _missing_columns(header: list[str], tests: dict[str, list[Any]]) -> list[str]:
    return [f"header: column {name} is missing" for name in tests if name not in header]


def _type_problems(records: list[tuple[int, dict[str, str]]], types: dict[str, str]) -> list[str]:
    problems = []
    for number, record in records:
        for column, kind in types.items():
            value = record.get(column, "").strip()
            if not value:
                continue
            if kind in {"integer", "int", "bigint"} and not re.fullmatch(r"[+-]?\d+", value):
                problems.append(f"{_where(number, record, column)}: {value!r} is not an integer")
            if kind == "boolean" and value.lower() not in _BOOLEANS:
                problems.append(f"{_where(number, record, column)}: {value!r} is not true/false")
    return problems


def _tests(column_tests: list[Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(test name, arguments)`` of a column's tests, bare names included."""
    for test in column_tests:
        if isinstance(test, str):
            yield test, {}
        else:
            for name, config in test.items():
                config = config or {}
                yield name, config.get("arguments", config)


def _test_problems(
    records: list[tuple[int, dict[str, str]]], tests: dict[str, list[Any]]
) -> list[str]:
    problems = []
    # one in-memory connection for every expression (each connect ~0.15 s), closed on any error
    with duckdb.connect() as con:
        for column, column_tests in tests.items():
            seen: dict[str, int] = {}
            for name, arguments in _tests(column_tests):
                for number, record in records:
                    value = record.get(column, "").strip()
                    where = _where(number, record, column)
                    if name == "not_null" and not value:
                        problems.append(f"{where}: empty")
                    elif name == "unique" and value:
                        if value in seen:
                            problems.append(f"{where}: {value!r} repeats row {seen[value]}")
                        seen.setdefault(value, number)
                    elif name == "accepted_values" and value:
                        allowed = [str(v) for v in arguments.get("values", [])]
                        if value not in allowed:
                            problems.append(
                                f"{where}: {value!r} is not one of {', '.join(allowed)}"
                            )
                    elif name == "accepted_range" and re.fullmatch(r"[+-]?\d+(\.\d+)?", value):
                        low, high = arguments.get("min_value"), arguments.get("max_value")
                        if (low is not None and float(value) < low) or (
                            high is not None and float(value) > high
                        ):
                            problems.append(f"{where}: {value} is outside [{low}, {high}]")
                    elif name == "expression_is_true" and not _holds(
                        con, arguments["expression"], column, value
                    ):
                        problems.append(f"{where}: fails `{arguments['expression']}`")
    return problems


def _holds(con: duckdb.DuckDBPyConnection, expression: str, column: str, value: str) -> bool:
    """Whether a seed test's SQL expression holds for one value of ``column`` (DuckDB). The
    value is a quoted literal, not a bound parameter: binding one makes DuckDB import pandas
    (seconds, before every build)."""
    literal = "'" + value.replace("'", "''") + "'"
    try:
        (result,) = con.execute(
            f"select ({expression}) from (select nullif({literal}, '') as "
            f"{quote_identifier(column)})"
        ).fetchone()
    except duckdb.Error:
        return False
    return bool(result)


def _glob_problems(records: list[tuple[int, dict[str, str]]]) -> list[str]:
    problems = []
    for number, record in records:
        pattern = record.get("path_glob", "").strip()
        if not pattern:
            continue
        try:
            glob_to_regex(pattern.lstrip("/"))
        except re.error as error:
            where = _where(number, record, "path_glob")
            problems.append(f"{where}: {pattern!r} is not a valid glob ({error.msg})")
    return problems
