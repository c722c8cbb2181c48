"""Objects that change between listing and reading: quarantined whole, never read partially."""

from __future__ import annotations

import io

import duckdb
import pytest

from ingestion.lake_access import LakeAccess, SizeCheckedStream
from ingestion.lake_reader import LakeFile, read_lake_records
from ingestion.objects import ObjectChangedError

LINES = b"".join(b'{"messages": [], "n": %d}\n' % i for i in range(50))


def _read(tmp_path, sizes):
    access = LakeAccess(cursor=duckdb.connect(), sizes=sizes, blob_max_bytes=64 << 20)
    files = [LakeFile("d", uri) for uri in sizes]
    table = read_lake_records(
        files, max_record_bytes=10_000, opener=access.open, parquet_reader=access.parquet_rows
    ).read_all()
    return list(
        zip(
            *(table.column(c).to_pylist() for c in ("source_file", "source_line", "load_error")),
            strict=True,
        )
    )


def test_an_unchanged_file_reads_every_record(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_bytes(LINES)
    rows = _read(tmp_path, {str(path): len(LINES)})
    assert len(rows) == 50 and all(error is None for _, _, error in rows)


@pytest.mark.parametrize("change", [-10, +10])
def test_a_file_whose_size_changed_since_listing_is_one_object_changed_row(tmp_path, change):
    path = tmp_path / "a.jsonl"
    path.write_bytes(LINES)
    rows = _read(tmp_path, {str(path): len(LINES) - change})
    assert rows == [(str(path), 0, "object_changed")]


def test_a_file_deleted_since_listing_is_unreadable(tmp_path):
    rows = _read(tmp_path, {str(tmp_path / "gone.jsonl"): 123})
    assert rows == [(str(tmp_path / "gone.jsonl"), 0, "unreadable_file")]


def test_bytes_that_stop_short_of_the_listing_mid_read_raise():
    stream = io.BufferedReader(SizeCheckedStream(io.BytesIO(LINES[:-5]), len(LINES), "x"))
    with pytest.raises(ObjectChangedError):
        stream.read()
    stream = io.BufferedReader(SizeCheckedStream(io.BytesIO(LINES), len(LINES) - 5, "x"))
    with pytest.raises(ObjectChangedError):
        stream.read()


def test_a_stream_that_ends_early_marks_its_file_changed(tmp_path):
    """Records read before the change stay rows, and a line-0 row marks the file for SQL."""
    path = tmp_path / "a.jsonl"
    path.write_bytes(LINES)
    short = LINES[: len(LINES) // 2]

    def opener(uri):
        return io.BufferedReader(SizeCheckedStream(io.BytesIO(short), len(LINES), uri), 64)

    table = read_lake_records(
        [LakeFile("d", str(path))], max_record_bytes=10_000, opener=opener
    ).read_all()
    errors = table.column("load_error").to_pylist()
    lines = table.column("source_line").to_pylist()
    assert errors[-1] == "object_changed" and lines[-1] == 0
