"""Upload an export to S3, verify every object from the server, and only then delete local copies.

Order and rules, so that a failed or partial upload never loses data:

1. The local manifest must be intact (its `content_sha256` recomputes). The destination must
   not hold a different export (another manifest) or objects that are not part of this one.
2. Each data file is uploaded (multipart above `multipart_threshold`, SHA-256 checksums
   computed by the client and checked by the server per request), then read back from the
   server: size, and the full-object SHA-256 checksum header when the server returns one,
   otherwise (multipart composite checksums, servers without checksum support) the object is
   streamed back and hashed. Both must equal the manifest.
3. With `delete_local`, a data file is deleted right after its own remote copy is verified.
   The export's documents (README, QA report) follow the data, each verified against the
   local file's own SHA-256 (the manifest does not list them).
4. `manifest.json` goes up last, so a manifest on the server means a complete export; the
   local manifest is deleted last of all (and empty folders pruned), so an interrupted run
   always leaves the manifest needed to resume.

A rerun checks each remote object against the manifest again and skips those that verify; no
local state file is needed. Objects of an interrupted multipart upload are aborted first.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from exports.errors import ExportError
from exports.layout import MANIFEST_NAME, is_unlisted_allowed
from exports.manifest import FileEntry, Manifest, content_sha256
from exports.s3_store import S3ExportStore
from ingestion.s3 import S3Config, describe_error, is_botocore_error

VerifiedBy = Literal["checksum", "reread"]
_HASH_CHUNK = 8 << 20


class UploadError(ExportError):
    """The upload was refused or did not verify; local files that were not verified are kept."""


@dataclass(frozen=True, slots=True)
class UploadConfig:
    """How objects go up: multipart above the threshold in chunks, a few parts and files at once."""

    multipart_threshold: int = 64 << 20
    multipart_chunksize: int = 64 << 20
    max_concurrency: int = 4
    files_in_flight: int = 4

    def transfer_config(self):
        from boto3.s3.transfer import TransferConfig

        return TransferConfig(
            multipart_threshold=self.multipart_threshold,
            multipart_chunksize=self.multipart_chunksize,
            max_concurrency=self.max_concurrency,
            use_threads=self.max_concurrency > 1,
        )


@dataclass
class UploadReport:
    """What one run did: uploaded, skipped as already verified, deleted locally."""

    destination: str
    uploaded: list[str] = field(default_factory=list)
    already_verified: list[str] = field(default_factory=list)
    verified_by: dict[str, VerifiedBy] = field(default_factory=dict)
    deleted_local: list[str] = field(default_factory=list)
    bytes_uploaded: int = 0
    seconds: float = 0.0

    @property
    def files(self) -> int:
        return len(self.uploaded) + len(self.already_verified)


ProgressCallback = Callable[[str, int], None]


def upload_export(
    export_dir: Path,
    destination: str,
    *,
    delete_local: bool = False,
    s3_config: S3Config | None = None,
    upload_config: UploadConfig | None = None,
    on_bytes: ProgressCallback | None = None,
) -> UploadReport:
    """Upload the export in `export_dir` to `destination` (``s3://bucket/prefix``) and verify it.

    `on_bytes(path, n)` is called as bytes of a data file go out. Raises `UploadError` (refused,
    or a remote copy that does not match) or `S3AccessError` (S3 unreachable, credentials,
    bucket); local files whose remote copy was not verified are never deleted.
    """
    started = time.monotonic()
    export_dir = Path(export_dir)
    upload_config = upload_config or UploadConfig()
    manifest_bytes, manifest = _read_local_manifest(export_dir)
    store = S3ExportStore(destination, s3_config)
    report = UploadReport(destination=store.uri)
    store.check_bucket()
    remote_sizes, remote_manifest_ok = _check_destination(store, manifest)
    _abort_stale_multipart_uploads(store, manifest)
    lock = threading.Lock()

    def put_data_file(entry: FileEntry) -> None:
        local = export_dir.joinpath(*entry.path.split("/"))
        verified_by = None
        if remote_sizes.get(entry.path) == entry.bytes:  # only then can it already verify
            verified_by = _verify_remote(store, entry.path, entry.bytes, entry.sha256)
        uploaded = verified_by is None
        if uploaded:
            if not local.is_file():
                raise UploadError(
                    f"{entry.path} is neither on the server (verified) nor in {export_dir}; "
                    "re-export to the same directory and upload again"
                )
            _upload_file(store, local, entry.path, upload_config, on_bytes)
            verified_by = _verify_remote(store, entry.path, entry.bytes, entry.sha256)
            if verified_by is None:
                raise UploadError(
                    f"{store.object_uri(entry.path)} does not match the manifest after upload "
                    f"(size or sha256); the local copy is kept. Check it with "
                    f"`pixel-data verify {export_dir}` and upload again"
                )
        deleted = delete_local and local.is_file()
        if deleted:  # only now: its own remote copy has just verified
            local.unlink()
        with lock:
            (report.uploaded if uploaded else report.already_verified).append(entry.path)
            report.bytes_uploaded += entry.bytes if uploaded else 0
            report.verified_by[entry.path] = verified_by
            if deleted:
                report.deleted_local.append(entry.path)

    _run_all(put_data_file, manifest.files, upload_config.files_in_flight)

    for path in _documents(export_dir):
        _upload_document(store, export_dir, path, upload_config, report, delete_local)

    if not remote_manifest_ok:
        _put_manifest(store, manifest_bytes)
        verified_by = _verify_remote(
            store, MANIFEST_NAME, len(manifest_bytes), _sha256_hex(manifest_bytes)
        )
        if verified_by is not None:
            report.uploaded.append(MANIFEST_NAME)
            report.verified_by[MANIFEST_NAME] = verified_by
        else:
            raise UploadError(f"{store.object_uri(MANIFEST_NAME)} does not match after upload")
    else:
        report.already_verified.append(MANIFEST_NAME)
    if delete_local:
        (export_dir / MANIFEST_NAME).unlink()
        report.deleted_local.append(MANIFEST_NAME)
        _prune_empty_dirs(export_dir)
    report.seconds = time.monotonic() - started
    return report


def _run_all(work: Callable[[FileEntry], None], entries: list[FileEntry], workers: int) -> None:
    """Run `work` on every entry, `workers` at a time; after a failure start nothing new, let
    the running ones finish (each leaves its file either verified or untouched) and re-raise."""
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = [pool.submit(work, entry) for entry in entries]
        _, pending = wait(futures, return_when=FIRST_EXCEPTION)
        for future in pending:
            future.cancel()
        wait(futures)
    for future in futures:
        if not future.cancelled() and future.exception() is not None:
            raise future.exception()


def _documents(export_dir: Path) -> list[str]:
    """The export's documents beside the data (README, QA report): allowed, not in the manifest."""
    found = []
    for path in sorted(export_dir.rglob("*")):
        relative = path.relative_to(export_dir).as_posix()
        if path.is_file() and relative != MANIFEST_NAME and is_unlisted_allowed(relative):
            found.append(relative)
    return found


def _upload_document(
    store: S3ExportStore,
    export_dir: Path,
    path: str,
    upload_config: UploadConfig,
    report: UploadReport,
    delete_local: bool,
) -> None:
    """Upload one document, verified against the local file's own size and SHA-256."""
    local = export_dir.joinpath(*path.split("/"))
    data = local.read_bytes()
    size, sha256_hex = len(data), _sha256_hex(data)
    verified_by = _verify_remote(store, path, size, sha256_hex)
    if verified_by is not None:
        report.already_verified.append(path)
    else:
        _upload_file(store, local, path, upload_config, None)
        report.bytes_uploaded += size
        verified_by = _verify_remote(store, path, size, sha256_hex)
        if verified_by is None:
            raise UploadError(f"{store.object_uri(path)} does not match {local} after upload")
        report.uploaded.append(path)
    report.verified_by[path] = verified_by
    if delete_local:
        local.unlink()
        report.deleted_local.append(path)


def _read_local_manifest(export_dir: Path) -> tuple[bytes, Manifest]:
    path = export_dir / MANIFEST_NAME
    if not path.is_file():
        raise UploadError(f"no {MANIFEST_NAME} in {export_dir}: nothing to upload")
    raw = path.read_bytes()
    try:
        manifest = Manifest.from_json(raw)
        recomputed = content_sha256(json.loads(raw))
    except ValueError as error:
        raise UploadError(
            f"{path} is not an export manifest ({error.__class__.__name__})"
        ) from None
    if recomputed != manifest.content_sha256:
        raise UploadError(f"{path} was modified (content_sha256 does not recompute); not uploading")
    return raw, manifest


def _check_destination(store: S3ExportStore, manifest: Manifest) -> tuple[dict[str, int], bool]:
    """Refuse a destination holding another export or foreign objects.

    Returns the sizes of the objects already there and whether this export is complete there.
    """
    remote_manifest_ok = False
    if store.exists(MANIFEST_NAME):
        with store.open(MANIFEST_NAME) as handle:
            raw = handle.read()
        try:
            remote_hash = Manifest.from_json(raw).content_sha256
        except ValueError:
            remote_hash = None
        if remote_hash != manifest.content_sha256:
            raise UploadError(
                f"{store.uri} already holds a different export (content_sha256 "
                f"{remote_hash}, this one is {manifest.content_sha256}); upload to a new "
                "version prefix. Nothing was uploaded"
            )
        remote_manifest_ok = True
    listed = {entry.path for entry in manifest.files}
    remote_sizes = store.list_sizes()
    strangers = [
        path for path in remote_sizes if path not in listed and not is_unlisted_allowed(path)
    ]
    if strangers:
        more = f" and {len(strangers) - 1} more" if len(strangers) > 1 else ""
        raise UploadError(
            f"{store.uri} holds objects that are not part of this export ({strangers[0]}{more}); "
            "upload to a new version prefix. Nothing was uploaded"
        )
    return remote_sizes, remote_manifest_ok


def _abort_stale_multipart_uploads(store: S3ExportStore, manifest: Manifest) -> None:
    """Abort unfinished multipart uploads of this export's keys (left by an interrupted run)."""
    keys = {store.key(entry.path) for entry in manifest.files} | {store.key(MANIFEST_NAME)}
    key_prefix = f"{store.prefix}/" if store.prefix else ""
    try:
        pages = store.client.get_paginator("list_multipart_uploads").paginate(
            Bucket=store.bucket, Prefix=key_prefix
        )
        for page in pages:
            for upload in page.get("Uploads", []):
                if upload["Key"] in keys:
                    store.client.abort_multipart_upload(
                        Bucket=store.bucket, Key=upload["Key"], UploadId=upload["UploadId"]
                    )
    except Exception as exc:
        if not is_botocore_error(exc):
            raise
        if type(exc).__name__ != "ClientError":  # unreachable: say so; else best effort
            raise describe_error(exc, store.config, "cleaning up", store.uri) from None


def _upload_file(
    store: S3ExportStore,
    local: Path,
    path: str,
    upload_config: UploadConfig,
    on_bytes: ProgressCallback | None,
) -> None:
    callback = (lambda n: on_bytes(path, n)) if on_bytes else None
    try:
        store.client.upload_file(
            str(local),
            store.bucket,
            store.key(path),
            ExtraArgs={"ChecksumAlgorithm": "SHA256"},
            Config=upload_config.transfer_config(),
            Callback=callback,
        )
    except Exception as exc:
        cause = exc
        # s3transfer wraps the botocore error; unwrap it for the message
        while not is_botocore_error(cause) and cause.__cause__ is not None:
            cause = cause.__cause__
        if is_botocore_error(cause) or type(exc).__name__ == "S3UploadFailedError":
            raise describe_error(cause, store.config, "uploading", store.object_uri(path)) from None
        raise


def _put_manifest(store: S3ExportStore, manifest_bytes: bytes) -> None:
    digest = base64.b64encode(hashlib.sha256(manifest_bytes).digest()).decode()
    try:
        store.client.put_object(
            Bucket=store.bucket,
            Key=store.key(MANIFEST_NAME),
            Body=manifest_bytes,
            ContentType="application/json",
            ChecksumSHA256=digest,
        )
    except Exception as exc:
        if is_botocore_error(exc):
            uri = store.object_uri(MANIFEST_NAME)
            raise describe_error(exc, store.config, "uploading", uri) from None
        raise


def _verify_remote(
    store: S3ExportStore, path: str, size: int, sha256_hex: str
) -> VerifiedBy | None:
    """How the remote object was verified against (size, sha256), or None when it does not match.

    A full-object SHA-256 checksum header settles it; a composite one (``...-N``, multipart) or
    none at all means streaming the object back and hashing it.
    """
    head = store.head(path, checksums=True)
    if head is None or int(head["ContentLength"]) != size:
        return None
    remote = head.get("ChecksumSHA256")
    composite = head.get("ChecksumType") == "COMPOSITE" or (remote and "-" in remote)
    if remote and not composite:
        return "checksum" if _b64_to_hex(remote) == sha256_hex else None
    digest = hashlib.sha256()
    total = 0
    with store.open(path) as handle:
        while chunk := handle.read(_HASH_CHUNK):
            digest.update(chunk)
            total += len(chunk)
    return "reread" if total == size and digest.hexdigest() == sha256_hex else None


def _b64_to_hex(value: str) -> str:
    try:
        return base64.b64decode(value).hex()
    except ValueError:
        return ""


def _sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _prune_empty_dirs(root: Path) -> None:
    """Remove folders left empty under `root` (not `root` itself), deepest first."""
    for folder, _, _ in sorted(os.walk(root), key=lambda item: -len(item[0])):
        if Path(folder) != root:
            with contextlib.suppress(OSError):  # not empty: someone else's file, leave it
                Path(folder).rmdir()


__all__ = ["UploadConfig", "UploadError", "UploadReport", "upload_export"]
