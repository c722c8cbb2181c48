"""What an interrupted or failing export leaves: nothing hidden for ever, one line on error."""

from __future__ import annotations

import errno
import fcntl
from pathlib import Path

import pytest
from typer.testing import CliRunner

import exports.writer
from exports import ExportError, export_warehouse
from pixel_data import cli


def hidden(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith("."))


def test_folders_a_killed_export_left_are_removed_by_the_next(warehouse, tmp_path):
    out = tmp_path / "out"
    for kind in ("partial", "spill"):
        leftover = tmp_path / f".out.{kind}-0123456789ab"
        leftover.mkdir()
        (leftover / "shard.parquet").write_bytes(b"half")
    (tmp_path / ".other.partial-0123456789ab").mkdir()  # another output's: not ours to remove
    export_warehouse(warehouse, out, documents=False)
    assert hidden(tmp_path) == [".other.partial-0123456789ab"]
    assert (out / "manifest.json").is_file()


def test_a_previous_export_moved_aside_by_a_killed_publish_is_put_back(warehouse, tmp_path):
    out = tmp_path / "out"
    export_warehouse(warehouse, out, documents=False)
    out.rename(tmp_path / ".out.old-0123456789ab")  # killed between the two renames
    export_warehouse(warehouse, out, documents=False)
    assert hidden(tmp_path) == []
    assert (out / "manifest.json").is_file()


def test_a_second_export_to_the_same_place_is_refused_while_one_runs(warehouse, tmp_path):
    out = tmp_path / "out"
    with open(tmp_path / ".out.lock", "a+b") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(ExportError, match=r"another export to .* is running"):
            export_warehouse(warehouse, out, documents=False)
    assert not out.exists()


@pytest.mark.parametrize(
    ("code", "text"),
    [(errno.ENOSPC, "No space left on device"), (errno.EROFS, "Read-only file system")],
)
def test_an_io_error_is_a_one_line_refusal_and_leaves_nothing(
    warehouse, tmp_path, monkeypatch, code, text
):
    def full_disk(*_args, **_kwargs):
        raise OSError(code, text, str(tmp_path / "shard.parquet"))

    monkeypatch.setattr(exports.writer, "write_table_shards", full_disk)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli.app, ["export", "--out", str(out), "--warehouse", str(warehouse)]
    )
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and text in lines[0] and "Traceback" not in result.output, lines
    assert not out.exists() and hidden(tmp_path) == []
