"""Where things live: project root, warehouse file, dbt project, offline DuckDB extensions.

The project is the folder that holds ``dbt_project/dbt_project.yml`` (and ``profiles.yml``). It is
found, in this order: the ``PIXEL_PROJECT_DIR`` environment variable; the current directory or
one of its parents; the source checkout this package sits in (an editable install). A wheel
installed elsewhere therefore works from inside the project, or anywhere with the variable set.

The path constants (``PROJECT_ROOT``, ``DBT_PROJECT_DIR``, ``BUILD_DIR``...) are resolved on first
use, not at import, so importing this module never fails; using one where no project is found
raises ``ProjectNotFound`` with a message that says what was searched.
"""

from __future__ import annotations

import functools
import importlib.util
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

PROJECT_DIR_ENV = "PIXEL_PROJECT_DIR"
MARKER = Path("dbt_project") / "dbt_project.yml"
_SOURCE_CHECKOUT = Path(__file__).resolve().parents[1]


class ProjectNotFound(RuntimeError):
    """No folder holding dbt_project/dbt_project.yml was found."""


def find_project_root(cwd: Path | None = None, env: Mapping[str, str] | None = None) -> Path:
    """The project folder: ``$PIXEL_PROJECT_DIR``, else ``cwd`` or a parent, else the checkout."""
    env = os.environ if env is None else env
    override = env.get(PROJECT_DIR_ENV)
    if override:
        root = Path(override).expanduser().resolve()
        if not (root / MARKER).is_file():
            raise ProjectNotFound(f"{PROJECT_DIR_ENV}={override} holds no {MARKER.as_posix()}")
        return root
    start = (cwd or Path.cwd()).resolve()
    for folder in (start, *start.parents):
        if (folder / MARKER).is_file():
            return folder
    if (_SOURCE_CHECKOUT / MARKER).is_file():
        return _SOURCE_CHECKOUT
    raise ProjectNotFound(
        f"no {MARKER.as_posix()} in {start} or its parents: run from the project folder "
        f"or set {PROJECT_DIR_ENV}"
    )


@functools.cache
def project_root() -> Path:
    """``find_project_root()`` for this process, resolved once."""
    return find_project_root()


def _paths(root: Path) -> dict[str, Path]:
    build = root / "build"
    return {
        "PROJECT_ROOT": root,
        "DBT_PROJECT_DIR": root / "dbt_project",
        "PROFILES_DIR": root,
        "BUILD_DIR": build,
        "DEFAULT_WAREHOUSE": build / "warehouse.duckdb",
        "DEFAULT_SAMPLE_LAKE": build / "sample_lake",
        "DEFAULT_EXPORT_DIR": build / "export",
        "SEEDS_DIR": root / "dbt_project" / "seeds",
        "REGISTRY_CSV": root / "dbt_project" / "seeds" / "source_registry.csv",
    }


_PATH_NAMES = frozenset(_paths(Path()))


def __getattr__(name: str) -> Path:
    """The path constants, resolved against ``project_root()`` on first use (PEP 562)."""
    if name in _PATH_NAMES:
        return _paths(project_root())[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
    return Path(env).resolve() if env else _paths(project_root())["DEFAULT_WAREHOUSE"]


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

    project_file = _paths(project_root())["DBT_PROJECT_DIR"] / "dbt_project.yml"
    return yaml.safe_load(project_file.read_text(encoding="utf-8"))["vars"]


def dbt_var(name: str) -> Any:
    """A var's default as ``dbt_project.yml`` declares it (the one place tunables live)."""
    return _dbt_project_vars()[name]
