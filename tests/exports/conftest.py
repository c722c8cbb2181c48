"""Fixtures: a small synthetic warehouse and one export of it, shared read-only by the tests.

Tests that change files copy the export first (`export_copy`).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from exports import Manifest, export_warehouse
from sample_lake.synthetic_warehouse import build_synthetic_warehouse

# Small enough that every split/stage partition has several shards.
SHARD_SIZE = 25


@pytest.fixture(scope="session")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 400-conversation, 60-pair warehouse; do not modify it."""
    path = tmp_path_factory.mktemp("warehouse") / "warehouse.duckdb"
    return build_synthetic_warehouse(path, n_conversations=400, n_pairs=60)


@pytest.fixture(scope="session")
def exported(warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Manifest]:
    """One export of `warehouse` with `SHARD_SIZE` records per shard; do not modify it."""
    out = tmp_path_factory.mktemp("export") / "export"
    return out, export_warehouse(warehouse, out, max_records_per_shard=SHARD_SIZE)


@pytest.fixture
def export_copy(exported: tuple[Path, Manifest], tmp_path: Path) -> Path:
    """A private copy of the shared export that a test may change."""
    copy = tmp_path / "export"
    shutil.copytree(exported[0], copy)
    return copy


@pytest.fixture
def own_warehouse(tmp_path: Path) -> Path:
    """A private small warehouse that a test may change."""
    return build_synthetic_warehouse(tmp_path / "own.duckdb", n_conversations=120, n_pairs=20)
