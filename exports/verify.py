"""Check an export against its manifest: every file present, unchanged and complete.

For each listed file the verifier recomputes sha256, size and record count (Parquet footer row
count; JSONL non-empty lines), reports files the manifest does not list, and checks the
manifest's own `content_sha256`. It reads through an `ExportStore`, so the same logic can check
an export in S3 once a store for it exists.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Literal

import pyarrow.parquet as pq
from pydantic import BaseModel, ValidationError

from exports.layout import MANIFEST_NAME, is_unlisted_allowed
from exports.manifest import FileEntry, Manifest, content_sha256
from exports.store import ExportStore, LocalExportStore

ProblemKind = Literal["modified", "missing", "extra", "count_mismatch", "size_mismatch"]
_READ_CHUNK = 4 << 20


class Problem(BaseModel):
    """One thing wrong with an export."""

    kind: ProblemKind
    path: str
    detail: str


class VerifyReport(BaseModel):
    """Outcome of verifying one export; `ok` only when there are no problems."""

    ok: bool
    problems: list[Problem]
    files_checked: int
    version: str | None = None


def verify_export(export_dir: Path) -> VerifyReport:
    """Verify the export in a local directory."""
    return verify_store(LocalExportStore(Path(export_dir)))


def verify_store(store: ExportStore) -> VerifyReport:
    """Verify the export held by `store` against its `manifest.json`."""
    manifest, problems = _load_manifest(store)
    if manifest is None:
        return VerifyReport(ok=False, problems=problems, files_checked=0)
    for entry in manifest.files:
        problems.extend(_check_file(store, entry))
    problems.extend(_extra_files(store, manifest))
    return VerifyReport(
        ok=not problems,
        problems=problems,
        files_checked=len(manifest.files),
        version=manifest.version,
    )


def _load_manifest(store: ExportStore) -> tuple[Manifest | None, list[Problem]]:
    """The parsed manifest (or None) and any problem with the manifest itself."""
    if not store.exists(MANIFEST_NAME):
        return None, [Problem(kind="missing", path=MANIFEST_NAME, detail="no manifest")]
    with store.open(MANIFEST_NAME) as handle:
        raw = handle.read()
    try:
        document = json.loads(raw)
        manifest = Manifest.model_validate(document)
    except (ValueError, ValidationError) as error:
        detail = f"not a valid manifest: {error}".splitlines()[0]
        return None, [Problem(kind="modified", path=MANIFEST_NAME, detail=detail)]
    problems = []
    recomputed = content_sha256(document)
    if recomputed != manifest.content_sha256:
        problems.append(
            Problem(
                kind="modified",
                path=MANIFEST_NAME,
                detail=f"records content_sha256 {manifest.content_sha256}, content is {recomputed}",
            )
        )
    return manifest, problems


def _check_file(store: ExportStore, entry: FileEntry) -> list[Problem]:
    """Problems with one listed file: missing, wrong size, wrong hash, wrong record count."""
    if not store.exists(entry.path):
        return [
            Problem(kind="missing", path=entry.path, detail="listed in the manifest, not found")
        ]
    problems = []
    size = store.size(entry.path)
    if size != entry.bytes:
        problems.append(
            Problem(
                kind="size_mismatch",
                path=entry.path,
                detail=f"{size} bytes, manifest says {entry.bytes}",
            )
        )
    sha256, jsonl_records = _hash_and_count_lines(store, entry.path, entry.format == "jsonl")
    if sha256 != entry.sha256:
        problems.append(
            Problem(
                kind="modified",
                path=entry.path,
                detail=f"sha256 {sha256}, manifest says {entry.sha256}",
            )
        )
    try:
        records = jsonl_records if entry.format == "jsonl" else _parquet_rows(store, entry.path)
    except Exception as error:  # an unreadable file is a count we cannot confirm
        detail = f"cannot count records: {error}".splitlines()[0]
        return [*problems, Problem(kind="count_mismatch", path=entry.path, detail=detail)]
    if records != entry.records:
        problems.append(
            Problem(
                kind="count_mismatch",
                path=entry.path,
                detail=f"{records} records, manifest says {entry.records}",
            )
        )
    return problems


def _hash_and_count_lines(store: ExportStore, path: str, count_lines: bool) -> tuple[str, int]:
    """sha256 of the file and, when asked, its number of non-blank lines, in one pass."""
    digest = hashlib.sha256()
    lines = 0
    tail = b""
    with store.open(path) as handle:
        while chunk := handle.read(_READ_CHUNK):
            digest.update(chunk)
            if count_lines:
                *complete, tail = (tail + chunk).split(b"\n")
                lines += sum(1 for line in complete if line.strip())
    if tail.strip():
        lines += 1
    return digest.hexdigest(), lines


def _parquet_rows(store: ExportStore, path: str) -> int:
    """Row count from the Parquet footer."""
    with store.open(path) as handle:
        return pq.ParquetFile(handle).metadata.num_rows


def _extra_files(store: ExportStore, manifest: Manifest) -> list[Problem]:
    """Files in the export that the manifest does not list and that are not allowed extras."""
    listed = {entry.path for entry in manifest.files}
    return [
        Problem(kind="extra", path=path, detail="not listed in the manifest")
        for path in store.list_files()
        if path not in listed and not is_unlisted_allowed(path)
    ]
