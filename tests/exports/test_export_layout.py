"""Files land where the spec says, hold every warehouse row once, in key order, in both formats."""

from __future__ import annotations

import json
import math
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from conftest import SHARD_SIZE

from exports import export_warehouse, verify_export

SHARD = "part-{:05d}.{}"


def warehouse_rows(warehouse: Path, sql: str) -> list[dict]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).arrow().read_all().to_pylist()


def partitions(warehouse: Path, sql: str) -> dict[tuple[str, ...], int]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {tuple(row[:-1]): row[-1] for row in con.execute(sql).fetchall()}


def read_parquet_shards(directory: Path) -> list[dict]:
    rows = []
    for path in sorted(directory.glob("part-*.parquet")):
        rows.extend(pq.read_table(path).to_pylist())
    return rows


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_one_directory_per_split_stage_with_rows_and_bounded_shards(exported, warehouse):
    export_dir, _ = exported
    expected = partitions(
        warehouse, "select split, stage, count(*) from conversations group by all"
    )
    found = {
        tuple(p.relative_to(export_dir / "data").parts) for p in (export_dir / "data").glob("*/*")
    }
    assert found == set(expected)
    for (split, stage), records in expected.items():
        shard_count = math.ceil(records / SHARD_SIZE)
        names = sorted(p.name for p in (export_dir / "data" / split / stage).iterdir())
        assert names == sorted(
            SHARD.format(i, fmt) for i in range(shard_count) for fmt in ("parquet", "jsonl")
        )


def test_preference_pairs_one_directory_per_split(exported, warehouse):
    export_dir, _ = exported
    expected = partitions(warehouse, "select split, count(*) from preference_pairs group by all")
    found = {p.name for p in (export_dir / "preference_pairs").iterdir()}
    assert found == {split for (split,) in expected}


def test_conversation_shards_hold_the_partition_rows_in_key_order(exported, warehouse):
    export_dir, _ = exported
    for (split, stage), _count in partitions(
        warehouse, "select split, stage, count(*) from conversations group by all"
    ).items():
        expected = warehouse_rows(
            warehouse,
            f"select * from conversations where split = '{split}' and stage = '{stage}' "
            "order by conversation_id",
        )
        assert read_parquet_shards(export_dir / "data" / split / stage) == expected


def test_preference_pair_shards_hold_the_split_rows_in_key_order(exported, warehouse):
    export_dir, _ = exported
    for (split,) in partitions(
        warehouse, "select split, count(*) from preference_pairs group by all"
    ):
        expected = warehouse_rows(
            warehouse, f"select * from preference_pairs where split = '{split}' order by pair_id"
        )
        assert read_parquet_shards(export_dir / "preference_pairs" / split) == expected


@pytest.mark.parametrize(
    ("pattern", "top_level"),
    [
        ("data/*/*/part-*.parquet", ("messages",)),
        ("preference_pairs/*/part-*.parquet", ("prompt_messages", "chosen", "rejected")),
    ],
)
def test_jsonl_holds_the_parquet_records_in_the_same_order(exported, pattern, top_level):
    export_dir, _ = exported
    parquet_files = sorted(export_dir.glob(pattern))
    assert parquet_files
    for parquet_path in parquet_files:
        rows = pq.read_table(parquet_path).to_pylist()
        expected = [
            {
                **{key: row[key] for key in top_level},
                "metadata": {k: v for k, v in row.items() if k not in top_level},
            }
            for row in rows
        ]
        records = read_jsonl(parquet_path.with_suffix(".jsonl"))
        assert records == expected
        # Field order is part of the format: records first, then metadata in column order.
        assert [list(r) for r in records] == [[*top_level, "metadata"]] * len(records)
        assert [list(r["metadata"]) for r in records] == [list(e["metadata"]) for e in expected]


def test_jsonl_lines_are_one_compact_record_each(exported):
    export_dir, _ = exported
    path = next(export_dir.glob("data/train/*/part-00000.jsonl"))
    raw = path.read_bytes()
    assert raw.endswith(b"\n")
    lines = raw.split(b"\n")[:-1]
    assert all(line.startswith(b'{"messages":[{"role":') for line in lines)


def test_text_survives_escaping(exported, warehouse):
    # The synthetic warehouse puts quotes, newlines, tabs, backslashes and emoji in some turns.
    export_dir, _ = exported
    tricky = {
        row["conversation_id"]: row["messages"]
        for row in warehouse_rows(
            warehouse,
            "select conversation_id, messages from conversations "
            "where messages[1].content like '%\"%' or messages[1].content like '%\\%'",
        )
    }
    assert tricky
    found = {}
    for path in export_dir.glob("data/*/*/*.jsonl"):
        for record in read_jsonl(path):
            if record["metadata"]["conversation_id"] in tricky:
                found[record["metadata"]["conversation_id"]] = record["messages"]
    assert found == tricky


@pytest.mark.parametrize("max_records", [1, 7, 10_000])
def test_no_shard_exceeds_the_bound_and_only_the_last_is_short(
    own_warehouse, tmp_path, max_records
):
    manifest = export_warehouse(own_warehouse, tmp_path / "out", max_records_per_shard=max_records)
    by_partition: dict[tuple, list] = {}
    for entry in manifest.files:
        if entry.format == "parquet":
            by_partition.setdefault((entry.kind, entry.split, entry.stage), []).append(entry)
    for entries in by_partition.values():
        counts = [e.records for e in sorted(entries, key=lambda e: e.path)]
        assert max(counts) <= max_records
        assert all(count == max_records for count in counts[:-1])
    assert sum(e.records for e in manifest.files if e.format == "jsonl") == 140


def test_combinations_without_rows_get_no_directory(own_warehouse, tmp_path):
    with duckdb.connect(str(own_warehouse)) as con:
        deleted = con.execute(
            "delete from conversations where split = 'train' and stage = 'voice'"
        ).fetchone()[0]
        con.execute("delete from preference_pairs where split = 'val'")
    assert deleted > 0
    out = tmp_path / "out"
    export_warehouse(own_warehouse, out)
    remaining = partitions(
        own_warehouse, "select split, stage, count(*) from conversations group by all"
    )
    found = {tuple(p.relative_to(out / "data").parts) for p in (out / "data").glob("*/*")}
    assert found == set(remaining)
    assert ("train", "voice") not in found
    assert not (out / "preference_pairs" / "val").exists()
    assert (out / "preference_pairs" / "train").is_dir()


def test_columns_added_later_are_exported_and_nan_becomes_null_in_jsonl(own_warehouse, tmp_path):
    with duckdb.connect(str(own_warehouse)) as con:
        con.execute("alter table conversations add column quality_score double")
        con.execute(
            "update conversations set quality_score = "
            "case when source_line % 2 = 0 then 'nan'::double else source_line / 10 end"
        )
        con.execute("alter table row_accounting add column reviewed_records bigint default 5")
    out = tmp_path / "out"
    manifest = export_warehouse(own_warehouse, out)
    parquet_path = next(out.glob("data/*/*/part-00000.parquet"))
    assert "quality_score" in pq.read_schema(parquet_path).names
    records = read_jsonl(parquet_path.with_suffix(".jsonl"))
    for record in records:
        line = record["metadata"]["source_line"]
        assert record["metadata"]["quality_score"] == (None if line % 2 == 0 else line / 10)
    assert all(row["reviewed_records"] == 5 for row in manifest.row_accounting)


def test_an_empty_table_exports_no_files_and_still_verifies(own_warehouse, tmp_path):
    with duckdb.connect(str(own_warehouse)) as con:
        con.execute("delete from preference_pairs")
    out = tmp_path / "out"
    manifest = export_warehouse(own_warehouse, out)
    assert not (out / "preference_pairs").exists()
    assert [e for e in manifest.files if e.kind == "preference_pairs"] == []
    assert manifest.counts.preference_pairs.by_split == {}
    assert manifest.quality_summary.preference_pairs == 0
    assert verify_export(out).ok
