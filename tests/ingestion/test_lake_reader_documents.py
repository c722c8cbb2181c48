"""Transcript documents: a `transcript` file is one record, read whole, never sniffed as CSV."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from ingestion.lake_reader import LakeFile, read_lake_records, read_one_file

MAX = 10_000
TALK = "# Shame, safety and healing\n\nWhy does shame last? Because, once, it kept us safe.\n"


def _read(path: Path, document: bool = True, max_bytes: int = MAX):
    return [
        (container, compression, rec.source_line, rec.raw_record, rec.load_error)
        for container, compression, rec in read_one_file(
            str(path), max_record_bytes=max_bytes, document=document
        )
    ]


def test_a_markdown_talk_is_one_record_with_its_text_and_title(tmp_path):
    path = tmp_path / "ana_reyes__shame.md"
    path.write_text(TALK)
    ((container, compression, line, record, error),) = _read(path)
    assert (container, compression, line, error) == ("document", "none", 1, None)
    assert json.loads(record) == {"text": TALK, "title": "ana_reyes__shame"}


def test_without_the_document_flag_the_same_file_is_sniffed_as_csv(tmp_path):
    path = tmp_path / "talk.md"
    path.write_text(TALK)
    assert {container for container, *_ in _read(path, document=False)} == {"csv"}


@pytest.mark.parametrize(
    ("data", "expected_text"),
    [
        (b"\xef\xbb\xbf" + TALK.encode(), TALK),  # UTF-8 BOM removed
        (TALK.encode("utf-16"), TALK),  # UTF-16 with a BOM decoded
        (gzip.compress(TALK.encode(), mtime=0), TALK),  # gzip of any name
        (b'{"looks": "like json"}\n', '{"looks": "like json"}\n'),  # still a document
    ],
)
def test_encodings_and_containers_of_a_document(tmp_path, data, expected_text):
    path = tmp_path / "doc.txt"
    path.write_bytes(data)
    ((_, _, line, record, error),) = _read(path)
    assert (line, error) == (1, None)
    assert json.loads(record)["text"] == expected_text


def test_an_empty_document_holds_no_record(tmp_path):
    path = tmp_path / "empty.md"
    path.write_bytes(b"  \n\n")
    assert _read(path) == []


@pytest.mark.parametrize(
    ("data", "max_bytes", "error"),
    [(b"caf\xe9 talk", MAX, "invalid_utf8"), (b"x" * 5000, 1000, "record_too_large")],
)
def test_a_bad_document_is_one_record_with_its_error(tmp_path, data, max_bytes, error):
    path = tmp_path / "bad.md"
    path.write_bytes(data)
    assert _read(path, max_bytes=max_bytes) == [("document", "none", 1, None, error)]


def test_the_registry_format_selects_document_reading(tmp_path):
    talk = tmp_path / "talk.md"
    talk.write_text(TALK)
    rows = tmp_path / "rows.csv"
    rows.write_text("a,b\n1,2\n3,4\n")
    table = read_lake_records(
        [
            LakeFile("talks", str(talk), record_format="transcript"),
            LakeFile("rows", str(rows), record_format="utterances"),
        ],
        max_record_bytes=MAX,
    ).read_all()
    assert table.column("container").to_pylist() == ["document", "csv", "csv"]
    assert table.column("source_line").to_pylist() == [1, 2, 3]
