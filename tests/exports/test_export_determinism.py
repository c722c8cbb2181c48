"""Same warehouse content, same export bytes: data files and manifest (apart from created_at)."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from conftest import SHARD_SIZE

import exports.warehouse
from exports import export_warehouse, shards


def data_files(export_dir: Path) -> dict[str, bytes]:
    return {
        p.relative_to(export_dir).as_posix(): p.read_bytes()
        for p in sorted(export_dir.rglob("*"))
        if p.is_file() and p.name != "manifest.json"
    }


def manifest_without_created_at(export_dir: Path) -> dict:
    document = json.loads((export_dir / "manifest.json").read_text())
    document.pop("created_at")
    return document


def assert_same_export(first: Path, second: Path) -> None:
    first_files, second_files = data_files(first), data_files(second)
    assert sorted(first_files) == sorted(second_files)
    different = [path for path in first_files if first_files[path] != second_files[path]]
    assert different == []
    assert manifest_without_created_at(first) == manifest_without_created_at(second)


def test_exporting_twice_gives_identical_bytes(exported, warehouse, tmp_path):
    first, _ = exported
    second = tmp_path / "again"
    export_warehouse(warehouse, second, max_records_per_shard=SHARD_SIZE)
    assert_same_export(first, second)


def test_bytes_do_not_depend_on_batch_boundaries(exported, warehouse, tmp_path, monkeypatch):
    # Odd batch sizes move every slice boundary; row groups and lines must not move with them.
    monkeypatch.setattr(shards, "BATCH_ROWS", 7)
    monkeypatch.setattr(shards, "PARQUET_ROW_GROUP_ROWS", 10)
    small_groups = tmp_path / "small_groups"
    export_warehouse(warehouse, small_groups, max_records_per_shard=SHARD_SIZE)
    monkeypatch.setattr(shards, "BATCH_ROWS", 3)
    other_batches = tmp_path / "other_batches"
    export_warehouse(warehouse, other_batches, max_records_per_shard=SHARD_SIZE)
    assert_same_export(small_groups, other_batches)


@pytest.mark.parametrize("threads", [1, 3])
def test_physical_row_order_and_threads_do_not_matter(
    exported, warehouse, tmp_path, monkeypatch, threads
):
    # A rebuild may store the same rows in another order, and DuckDB may run on more or fewer
    # threads; neither may change a byte.
    shuffled = tmp_path / "shuffled.duckdb"
    with duckdb.connect(str(shuffled)) as con:
        con.execute(f"attach '{warehouse}' as source (read_only)")
        tables = ("conversations", "preference_pairs", "row_accounting", "build_metadata")
        for table in (*tables, "build_state"):
            shuffled_copy = f"select * from source.{table} as t order by md5(t::varchar)"
            con.execute(f"create table {table} as {shuffled_copy}")
        stored_order = "select conversation_id from {} limit 20"
        assert (
            con.execute(stored_order.format("conversations")).fetchall()
            != con.execute(stored_order.format("source.conversations")).fetchall()
        )
    monkeypatch.setattr(exports.warehouse, "DUCKDB_THREADS", threads)
    out = tmp_path / "from_shuffled"
    export_warehouse(shuffled, out, max_records_per_shard=SHARD_SIZE)
    assert_same_export(exported[0], out)
