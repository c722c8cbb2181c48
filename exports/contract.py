"""What the dbt project publishes to the code outside it, read from the project itself.

- The contract of each mart the export reads (`contract: {enforced: true}` in its YAML): column
  names and DuckDB types, in table order. The exporter and the synthetic test warehouse derive
  their columns from it, so changing the contract changes them.
- The curriculum stages, in order, from the `stage_policy` seed.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from pixel_config import settings

# The marts the export reads; each has an enforced contract.
PUBLISHED_MARTS = ("conversations", "preference_pairs", "row_accounting", "build_metadata")


def marts_dir() -> Path:
    """Where the mart YAML lives (resolved on use: importing this module needs no project)."""
    return settings.DBT_PROJECT_DIR / "models" / "marts"


@dataclass(frozen=True)
class ContractColumn:
    name: str
    data_type: str


@cache
def _contracted_models() -> dict[str, tuple[ContractColumn, ...]]:
    models = {}
    for path in sorted(marts_dir().rglob("*.yml")):
        for model in (yaml.safe_load(path.read_text()) or {}).get("models", []):
            contract = (model.get("config") or {}).get("contract") or {}
            if contract.get("enforced"):
                models[model["name"]] = tuple(
                    ContractColumn(column["name"], column["data_type"])
                    for column in model["columns"]
                )
    return models


def mart_columns(mart: str) -> tuple[ContractColumn, ...]:
    """The columns of `mart`'s enforced contract, in table order."""
    try:
        return _contracted_models()[mart]
    except KeyError:
        raise KeyError(f"mart {mart!r} has no enforced contract under {marts_dir()}") from None


def create_table_sql(mart: str) -> str:
    """`create or replace table <mart> (...)` with the contract's columns and types."""
    columns = ", ".join(f"{c.name} {c.data_type}" for c in mart_columns(mart))
    return f"create or replace table {mart} ({columns})"


@cache
def stages() -> tuple[str, ...]:
    """The curriculum stages in stage order, from the stage_policy seed."""
    with (settings.SEEDS_DIR / "stage_policy.csv").open(newline="") as handle:
        rows = sorted(csv.DictReader(handle), key=lambda row: int(row["stage_number"]))
    return tuple(row["stage"] for row in rows)
