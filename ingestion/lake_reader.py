"""Read lake files into uniform raw records, one row per input record, with load errors kept.

Every registered file, whatever its container (JSONL, JSON array, CSV, Parquet, gzip of any of
these, whatever its extension claims), becomes rows of ``(file, line, raw JSON object text)``.
Nothing is dropped: a line that cannot be read becomes a row with ``load_error`` set, so the
warehouse can quarantine it with its file and line. Parsing the JSON is left to SQL. A file of
a document format (``transcript``: a talk or book as text or markdown) is read whole, as one
record ``{"text", "title"}`` at line 1.
"""

from __future__ import annotations

import csv
import io
import json
import sys
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO

import duckdb
import pyarrow as pa

from ingestion.containers import (
    SNIFF_BYTES,
    UTF8_BOM,
    is_gzip,
    is_parquet,
    is_utf16,
    text_container,
    utf16_to_utf8,
)
from ingestion.documents import read_document
from ingestion.json_documents import parse_json_document
from ingestion.objects import ObjectChangedError
from ingestion.record_shapes import DOCUMENT_FORMATS
from ingestion.record_streams import (
    CHUNK_BYTES,
    SalvagingGzip,
    csv_rows,
    is_cr_only,
    json_values,
    split_cr_lines,
)
from pixel_config.values import quote_identifier, quote_string

RAW_RECORD_SCHEMA = pa.schema(
    [
        pa.field("source_dataset", pa.string()),
        pa.field("source_file", pa.string()),
        pa.field("source_line", pa.int64()),
        pa.field("container", pa.string()),
        pa.field("compression", pa.string()),
        pa.field("raw_record", pa.string()),
        pa.field("raw_bytes", pa.int64()),
        pa.field("load_error", pa.string()),
        pa.field("at_unterminated_eof", pa.bool_()),
    ]
)

BATCH_ROWS = 20_000
# Errors that mean "this Parquet file is damaged", as opposed to a bug in the reader.
PARQUET_DATA_ERRORS = (
    OSError,
    EOFError,
    pa.ArrowException,
    duckdb.IOException,
    duckdb.InvalidInputException,
)

# A gzip stream that cannot be inflated (truncated, corrupt) or an object that changed under it.
GZIP_ERRORS = (OSError, EOFError, zlib.error)

_CR = ord("\r")

csv.field_size_limit(sys.maxsize)


@dataclass(frozen=True, slots=True)
class LakeFile:
    """A registered file to read: which dataset it feeds, where it lives, its registry format."""

    source_dataset: str
    uri: str
    record_format: str | None = None
    # one conversation per file (a field_map path from "$", ingestion.record_shapes)
    whole_record: bool = False
    # set when the listing could not treat it as a readable file (ingestion.lake): one row
    # with this reason at line 0, and the file is not opened
    listing_error: str | None = None


@dataclass(slots=True)
class RawRecord:
    source_line: int
    raw_record: str | None
    raw_bytes: int
    load_error: str | None = None
    at_unterminated_eof: bool = False


@dataclass(slots=True)
class _Batcher:
    """Collects rows column-wise and cuts Arrow record batches of bounded size."""

    columns: dict[str, list] = field(
        default_factory=lambda: {name: [] for name in RAW_RECORD_SCHEMA.names}
    )

    def add(self, lake_file: LakeFile, container: str, compression: str, rec: RawRecord) -> None:
        cols = self.columns
        cols["source_dataset"].append(lake_file.source_dataset)
        cols["source_file"].append(lake_file.uri)
        cols["source_line"].append(rec.source_line)
        cols["container"].append(container)
        cols["compression"].append(compression)
        cols["raw_record"].append(rec.raw_record)
        cols["raw_bytes"].append(rec.raw_bytes)
        cols["load_error"].append(rec.load_error)
        cols["at_unterminated_eof"].append(rec.at_unterminated_eof)

    def __len__(self) -> int:
        return len(self.columns["source_line"])

    def flush(self) -> pa.RecordBatch:
        batch = pa.RecordBatch.from_pydict(self.columns, schema=RAW_RECORD_SCHEMA)
        self.columns = {name: [] for name in RAW_RECORD_SCHEMA.names}
        return batch


def open_local(uri: str) -> IO[bytes]:
    return open(uri, "rb")


def read_lake_records(
    files: Iterable[LakeFile],
    *,
    max_record_bytes: int,
    opener=open_local,
    parquet_reader=None,
) -> pa.RecordBatchReader:
    """Stream every record of every file as Arrow batches of ``RAW_RECORD_SCHEMA``.

    ``opener(uri)`` returns a binary stream (local files by default; S3 passes its own).
    ``parquet_reader(uri)`` yields ``(row_number, json_text)`` for Parquet files (DuckDB does
    this, locally or on S3); without it Parquet is read with pyarrow.
    """

    def batches() -> Iterator[pa.RecordBatch]:
        batcher = _Batcher()
        for lake_file in files:
            if lake_file.listing_error:
                unlisted = _file_error(lake_file.listing_error, None)
                batcher.add(lake_file, "unreadable", "none", unlisted)
                continue
            for container, compression, rec in read_one_file(
                lake_file.uri,
                max_record_bytes=max_record_bytes,
                opener=opener,
                parquet_reader=parquet_reader,
                document=lake_file.record_format in DOCUMENT_FORMATS,
                whole_record=lake_file.whole_record,
            ):
                batcher.add(lake_file, container, compression, rec)
                if len(batcher) >= BATCH_ROWS:
                    yield batcher.flush()
        if len(batcher):
            yield batcher.flush()

    return pa.RecordBatchReader.from_batches(RAW_RECORD_SCHEMA, batches())


def read_one_file(
    uri: str,
    *,
    max_record_bytes: int,
    opener=open_local,
    parquet_reader=None,
    document: bool = False,
    whole_record: bool = False,
) -> Iterator[tuple[str, str, RawRecord]]:
    """Yield ``(container, compression, record)`` for one file; never raises on bad content.

    ``document``: the file is one document (registry format ``transcript``: text, markdown,
    PDF, EPUB or a timed JSON transcript), read whole as one record ``{"text", "title"}`` at
    line 1 instead of being sniffed as JSON or CSV. ``whole_record``: the file is one JSON value
    (one conversation per file), read whole as one record at line 1.
    """
    try:
        raw_stream = opener(uri)
    except OSError as exc:  # ObjectChangedError is an OSError too
        yield _unreadable(exc, "none", "unreadable_file")
        return
    with raw_stream:
        stream = io.BufferedReader(raw_stream) if not hasattr(raw_stream, "peek") else raw_stream
        try:
            head = stream.peek(4)[:4]
        except OSError as exc:
            yield _unreadable(exc, "none", "unreadable_file")
            return
        compression = "none"
        if is_gzip(head):
            compression = "gzip"
            inflated = SalvagingGzip(stream)
            stream = io.BufferedReader(inflated, CHUNK_BYTES)
            try:
                head = stream.peek(4)[:4]
            except GZIP_ERRORS as exc:
                yield _unreadable(exc, compression, "bad_gzip")
                return
            if inflated.damage is not None and not head:
                yield _unreadable(zlib.error(), compression, "bad_gzip")
                return
        if is_parquet(head) and not document:
            reader = parquet_reader or _pyarrow_parquet_rows
            try:
                source = uri if compression == "none" else stream
                for row_number, text in reader(source):
                    yield "parquet", compression, _bounded(row_number, text, max_record_bytes)
            except (
                ObjectChangedError,
                FileNotFoundError,
            ) as exc:  # changed or deleted since listed
                yield _unreadable(exc, compression, "unreadable_file")
            except PARQUET_DATA_ERRORS as exc:  # a corrupt file must not stop the build
                yield "parquet", compression, _file_error("unreadable_parquet", exc)
            return
        try:
            if document:
                yield from _read_document(stream, compression, max_record_bytes, uri)
            elif whole_record:
                yield from _read_json_document(stream, compression, max_record_bytes)
            else:
                yield from _read_text_container(stream, compression, max_record_bytes)
        except GZIP_ERRORS as exc:
            # bytes that stopped matching the listing mid-file quarantine the whole file
            # (stg_lake__json_records extends that line-0 row to the records read before it)
            yield _unreadable(exc, compression, "bad_gzip")
            return
        if compression == "gzip" and inflated.damage is not None:
            # a truncated or corrupt gzip: every complete line before the damage was read; the
            # lost tail is one row at the line it starts on, with its byte offset
            damage = inflated.damage
            tail = RawRecord(damage.line, damage.as_json(), damage.tail_bytes, "bad_gzip")
            yield "unreadable", compression, tail


def _read_whole(stream: IO[bytes], max_record_bytes: int) -> tuple[bytes, int]:
    """Up to ``max_record_bytes + 1`` bytes of a file, and its size (read on when over)."""
    data = stream.read(max_record_bytes + 1)
    size = len(data)
    if size > max_record_bytes:
        while chunk := stream.read(1 << 20):
            size += len(chunk)
    return data, size


def _read_document(
    stream: IO[bytes], compression: str, max_record_bytes: int, uri: str
) -> Iterator[tuple[str, str, RawRecord]]:
    """A whole file as one record ``{"text", "title"}`` (``ingestion.documents``)."""
    data, size = _read_whole(stream, max_record_bytes)
    if size > max_record_bytes:
        yield "document", compression, RawRecord(1, None, size, "record_too_large")
        return
    document = read_document(data, uri)
    if document is None:
        return  # an empty (or whitespace-only) file holds no records
    if document.error:
        yield "document", compression, RawRecord(1, None, len(data), document.error)
        return
    record = json.dumps(document.record(), ensure_ascii=False)
    yield "document", compression, RawRecord(1, record, len(data))


def _read_json_document(
    stream: IO[bytes], compression: str, max_record_bytes: int
) -> Iterator[tuple[str, str, RawRecord]]:
    """A whole file as one JSON record (``ingestion.json_documents``); JSONL read by lines."""
    data, size = _read_whole(stream, max_record_bytes)
    if size > max_record_bytes:
        yield "json_document", compression, RawRecord(1, None, size, "record_too_large")
        return
    document = parse_json_document(data)
    if document is None:
        return
    if document.lines:  # JSONL: one conversation a line (a line may be a message list)
        for rec in _read_jsonl(io.BufferedReader(io.BytesIO(data)), max_record_bytes):
            yield "jsonl", compression, rec
        return
    yield "json_document", compression, RawRecord(1, document.record, len(data), document.error)


def _read_text_container(
    stream: IO[bytes], compression: str, max_record_bytes: int
) -> Iterator[tuple[str, str, RawRecord]]:
    head = stream.peek(SNIFF_BYTES)
    if is_utf16(head):
        stream = io.BufferedReader(io.BytesIO(utf16_to_utf8(stream.read())))
        head = stream.peek(SNIFF_BYTES)
    container = text_container(head)
    if container == "json_array" and _is_json_lines(head):
        container = "jsonl"  # a JSONL file whose first line is an array: read by lines
    if container == "jsonl":
        for rec in _read_jsonl(stream, max_record_bytes):
            yield "jsonl", compression, rec
    elif container == "json_array":
        for rec in _read_json_array(stream, max_record_bytes):
            yield "json_array", compression, rec
    elif container == "csv":
        for rec in _read_csv(stream, max_record_bytes):
            yield "csv", compression, rec
    # "empty": an empty (or whitespace-only) file holds no records


def _first_line(head: bytes) -> bytes:
    """The first non-blank line of ``head`` (BOM and leading whitespace dropped)."""
    return head.removeprefix(UTF8_BOM).lstrip().split(b"\n", 1)[0].strip()


def _is_json_lines(head: bytes) -> bool:
    """A ``[``-file whose first line is a whole JSON value with more after it: JSON Lines."""
    first = _first_line(head)
    rest = head.removeprefix(UTF8_BOM).lstrip()[len(first) :]
    if not rest.strip() or b"\n" not in head:
        return False
    try:
        json.loads(first)
    except (ValueError, RecursionError):
        return False
    return True


def _is_pretty_printed(head: bytes) -> bool:
    """A ``{``-file whose first line opens a value it does not close: JSON spread over lines."""
    first = _first_line(head)
    return first.startswith(b"{") and first.endswith((b"{", b"[", b",", b":"))


def _read_jsonl(stream: IO[bytes], max_record_bytes: int) -> Iterator[RawRecord]:
    if _is_pretty_printed(stream.peek(SNIFF_BYTES)):
        data = stream.read()
        records = _read_json_values(data, max_record_bytes)
        if records is not None:
            yield from records
            return
        stream = io.BufferedReader(io.BytesIO(data))  # not JSON values either: read by lines
    if stream.peek(3)[:3] == UTF8_BOM:
        stream.read(3)
    if is_cr_only(stream.peek(SNIFF_BYTES)):
        lines: Iterable[bytes] = split_cr_lines(stream)
    else:
        lines = stream  # the common case: the stream's own (C) line iteration
    shift = 0  # lines added by CRs inside a line (CR-only rows appended to an LF file)
    for line_number, line in enumerate(lines, start=1):
        body = line.rstrip(b"\r\n")
        if _CR in body:  # an int test is a memchr; a bytes one is several times slower
            for index, part in enumerate(split_cr_lines(io.BytesIO(line))):
                yield from _jsonl_line(part, line_number + shift + index, max_record_bytes)
            shift += index
            continue
        if not body or body.isspace():
            continue  # blank lines are not records
        if len(body) > max_record_bytes:
            yield RawRecord(line_number + shift, None, len(body), "record_too_large")
            continue
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            yield RawRecord(line_number + shift, None, len(body), "invalid_utf8")
            continue
        unterminated = not line.endswith(b"\n") and not line.endswith(b"\r")
        yield RawRecord(line_number + shift, text, len(body), None, unterminated)


def _jsonl_line(line: bytes, line_number: int, max_record_bytes: int) -> Iterator[RawRecord]:
    """The record (or the reason) of one JSONL line; nothing for a blank one."""
    body = line.rstrip(b"\r\n")
    if not body or body.isspace():
        return
    if len(body) > max_record_bytes:
        yield RawRecord(line_number, None, len(body), "record_too_large")
        return
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        yield RawRecord(line_number, None, len(body), "invalid_utf8")
        return
    unterminated = not line.endswith(b"\n") and not line.endswith(b"\r")
    yield RawRecord(line_number, text, len(body), None, unterminated)


def _read_json_values(data: bytes, max_record_bytes: int) -> list[RawRecord] | None:
    """Records of JSON values written one after another (pretty-printed objects), each at the
    line it starts on; None when the first value does not parse (then it is read by lines)."""
    try:
        text = data.removeprefix(UTF8_BOM).decode("utf-8")
    except UnicodeDecodeError:
        return None
    records = []
    for line, value in json_values(text):
        if value is None:
            if not records:
                return None
            # the rest does not parse: one row for it, where it starts
            rest = len(text.encode("utf-8")) - sum(r.raw_bytes for r in records)
            records.append(RawRecord(line, None, rest, "malformed_json"))
            break
        records.append(_bounded(line, value, max_record_bytes))
    return records


def _read_json_array(stream: IO[bytes], max_record_bytes: int) -> Iterator[RawRecord]:
    data = stream.read()
    if data.startswith(UTF8_BOM):
        data = data[len(UTF8_BOM) :]
    try:
        elements = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        yield _file_error("invalid_utf8", None, len(data))
        return
    except json.JSONDecodeError as exc:
        yield _file_error("malformed_json_array", exc, len(data))
        return
    except RecursionError as exc:
        yield _file_error("nesting_too_deep", exc, len(data))
        return
    if not isinstance(elements, list):  # pragma: no cover - sniffed as "[" so always a list
        yield _file_error("malformed_json_array", None, len(data))
        return
    for index, element in enumerate(elements, start=1):
        try:
            text = json.dumps(element, ensure_ascii=False)
        except RecursionError:
            yield RawRecord(index, None, 0, "nesting_too_deep")
            continue
        yield _bounded(index, text, max_record_bytes)


def _read_csv(stream: IO[bytes], max_record_bytes: int) -> Iterator[RawRecord]:
    text_stream = io.TextIOWrapper(
        stream, encoding="utf-8-sig", errors="surrogateescape", newline=""
    )
    rows = csv_rows(text_stream)
    first = next(rows, None)
    if first is None:
        return
    _, header_cells, _ = first
    if header_cells is None:
        yield _file_error("malformed_csv_row", None)
        return
    header = [name.strip() for name in header_cells]
    for start_line, row, chars in rows:
        if row is None:
            yield RawRecord(start_line, None, chars, "malformed_csv_row")
            continue
        if not any(cell.strip() for cell in row):
            continue  # blank lines are not records
        size = sum(len(cell) for cell in row)
        if len(row) != len(header):
            yield RawRecord(start_line, None, size, "malformed_csv_row")
            continue
        try:
            record = json.dumps(dict(zip(header, row, strict=True)), ensure_ascii=False)
            record.encode("utf-8")
        except UnicodeEncodeError:
            yield RawRecord(start_line, None, size, "invalid_utf8")
            continue
        yield _bounded(start_line, record, max_record_bytes)


def _pyarrow_parquet_rows(source) -> Iterator[tuple[int, str]]:
    import pyarrow.parquet as pq

    parquet_file = pq.ParquetFile(source)
    row_number = 0
    for batch in parquet_file.iter_batches(batch_size=10_000):
        for row in batch.to_pylist():
            row_number += 1
            yield row_number, json.dumps(row, ensure_ascii=False, default=str)


def duckdb_parquet_rows(cursor: duckdb.DuckDBPyConnection, uri: str) -> Iterator[tuple[int, str]]:
    """Parquet rows as ``(row_number, json_text)`` read by DuckDB (local files or s3:// alike)."""
    columns = [
        row[0] for row in cursor.execute("describe select * from read_parquet(?)", [uri]).fetchall()
    ]
    fields = ", ".join(f"{quote_string(name)}: {quote_identifier(name)}" for name in columns)
    result = cursor.execute(
        f"select file_row_number + 1, to_json({{{fields}}}) "
        "from read_parquet(?, file_row_number = true) order by file_row_number",
        [uri],
    )
    while chunk := result.fetchmany(10_000):
        yield from chunk


def _bounded(line: int, text: str, max_record_bytes: int) -> RawRecord:
    size = len(text.encode("utf-8"))
    if size > max_record_bytes:
        return RawRecord(line, None, size, "record_too_large")
    return RawRecord(line, text, size)


def _unreadable(exc: BaseException, compression: str, reason: str) -> tuple[str, str, RawRecord]:
    """A file that could not be read: ``object_changed`` when it changed since the listing
    (whatever else went wrong), else ``reason``."""
    if isinstance(exc, ObjectChangedError):
        reason = "object_changed"
    return "unreadable", compression, _file_error(reason, exc)


def _file_error(reason: str, exc: BaseException | None, size: int = 0) -> RawRecord:
    """A whole-file failure: one row at line 0, the file's records cannot be told apart."""
    del exc  # the reason code is what is kept; messages may quote content
    return RawRecord(0, None, size, reason)
