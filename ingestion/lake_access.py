"""How the lake reader opens objects: local files or S3 objects, each checked against its listing.

The listing (``stg_lake__files``) and the read (``stg_lake__records``) happen at different
moments. An object deleted in between raises ``FileNotFoundError`` (quarantined as
``unreadable_file``); one whose size no longer matches its listing raises
``ObjectChangedError`` (``object_changed``). Neither ever yields a partial file silently.

S3 objects are read in place by DuckDB through httpfs, loaded offline from the
duckdb-ext-httpfs wheel, with a secret created at run time from the AWS environment:
``read_blob`` for objects up to ``blob_max_bytes`` (text, gzip: the whole object in one GET)
and ``read_parquet`` for Parquet. Bigger text objects are streamed with ranged GETs pinned to
one ETag (``S3ObjectReader``) instead: ``read_blob`` materializes an object about three times
over in memory, which a 1.2 GB file cannot afford.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO

import duckdb

from ingestion.lake_reader import duckdb_parquet_rows
from ingestion.objects import ObjectChangedError, is_s3
from ingestion.s3 import S3AccessError, S3Config, S3ObjectReader, configure_duckdb

STREAM_BUFFER_BYTES = 8 << 20


class SizeCheckedStream(io.RawIOBase):
    """Passes bytes through and raises ``ObjectChangedError`` when the total is not ``expected``."""

    def __init__(self, raw: IO[bytes], expected: int, uri: str) -> None:
        super().__init__()
        self._raw, self._expected, self._uri, self._seen = raw, expected, uri, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = self._raw.readinto(buffer)
        self._seen += n or 0
        if self._seen > self._expected or (not n and self._seen != self._expected):
            raise ObjectChangedError(
                f"{self._uri}: read {self._seen} bytes, it was listed with {self._expected}"
            )
        return n

    def close(self) -> None:
        self._raw.close()
        super().close()


def open_local_checked(uri: str, expected_size: int | None) -> IO[bytes]:
    """Open a local file; its size must still be the listed one, while open and at its end."""
    handle = open(uri, "rb")  # noqa: SIM115 - the caller closes the returned stream
    if expected_size is None:
        return handle
    size = os.fstat(handle.fileno()).st_size
    if size != expected_size:
        handle.close()
        raise ObjectChangedError(f"{uri} is {size} bytes, it was listed with {expected_size}")
    return io.BufferedReader(SizeCheckedStream(handle, expected_size, uri))


@dataclass
class LakeAccess:
    """``opener`` and ``parquet_reader`` for ``read_lake_records`` over one listing.

    ``sizes`` maps each URI to its listed size. ``cursor`` is a DuckDB connection that may read
    (S3 reads create a temporary secret in its database on first use). ``blob_max_bytes``: S3
    objects up to this size are fetched whole (the dbt var ``lake_blob_max_bytes``).
    """

    cursor: duckdb.DuckDBPyConnection
    sizes: dict[str, int]
    blob_max_bytes: int
    extension_dir: str | None = None
    s3_config: S3Config | None = None
    _s3_client: object | None = field(default=None, init=False, repr=False)

    def open(self, uri: str) -> IO[bytes]:
        """A binary stream of one lake object (raises for deleted or changed objects)."""
        expected = self.sizes.get(uri)
        if not is_s3(uri):
            return open_local_checked(uri, expected)
        self._ensure_s3()
        if expected is not None and expected <= self.blob_max_bytes:
            return io.BytesIO(self._read_blob(uri, expected))
        reader = S3ObjectReader(self._client(), uri, self._config(), expected_size=expected)
        raw = SizeCheckedStream(reader, reader.size, uri)
        return io.BufferedReader(raw, buffer_size=STREAM_BUFFER_BYTES)

    def parquet_rows(self, uri: str) -> Iterator[tuple[int, str]]:
        """Parquet rows as ``(row_number, json_text)``, read by DuckDB locally or through httpfs."""
        if not is_s3(uri):
            yield from duckdb_parquet_rows(self.cursor, uri)
            return
        self._ensure_s3()
        try:
            yield from duckdb_parquet_rows(self.cursor, uri)
        except duckdb.IOException as exc:
            raise self._explain_duckdb_error(exc, uri) from None

    def _read_blob(self, uri: str, expected: int) -> bytes:
        try:
            row = self.cursor.execute("select size, content from read_blob(?)", [uri]).fetchone()
        except duckdb.IOException as exc:
            raise self._explain_duckdb_error(exc, uri) from None
        if row is None:
            raise FileNotFoundError(f"{uri} does not exist (deleted after listing?)")
        content = row[1] or b""
        if len(content) != expected:
            raise ObjectChangedError(
                f"{uri} is {len(content)} bytes, it was listed with {expected}"
            )
        return content

    def _explain_duckdb_error(self, exc: duckdb.IOException, uri: str) -> Exception:
        """Deleted object, damaged data (re-raised as is), or S3 trouble (a clear error)."""
        status = getattr(exc, "status_code", None)
        if status == 404:
            return FileNotFoundError(f"{uri} does not exist (deleted after listing?)")
        if status in (401, 403):
            return S3AccessError(
                f"S3 at {self._config().endpoint_label} refused DuckDB's credentials for {uri} "
                f"(HTTP {status}); check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_PROFILE"
            )
        if status is not None:
            return S3AccessError(
                f"S3 at {self._config().endpoint_label} answered HTTP {status} for {uri}"
            )
        # No HTTP status: either a damaged file or no connection. Ask the server directly.
        try:
            reader = S3ObjectReader(
                self._client(), uri, self._config(), expected_size=self.sizes.get(uri)
            )
            reader.close()
        except (OSError, S3AccessError) as probe_error:
            return probe_error
        return exc  # the object is there and unchanged: its content is what failed

    def _ensure_s3(self) -> None:
        if self._s3_client is None:
            configure_duckdb(self.cursor, self._config(), self.extension_dir)
            self._s3_client = self._config().client()

    def _client(self):
        if self._s3_client is None:
            self._s3_client = self._config().client()
        return self._s3_client

    def _config(self) -> S3Config:
        if self.s3_config is None:
            self.s3_config = S3Config.from_env()
        return self.s3_config
