"""Stream a warehouse table into bounded, deterministic Parquet + JSONL shards.

One DuckDB query per table sorts the rows by partition (split, stage) and key, and renders
each row's JSONL line (`to_json`) on the way out. Python slices that stream into shards of a
known size and hands the pieces to two single-thread writers (Parquet, JSONL) that run beside
DuckDB, so the three overlap on a 2-core box while each file is still written strictly in order.

Bytes depend only on the rows: the order is total (keys are unique within a partition, which
is checked as rows go by), Parquet row groups have a fixed row count whatever the batch
boundaries, and JSONL lines are copied verbatim from DuckDB's single rendering of each row.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from exports.errors import ExportError
from exports.layout import FileFormat, Kind, is_safe_component, shard_path
from exports.warehouse import table_columns
from pixel_config.values import quote_identifier

logger = logging.getLogger(__name__)

BATCH_ROWS = 8_192
PARQUET_ROW_GROUP_ROWS = 32_768
PARQUET_COMPRESSION = "zstd"
PARQUET_COMPRESSION_LEVEL = 3
WRITER_BACKLOG = 4
_LINE_COLUMN = "__pixel_export_jsonl_line"
_HASH_CHUNK = 4 << 20


@dataclass(frozen=True)
class TableSpec:
    """How one warehouse table maps onto export files."""

    kind: Kind
    table: str
    key: str
    partition_columns: tuple[str, ...]
    # Top-level JSONL fields, in this order; every other column goes under `metadata`.
    record_columns: tuple[str, ...]


CONVERSATIONS = TableSpec(
    kind="conversations",
    table="conversations",
    key="conversation_id",
    partition_columns=("split", "stage"),
    record_columns=("messages",),
)
PREFERENCE_PAIRS = TableSpec(
    kind="preference_pairs",
    table="preference_pairs",
    key="pair_id",
    partition_columns=("split",),
    record_columns=("prompt_messages", "chosen", "rejected"),
)


@dataclass(frozen=True)
class Shard:
    """One shard to write: its partition, its index in the partition and its record count."""

    kind: Kind
    split: str
    stage: str | None
    index: int
    records: int

    def path(self, file_format: FileFormat) -> str:
        return shard_path(self.kind, self.split, self.stage, self.index, file_format)

    @property
    def partition(self) -> tuple[str, ...]:
        return (self.split,) if self.stage is None else (self.split, self.stage)


@dataclass(frozen=True)
class WrittenFile:
    """A finished data file and the facts the manifest records about it."""

    path: str
    sha256: str
    bytes: int
    records: int
    kind: Kind
    format: FileFormat
    split: str
    stage: str | None

    def manifest_entry(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "sha256": self.sha256,
            "bytes": self.bytes,
            "records": self.records,
            "kind": self.kind,
            "format": self.format,
            "split": self.split,
            "stage": self.stage,
        }


def plan_shards(
    con: duckdb.DuckDBPyConnection, spec: TableSpec, max_records_per_shard: int
) -> list[Shard]:
    """Shards in stream order: partitions sorted by value, each cut into bounded pieces."""
    partition_sql = ", ".join(quote_identifier(c) for c in spec.partition_columns)
    rows = con.execute(
        f"select {partition_sql}, count(*) from {spec.table} "
        f"group by {partition_sql} order by {partition_sql}"
    ).fetchall()
    shards = []
    for *partition, records in rows:
        _check_partition(spec, partition)
        stage = partition[1] if len(partition) > 1 else None
        for index, start in enumerate(range(0, records, max_records_per_shard)):
            count = min(max_records_per_shard, records - start)
            shards.append(Shard(spec.kind, partition[0], stage, index, count))
    return shards


def _check_partition(spec: TableSpec, partition: list[Any]) -> None:
    for column, value in zip(spec.partition_columns, partition, strict=True):
        if not isinstance(value, str) or not is_safe_component(value):
            raise ExportError(
                f"{spec.table}.{column} = {value!r} cannot name an export directory "
                "(null or not a plain name)"
            )


def stream_sql(con: duckdb.DuckDBPyConnection, spec: TableSpec) -> tuple[str, list[str]]:
    """The ordered query that yields every column plus the rendered JSONL line."""
    columns = table_columns(con, spec.table)
    names = [name for name, _ in columns]
    top = [name for name in spec.record_columns if name in names]
    metadata = [(name, data_type) for name, data_type in columns if name not in top]
    record_fields = [f"{quote_identifier(n)} := {quote_identifier(n)}" for n in top]
    metadata_fields = [f"{quote_identifier(n)} := {_json_safe(n, t)}" for n, t in metadata]
    record_fields.append(f"metadata := struct_pack({', '.join(metadata_fields)})")
    order = ", ".join(quote_identifier(c) for c in (*spec.partition_columns, spec.key))
    select_columns = ", ".join(quote_identifier(n) for n in names)
    sql = (
        f"select {select_columns}, "
        f"to_json(struct_pack({', '.join(record_fields)})) || chr(10) as {_LINE_COLUMN} "
        # Rendering after the sort keeps the sorted payload small; DuckDB keeps the subquery
        # order (preserve_insertion_order) and `_RowStream` checks it anyway.
        f"from (select * from {spec.table} order by {order}) as ordered_rows"
    )
    return sql, names


def _json_safe(name: str, data_type: str) -> str:
    """Column expression for JSONL: NaN and infinities become null (they are not JSON)."""
    column = quote_identifier(name)
    if data_type in {"DOUBLE", "FLOAT", "REAL"}:
        return f"case when isfinite({column}) then {column} end"
    return column


class _RowStream:
    """Cuts an ordered record-batch stream into exact row counts and checks the order."""

    def __init__(self, reader: pa.RecordBatchReader, spec: TableSpec) -> None:
        self._batches = iter(reader)
        self._pending: pa.RecordBatch | None = None
        self._spec = spec
        self._last: tuple[tuple[str, ...], str] | None = None

    def take(self, shard: Shard) -> Iterator[pa.RecordBatch]:
        """The next `shard.records` rows, as slices of the incoming batches."""
        remaining = shard.records
        while remaining:
            if self._pending is None or len(self._pending) == 0:
                self._pending = next(self._batches, None)
                if self._pending is None:
                    raise ExportError(f"{self._spec.table} ended early; was it rebuilt meanwhile?")
                continue
            piece = self._pending.slice(0, min(remaining, len(self._pending)))
            self._pending = self._pending.slice(len(piece))
            remaining -= len(piece)
            self._check(piece, shard)
            yield piece

    def finish(self) -> None:
        """Fail if rows are left over after the planned shards."""
        leftover = self._pending is not None and len(self._pending) > 0
        if leftover or next(self._batches, None) is not None:
            raise ExportError(f"{self._spec.table} has more rows than planned")

    def _check(self, piece: pa.RecordBatch, shard: Shard) -> None:
        for column, expected in zip(self._spec.partition_columns, shard.partition, strict=True):
            values = piece.column(column)
            if values.null_count or not pc.all(pc.equal(values, expected)).as_py():
                raise ExportError(f"{self._spec.table} rows arrived out of partition order")
        keys = piece.column(self._spec.key)
        if keys.null_count:
            raise ExportError(f"{self._spec.table}.{self._spec.key} has nulls")
        first, last = keys[0].as_py(), keys[-1].as_py()
        if self._last is not None and self._last[0] == shard.partition and self._last[1] >= first:
            self._raise_not_unique()
        if len(keys) > 1 and not pc.all(pc.greater(keys.slice(1), keys.slice(0, len(keys) - 1))):
            self._raise_not_unique()
        self._last = (shard.partition, last)

    def _raise_not_unique(self) -> None:
        raise ExportError(
            f"{self._spec.table}.{self._spec.key} is not unique (or rows are out of order) "
            "within a split/stage; the export order would not be deterministic"
        )


class _SerialWorker:
    """Runs calls one at a time, in submission order, on its own thread; bounded backlog."""

    def __init__(self, name: str, backlog: int = WRITER_BACKLOG) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self._pending: deque[Future[Any]] = deque()
        self._backlog = backlog

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future[Any]:
        while len(self._pending) >= self._backlog:
            self._pending.popleft().result()
        future = self._pool.submit(fn, *args)
        self._pending.append(future)
        return future

    def drain(self) -> None:
        while self._pending:
            self._pending.popleft().result()

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


class _JsonlShardWriter:
    """Appends DuckDB-rendered lines to one JSONL file, hashing as it goes."""

    def __init__(self, target: Path) -> None:
        self._file = target.open("wb")
        self._hash = hashlib.sha256()
        self._bytes = 0
        self._records = 0

    def write(self, lines: pa.Array) -> None:
        data = _string_payload(lines)
        self._file.write(data)
        self._hash.update(data)
        self._bytes += len(data)
        self._records += len(lines)

    def close(self) -> tuple[str, int, int]:
        self._file.close()
        return self._hash.hexdigest(), self._bytes, self._records


def _string_payload(strings: pa.Array) -> memoryview:
    """The concatenated bytes of a null-free string array, without copying them."""
    if pa.types.is_string(strings.type):
        offset_type = pa.int32()
    elif pa.types.is_large_string(strings.type):
        offset_type = pa.int64()
    else:
        return _string_payload(strings.cast(pa.large_string()))
    if strings.null_count:
        raise ExportError("a JSONL line rendered as null")
    _, offsets_buffer, data = strings.buffers()
    offsets = pa.Array.from_buffers(
        offset_type, len(strings) + 1, [None, offsets_buffer], offset=strings.offset
    )
    return memoryview(data)[offsets[0].as_py() : offsets[-1].as_py()]


class _ParquetShardWriter:
    """Writes one Parquet file in row groups of a fixed row count, whatever the batch sizes."""

    def __init__(self, target: Path, schema: pa.Schema) -> None:
        self._target = target
        self._writer = pq.ParquetWriter(
            target,
            schema,
            compression=PARQUET_COMPRESSION,
            compression_level=PARQUET_COMPRESSION_LEVEL,
        )
        self._buffer: list[pa.RecordBatch] = []
        self._buffered = 0
        self._records = 0

    def write(self, batch: pa.RecordBatch) -> None:
        self._buffer.append(batch)
        self._buffered += len(batch)
        while self._buffered >= PARQUET_ROW_GROUP_ROWS:
            table = pa.Table.from_batches(self._buffer)
            self._write_group(table.slice(0, PARQUET_ROW_GROUP_ROWS))
            rest = table.slice(PARQUET_ROW_GROUP_ROWS)
            self._buffer, self._buffered = rest.to_batches(), len(rest)

    def close(self) -> tuple[str, int, int]:
        if self._buffered:
            self._write_group(pa.Table.from_batches(self._buffer))
        self._writer.close()
        return file_sha256(self._target), self._target.stat().st_size, self._records

    def _write_group(self, table: pa.Table) -> None:
        self._writer.write_table(table, row_group_size=PARQUET_ROW_GROUP_ROWS)
        self._records += len(table)


def file_sha256(path: Path) -> str:
    """sha256 of a local file, read in large chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def write_table_shards(
    con: duckdb.DuckDBPyConnection,
    spec: TableSpec,
    root: Path,
    max_records_per_shard: int,
) -> list[WrittenFile]:
    """Write every shard of `spec.table` under `root`; returns the files written."""
    shards = plan_shards(con, spec, max_records_per_shard)
    if not shards:
        return []
    sql, columns = stream_sql(con, spec)
    started = time.perf_counter()
    reader = con.execute(sql).fetch_record_batch(BATCH_ROWS)
    logger.info("%s: sorted in %.1fs", spec.table, time.perf_counter() - started)
    data_schema = pa.schema([reader.schema.field(name) for name in columns])
    rows = _RowStream(reader, spec)
    parquet_worker, jsonl_worker = _SerialWorker("parquet"), _SerialWorker("jsonl")
    finished: list[tuple[Shard, FileFormat, Future[tuple[str, int, int]]]] = []
    try:
        for shard in shards:
            parquet = _ParquetShardWriter(_target(root, shard.path("parquet")), data_schema)
            jsonl = _JsonlShardWriter(_target(root, shard.path("jsonl")))
            for piece in rows.take(shard):
                parquet_worker.submit(parquet.write, piece.select(columns))
                jsonl_worker.submit(jsonl.write, piece.column(_LINE_COLUMN))
            finished.append((shard, "parquet", parquet_worker.submit(parquet.close)))
            finished.append((shard, "jsonl", jsonl_worker.submit(jsonl.close)))
        rows.finish()
        parquet_worker.drain()
        jsonl_worker.drain()
    finally:
        parquet_worker.shutdown()
        jsonl_worker.shutdown()
    logger.info(
        "%s: wrote %d shards in %.1fs", spec.table, len(shards), time.perf_counter() - started
    )
    return [
        _written(shard, file_format, future.result()) for shard, file_format, future in finished
    ]


def _target(root: Path, relative: str) -> Path:
    target = root.joinpath(*relative.split("/"))
    target.parent.mkdir(parents=True, exist_ok=True)
    return target


def _written(shard: Shard, file_format: FileFormat, facts: tuple[str, int, int]) -> WrittenFile:
    sha256, size, records = facts
    if records != shard.records:
        raise ExportError(
            f"{shard.path(file_format)}: wrote {records} records, planned {shard.records}"
        )
    return WrittenFile(
        path=shard.path(file_format),
        sha256=sha256,
        bytes=size,
        records=records,
        kind=shard.kind,
        format=file_format,
        split=shard.split,
        stage=shard.stage,
    )
