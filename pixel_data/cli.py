"""`pixel-data`: build the warehouse from a lake, export it, verify an export."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from pixel_config import settings
from pixel_data import remote
from pixel_data.neardup_cli import neardup
from pixel_data.score_cli import eval_app, score
from pixel_data.summary import BuildSummary, summarize_warehouse

app = typer.Typer(
    help="SQL-first warehouse for counselling-conversation training data.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console()
err_console = Console(stderr=True)
app.command()(score)
app.add_typer(eval_app, name="eval")
eval_app.command("neardup")(neardup)

STAGES = ["foundation", "reasoning", "edge_cases", "voice", "safety_dpo"]
SPLITS = ["train", "val", "test"]

LakeOption = Annotated[
    str | None,
    typer.Option("--lake", help="Lake root: a local folder or s3://bucket/prefix."),
]
SeedOption = Annotated[int | None, typer.Option("--seed", help="Split (and sampling) seed.")]
WarehouseOption = Annotated[
    Path | None,
    typer.Option("--warehouse", help="DuckDB warehouse file (default build/warehouse.duckdb)."),
]


def _lake_uri(lake: str | None) -> str:
    if lake is None:
        return str(settings.DEFAULT_SAMPLE_LAKE)
    if lake.startswith("s3://"):
        return lake.rstrip("/")
    path = Path(lake).expanduser().resolve()
    if not path.is_dir():
        raise typer.BadParameter(f"lake folder {lake!r} does not exist", param_hint="--lake")
    return str(path)


def run_dbt(args: list[str], warehouse: Path) -> bool:
    """Run a dbt command in a child process (it streams its own progress); True on success.

    A child process, not dbtRunner: dbt-duckdb keeps its database open for the life of the
    process, and the CLI reads the warehouse right after the build.
    """
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable,
        "-c",
        "from dbt.cli.main import cli; cli()",
        *args,
        "--project-dir",
        str(settings.DBT_PROJECT_DIR),
        "--profiles-dir",
        str(settings.PROFILES_DIR),
    ]
    env = {**os.environ, **settings.dbt_environment(warehouse)}
    return subprocess.run(command, env=env, cwd=settings.PROJECT_ROOT, check=False).returncode == 0


def build_warehouse(
    lake: str,
    seed: int | None,
    warehouse: Path,
    select: str | None,
    extra_vars: dict[str, object] | None = None,
) -> bool:
    dbt_vars: dict[str, object] = {**(extra_vars or {}), "lake_root": lake}
    if seed is not None:
        dbt_vars["split_seed"] = seed
    args = ["build", "--vars", json.dumps(dbt_vars)]
    if select:
        args += ["--select", select]
    return run_dbt(args, warehouse)


@app.command()
def build(
    lake: LakeOption = None,
    seed: SeedOption = None,
    warehouse: WarehouseOption = None,
    select: Annotated[str | None, typer.Option(help="dbt node selection.")] = None,
    dbt_vars: Annotated[
        str | None, typer.Option("--vars", help="Extra dbt vars as a JSON object.")
    ] = None,
) -> None:
    """Run `dbt build` (models and every gate) on a lake; exits non-zero when a gate fails."""
    lake_uri = _lake_uri(lake)
    target = settings.warehouse_path(warehouse)
    try:
        extra_vars = json.loads(dbt_vars) if dbt_vars else {}
    except json.JSONDecodeError as exc:
        raise typer.BadParameter(f"not valid JSON: {exc}", param_hint="--vars") from exc
    console.print(f"[bold]Building[/] {target} from lake {lake_uri}")
    if not build_warehouse(lake_uri, seed, target, select, extra_vars):
        err_console.print("[red]dbt build failed: a model or a gate did not pass (see above).[/]")
        raise typer.Exit(1)
    if select:  # a partial build may not have built the marts the summary reads
        console.print(f"[green]Built[/] the selection {select!r}; summary: `pixel-data summary`")
        return
    print_summary(summarize_warehouse(target))


@app.command()
def export(
    out: Annotated[Path, typer.Option("--out", help="Export directory.")],
    version: Annotated[str | None, typer.Option(help="Export version label.")] = None,
    seed: SeedOption = None,
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
    """Write sharded Parquet + JSONL per split and stage, a manifest, the dataset card, the QA
    report and curriculum.json, from the warehouse."""
    from exports.writer import ExportError, export_warehouse

    if delete_local and not upload_to:
        raise typer.BadParameter("only with --upload", param_hint="--delete-local")
    target = settings.warehouse_path(warehouse)
    if not target.exists():
        err_console.print(f"[red]No warehouse at {target}: run `pixel-data build` first.[/]")
        raise typer.Exit(1)
    try:
        manifest = export_warehouse(
            target,
            out.resolve(),
            version=version,
            seed=seed,
            max_records_per_shard=max_records_per_shard,
            target_samples=target_samples,
        )
    except ExportError as exc:
        err_console.print(f"[red]Export refused:[/] {exc}")
        raise typer.Exit(1) from exc
    console.print(
        f"[green]Exported[/] {len(manifest.files)} files to {out.resolve()} "
        f"(version {manifest.version}, manifest sha256 {manifest.content_sha256[:12]})"
    )
    if upload_to:
        code = remote.upload(out.resolve(), upload_to, delete_local)
        if code:
            raise typer.Exit(code)


@app.command("qa-report")
def qa_report(
    export_dir: Annotated[Path, typer.Argument(help="Export (or any) folder to write into.")],
    warehouse: WarehouseOption = None,
) -> None:
    """Write qa_report.html (self-contained, charts) and qa_report.json for a built warehouse."""
    from exports.qa_report import write_qa_report

    target = settings.warehouse_path(warehouse)
    if not target.exists():
        err_console.print(f"[red]No warehouse at {target}: run `pixel-data build` first.[/]")
        raise typer.Exit(1)
    html_path, json_path = write_qa_report(export_dir.resolve(), target)
    console.print(f"QA report: {html_path} (figures: {json_path})")


@app.command()
def upload(
    export_dir: Annotated[Path, typer.Argument(help="Export directory (with manifest.json).")],
    destination: Annotated[str, typer.Argument(help="s3://bucket/exports/<version>")],
    delete_local: Annotated[
        bool, typer.Option(help="Delete each local file once its remote copy verifies.")
    ] = False,
) -> None:
    """Upload an existing export and verify it from the server (resumes an interrupted one)."""
    code = remote.upload(export_dir.resolve(), destination, delete_local)
    if code:
        raise typer.Exit(code)


@app.command()
def inventory(
    uri: Annotated[str, typer.Argument(help="Lake root: a folder or s3://bucket/prefix.")],
    json_path: Annotated[
        Path, typer.Option("--json", help="Where to write the JSON report.")
    ] = settings.BUILD_DIR / "inventory.json",
    depth: Annotated[int, typer.Option(help="Folder levels that make a prefix.")] = 1,
    show: Annotated[int, typer.Option(help="Unregistered objects to print.")] = 50,
) -> None:
    """Coverage report: objects, bytes, formats and records per prefix and dataset."""
    code = remote.inventory(_lake_uri(uri), json_path, depth, show)
    if code:
        raise typer.Exit(code)


@app.command()
def verify(
    export_dir: Annotated[str, typer.Argument(help="Export directory or s3://bucket/prefix.")],
) -> None:
    """Recompute every checksum, size and record count against the manifest."""
    from exports.verify import verify_export

    if export_dir.startswith("s3://"):
        code = remote.verify_remote(export_dir.rstrip("/"))
        if code:
            raise typer.Exit(code)
        return
    report = verify_export(Path(export_dir))
    if report.ok:
        console.print(f"[green]OK[/]: {report.files_checked} files match the manifest")
        return
    for problem in report.problems:
        err_console.print(f"[red]{problem.kind}[/]: {problem.path} {problem.detail or ''}")
    err_console.print(f"[red]FAILED[/]: {len(report.problems)} problem(s)")
    raise typer.Exit(1)


@app.command("sample-lake")
def sample_lake(
    out: Annotated[Path, typer.Argument(help="Folder to write the lake into.")] = (
        settings.DEFAULT_SAMPLE_LAKE
    ),
    records: Annotated[int, typer.Option(help="Approximate number of good records.")] = 3000,
    seed: Annotated[int, typer.Option(help="Generator seed.")] = 7,
) -> None:
    """Generate the deterministic synthetic sample lake (every format, planted faults)."""
    from sample_lake.generator import generate_lake

    if out.exists():
        shutil.rmtree(out)
    summary = generate_lake(out, records=records, seed=seed)
    data = summary.to_dict() if hasattr(summary, "to_dict") else summary.model_dump()
    console.print(
        f"Sample lake at {out}: {len(data['datasets'])} datasets, "
        f"{sum(d['input_records'] for d in data['datasets'].values())} input records"
    )


@app.command()
def summary(warehouse: WarehouseOption = None) -> None:
    """Print the counts of a built warehouse."""
    print_summary(summarize_warehouse(settings.warehouse_path(warehouse)))


@app.command()
def demo(
    records: Annotated[int, typer.Option(help="Records in the sample lake.")] = 3000,
    seed: Annotated[int, typer.Option(help="Split seed.")] = 42,
) -> None:
    """Generate the sample lake, build the warehouse, export it, and print what happened."""
    from exports.writer import export_warehouse

    lake = settings.DEFAULT_SAMPLE_LAKE
    sample_lake(lake, records=records, seed=7)
    target = settings.warehouse_path(None)
    if not build_warehouse(str(lake), seed, target, None):
        err_console.print("[red]dbt build failed: a model or a gate did not pass (see above).[/]")
        raise typer.Exit(1)
    out = settings.DEFAULT_EXPORT_DIR
    manifest = export_warehouse(target, out, seed=seed)
    print_summary(summarize_warehouse(target))
    console.print(
        f"\n[bold]Export[/]: {out} ({len(manifest.files)} files, version {manifest.version})"
    )
    console.print(f"[bold]Warehouse[/]: {target}  (try: duckdb {target} -c 'from row_accounting')")


def print_summary(summary: BuildSummary) -> None:
    console.print(
        f"\n[bold]Records in[/] {summary.input_records:,}  "
        f"[bold]exported[/] {summary.exported:,}  "
        f"[bold]quarantined[/] {summary.quarantined:,}  "
        f"[bold]exact duplicates[/] {summary.exact_duplicates:,}  "
        f"[bold]near duplicates[/] {summary.near_duplicates:,}  "
        f"[bold]filtered[/] {summary.filtered:,}"
    )
    table = Table(title="Conversations by stage and split")
    table.add_column("stage")
    for split in SPLITS:
        table.add_column(split, justify="right")
    for stage in STAGES:
        table.add_row(
            stage, *(f"{summary.by_split_stage.get((split, stage), 0):,}" for split in SPLITS)
        )
    table.add_row(
        "preference pairs",
        *(f"{summary.preference_pairs_by_split.get(split, 0):,}" for split in SPLITS),
    )
    console.print(table)
    if summary.top_quarantine_reasons:
        reasons = ", ".join(f"{reason} {count}" for reason, count in summary.top_quarantine_reasons)
        console.print(f"Quarantine reasons: {reasons}")
    if summary.datasets_without_files:
        names = ", ".join(summary.datasets_without_files)
        console.print(f"[yellow]Datasets whose glob matched no file:[/] {names}")
    if summary.unregistered_files:
        count = summary.unregistered_files
        console.print(f"[yellow]Unregistered files in the lake:[/] {count} (see lake_files)")
    if summary.unbalanced_datasets:
        console.print(
            f"[red]Unbalanced row accounting:[/] {', '.join(summary.unbalanced_datasets)}"
        )


if __name__ == "__main__":
    app()
