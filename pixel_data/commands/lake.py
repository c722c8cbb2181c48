"""`pixel-data sample-lake` and `pixel-data inventory`: write the synthetic lake, report a lake."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from ingestion.s3 import S3AccessError
from pixel_config import settings
from pixel_data.options import lake_uri
from pixel_data.policy import FAILED, USAGE, examples, fail

console = Console()


def sample_lake(
    out: Annotated[
        Path | None,
        typer.Argument(help="Folder to write the lake into (default build/sample_lake)."),
    ] = None,
    records: Annotated[int, typer.Option(help="Approximate number of good records.")] = 3000,
    seed: Annotated[int, typer.Option(help="Generator seed.")] = 7,
    force: Annotated[
        bool, typer.Option(help="Replace OUT even when it holds files (they are deleted).")
    ] = False,
) -> None:
    """Generate the deterministic synthetic sample lake (every format, planted faults).

    OUT must be missing or empty; --force replaces a folder that holds files.
    """
    write_sample_lake(out or settings.DEFAULT_SAMPLE_LAKE, records=records, seed=seed, force=force)


def write_sample_lake(out: Path, *, records: int, seed: int, force: bool) -> None:
    """Generate the lake into ``out``; refuse (exit 2) a folder holding files unless ``force``."""
    from sample_lake import generate_lake

    if out.exists() and not out.is_dir():
        fail(f"{out} is a file, not a folder", USAGE)
    if out.is_dir() and any(out.iterdir()):
        if not force:
            fail(f"{out} is not empty: choose an empty folder or pass --force to replace it", USAGE)
        shutil.rmtree(out)
    summary = generate_lake(out, records=records, seed=seed)
    data = summary.model_dump()
    console.print(
        f"Sample lake at {out}: {len(data['datasets'])} datasets, "
        f"{sum(d['input_records'] for d in data['datasets'].values())} input records",
        soft_wrap=True,  # one line whatever the terminal's width: the path stays copyable
    )


def inventory(
    uri: Annotated[str, typer.Argument(help="Lake root: a folder or s3://bucket/prefix.")],
    json_path: Annotated[
        Path | None,
        typer.Option(
            "--json", help="Where to write the JSON report (default build/inventory.json)."
        ),
    ] = None,
    depth: Annotated[int, typer.Option(help="Folder levels that make a prefix.")] = 1,
    show: Annotated[int, typer.Option(help="Unregistered objects to print.")] = 50,
) -> None:
    """Coverage report: objects, bytes, formats and records per prefix and dataset."""
    from ingestion.inventory import build_inventory, group_rows, write_json

    root = lake_uri(uri)
    json_path = json_path or settings.BUILD_DIR / "inventory.json"
    try:
        report = build_inventory(root, prefix_depth=depth)
    except (S3AccessError, FileNotFoundError) as error:
        fail(f"cannot inventory {root}: {error}", FAILED)
    headers = ["objects", "bytes", "records", "by extension", "by content", "by shape"]
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
        for obj in report.unregistered[:show]:
            console.print(f"  {obj.relpath} ({obj.bytes:,} bytes, {obj.content}, {obj.shape})")
        if len(report.unregistered) > show:
            console.print(f"  ... and {len(report.unregistered) - show} more")
    unreadable = [obj for obj in report.objects if obj.error]
    if unreadable:
        console.print(f"[yellow]{len(unreadable)} objects could not be read (see the JSON)[/]")
    write_json(report, json_path)
    console.print(f"JSON: {json_path}")


def register(app: typer.Typer) -> None:
    app.command(
        "sample-lake",
        epilog=examples(
            "pixel-data sample-lake build/sample_lake --records 3000 --seed 7",
            "pixel-data sample-lake build/sample_lake --force   # replace what is there",
        ),
    )(sample_lake)
    app.command(
        epilog=examples(
            "pixel-data inventory build/sample_lake",
            "pixel-data inventory s3://pixel-lake/sample --depth 2 --json build/inv.json",
        )
    )(inventory)
