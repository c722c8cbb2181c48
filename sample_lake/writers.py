"""File writers of the sample lake: JSONL (BOM, blank lines, no final newline, gzip), JSON arrays,
CSV and Parquet. They serialise the records they are given, broken ones included, byte for byte
the same on every run (gzip without a timestamp, fixed Parquet settings)."""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq


@dataclass
class JsonlOptions:
    bom: bool = False
    blank_lines: bool = False
    final_newline: bool = True
    gzip: bool = False


def write_jsonl(path: Path, payloads: Sequence[str | bytes], options: JsonlOptions) -> None:
    """One payload a line; ``bytes`` payloads are written as they are (invalid UTF-8 on purpose)."""
    lines = [p if isinstance(p, bytes) else p.encode() for p in payloads]
    if options.blank_lines:
        spaced: list[bytes] = []
        for i, line in enumerate(lines):
            spaced.append(line)
            if i % 7 == 3 and i < len(lines) - 1:
                spaced.append(b"")
            if i % 13 == 5 and i < len(lines) - 1:
                spaced.extend((b"", b""))
        lines = spaced
    data = b"\n".join(lines)
    if lines and options.final_newline:
        data += b"\n"
    if options.bom:
        data = b"\xef\xbb\xbf" + data
    if options.gzip:
        with (
            path.open("wb") as raw,
            gzip.GzipFile(
                filename=path.name, mode="wb", fileobj=raw, mtime=0, compresslevel=6
            ) as gz,
        ):
            gz.write(data)
    else:
        path.write_bytes(data)


def write_json_array(path: Path, payloads: Sequence[str]) -> None:
    """A JSON array of already-serialised elements, one a line."""
    data = "[\n" + ",\n".join(payloads) + "\n]\n"
    path.write_bytes(data.encode())


def write_csv(path: Path, rows: Sequence[Sequence[Any]], header: Sequence[str]) -> None:
    """A header and the rows, ``\\n`` line ends; a row may carry an extra field on purpose."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode())


def write_parquet(path: Path, rows: Sequence[dict[str, Any]], schema: pa.Schema) -> None:
    """The rows as one zstd Parquet file with fixed settings (same bytes on every run)."""
    table = pa.Table.from_pylist(list(rows), schema=schema)
    pq.write_table(
        table,
        path,
        compression="zstd",
        compression_level=3,
        row_group_size=50_000,
        use_dictionary=True,
        write_statistics=True,
        version="2.6",
        data_page_version="1.0",
    )
