"""Shared fixtures: the sample lake and a warehouse built from it through the real CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from sample_lake import LakeSummary, generate_lake


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
def realdata() -> Path:
    """The real labelled data where the evaluations find it (``PIXEL_REALDATA`` or ../shared)."""
    from evaluation.realdata import RealDataMissing, realdata_root

    try:
        return realdata_root()
    except RealDataMissing as missing:
        pytest.skip(f"{missing}; skipping")
