"""Shared fixtures: the sample lake and a warehouse built from it through the real CLI."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from sample_lake import LakeSummary, generate_lake

# Fixtures that run dbt, a scorer's models or a local S3 server: a test using one (directly or
# through another fixture) is `slow`, so `make test-fast` (-m "not slow ...") leaves it out.
SLOW_FIXTURES = frozenset(
    {
        "built_warehouse",
        "switched_off_warehouse",
        "rebuilt_warehouse",
        "tiny_warehouse",
        "real_warehouse",
        "scored",
        "s3_server",
        "s3_server_factory",
        "built_a",  # tests/pixel_data/test_build_interruptions.py: a passing build of a small lake
    }
)


# Folders (and file-name prefixes) whose tests build a warehouse with dbt, start an S3 server or
# a Ray cluster (their fixtures are not all named above): every test in them is `slow`.
SLOW_FOLDERS = ("tests/dbt/", "tests/s3/", "tests/engine/test_ray_")


def pytest_collection_modifyitems(config, items) -> None:
    """Mark every test that builds a warehouse or starts a server `slow` (see SLOW_FIXTURES)."""
    for item in items:
        if SLOW_FIXTURES.intersection(getattr(item, "fixturenames", ())) or any(
            folder in item.nodeid for folder in SLOW_FOLDERS
        ):
            item.add_marker(pytest.mark.slow)


@dataclass(frozen=True)
class BuiltWarehouse:
    lake: Path
    summary: LakeSummary
    warehouse: Path
    output: str


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run `pixel-data ARGS` in a subprocess, the way a user does."""
    return subprocess.run(
        [sys.executable, "-m", "pixel_data.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "DO_NOT_TRACK": "1", "COLUMNS": "250", **(env or {})},
        timeout=900,
    )


def build(lake: Path, warehouse: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return run_cli("build", "--lake", str(lake), "--warehouse", str(warehouse), *extra)


@pytest.fixture(scope="session")
def sample_lake(tmp_path_factory) -> tuple[Path, LakeSummary]:
    lake = tmp_path_factory.mktemp("lake") / "sample_lake"
    return lake, generate_lake(lake, records=3000, seed=7)


@pytest.fixture(scope="session")
def built_warehouse(sample_lake, tmp_path_factory) -> BuiltWarehouse:
    lake, summary = sample_lake
    warehouse = tmp_path_factory.mktemp("warehouse") / "warehouse.duckdb"
    result = build(lake, warehouse)
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-5000:]
    return BuiltWarehouse(lake, summary, warehouse, result.stdout)


@pytest.fixture(scope="session")
def built_export(built_warehouse, tmp_path_factory) -> Path:
    """One `pixel-data export` of `built_warehouse`, shared read-only by every test that reads
    an export of the sample lake (exporting it is seconds; copy it before changing it)."""
    out = tmp_path_factory.mktemp("built_export") / "export"
    result = run_cli("export", "--out", str(out), "--warehouse", str(built_warehouse.warehouse))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return out


# Model scoring and near-duplicate detection off: the SQL path, with PII still redacted. Builds
# whose subject is not a score (reading the lake from S3, say) use it and compare against
# switched_off_warehouse.
SWITCHED_OFF_VARS = '{"scoring_enabled": false, "near_dup_enabled": false}'


@pytest.fixture(scope="session")
def switched_off_warehouse(sample_lake, tmp_path_factory) -> BuiltWarehouse:
    """The sample lake built with model scoring and near-duplicate detection off (one build,
    shared by the tests of both switches), with its own empty embedding cache."""
    lake, summary = sample_lake
    root = tmp_path_factory.mktemp("switched_off")
    warehouse = root / "warehouse.duckdb"
    result = run_cli(
        "build",
        "--lake",
        str(lake),
        "--warehouse",
        str(warehouse),
        "--vars",
        SWITCHED_OFF_VARS,
        env={"PIXEL_EMBEDDING_CACHE": str(root / "embeddings")},
    )
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-5000:]
    return BuiltWarehouse(lake, summary, warehouse, result.stdout)


@pytest.fixture(scope="session")
def rebuilt_warehouse(sample_lake, tmp_path_factory) -> BuiltWarehouse:
    """The sample lake built a second time, from its own copy and with its own (cold) embedding
    cache, `embeddings` beside the warehouse: shared by the determinism test (same lake, same
    seed, same splits) and the incremental-embedding test (which copies lake and cache on)."""
    source, summary = sample_lake
    root = tmp_path_factory.mktemp("rebuilt")
    lake = root / "lake"
    shutil.copytree(source, lake)
    warehouse = root / "warehouse.duckdb"
    result = run_cli(
        "build",
        "--lake",
        str(lake),
        "--warehouse",
        str(warehouse),
        env={"PIXEL_EMBEDDING_CACHE": str(root / "embeddings")},
    )
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-5000:]
    return BuiltWarehouse(lake, summary, warehouse, result.stdout)


@pytest.fixture(scope="session")
def realdata() -> Path:
    """The real labelled data where the evaluations find it (``PIXEL_REALDATA`` or ../shared)."""
    from evaluation.realdata import RealDataMissing, realdata_root

    try:
        return realdata_root()
    except RealDataMissing as missing:
        pytest.skip(f"{missing}; skipping")
