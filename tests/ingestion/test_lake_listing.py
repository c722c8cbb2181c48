"""The lake listing never skips silently (issue 17, items 3 and 5): what it cannot list as a
readable file is a row with a reason."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import ingestion.lake
from ingestion.lake import list_lake


def listing(root: Path) -> dict[str, str | None]:
    return {obj.relpath: obj.problem for obj in list_lake(str(root))}


def test_links_and_undecodable_names_are_rows_with_a_reason(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "ok.jsonl").write_text("{}\n")
    os.symlink(tmp_path / "missing", tmp_path / "data" / "dangling.jsonl")
    os.symlink(tmp_path / "data" / "loop.jsonl", tmp_path / "data" / "loop.jsonl")
    os.symlink(tmp_path / "data", tmp_path / "linked")
    os.symlink(tmp_path / "data" / "ok.jsonl", tmp_path / "data" / "alias.jsonl")
    with open(os.fsencode(tmp_path) + b"/data/bad_\xff.jsonl", "wb") as handle:
        handle.write(b"{}\n")
    assert listing(tmp_path) == {
        "data/alias.jsonl": None,  # a link to a file is read as that file
        "data/bad_\\xff.jsonl": "undecodable_path",
        "data/dangling.jsonl": "dangling_symlink",
        "data/loop.jsonl": "symlink_loop",
        "data/ok.jsonl": None,
        "linked": "symlinked_directory",
    }


def test_an_unreadable_folder_is_a_row(tmp_path, monkeypatch):
    (tmp_path / "open").mkdir()
    (tmp_path / "open" / "a.jsonl").write_text("{}\n")
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked" / "b.jsonl").write_text("{}\n")
    real_walk = os.walk

    def walk(top, onerror=None, **kwargs):
        """os.walk as an unprivileged user sees it: `locked` cannot be listed."""
        for folder, subfolders, files in real_walk(top, onerror=onerror, **kwargs):
            if Path(folder).name == "locked":
                onerror(PermissionError(13, "Permission denied", folder))
                continue
            yield folder, subfolders, files

    monkeypatch.setattr(ingestion.lake.os, "walk", walk)
    assert listing(tmp_path) == {"locked": "unreadable_directory", "open/a.jsonl": None}


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads folders whatever their mode")
def test_a_folder_without_read_permission_is_a_row(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "b.jsonl").write_text("{}\n")
    locked.chmod(0)
    try:
        assert listing(tmp_path) == {"locked": "unreadable_directory"}
    finally:
        locked.chmod(0o755)
