"""Where things live: project root, warehouse file, dbt project, offline DuckDB extensions."""

from __future__ import annotations

import functools
import importlib.util
import os
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
PROFILES_DIR = PROJECT_ROOT
BUILD_DIR = PROJECT_ROOT / "build"
DEFAULT_WAREHOUSE = BUILD_DIR / "warehouse.duckdb"
DEFAULT_SAMPLE_LAKE = BUILD_DIR / "sample_lake"
DEFAULT_EXPORT_DIR = BUILD_DIR / "export"
SEEDS_DIR = DBT_PROJECT_DIR / "seeds"
REGISTRY_CSV = SEEDS_DIR / "source_registry.csv"


def duckdb_extension_dir() -> str | None:
    """The extensions folder of the duckdb-ext-httpfs wheel (httpfs loads offline from it)."""
    spec = importlib.util.find_spec("duckdb_ext")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        candidate = Path(location) / "extensions"
        if candidate.is_dir():
            return str(candidate)
    return None


def warehouse_path(override: Path | None = None) -> Path:
    if override is not None:
        return override.resolve()
    env = os.environ.get("PIXEL_WAREHOUSE")
    return Path(env).resolve() if env else DEFAULT_WAREHOUSE


def dbt_environment(warehouse: Path) -> dict[str, str]:
    """Environment for dbt: no usage stats, absolute warehouse path, offline extension folder."""
    env = {
        "DO_NOT_TRACK": "1",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "PIXEL_WAREHOUSE": str(warehouse),
    }
    extension_dir = duckdb_extension_dir()
    if extension_dir:
        env["PIXEL_DUCKDB_EXTENSION_DIR"] = extension_dir
    return env


@functools.cache
def _dbt_project_vars() -> dict[str, Any]:
    import yaml

    document = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))
    return document["vars"]


def dbt_var(name: str) -> Any:
    """A var's default as ``dbt_project.yml`` declares it (the one place tunables live)."""
    return _dbt_project_vars()[name]
