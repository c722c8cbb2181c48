"""`pixel-data export`, `qa-report`, `upload` and `verify`: the export of a built warehouse,
its QA report, and its verified copy on S3."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from ingestion.s3 import S3AccessError
from pixel_config import settings
from pixel_data.options import SplitSeedOption, WarehouseOption
from pixel_data.policy import FAILED, USAGE, examples, fail, require_warehouse

console = Console()
err_console = Console(stderr=True)


def s3_destination(uri: str, option: str) -> str:
    """An s3:// URI without its trailing slash; anything else is a usage error (exit 2)."""
    if not uri.startswith("s3://"):
        fail(f"{option} needs an s3:// URI, got {uri}", USAGE)
    return uri.rstrip("/")


def export(
    out: Annotated[Path, typer.Option("--out", help="Export directory.")],
    version: Annotated[str | None, typer.Option(help="Export version label.")] = None,
    seed: SplitSeedOption = None,
    warehouse: WarehouseOption = None,
    max_records_per_shard: Annotated[int, typer.Option(help="Shard size bound.")] = 100_000,
    upload_to: Annotated[
        str | None,
        typer.Option("--upload", help="Then upload to s3://bucket/prefix and verify each object."),
    ] = None,
    delete_local: Annotated[
        bool, typer.Option(help="With --upload: delete each local file once its copy verifies.")
    ] = False,
    target_samples: Annotated[
        int | None,
        typer.Option(
            "--target-samples",
            help="Sample to N records with the configured stage mix and tier weights.",
        ),
    ] = None,
) -> None:
    """Export the warehouse: Parquet + JSONL shards per split and stage, manifest, card, QA.

    Also writes the dataset card, the QA report and curriculum.json; a refused export exits 1.
    """
    if delete_local and not upload_to:
        fail("--delete-local works only with --upload", USAGE)
    if upload_to:
        upload_to = s3_destination(upload_to, "--upload")
    target = require_warehouse(settings.warehouse_path(warehouse))
    write_export(
        target,
        out.resolve(),
        version=version,
        seed=seed,
        max_records_per_shard=max_records_per_shard,
        target_samples=target_samples,
    )
    if upload_to:
        upload_and_verify(out.resolve(), upload_to, delete_local)


def write_export(warehouse: Path, out: Path, **options) -> None:
    """Export ``warehouse`` into ``out``; a refused export exits 1 with the reason."""
    import duckdb

    from exports.writer import ExportError, export_warehouse, memory_limit_setting

    try:
        manifest = export_warehouse(warehouse, out, **options)
    except ExportError as exc:
        fail(f"export to {out} refused: {exc}", FAILED)
    except OSError as exc:  # no space, read-only, no permission: nothing half-written is kept
        where = f" ({exc.filename})" if exc.filename else ""
        fail(f"export to {out} failed: {exc.strerror or exc}{where}; nothing was published", FAILED)
    except duckdb.IOException as exc:
        fail(f"export to {out} failed writing: {exc}; nothing was published", FAILED)
    except duckdb.OutOfMemoryException:
        fail(
            f"export to {out} failed: DuckDB ran out of its memory limit "
            f"({memory_limit_setting()}); raise PIXEL_DUCKDB_MEMORY_LIMIT (docs/runbook.md); "
            "nothing was published",
            FAILED,
        )
    console.print(
        f"[green]Exported[/] {len(manifest.files)} files to {out} "
        f"(version {manifest.version}, manifest sha256 {manifest.content_sha256[:12]})"
    )


def qa_report(
    export_dir: Annotated[Path, typer.Argument(help="Export (or any) folder to write into.")],
    warehouse: WarehouseOption = None,
) -> None:
    """Write qa_report.html (self-contained, charts) and qa_report.json for a built warehouse."""
    from exports.qa_report import write_qa_report

    target = require_warehouse(settings.warehouse_path(warehouse))
    html_path, json_path = write_qa_report(export_dir.resolve(), target)
    console.print(f"QA report: {html_path} (figures: {json_path})")


def upload(
    export_dir: Annotated[Path, typer.Argument(help="Export directory (with manifest.json).")],
    destination: Annotated[str, typer.Argument(help="s3://bucket/exports/<version>")],
    delete_local: Annotated[
        bool, typer.Option(help="Delete each local file once its remote copy verifies.")
    ] = False,
) -> None:
    """Upload an existing export and verify it from the server (resumes an interrupted one)."""
    destination = s3_destination(destination, "DESTINATION")
    if not (export_dir / "manifest.json").is_file():
        fail(f"no export at {export_dir} (manifest.json missing)", USAGE)
    upload_and_verify(export_dir.resolve(), destination, delete_local)


def upload_and_verify(export_dir: Path, destination: str, delete_local: bool) -> None:
    """Upload and verify an export; exit 1 unless every object verified."""
    from exports.upload import UploadError, upload_export

    console.print(f"[bold]Uploading[/] {export_dir} to {destination}")
    try:
        report = upload_export(export_dir, destination, delete_local=delete_local)
    except (UploadError, S3AccessError) as error:
        fail(
            f"upload to {destination} failed: {error}. Local files whose remote copy was not "
            "verified are kept; rerun the same command to finish (verified objects are skipped)",
            FAILED,
        )
    by_checksum = sum(1 for how in report.verified_by.values() if how == "checksum")
    rate = report.bytes_uploaded / 1e6 / report.seconds if report.seconds else 0.0
    console.print(
        f"[green]Verified[/] {report.files} files at {report.destination}: "
        f"{len(report.uploaded)} uploaded ({report.bytes_uploaded / 1e6:,.1f} MB, "
        f"{rate:,.1f} MB/s), {len(report.already_verified)} already there; "
        f"{by_checksum} by server SHA-256 checksum, "
        f"{len(report.verified_by) - by_checksum} by reading back"
    )
    if delete_local:
        console.print(f"Deleted {len(report.deleted_local)} local files after verification")


def verify(
    export_dir: Annotated[str, typer.Argument(help="Export directory or s3://bucket/prefix.")],
    pii: Annotated[
        bool,
        typer.Option(
            "--pii",
            help="Also scan every shard for structured PII (email, phone, SSN, card, IBAN, "
            "national IDs, IP) and print counts by type; 1 when any is outside edge cases.",
        ),
    ] = False,
) -> None:
    """Recompute every checksum, size and record count against the manifest (1 on a mismatch)."""
    from exports.verify import verify_export, verify_store

    if export_dir.startswith("s3://"):
        from exports.s3_store import S3ExportStore

        where = export_dir.rstrip("/")
        try:
            store = S3ExportStore(where)
            store.check_bucket()
            report = verify_store(store)
        except (S3AccessError, OSError) as error:
            fail(f"cannot verify {where}: {error}", FAILED)
    else:
        where = export_dir
        if not Path(export_dir).is_dir():
            fail(f"no export folder at {export_dir}", USAGE)
        store = None
        report = verify_export(Path(export_dir))
    if report.ok:
        console.print(f"[green]OK[/]: {report.files_checked} files match the manifest at {where}")
        if pii:
            from exports.store import LocalExportStore

            pii_audit(store if store is not None else LocalExportStore(Path(export_dir)), where)
        return
    for problem in report.problems:
        err_console.print(f"[red]{problem.kind}[/]: {problem.path} {problem.detail or ''}")
    fail(f"verify of {where} failed: {len(report.problems)} problem(s)", FAILED)


def pii_audit(store, where: str) -> None:
    """Structured identifiers in every shard by format and kind; 1 on any outside edge cases."""
    from exports.pii_audit import audit_store

    audit = audit_store(store)
    console.print(f"PII audit of {where}: {audit.shards} shards, {audit.records:,} records")
    for label, counts in (
        ("outside edge cases", audit.leaked),
        ("in edge cases", audit.in_edge_cases),
    ):
        found = ", ".join(f"{kind} {n} ({fmt})" for (fmt, kind), n in sorted(counts.items()))
        console.print(f"  structured PII {label}: {found or 'none'}")
    if not audit.ok:
        fail(
            f"PII audit of {where} failed: {audit.leaking_records} non-edge-case record(s) hold "
            "structured PII",
            FAILED,
        )
    console.print("[green]OK[/]: no structured PII outside edge cases")


def register(app: typer.Typer) -> None:
    app.command(
        epilog=examples(
            "pixel-data export --out build/export --warehouse build/w.duckdb",
            "pixel-data export --out build/export --target-samples 10000",
            "pixel-data export --out build/export --upload s3://pixel-exports/v1 --delete-local",
        )
    )(export)
    app.command("qa-report", epilog=examples("pixel-data qa-report build/export"))(qa_report)
    app.command(epilog=examples("pixel-data upload build/export s3://pixel-exports/v1"))(upload)
    app.command(
        epilog=examples("pixel-data verify build/export", "pixel-data verify s3://pixel-exports/v1")
    )(verify)
