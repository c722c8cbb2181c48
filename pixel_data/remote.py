"""The CLI's S3 and inventory commands: upload, remote verify, inventory (printing only here)."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table

from ingestion.s3 import S3AccessError

console = Console()
err_console = Console(stderr=True)


def upload(export_dir: Path, destination: str, delete_local: bool) -> int:
    """Upload and verify an export; the exit code (0 only when every object verified)."""
    from exports.upload import UploadError, upload_export

    if not destination.startswith("s3://"):
        err_console.print(f"[red]--upload needs an s3:// URI, got {destination!r}[/]")
        return 2
    console.print(f"[bold]Uploading[/] {export_dir} to {destination}")
    try:
        report = upload_export(export_dir, destination, delete_local=delete_local)
    except (UploadError, S3AccessError) as error:
        err_console.print(f"[red]Upload failed:[/] {error}")
        err_console.print(
            "Local files whose remote copy was not verified are kept; rerun the same command "
            "to finish (verified objects are skipped)."
        )
        return 1
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
    return 0


def verify_remote(uri: str) -> int:
    """Verify an export under an S3 prefix against its manifest; the exit code."""
    from exports.s3_store import S3ExportStore
    from exports.verify import verify_store

    try:
        store = S3ExportStore(uri)
        store.check_bucket()
        report = verify_store(store)
    except (S3AccessError, OSError) as error:
        err_console.print(f"[red]Cannot verify {uri}:[/] {error}")
        return 1
    if report.ok:
        console.print(f"[green]OK[/]: {report.files_checked} files match the manifest at {uri}")
        return 0
    for problem in report.problems:
        err_console.print(f"[red]{problem.kind}[/]: {problem.path} {problem.detail or ''}")
    err_console.print(f"[red]FAILED[/]: {len(report.problems)} problem(s)")
    return 1


def inventory(uri: str, json_path: Path, prefix_depth: int, unregistered_shown: int) -> int:
    """Print the coverage report of a lake and write its JSON twin; the exit code."""
    from ingestion.inventory import build_inventory, group_rows, write_json

    try:
        report = build_inventory(uri, prefix_depth=prefix_depth)
    except (S3AccessError, FileNotFoundError) as error:
        err_console.print(f"[red]Cannot inventory {uri}:[/] {error}")
        return 1
    headers = ["objects", "bytes", "records", "by extension", "by content"]
    for title, first, groups in (
        (f"Lake {report.root} by prefix", "prefix", report.prefixes),
        ("By registered dataset", "dataset", report.datasets),
        ("By source family", "source family", report.source_families),
    ):
        table = Table(title=title)
        table.add_column(first)
        for header in headers:
            table.add_column(header, justify="right" if header != headers[-1] else "left")
        for row in group_rows(groups):
            table.add_row(*row)
        console.print(table)
    totals = group_rows([report.totals])[0]
    console.print(f"[bold]Total[/]: {totals[1]} objects, {totals[2]}, {totals[3]} records")
    console.print("Records: exact (read whole) up to 8 MiB; Parquet from the footer; '~' marks")
    console.print(f"estimates from a sample scaled by bytes (method in {json_path}).")
    if report.unregistered:
        console.print(f"[yellow]{len(report.unregistered)} objects no registry row covers:[/]")
        for obj in report.unregistered[:unregistered_shown]:
            console.print(f"  {obj.relpath} ({obj.bytes:,} bytes, {obj.content})")
        if len(report.unregistered) > unregistered_shown:
            console.print(f"  ... and {len(report.unregistered) - unregistered_shown} more")
    unreadable = [obj for obj in report.objects if obj.error]
    if unreadable:
        console.print(f"[yellow]{len(unreadable)} objects could not be read (see the JSON)[/]")
    write_json(report, json_path)
    console.print(f"JSON: {json_path}")
    return 0
