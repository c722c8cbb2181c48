"""export_warehouse refuses what it cannot do safely and never leaves a half export behind."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

import exports.writer
from exports import ExportError, export_warehouse, verify_export
from sample_lake.synthetic_warehouse import SPLIT_SEED


def leftovers(parent: Path) -> list[str]:
    """Hidden staging/spill directories the exporter may have left next to its output."""
    return sorted(p.name for p in parent.iterdir() if p.name.startswith("."))


def test_a_different_seed_is_refused_with_the_rebuild_advice(warehouse, tmp_path):
    out = tmp_path / "out"
    with pytest.raises(ExportError, match=rf"seed {SPLIT_SEED}, not 7; rebuild"):
        export_warehouse(warehouse, out, seed=7)
    assert not out.exists()
    assert leftovers(tmp_path) == []


def test_the_build_seed_is_accepted(warehouse, tmp_path):
    manifest = export_warehouse(warehouse, tmp_path / "out", seed=SPLIT_SEED)
    assert manifest.config_lock.seed == SPLIT_SEED


@pytest.mark.parametrize(
    "table", ["conversations", "preference_pairs", "row_accounting", "build_metadata"]
)
def test_a_missing_table_is_refused(own_warehouse, tmp_path, table):
    with duckdb.connect(str(own_warehouse)) as con:
        con.execute(f"drop table {table}")
    with pytest.raises(ExportError, match=rf"main\.{table} is missing"):
        export_warehouse(own_warehouse, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_missing_warehouse_is_refused(tmp_path):
    with pytest.raises(ExportError, match="warehouse not found"):
        export_warehouse(tmp_path / "nope.duckdb", tmp_path / "out")
    assert not (tmp_path / "nope.duckdb").exists()


def test_a_non_empty_directory_is_refused_and_left_alone(warehouse, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "precious.txt").write_text("keep me")
    with pytest.raises(ExportError, match="not empty"):
        export_warehouse(warehouse, out)
    assert [p.name for p in out.iterdir()] == ["precious.txt"]


def test_an_empty_directory_is_used(warehouse, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    export_warehouse(warehouse, out)
    assert verify_export(out).ok


def test_a_previous_export_is_replaced(warehouse, own_warehouse, tmp_path):
    out = tmp_path / "out"
    first = export_warehouse(warehouse, out)
    (out / "curriculum.json").write_text("{}")  # a document of the first export only
    second = export_warehouse(own_warehouse, out)
    assert first.files != second.files
    assert verify_export(out).ok
    assert not (out / "curriculum.json").exists()
    assert leftovers(tmp_path) == []


def test_a_previous_export_with_foreign_files_is_refused(export_copy, warehouse):
    (export_copy / "data" / "mine.parquet").write_text("not from the exporter")
    with pytest.raises(ExportError, match=r"data/mine\.parquet is not part of the export"):
        export_warehouse(warehouse, export_copy)
    assert (export_copy / "data" / "mine.parquet").exists()
    assert (export_copy / "manifest.json").exists()


def test_a_failure_mid_export_leaves_nothing_behind(warehouse, tmp_path, monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    # Fails after every data file is written, before the manifest.
    monkeypatch.setattr(exports.writer, "read_quality_summary", fail)
    out = tmp_path / "out"
    with pytest.raises(RuntimeError, match="disk full"):
        export_warehouse(warehouse, out)
    assert not out.exists()
    assert leftovers(tmp_path) == []


def test_a_failed_replacement_keeps_the_previous_export(export_copy, warehouse, monkeypatch):
    monkeypatch.setattr(exports.writer, "read_quality_summary", lambda con: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        export_warehouse(warehouse, export_copy)
    assert verify_export(export_copy).ok


def test_duplicate_keys_are_refused(own_warehouse, tmp_path):
    with duckdb.connect(str(own_warehouse)) as con:
        con.execute(
            "insert into conversations select * from conversations "
            "where split = 'train' and stage = 'voice' limit 1"
        )
    with pytest.raises(ExportError, match="conversation_id is not unique"):
        export_warehouse(own_warehouse, tmp_path / "out")


def test_a_split_that_cannot_name_a_directory_is_refused(own_warehouse, tmp_path):
    with duckdb.connect(str(own_warehouse)) as con:
        con.execute("update conversations set split = '../escape' where split = 'val'")
    with pytest.raises(ExportError, match="cannot name an export directory"):
        export_warehouse(own_warehouse, tmp_path / "out")
    assert not (tmp_path / "escape").exists()


def test_the_export_memory_limit_is_the_builds_setting(monkeypatch) -> None:
    """One DuckDB memory setting for build and export: PIXEL_DUCKDB_MEMORY_LIMIT, else 2 GB
    (profiles.yml's default; 1 GB ran a 1 M-record export out of memory)."""
    from exports.writer import memory_limit_setting

    monkeypatch.delenv("PIXEL_DUCKDB_MEMORY_LIMIT", raising=False)
    assert memory_limit_setting() == "2GB"
    monkeypatch.setenv("PIXEL_DUCKDB_MEMORY_LIMIT", "3GB")
    assert memory_limit_setting() == "3GB"
