"""An export held under an S3 prefix, readable by `verify_store` like a local directory."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import BinaryIO

from exports.layout import is_safe_relative_path
from ingestion.s3 import (
    S3AccessError,
    S3Config,
    S3ObjectReader,
    describe_error,
    error_code,
    is_botocore_error,
    is_missing,
    iter_keys,
    join_key,
    parse_s3_uri,
)

READ_BUFFER_BYTES = 8 << 20


class S3ExportStore:
    """The files under ``s3://bucket/prefix``, addressed by relative posix path.

    Satisfies `exports.store.ExportStore`: a paginated listing, HEAD for existence and size,
    and seekable streams made of ranged GETs pinned to the object's ETag.
    """

    def __init__(self, uri: str, config: S3Config | None = None, client=None) -> None:
        self.uri = uri.rstrip("/")
        self.bucket, self.prefix = parse_s3_uri(self.uri)
        self.config = config or S3Config.from_env()
        self.client = client or self.config.client()

    def check_bucket(self) -> None:
        """Raise a clear `S3AccessError` when the bucket is missing or the credentials fail."""
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except Exception as exc:
            if not is_botocore_error(exc):
                raise
            if error_code(exc) in {"404", "NoSuchBucket"}:
                raise S3AccessError(
                    f"bucket {self.bucket!r} does not exist at {self.config.endpoint_label} "
                    f"({self.uri})"
                ) from None
            raise describe_error(exc, self.config, "opening", self.uri) from None

    def key(self, path: str) -> str:
        if not is_safe_relative_path(path):
            raise ValueError(f"path leaves the export prefix: {path!r}")
        return join_key(self.prefix, path)

    def object_uri(self, path: str) -> str:
        return f"s3://{self.bucket}/{self.key(path)}"

    def list_sizes(self) -> dict[str, int]:
        """Relative path -> size of every object under the prefix (paginated listing)."""
        key_prefix = f"{self.prefix}/" if self.prefix else ""
        keys = iter_keys(self.client, self.bucket, key_prefix, self.config, self.uri)
        return {key[len(key_prefix) :]: size for key, size in keys if not key.endswith("/")}

    def list_files(self) -> Iterator[str]:
        yield from sorted(self.list_sizes())

    def head(self, path: str, *, checksums: bool = False) -> dict | None:
        """The object's HEAD response (with checksum headers when asked), or None if missing."""
        kwargs = {"Bucket": self.bucket, "Key": self.key(path)}
        if checksums:
            kwargs["ChecksumMode"] = "ENABLED"
        try:
            return self.client.head_object(**kwargs)
        except Exception as exc:
            if is_missing(exc):
                return None
            if is_botocore_error(exc):
                raise describe_error(exc, self.config, "checking", self.object_uri(path)) from None
            raise

    def exists(self, path: str) -> bool:
        return self.head(path) is not None

    def size(self, path: str) -> int:
        head = self.head(path)
        if head is None:
            raise FileNotFoundError(self.object_uri(path))
        return int(head["ContentLength"])

    def open(self, path: str) -> BinaryIO:
        reader = S3ObjectReader(self.client, self.object_uri(path), self.config)
        return io.BufferedReader(reader, buffer_size=READ_BUFFER_BYTES)
