"""One container sniffer: the inventory's label is the container the reader reads."""

from __future__ import annotations

import gzip
import io

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ingestion.containers import sniff_container
from ingestion.lake_reader import read_one_file


def _parquet() -> bytes:
    sink = io.BytesIO()
    pq.write_table(pa.table({"text": ["a", "b"]}), sink)
    return sink.getvalue()


HEADS = [
    (b"", "empty"),
    (b" \n\t\r\n", "empty"),
    (b'{"a": 1}\n', "jsonl"),
    (b'\xef\xbb\xbf{"a": 1}\n', "jsonl"),
    (b'\n\n  {"a": 1}\n', "jsonl"),
    (b'  [{"a": 1}]', "json_array"),
    (b'\xef\xbb\xbf[{"a": 1}]', "json_array"),
    (b"q,a\n1,2\n", "csv"),
    (b"q\ta\n1\t2\n", "csv"),
    # any other text is read as CSV rows (a one-column file), so it is called csv
    (b"Speaker one talks.\nAnd goes on.\n", "csv"),
    (b"\x00\x01binary,junk\nmore,junk\n", "csv"),
    ('{"a": "caf\u00e9"}\n'.encode("utf-16"), "jsonl"),
    (b"\xfe\xff" + '[{"a": 1}]'.encode("utf-16-be"), "json_array"),
    ("q,a\n1,2\n".encode("utf-16"), "csv"),
    (_parquet(), "parquet"),
    (gzip.compress(b'{"a": 1}\n', mtime=0), "gzip/jsonl"),
    (gzip.compress(b"[1, 2]", mtime=0), "gzip/json_array"),
    (gzip.compress(b"q,a\n1,2\n", mtime=0), "gzip/csv"),
    (gzip.compress(b"", mtime=0), "gzip/empty"),
    (gzip.compress(_parquet(), mtime=0), "gzip/parquet"),
]


@pytest.mark.parametrize(("head", "expected"), HEADS)
def test_sniff_container(head: bytes, expected: str) -> None:
    assert sniff_container(head) == expected


@pytest.mark.parametrize(("data", "expected"), HEADS)
def test_the_reader_reads_the_container_the_sniffer_names(tmp_path, data, expected) -> None:
    path = tmp_path / "object"  # no extension: the name says nothing
    path.write_bytes(data)
    rows = list(read_one_file(str(path), max_record_bytes=10_000))
    compression, _, container = expected.rpartition("/")
    if container == "empty":
        assert rows == []
        return
    assert {row[0] for row in rows} == {container}
    assert {row[1] for row in rows} == {compression or "none"}


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"# A talk\n\nSpeaker one, words.\n", "document"),
        (b'{"a": 1}\n', "document"),  # a document is read whole, never sniffed
        (_parquet(), "document"),
        (gzip.compress(b"Some talk.\n", mtime=0), "gzip/document"),
    ],
)
def test_a_document_dataset_file_is_one_document(tmp_path, data, expected) -> None:
    assert sniff_container(data, document=True) == expected
    path = tmp_path / "talk.md"
    path.write_bytes(data)
    rows = list(read_one_file(str(path), max_record_bytes=10_000, document=True))
    compression, _, container = expected.rpartition("/")
    assert [(row[0], row[1]) for row in rows] == [(container, compression or "none")]


def test_a_damaged_gzip_head_is_named_damaged() -> None:
    assert sniff_container(b"\x1f\x8b" + b"\xff" * 20) == "gzip/damaged"
