"""verify_export passes a fresh export and names every file that was changed, lost or added."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from exports import verify_export

JSONL = "data/train/foundation/part-00000.jsonl"
PARQUET = "data/train/foundation/part-00000.parquet"


def problems(export_dir: Path) -> set[tuple[str, str]]:
    report = verify_export(export_dir)
    assert report.ok is (not report.problems)
    return {(problem.kind, problem.path) for problem in report.problems}


def flip_one_byte(path: Path, position: int) -> None:
    data = bytearray(path.read_bytes())
    data[position] = ord("X") if data[position] != ord("X") else ord("Y")
    path.write_bytes(bytes(data))


def test_fresh_export_passes(exported):
    export_dir, manifest = exported
    report = verify_export(export_dir)
    assert report.ok
    assert report.problems == []
    assert report.files_checked == len(manifest.files) > 0
    assert report.version == manifest.version


@pytest.mark.parametrize("path", [JSONL, PARQUET])
def test_a_modified_file_is_named(export_copy, path):
    # Same size, one byte different: only the hash can tell.
    flip_one_byte(export_copy / path, 10)
    assert ("modified", path) in problems(export_copy)
    assert ("size_mismatch", path) not in problems(export_copy)


def test_an_appended_record_changes_size_hash_and_count(export_copy):
    with (export_copy / JSONL).open("a", encoding="utf-8") as handle:
        handle.write(json.dumps({"messages": [], "metadata": {}}) + "\n")
    assert problems(export_copy) == {
        ("modified", JSONL),
        ("size_mismatch", JSONL),
        ("count_mismatch", JSONL),
    }


def test_a_truncated_parquet_file_is_reported_not_raised(export_copy):
    path = export_copy / PARQUET
    path.write_bytes(path.read_bytes()[:100])
    assert {("modified", PARQUET), ("size_mismatch", PARQUET), ("count_mismatch", PARQUET)} <= (
        problems(export_copy)
    )


@pytest.mark.parametrize("path", [JSONL, PARQUET, "preference_pairs/train/part-00000.jsonl"])
def test_a_missing_file_is_named(export_copy, path):
    (export_copy / path).unlink()
    assert problems(export_copy) == {("missing", path)}


@pytest.mark.parametrize(
    "path", ["data/train/foundation/part-99999.parquet", "notes.txt", "data/README.md"]
)
def test_an_extra_file_is_named(export_copy, path):
    (export_copy / path).write_text("not part of the export")
    assert problems(export_copy) == {("extra", path)}


@pytest.mark.parametrize(
    "path", ["README.md", "qa_report.html", "qa_report.json", "curriculum.json"]
)
def test_documents_added_beside_the_manifest_are_allowed(export_copy, path):
    (export_copy / path).write_text("{}")
    assert problems(export_copy) == set()


def test_an_edited_manifest_is_caught(export_copy):
    manifest_path = export_copy / "manifest.json"
    document = json.loads(manifest_path.read_text())
    document["counts"]["by_split"]["train"] += 1
    manifest_path.write_text(json.dumps(document, indent=2, sort_keys=True))
    assert problems(export_copy) == {("modified", "manifest.json")}


def test_created_at_may_change_without_breaking_the_hash(export_copy):
    manifest_path = export_copy / "manifest.json"
    document = json.loads(manifest_path.read_text())
    document["created_at"] = "2000-01-01T00:00:00Z"
    manifest_path.write_text(json.dumps(document, indent=2, sort_keys=True))
    assert problems(export_copy) == set()


@pytest.mark.parametrize("content", [None, "not json", '{"files": []}'])
def test_a_missing_or_broken_manifest_fails(export_copy, content):
    manifest_path = export_copy / "manifest.json"
    if content is None:
        manifest_path.unlink()
    else:
        manifest_path.write_text(content)
    report = verify_export(export_copy)
    assert not report.ok
    assert [p.path for p in report.problems] == ["manifest.json"]
    assert report.problems[0].kind == ("missing" if content is None else "modified")
