"""Export a built warehouse to sharded Parquet + JSONL with a manifest.

The export is written into a hidden sibling directory and renamed into place at the end, with
`manifest.json` written last, so a crash never leaves a directory that looks like a finished
export; the next export to the same place removes what a killed one left (its `.partial-`,
`.spill-` folders), holding a lock beside the output so two exports never share it. An
existing output directory is only replaced when it holds nothing but a previous export (its
manifest's files plus the allowed extras); anything else is refused, never deleted.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from exports.composition import apply_composition
from exports.errors import ExportError
from exports.layout import MANIFEST_NAME, is_unlisted_allowed
from exports.lock import config_lock
from exports.manifest import Manifest, finalize_manifest
from exports.shards import CONVERSATIONS, PREFERENCE_PAIRS, WrittenFile, write_table_shards
from exports.store import LocalExportStore
from exports.warehouse import (
    BuildMetadata,
    check_build_state,
    check_tables,
    open_warehouse,
    read_build_metadata,
    read_counts,
    read_quality_summary,
    read_row_accounting,
)

DEFAULT_MAX_RECORDS_PER_SHARD = 100_000
DEFAULT_MEMORY_LIMIT = "2GB"
"""DuckDB's memory limit for the export, as the build's (`PIXEL_DUCKDB_MEMORY_LIMIT`, profiles.yml):
at 1 GB the export of a 1 M-record build ran out of memory in some runs (session 12)."""


def memory_limit_setting() -> str:
    """The export's DuckDB memory limit: `PIXEL_DUCKDB_MEMORY_LIMIT`, else 2 GB."""
    return os.environ.get("PIXEL_DUCKDB_MEMORY_LIMIT") or DEFAULT_MEMORY_LIMIT


def export_warehouse(
    warehouse: Path,
    out_dir: Path,
    *,
    version: str | None = None,
    seed: int | None = None,
    max_records_per_shard: int = DEFAULT_MAX_RECORDS_PER_SHARD,
    memory_limit: str | None = None,
    documents: bool = True,
    target_samples: int | None = None,
) -> Manifest:
    """Write the warehouse's conversations and preference pairs to `out_dir`.

    `seed`, when given, must equal the seed the warehouse was split with. `memory_limit` caps
    DuckDB's memory (default: :func:`memory_limit_setting`); the sort spills to disk beyond it.
    With `documents`, the dataset card (README.md), the QA report and curriculum.json are
    written beside the manifest. With `target_samples`, the export is a sample of that size
    with the configured stage mix and tier weights (exports.composition); otherwise everything
    that passed the gates is exported.
    Returns the manifest.
    """
    warehouse, out_dir = Path(warehouse), Path(out_dir).absolute()
    if max_records_per_shard < 1:
        raise ExportError(f"max_records_per_shard must be at least 1, got {max_records_per_shard}")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    with _exclusive_export(out_dir):
        _clean_leftovers(out_dir)
        _check_out_dir(out_dir)
        return _export_into(
            warehouse,
            out_dir,
            version=version,
            seed=seed,
            max_records_per_shard=max_records_per_shard,
            memory_limit=memory_limit or memory_limit_setting(),
            documents=documents,
            target_samples=target_samples,
        )


def _export_into(
    warehouse: Path,
    out_dir: Path,
    *,
    version: str | None,
    seed: int | None,
    max_records_per_shard: int,
    memory_limit: str,
    documents: bool,
    target_samples: int | None,
) -> Manifest:
    """Write the export into a hidden sibling, then publish it as `out_dir`."""
    staging = _sibling(out_dir, "partial")
    staging.mkdir()
    try:
        with tempfile.TemporaryDirectory(
            prefix=f".{out_dir.name}.spill-", dir=out_dir.parent
        ) as spill:
            manifest = _write_export(
                warehouse,
                staging,
                version=version,
                seed=seed,
                max_records_per_shard=max_records_per_shard,
                spill_dir=Path(spill),
                memory_limit=memory_limit,
                target_samples=target_samples,
            )
        if documents:
            write_documents(staging, warehouse, manifest)
        _publish(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return manifest


LEFTOVER_KINDS = ("partial", "spill", "old")


@contextmanager
def _exclusive_export(out_dir: Path) -> Iterator[None]:
    """Hold `out_dir` for one export (a lock file beside it); refuse while another holds it."""
    lock_path = out_dir.with_name(f".{out_dir.name}.lock")
    with open(lock_path, "a+b") as lock_file:
        try:
            fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise ExportError(f"another export to {out_dir} is running") from None
        try:
            yield
        finally:
            lock_path.unlink(missing_ok=True)


def _clean_leftovers(out_dir: Path) -> None:
    """Remove the hidden folders an interrupted export left beside `out_dir` (no export runs:
    the caller holds the lock). A previous export moved aside (`.old-`) while `out_dir` is
    missing is put back, never deleted."""
    for kind in LEFTOVER_KINDS:
        for leftover in sorted(out_dir.parent.glob(f".{out_dir.name}.{kind}-*")):
            if kind == "old" and not out_dir.exists():
                leftover.rename(out_dir)
                continue
            shutil.rmtree(leftover, ignore_errors=True)


def write_documents(export_dir: Path, warehouse: Path, manifest: Manifest) -> None:
    """The dataset card and the QA report (HTML + JSON), outside the manifest's file list."""
    from exports.curriculum import write_curriculum
    from exports.dataset_card import write_card
    from exports.qa_report import write_qa_report

    document = json.loads(manifest.to_json())
    write_card(export_dir, warehouse, document)
    write_qa_report(export_dir, warehouse, document)
    write_curriculum(export_dir, warehouse, document)


def _write_export(
    warehouse: Path,
    staging: Path,
    *,
    version: str | None,
    seed: int | None,
    max_records_per_shard: int,
    spill_dir: Path,
    memory_limit: str,
    target_samples: int | None = None,
) -> Manifest:
    """Write data files and then the manifest into `staging`."""
    with open_warehouse(warehouse, spill_dir=spill_dir, memory_limit=memory_limit) as con:
        check_tables(con)
        build = read_build_metadata(con)
        check_build_state(con, build)
        _check_seed(build, seed)
        composition = (
            apply_composition(
                con,
                target_samples=target_samples,
                seed=seed if seed is not None else build.split_seed,
            )
            if target_samples is not None
            else None
        )
        files = [
            *write_table_shards(con, CONVERSATIONS, staging, max_records_per_shard),
            *write_table_shards(con, PREFERENCE_PAIRS, staging, max_records_per_shard),
        ]
        body = {
            "files": [file.manifest_entry() for file in sorted(files, key=lambda f: f.path)],
            "counts": read_counts(con),
            "row_accounting": read_row_accounting(con),
            "config_lock": config_lock(build),
            "quality_summary": read_quality_summary(con),
            "composition": composition,
        }
    _check_file_counts(files, body["quality_summary"])
    manifest = finalize_manifest(body, version=version)
    (staging / MANIFEST_NAME).write_text(manifest.to_json(), encoding="utf-8")
    return manifest


def _check_seed(build: BuildMetadata, seed: int | None) -> None:
    if seed is not None and seed != build.split_seed:
        raise ExportError(
            f"the warehouse was split with seed {build.split_seed}, not {seed}; "
            f"rebuild it with that seed first (dbt build --vars '{{split_seed: {seed}}}') "
            "or export without --seed"
        )


def _check_file_counts(files: list[WrittenFile], summary: dict[str, int]) -> None:
    """Each format must hold every record exactly once."""
    for kind in ("conversations", "preference_pairs"):
        for file_format in ("parquet", "jsonl"):
            written = sum(f.records for f in files if f.kind == kind and f.format == file_format)
            if written != summary[kind]:
                raise ExportError(
                    f"wrote {written} {kind} to {file_format}, the warehouse has {summary[kind]}"
                )


def _check_out_dir(out_dir: Path) -> None:
    """Allow a missing or empty directory, or one holding only a previous export."""
    if not out_dir.exists():
        return
    if not out_dir.is_dir():
        raise ExportError(f"{out_dir} exists and is not a directory")
    if next(out_dir.iterdir(), None) is None:
        return
    reason = _not_a_previous_export(out_dir)
    if reason:
        raise ExportError(
            f"{out_dir} is not empty and does not hold only a previous export ({reason}); "
            "choose an empty or new directory"
        )


def _not_a_previous_export(directory: Path) -> str | None:
    """Why `directory` is not (only) a previous export, or None when it is."""
    manifest_path = directory / MANIFEST_NAME
    if not manifest_path.is_file():
        return f"no {MANIFEST_NAME}"
    try:
        manifest = Manifest.from_json(manifest_path.read_bytes())
    except ValueError as error:
        return f"{MANIFEST_NAME} is not an export manifest: {error.__class__.__name__}"
    listed = {entry.path for entry in manifest.files}
    for path in LocalExportStore(directory).list_files():
        if path not in listed and not is_unlisted_allowed(path):
            return f"{path} is not part of the export"
    return None


def _sibling(out_dir: Path, purpose: str) -> Path:
    """A hidden, unique path next to `out_dir` (same filesystem, so renames are atomic)."""
    return out_dir.with_name(f".{out_dir.name}.{purpose}-{uuid.uuid4().hex[:12]}")


def _publish(staging: Path, out_dir: Path) -> None:
    """Move the finished export into place, replacing a previous export or empty directory."""
    if out_dir.exists():
        reason = _not_a_previous_export(out_dir) if any(out_dir.iterdir()) else None
        if reason:
            raise ExportError(f"{out_dir} changed during the export ({reason}); nothing replaced")
        old = _sibling(out_dir, "old")
        out_dir.rename(old)
        try:
            staging.rename(out_dir)
        except OSError:
            old.rename(out_dir)  # put the previous export back rather than leave nothing
            raise
        shutil.rmtree(old)
    else:
        staging.rename(out_dir)
