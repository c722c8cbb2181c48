"""The manifest describes the files exactly and carries what is needed to reproduce them."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
from conftest import SHARD_SIZE

from exports import Manifest, export_warehouse
from exports.layout import is_unlisted_allowed


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def records_in(path: Path) -> int:
    if path.suffix == ".parquet":
        return pq.ParquetFile(path).metadata.num_rows
    return sum(1 for line in path.read_bytes().splitlines() if line.strip())


def query(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_every_data_file_is_listed_once_with_its_true_hash_size_and_count(exported):
    export_dir, manifest = exported
    on_disk = sorted(
        p.relative_to(export_dir).as_posix()
        for p in export_dir.rglob("*")
        if p.is_file() and not is_unlisted_allowed(p.relative_to(export_dir).as_posix())
    )
    assert [entry.path for entry in manifest.files] == on_disk
    for entry in manifest.files:
        path = export_dir / entry.path
        assert entry.sha256 == sha256_of(path), entry.path
        assert entry.bytes == path.stat().st_size, entry.path
        assert entry.records == records_in(path), entry.path
        assert entry.format == path.suffix.lstrip(".")


def test_file_entries_name_their_partition(exported):
    _, manifest = exported
    for entry in manifest.files:
        parts = entry.path.split("/")
        if entry.kind == "conversations":
            assert parts[:3] == ["data", entry.split, entry.stage]
        else:
            assert parts[:2] == ["preference_pairs", entry.split]
            assert entry.stage is None


def test_manifest_on_disk_is_pretty_sorted_and_matches_the_returned_one(exported):
    export_dir, manifest = exported
    text = (export_dir / "manifest.json").read_text(encoding="utf-8")
    document = json.loads(text)
    assert text == json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    assert Manifest.model_validate(document) == manifest


def test_content_sha256_covers_everything_but_created_at(exported):
    export_dir, manifest = exported
    document = json.loads((export_dir / "manifest.json").read_text(encoding="utf-8"))
    hashed = {k: v for k, v in document.items() if k not in {"created_at", "content_sha256"}}
    canonical = json.dumps(hashed, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert manifest.content_sha256 == hashlib.sha256(canonical.encode()).hexdigest()
    assert {"files", "counts", "row_accounting", "config_lock", "version"} <= set(hashed)


def test_created_at_is_utc_iso(exported):
    _, manifest = exported
    assert manifest.created_at.endswith("Z")
    assert datetime.fromisoformat(manifest.created_at).utcoffset().total_seconds() == 0


def test_default_version_comes_from_content_and_explicit_version_is_kept(
    exported, warehouse, tmp_path
):
    _, manifest = exported
    assert re.fullmatch(r"v[0-9a-f]{12}", manifest.version)
    named = export_warehouse(
        warehouse, tmp_path / "named", version="2025.01-rc1", max_records_per_shard=SHARD_SIZE
    )
    assert named.version == "2025.01-rc1"
    assert named.files == manifest.files
    assert named.content_sha256 != manifest.content_sha256


def test_counts_match_the_warehouse(exported, warehouse):
    _, manifest = exported
    counts = manifest.counts

    def grouped(sql: str) -> dict[str, int]:
        return dict(query(warehouse, sql))

    assert counts.by_split == grouped("select split, count(*) from conversations group by 1")
    assert counts.by_stage == grouped("select stage, count(*) from conversations group by 1")
    assert counts.by_source == grouped(
        "select source_dataset, count(*) from conversations group by 1"
    )
    for split, stage, count in query(
        warehouse, "select split, stage, count(*) from conversations group by all"
    ):
        assert counts.by_split_stage[split][stage] == count
    assert counts.preference_pairs.by_split == grouped(
        "select split, count(*) from preference_pairs group by 1"
    )
    assert counts.preference_pairs.by_source == grouped(
        "select source_dataset, count(*) from preference_pairs group by 1"
    )
    for kind, by_split in [
        ("conversations", counts.by_split),
        ("preference_pairs", counts.preference_pairs.by_split),
    ]:
        for file_format in ("parquet", "jsonl"):
            listed = sum(
                e.records for e in manifest.files if e.kind == kind and e.format == file_format
            )
            assert listed == sum(by_split.values())


def test_quality_summary_and_row_accounting_match_the_warehouse(exported, warehouse):
    _, manifest = exported
    (conversations, edge_cases, holdout) = query(
        warehouse,
        "select count(*), count(*) filter (where is_training_edge_case), "
        "count(*) filter (where is_holdout) from conversations",
    )[0]
    summary = manifest.quality_summary
    assert (summary.conversations, summary.edge_cases, summary.holdout_records) == (
        conversations,
        edge_cases,
        holdout,
    )
    assert (
        summary.preference_pairs == query(warehouse, "select count(*) from preference_pairs")[0][0]
    )
    with duckdb.connect(str(warehouse), read_only=True) as con:
        expected = (
            con.execute("select * from row_accounting order by source_dataset")
            .arrow()
            .read_all()
            .to_pylist()
        )
    assert manifest.row_accounting == expected


def test_config_lock_records_seed_vars_registry_and_versions(exported, warehouse):
    _, manifest = exported
    lake_root, seed, dbt_vars, registry = query(
        warehouse, "select lake_root, split_seed, dbt_vars, registry_sha256 from build_metadata"
    )[0]
    lock = manifest.config_lock
    assert (lock.lake_root, lock.seed, lock.registry_sha256) == (lake_root, seed, registry)
    assert lock.dbt_vars == json.loads(dbt_vars)
    assert set(lock.package_versions) == {
        "duckdb",
        "pyarrow",
        "dbt-core",
        "dbt-duckdb",
        "pixel-data",
    }
    assert lock.package_versions["duckdb"] == duckdb.__version__
    assert lock.git_commit is None or re.fullmatch(r"[0-9a-f]{40}", lock.git_commit)
