"""Registry globs: `**/` spans folders, `*` stays in one; each object gets at most one dataset."""

from __future__ import annotations

import pytest

from ingestion.lake import RegistryGlob, assign_datasets, glob_matches, list_lake
from ingestion.objects import LakeObject


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("curated/priority_*.jsonl", "curated/priority_a.jsonl", True),
        ("curated/priority_*.jsonl", "curated/sub/priority_a.jsonl", False),
        ("instructions/**/*.jsonl", "instructions/a.jsonl", True),
        ("instructions/**/*.jsonl", "instructions/x/y/a.jsonl", True),
        ("instructions/**/*.jsonl", "other/a.jsonl", False),
        ("safety/hh/*.jsonl.gz", "safety/hh/a.jsonl.gz", True),
        ("safety/hh/*.jsonl.gz", "safety/hh/a.jsonl", False),
        ("data/file?.csv", "data/file1.csv", True),
        ("data/file?.csv", "data/file10.csv", False),
        ("data/[ab].csv", "data/a.csv", True),
        ("data/[!ab].csv", "data/a.csv", False),
        ("a.b/*.json", "axb/x.json", False),
        ("instructions/**/*.jsonl", "instructions/part-001.jsonl.gz", False),
        ("safety/reddit_*.jsonl", "safety/hh/hh_001.jsonl.gz", False),
        ("qa/counsel_chat_?.csv", "qa/counsel_chat_/.csv", False),  # ? never crosses /
    ],
)
def test_glob_semantics(pattern, path, expected):
    assert glob_matches(pattern, path) is expected


def test_assign_reports_every_match_and_unregistered():
    registry = [RegistryGlob("wide", "**/*.jsonl"), RegistryGlob("narrow", "a/*.jsonl")]
    objects = [LakeObject("/l/a/x.jsonl", "a/x.jsonl", 1), LakeObject("/l/n.txt", "n.txt", 1)]
    assigned = list(assign_datasets(objects, registry))
    assert assigned[0][1:] == ("wide", ["wide", "narrow"])
    assert assigned[1][1:] == (None, [])


def test_list_lake_walks_sorted_with_sizes(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "z.jsonl").write_bytes(b"12345")
    (tmp_path / "a.csv").write_bytes(b"1")
    objects = list_lake(str(tmp_path))
    assert [(o.relpath, o.size) for o in objects] == [("a.csv", 1), ("b/z.jsonl", 5)]


def test_missing_lake_root_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="not a directory"):
        list_lake(str(tmp_path / "nope"))
