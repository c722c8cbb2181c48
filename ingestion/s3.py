"""S3 access from the standard AWS environment: configuration, errors, listing and reads.

Credentials come from wherever boto3 finds them (``AWS_ACCESS_KEY_ID`` /
``AWS_SECRET_ACCESS_KEY`` / ``AWS_SESSION_TOKEN``, ``AWS_PROFILE``, the shared config files);
the endpoint of an S3-compatible store from ``AWS_ENDPOINT_URL_S3`` or ``AWS_ENDPOINT_URL``
(boto3 reads the same variables). ``S3Config`` never holds a credential, so it can be printed,
and every error raised here names the endpoint, bucket and key but never a credential.

Every client is built with bounded retries (botocore "standard" mode: exponential backoff with
jitter) and connect/read timeouts, so an unreachable endpoint fails in bounded time:
``PIXEL_S3_MAX_ATTEMPTS`` (default 5), ``PIXEL_S3_CONNECT_TIMEOUT`` (5 s) and
``PIXEL_S3_READ_TIMEOUT`` (30 s) tune them.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from ingestion.objects import LakeObject, ObjectChangedError
from pixel_config.values import quote_string

# Errors botocore raises when the endpoint cannot be reached or stops answering mid-request.
_CONNECTION_ERROR_NAMES = frozenset(
    {
        "EndpointConnectionError",
        "ConnectTimeoutError",
        "ReadTimeoutError",
        "ConnectionClosedError",
        "ResponseStreamingError",
        "IncompleteReadError",
        "ProxyConnectionError",
        "SSLError",
        "ProtocolError",
    }
)
_CREDENTIAL_ERROR_CODES = frozenset(
    {
        "InvalidAccessKeyId",
        "SignatureDoesNotMatch",
        "AccessDenied",
        "InvalidToken",
        "ExpiredToken",
        "AuthorizationHeaderMalformed",
        "403",
        "Forbidden",
    }
)
_MISSING_CODES = frozenset({"NoSuchKey", "404", "NotFound"})
READ_CHUNK = 8 << 20


class S3AccessError(RuntimeError):
    """S3 could not be used (unreachable, credentials refused, no such bucket).

    Not an ``OSError``, so no reader mistakes it for a damaged file: the command fails.
    """


@dataclass(frozen=True, slots=True)
class S3Config:
    """Where S3 is and how patiently to talk to it; credentials stay with boto3."""

    endpoint_url: str | None = None
    region: str = "us-east-1"
    profile: str | None = None
    max_attempts: int = 5
    connect_timeout: float = 5.0
    read_timeout: float = 30.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> S3Config:
        """The configuration the standard AWS variables (and ``PIXEL_S3_*`` knobs) describe."""
        env = os.environ if environ is None else environ
        endpoint = env.get("AWS_ENDPOINT_URL_S3") or env.get("AWS_ENDPOINT_URL") or None
        profile = env.get("AWS_PROFILE") or None
        region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION")
        if not region or not endpoint:
            scoped = _profile_config(profile)
            region = region or scoped.get("region")
            endpoint = endpoint or _profile_endpoint(scoped)
        return cls(
            endpoint_url=endpoint.rstrip("/") if endpoint else None,
            region=region or "us-east-1",
            profile=profile,
            max_attempts=int(env.get("PIXEL_S3_MAX_ATTEMPTS", "5")),
            connect_timeout=float(env.get("PIXEL_S3_CONNECT_TIMEOUT", "5")),
            read_timeout=float(env.get("PIXEL_S3_READ_TIMEOUT", "30")),
        )

    @property
    def endpoint_label(self) -> str:
        """The endpoint for messages: the configured URL, or AWS's regional default."""
        return self.endpoint_url or f"https://s3.{self.region}.amazonaws.com"

    def session(self):
        import boto3

        return boto3.Session(profile_name=self.profile, region_name=self.region)

    def client(self):
        """A boto3 S3 client with bounded retries and timeouts."""
        from botocore.config import Config

        config = Config(
            retries={"max_attempts": self.max_attempts, "mode": "standard"},
            connect_timeout=self.connect_timeout,
            read_timeout=self.read_timeout,
            s3={"addressing_style": "path" if self.endpoint_url else "auto"},
            # Only send/validate checksums when an operation asks for them: S3-compatible
            # stores differ in what they accept by default.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        )
        return self.session().client("s3", endpoint_url=self.endpoint_url, config=config)


def _profile_config(profile: str | None) -> dict[str, Any]:
    try:
        import botocore.session

        session = botocore.session.Session(profile=profile)
        return dict(session.get_scoped_config())
    except Exception:  # no config file, unknown profile: boto3 reports it on first use
        return {}


def _profile_endpoint(scoped: dict[str, Any]) -> str | None:
    s3_section = scoped.get("s3")
    if isinstance(s3_section, dict) and s3_section.get("endpoint_url"):
        return str(s3_section["endpoint_url"])
    endpoint = scoped.get("endpoint_url")
    return str(endpoint) if endpoint else None


def parse_s3_uri(uri: str) -> tuple[str, str]:
    """``s3://bucket/some/prefix`` -> ``("bucket", "some/prefix")`` (no slashes at the ends)."""
    if not uri.startswith("s3://"):
        raise ValueError(f"not an s3:// URI: {uri!r}")
    bucket, _, key = uri[len("s3://") :].partition("/")
    if not bucket:
        raise ValueError(f"no bucket in {uri!r}")
    return bucket, key.strip("/")


def join_key(prefix: str, relpath: str) -> str:
    return f"{prefix}/{relpath}" if prefix else relpath


def describe_error(exc: BaseException, config: S3Config, action: str, uri: str) -> S3AccessError:
    """A clear, credential-free error for a failed S3 call."""
    name = type(exc).__name__
    endpoint = config.endpoint_label
    if name in _CONNECTION_ERROR_NAMES:
        return S3AccessError(
            f"cannot reach the S3 endpoint {endpoint} while {action} {uri} "
            f"(gave up after {config.max_attempts} attempts with backoff: {name}); "
            "check AWS_ENDPOINT_URL and that the server is up"
        )
    if name in {"NoCredentialsError", "PartialCredentialsError", "ProfileNotFound"}:
        return S3AccessError(
            f"no usable AWS credentials while {action} {uri} ({name}): set "
            "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE"
        )
    code = error_code(exc)
    if code in _CREDENTIAL_ERROR_CODES:
        return S3AccessError(
            f"S3 at {endpoint} refused the credentials while {action} {uri} ({code}); "
            "check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_PROFILE and the bucket policy"
        )
    if code == "NoSuchBucket":
        bucket = parse_s3_uri(uri)[0] if uri.startswith("s3://") else uri
        return S3AccessError(f"bucket {bucket!r} does not exist at {endpoint} ({action} {uri})")
    return S3AccessError(f"S3 error while {action} {uri} at {endpoint}: {code or name}")


def error_code(exc: BaseException) -> str | None:
    """The S3 error code (``NoSuchKey``, ``403``...) of a botocore ``ClientError``, else None."""
    response = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return None
    code = response.get("Error", {}).get("Code")
    if code:
        return str(code)
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return str(status) if status else None


def is_missing(exc: BaseException) -> bool:
    return error_code(exc) in _MISSING_CODES


def is_botocore_error(exc: BaseException) -> bool:
    return type(exc).__module__.startswith(("botocore", "urllib3"))


def list_s3_objects(root: str, config: S3Config | None = None) -> list[LakeObject]:
    """Every object under an ``s3://bucket/prefix`` root, listed 1,000 keys a request."""
    config = config or S3Config.from_env()
    bucket, prefix = parse_s3_uri(root)
    key_prefix = f"{prefix}/" if prefix else ""
    objects = [
        LakeObject(uri=f"s3://{bucket}/{key}", relpath=key[len(key_prefix) :], size=size)
        for key, size in iter_keys(config.client(), bucket, key_prefix, config, root)
        if not key.endswith("/")  # folder markers are not objects
    ]
    if not objects:
        raise FileNotFoundError(f"lake root {root} holds no objects")
    return objects


def iter_keys(
    client, bucket: str, key_prefix: str, config: S3Config, uri: str
) -> Iterator[tuple[str, int]]:
    """``(key, size)`` of every object under ``key_prefix``, through the ListObjectsV2 paginator."""
    try:
        for page in client.get_paginator("list_objects_v2").paginate(
            Bucket=bucket, Prefix=key_prefix
        ):
            for item in page.get("Contents", []):
                yield item["Key"], int(item["Size"])
    except Exception as exc:
        if is_botocore_error(exc):
            raise describe_error(exc, config, "listing", uri) from None
        raise


class S3ObjectReader(io.RawIOBase):
    """A seekable read-only stream of one object, pinned to the version first seen (its ETag).

    Sequential reads share one streaming GET; a seek opens a ranged GET from the new position.
    A GET cut short mid-stream is resumed from where it stopped (``IfMatch`` the same ETag), up
    to the client's attempt limit. A missing object raises ``FileNotFoundError``; one that no
    longer matches the expected size or the pinned ETag raises ``ObjectChangedError``;
    transport failures raise ``S3AccessError``.
    """

    def __init__(
        self, client, uri: str, config: S3Config, *, expected_size: int | None = None
    ) -> None:
        super().__init__()
        self.client, self.uri, self.config = client, uri, config
        self.bucket, self.key = parse_s3_uri(uri)
        try:
            head = client.head_object(Bucket=self.bucket, Key=self.key)
        except Exception as exc:
            raise self._translate(exc, "reading the size of") from None
        self.size = int(head["ContentLength"])
        self.etag = head.get("ETag")
        if expected_size is not None and self.size != expected_size:
            raise ObjectChangedError(
                f"{uri} is {self.size} bytes, it was listed with {expected_size}"
            )
        self._pos = 0
        self._body = None
        self._body_pos = -1

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_SET:
            self._pos = offset
        elif whence == io.SEEK_CUR:
            self._pos += offset
        elif whence == io.SEEK_END:
            self._pos = self.size + offset
        else:
            raise ValueError(f"bad whence {whence}")
        self._pos = max(self._pos, 0)
        return self._pos

    def readinto(self, buffer) -> int:
        want = min(len(buffer), self.size - self._pos)
        if want <= 0:
            return 0
        for attempt in range(1, self.config.max_attempts + 1):
            try:
                data = self._open_at(self._pos).read(want)
            except Exception as exc:
                self._drop_body()
                code = error_code(exc)
                if code in _MISSING_CODES:  # it was there when opened
                    raise ObjectChangedError(f"{self.uri} was deleted while being read") from None
                if code is not None or not is_botocore_error(exc):
                    raise self._translate(exc, "reading") from None
                if attempt == self.config.max_attempts:  # the transport kept failing
                    raise self._translate(exc, "reading") from None
                continue  # a stream cut mid-body: resume from the current position
            if not data:  # the server ended the body early: resume with a new request
                self._drop_body()
                if attempt == self.config.max_attempts:
                    raise S3AccessError(
                        f"{self.uri} ended at byte {self._pos} of {self.size} "
                        f"after {attempt} attempts at {self.config.endpoint_label}"
                    )
                continue
            n = len(data)
            buffer[:n] = data
            self._pos += n
            self._body_pos += n
            return n
        return 0  # pragma: no cover - the loop returns or raises

    def _open_at(self, position: int):
        if self._body is None or self._body_pos != position:
            self._drop_body()
            kwargs = {"Bucket": self.bucket, "Key": self.key, "Range": f"bytes={position}-"}
            if self.etag:
                kwargs["IfMatch"] = self.etag
            response = self.client.get_object(**kwargs)
            self._body = response["Body"]
            self._body_pos = position
        return self._body

    def _drop_body(self) -> None:
        if self._body is not None:
            self._body.close()
        self._body = None
        self._body_pos = -1

    def close(self) -> None:
        self._drop_body()
        super().close()

    def _translate(self, exc: BaseException, action: str) -> Exception:
        code = error_code(exc)
        if code in _MISSING_CODES:
            return FileNotFoundError(f"{self.uri} does not exist (deleted after listing?)")
        if code in {"PreconditionFailed", "412"}:
            return ObjectChangedError(f"{self.uri} changed on the server while being read")
        if isinstance(exc, ObjectChangedError | FileNotFoundError | S3AccessError):
            return exc
        return describe_error(exc, self.config, action, self.uri)


def read_range(client, uri: str, start: int, length: int, config: S3Config) -> bytes:
    """Bytes ``[start, start + length)`` of an object (fewer at its end) in one ranged GET."""
    bucket, key = parse_s3_uri(uri)
    if length <= 0:
        return b""
    try:
        response = client.get_object(
            Bucket=bucket, Key=key, Range=f"bytes={start}-{start + length - 1}"
        )
        return response["Body"].read()
    except Exception as exc:
        if error_code(exc) in {"InvalidRange", "416"}:
            return b""  # an empty object has no byte 0
        if is_missing(exc):
            raise FileNotFoundError(f"{uri} does not exist (deleted after listing?)") from None
        if is_botocore_error(exc):
            raise describe_error(exc, config, "reading", uri) from None
        raise


def duckdb_secret_sql(config: S3Config, name: str = "pixel_lake_s3") -> str:
    """``CREATE SECRET`` for DuckDB's httpfs from the resolved credentials.

    The statement holds the secret key: run it, never log or render it. It is built at run time
    (inside the dbt Python model), so it never lands in compiled SQL under ``target/``.
    """
    credentials = config.session().get_credentials()
    if credentials is None:
        raise S3AccessError(
            "no usable AWS credentials for DuckDB: set AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY, or AWS_PROFILE"
        )
    frozen = credentials.get_frozen_credentials()
    options = {
        "TYPE": "s3",
        "KEY_ID": quote_string(frozen.access_key),
        "SECRET": quote_string(frozen.secret_key),
        "REGION": quote_string(config.region),
    }
    if frozen.token:
        options["SESSION_TOKEN"] = quote_string(frozen.token)
    if config.endpoint_url:
        parts = urlsplit(config.endpoint_url)
        options["ENDPOINT"] = quote_string(parts.netloc + parts.path.rstrip("/"))
        options["USE_SSL"] = "true" if parts.scheme == "https" else "false"
        options["URL_STYLE"] = "'path'"
    body = ", ".join(f"{key} {value}" for key, value in options.items())
    return f"create or replace temporary secret {name} ({body})"


def configure_duckdb(connection, config: S3Config, extension_dir: str | None = None) -> None:
    """Load httpfs (offline, from the wheel's extension folder) and add the S3 secret.

    Any DuckDB error here is replaced by one that cannot quote the statement, because the
    statement holds the secret key.
    """
    import duckdb

    try:
        if extension_dir:
            connection.execute(f"set extension_directory = {quote_string(extension_dir)}")
        connection.execute("load httpfs")
    except duckdb.Error as exc:
        raise S3AccessError(
            "cannot load DuckDB's httpfs extension offline: is duckdb-ext-httpfs installed "
            f"and extension_directory set? ({type(exc).__name__})"
        ) from None
    connection.execute(f"set http_retries = {max(config.max_attempts - 1, 0)}")
    connection.execute(f"set http_timeout = {max(int(config.read_timeout), 1)}")
    statement = duckdb_secret_sql(config)
    try:
        connection.execute(statement)
    except duckdb.Error as exc:
        raise S3AccessError(
            f"DuckDB rejected the S3 secret for {config.endpoint_label} ({type(exc).__name__})"
        ) from None
    finally:
        del statement
