"""The lake reader: every container, every kind of broken input, nothing dropped silently."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ingestion.lake_reader import LakeFile, read_lake_records, read_one_file

MAX = 1000


def _records(path: Path) -> list[tuple[str, str, int, str | None, str | None]]:
    return [
        (container, compression, rec.source_line, rec.raw_record, rec.load_error)
        for container, compression, rec in read_one_file(str(path), max_record_bytes=MAX)
    ]


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_jsonl_keeps_line_numbers_and_flags_every_bad_line(tmp_path):
    data = (
        b'{"a": 1}\n'
        b"\n"  # blank: not a record
        b'{"a": \xff\xfe}\n'  # invalid utf-8
        b'{"a": 3}\r\n'  # CRLF
        + b'{"big": "'
        + b"x" * MAX
        + b'"}\n'  # too large
        + b'{"a": 5'  # last line, no newline: candidate truncated record
    )
    rows = _records(_write(tmp_path, "f.jsonl", data))
    assert [(line, error) for _, _, line, _, error in rows] == [
        (1, None),
        (3, "invalid_utf8"),
        (4, None),
        (5, "record_too_large"),
        (6, None),
    ]
    assert rows[2][3] == '{"a": 3}'
    last = list(read_one_file(str(tmp_path / "f.jsonl"), max_record_bytes=MAX))[-1][2]
    assert last.at_unterminated_eof and last.raw_record == '{"a": 5'


def test_bom_is_stripped(tmp_path):
    rows = _records(_write(tmp_path, "bom.jsonl", b'\xef\xbb\xbf{"a": 1}\n'))
    assert rows == [("jsonl", "none", 1, '{"a": 1}', None)]


@pytest.mark.parametrize("name", ["lying.json", "lying.jsonl", "lying.txt", "lying.jsonl.gz"])
def test_container_is_sniffed_not_taken_from_the_name(tmp_path, name):
    payload = b'{"a": 1}\n{"a": 2}\n'
    data = gzip.compress(payload, mtime=0) if name.endswith(".txt") else payload
    rows = _records(_write(tmp_path, name, data))
    assert [(c, line) for c, _, line, _, _ in rows] == [("jsonl", 1), ("jsonl", 2)]
    assert rows[0][1] == ("gzip" if name.endswith(".txt") else "none")


def test_json_array_elements_are_records(tmp_path):
    rows = _records(_write(tmp_path, "a.json", b'[{"a": 1}, {"b": [1, 2]}, 3]'))
    assert [(c, line) for c, _, line, _, _ in rows] == [("json_array", n) for n in (1, 2, 3)]
    assert json.loads(rows[1][3]) == {"b": [1, 2]}


def test_broken_json_array_is_one_file_level_row(tmp_path):
    rows = _records(_write(tmp_path, "a.json", b'[{"a": 1}, {"b": '))
    assert rows == [("json_array", "none", 0, None, "malformed_json_array")]


def test_csv_rows_become_objects_with_their_start_line(tmp_path):
    data = b'q,a\n"line one\nline two",answer\nx,y,z\n\nlast,row\n'
    rows = _records(_write(tmp_path, "qa.csv", data))
    assert [(line, error) for _, _, line, _, error in rows] == [
        (2, None),
        (4, "malformed_csv_row"),
        (6, None),
    ]
    assert json.loads(rows[0][3]) == {"q": "line one\nline two", "a": "answer"}


def test_csv_row_with_bad_utf8_is_flagged(tmp_path):
    rows = _records(_write(tmp_path, "qa.csv", b"q,a\nfine,ok\nbad \xff,row\n"))
    assert [error for *_, error in rows] == [None, "invalid_utf8"]


def test_parquet_rows_become_objects(tmp_path):
    path = tmp_path / "p.parquet"
    pq.write_table(pa.table({"question": ["q1", "q2"], "n": [1, 2]}), path)
    rows = _records(path)
    assert [(c, line) for c, _, line, _, _ in rows] == [("parquet", 1), ("parquet", 2)]
    assert json.loads(rows[1][3]) == {"question": "q2", "n": 2}


def test_empty_file_has_no_records(tmp_path):
    assert _records(_write(tmp_path, "empty.jsonl", b"")) == []


def test_truncated_gzip_keeps_what_was_read_and_reports_the_damage(tmp_path):
    payload = b"".join(b'{"n": %d, "pad": "%s"}\n' % (i, b"x" * 50) for i in range(2000))
    data = gzip.compress(payload, mtime=0)
    rows = _records(_write(tmp_path, "cut.jsonl.gz", data[: len(data) // 2]))
    # every complete line before the damage is kept, the tail is one row on the next line
    kept = rows[:-1]
    assert [line for _, _, line, _, _ in kept] == list(range(1, len(kept) + 1))
    assert all(error is None for *_, error in kept)
    assert rows[-1][4] == "bad_gzip" and rows[-1][2] == len(kept) + 1
    assert 0 < len(kept) < 2000


def test_missing_file_is_reported_not_raised(tmp_path):
    rows = _records(tmp_path / "vanished.jsonl")
    assert rows == [("unreadable", "none", 0, None, "unreadable_file")]


def test_record_batches_carry_dataset_and_file(tmp_path):
    a = _write(tmp_path, "a.jsonl", b'{"a": 1}\n{"a": 2}\n')
    b = _write(tmp_path, "b.jsonl", io.BytesIO(b'{"b": 1}\n').getvalue())
    reader = read_lake_records(
        [LakeFile("ds_a", str(a)), LakeFile("ds_b", str(b))], max_record_bytes=MAX
    )
    table = reader.read_all()
    assert table.column("source_dataset").to_pylist() == ["ds_a", "ds_a", "ds_b"]
    assert table.column("source_line").to_pylist() == [1, 2, 1]


def test_duckdb_parquet_reader_matches_pyarrow(tmp_path):
    import duckdb

    from ingestion.lake_reader import duckdb_parquet_rows

    path = tmp_path / "p.parquet"
    messages = [[{"role": "user", "content": "hi"}], [{"role": "assistant", "content": "yo"}]]
    pq.write_table(pa.table({"it's": ["a", "b"], "messages": messages}), path)
    rows = list(duckdb_parquet_rows(duckdb.connect(), str(path)))
    assert [n for n, _ in rows] == [1, 2]
    assert json.loads(rows[1][1]) == {"it's": "b", "messages": messages[1]}


def test_corrupt_parquet_is_one_quarantined_file(tmp_path):
    rows = _records(_write(tmp_path, "bad.parquet", b"PAR1" + b"\x00" * 64))
    assert rows == [("parquet", "none", 0, None, "unreadable_parquet")]
