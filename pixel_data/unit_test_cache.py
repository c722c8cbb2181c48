"""dbt's unit tests, run once per project state (docs/incremental.md, "dbt's unit tests").

A dbt unit test checks a SQL model's logic on fixture rows written in the project's YAML; it reads
no lake data, so its verdict depends only on the project's files, the vars it is compiled with,
the profile and the dbt / dbt-duckdb / DuckDB versions. `pixel-data build` records a pass under a
key of all of those (`unit_tests_key`) once a build that ran them succeeds, and a later build with
the same key leaves them out (`dbt build --exclude-resource-type unit_test`): an unchanged
rebuild does not run 21 fixture builds again. Any edit to the project (a model, a macro, a YAML
file, a seed), another var, another profile or another package version gives a new key, and the
unit tests run again. The data tests (the gates) always run. `--full-refresh`, `--select` and
`result_cache: off` always run them and record nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

from python_models.result_cache import result_cache_root, version_of

NAME = "dbt_unit_tests"
PACKAGES = ("dbt-core", "dbt-duckdb", "duckdb")
SKIPPED = ("target", "logs", "dbt_packages")  # dbt's own output, never an input


def project_files(project_dir: Path, profiles_dir: Path) -> list[Path]:
    """Every file of the dbt project that compiles or feeds a node, and the profile."""
    files = [
        path
        for path in project_dir.rglob("*")
        if path.is_file()
        and path.relative_to(project_dir).parts[0] not in SKIPPED
        and "__pycache__" not in path.parts
    ]
    return sorted([*files, profiles_dir / "profiles.yml"])


def unit_tests_key(project_dir: Path, profiles_dir: Path, dbt_vars: dict[str, object]) -> str:
    """The key a pass of the unit tests is recorded under: the bytes of every project file (by
    its path in the project), the profile, the dbt packages' versions and the vars."""
    files = project_files(project_dir, profiles_dir)
    paths = [
        str(path.relative_to(project_dir)) if path.is_relative_to(project_dir) else path.name
        for path in files
    ]
    return version_of(
        files,
        packages=PACKAGES,
        config={"paths": paths, "vars": json.loads(json.dumps(dbt_vars, sort_keys=True))},
    )


def _marker(key: str, root: Path | None = None) -> Path:
    return (root or result_cache_root()) / NAME / f"version={key}" / "passed"


def unit_tests_passed(key: str, root: Path | None = None) -> bool:
    """Whether a build with this key ran the unit tests and every one passed."""
    return _marker(key, root).is_file()


def record_pass(key: str, root: Path | None = None) -> None:
    """Record that a build with this key ran the unit tests and every one passed."""
    marker = _marker(key, root)
    marker.parent.mkdir(parents=True, exist_ok=True)
    tmp = marker.with_name(".passed.tmp")
    tmp.write_text("passed\n")
    tmp.rename(marker)
