"""`pixel-data build` and `pixel-data summary`: the warehouse from a lake, and its counts."""

from __future__ import annotations

import fcntl
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import duckdb
import typer
from rich.console import Console
from rich.table import Table

from exports.contract import stages
from pixel_config import settings
from pixel_data.options import LakeOption, SplitSeedOption, WarehouseOption, lake_uri
from pixel_data.policy import FAILED, USAGE, examples, fail, require_warehouse
from pixel_data.summary import BuildSummary, summarize_warehouse

console = Console()

SPLITS = ["train", "val", "test"]


def run_dbt(args: list[str], warehouse: Path, extra_env: dict[str, str] | None = None) -> bool:
    """Run a dbt command in a child process (it streams its own progress); True on success.

    A child process, not dbtRunner: dbt-duckdb keeps its database open for the life of the
    process, and the CLI reads the warehouse right after the build. The child never outlives
    the CLI: SIGTERM/SIGHUP are passed on to it, Ctrl-C stops it, and on Linux it is sent
    SIGTERM when the CLI dies however it dies (even `kill -9`). A stopped build leaves the
    warehouse's `build_state` at `started`, which the export refuses.
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
    env = {**os.environ, **settings.dbt_environment(warehouse), **(extra_env or {})}
    child = subprocess.Popen(
        command, env=env, cwd=settings.PROJECT_ROOT, preexec_fn=_die_with_parent
    )
    received: list[int] = []

    def pass_on(signum: int, _frame: object) -> None:
        received.append(signum)
        child.send_signal(signum)

    previous = {sig: signal.signal(sig, pass_on) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        returncode = child.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        _stop(child)
    if received:
        fail(
            f"build stopped by {signal.Signals(received[0]).name}; the warehouse is marked "
            "unfinished and nothing can be exported from it until a build finishes",
            FAILED,
        )
    return returncode == 0


def _die_with_parent() -> None:
    """In the dbt child, before exec: ask Linux for SIGTERM when the parent (the CLI) dies."""
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None).prctl(pr_set_pdeathsig, signal.SIGTERM)


def _stop(child: subprocess.Popen) -> None:
    """Stop ``child`` if it still runs (after Ctrl-C): SIGINT, then SIGTERM, then SIGKILL."""
    for stop, grace in ((signal.SIGINT, 20), (signal.SIGTERM, 5), (signal.SIGKILL, None)):
        if child.poll() is not None:
            return
        child.send_signal(stop)
        try:
            child.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            continue


@contextmanager
def exclusive_build(warehouse: Path) -> Iterator[None]:
    """Hold the warehouse for one build; exit 2 when another build or process holds it."""
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    lock_path = warehouse.with_name(warehouse.name + ".build-lock")
    with open(lock_path, "a+b") as lock_file:
        try:
            fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            fail(f"another build holds the warehouse {warehouse}: wait for it to finish", USAGE)
        if warehouse.exists():
            try:
                duckdb.connect(str(warehouse)).close()
            except duckdb.IOException as exc:
                if "lock" not in str(exc).lower():
                    raise
                fail(
                    f"another process holds the warehouse {warehouse} open (a dbt build, an "
                    "export or a DuckDB session): wait for it or close it",
                    USAGE,
                )
        yield


def check_registry() -> None:
    """Exit 2 naming the row and column of every source-registry problem, before dbt starts."""
    from ingestion.registry import registry_problems

    problems = registry_problems(
        settings.REGISTRY_CSV,
        settings.SEEDS_DIR / "_seeds.yml",
        settings.DBT_PROJECT_DIR / "dbt_project.yml",
    )
    if problems:
        fail(
            f"the source registry {settings.REGISTRY_CSV} has problems: {'; '.join(problems)}",
            USAGE,
        )


ENGINES = ("local", "ray")


def ray_runs_dir(warehouse: Path) -> Path:
    """Where the Ray stages put their Parquet run folders and their report: beside the warehouse."""
    return warehouse.with_name(warehouse.stem + ".ray_runs")


@contextmanager
def engine_environment(engine: str, warehouse: Path) -> Iterator[dict[str, str]]:
    """The environment the dbt child needs for `engine`. For `ray`: RAY_ADDRESS when set (checked
    reachable first, exit 1 with one line otherwise), else a local Ray started here for the build
    and stopped after it by PID (python_models/ray_cluster.py)."""
    if engine == "local":
        yield {}
        return
    from python_models.ray_cluster import (
        RAY_ENVIRONMENT,
        LocalRayCluster,
        RayUnavailable,
        check_reachable,
    )

    runs = ray_runs_dir(warehouse)
    runs.mkdir(parents=True, exist_ok=True)
    (runs / "stages.jsonl").unlink(missing_ok=True)
    env = {"PIXEL_RAY_RUN_DIR": str(runs), **RAY_ENVIRONMENT}
    address = os.environ.get("RAY_ADDRESS")
    try:
        if address:
            check_reachable(address)
            console.print(f"Engine: ray, joining the cluster at {address}")
            yield {**env, "RAY_ADDRESS": address}
            return
        cluster = LocalRayCluster(num_cpus=os.cpu_count() or 1)
        console.print(f"Engine: ray, starting a local Ray ({cluster.num_cpus} CPUs)")
        with cluster:
            yield {**env, "RAY_ADDRESS": cluster.address}
    except RayUnavailable as exc:
        fail(str(exc), FAILED)


def build_warehouse(
    lake: str,
    seed: int | None,
    warehouse: Path,
    select: str | None,
    extra_vars: dict[str, object] | None = None,
    full_refresh: bool = False,
    engine: str = "local",
) -> bool:
    """`dbt build` on ``lake`` into ``warehouse``; True when every model and gate passed.
    ``full_refresh``: recompute every cached result (docs/incremental.md)."""
    dbt_vars: dict[str, object] = {**(extra_vars or {}), "lake_root": lake, "engine": engine}
    if seed is not None:
        dbt_vars["split_seed"] = seed
    if full_refresh:
        dbt_vars["result_cache"] = "refresh"
    args = ["build", "--vars", json.dumps(dbt_vars)]
    if full_refresh:
        args.append("--full-refresh")
    if select:
        args += ["--select", select]
    check_registry()
    with exclusive_build(warehouse), engine_environment(engine, warehouse) as env:
        return run_dbt(args, warehouse, env)


def engine_line(engine: str, warehouse: Path) -> str:
    """One line for the build summary: which engine ran the Python stages, on how many workers."""
    if engine == "local":
        workers = int(settings.dbt_var("scoring_workers") or 0) or os.cpu_count() or 1
        return f"Engine: local (a pool of up to {workers} worker processes on this machine)"
    report = ray_runs_dir(warehouse) / "stages.jsonl"
    lines = report.read_text().splitlines() if report.exists() else []
    jobs: dict[str, list[dict]] = {}  # a stage may run several Ray jobs (embedding does)
    for line in lines:
        job = json.loads(line)
        jobs.setdefault(job["stage"], []).append(job)
    parts = []
    for stage, runs in jobs.items():
        count = f" in {len(runs)} jobs" if len(runs) > 1 else ""
        actors = max(r["actors"] for r in runs)
        parts.append(
            f"{stage} {sum(r['rows'] for r in runs):,} rows{count} on {actors} "
            f"actor{'s' if actors != 1 else ''}, {max(r['nodes_used'] for r in runs)} of "
            f"{max(r['nodes'] for r in runs)} nodes ({max(r['cpus'] for r in runs)} CPUs)"
        )
    return "Engine: ray; " + ("; ".join(parts) if parts else "no stage ran on Ray")


def build(
    lake: LakeOption = None,
    seed: SplitSeedOption = None,
    warehouse: WarehouseOption = None,
    select: Annotated[str | None, typer.Option(help="dbt node selection.")] = None,
    dbt_vars: Annotated[
        str | None, typer.Option("--vars", help="Extra dbt vars as a JSON object.")
    ] = None,
    full_refresh: Annotated[
        bool,
        typer.Option(
            "--full-refresh",
            help="Recompute every cached result (scores, redactions, near-duplicate index).",
        ),
    ] = False,
    engine: Annotated[
        str,
        typer.Option(
            help="Where the Python stages run: local (a process pool) or ray (RAY_ADDRESS, "
            "or a local Ray started for the build)."
        ),
    ] = "local",
) -> None:
    """Run `dbt build` (models and every gate) on a lake; exits 1 when a gate fails.
    Results cached by content hash and scorer version are reused (docs/incremental.md)."""
    if engine not in ENGINES:
        fail(f"--engine must be one of {', '.join(ENGINES)}, not {engine!r}", USAGE)
    uri = lake_uri(lake)
    target = settings.warehouse_path(warehouse)
    try:
        extra_vars = json.loads(dbt_vars) if dbt_vars else {}
    except json.JSONDecodeError as exc:
        fail(f"--vars is not valid JSON: {exc}", USAGE)
    console.print(f"[bold]Building[/] {target} from lake {uri}")
    if not build_warehouse(uri, seed, target, select, extra_vars, full_refresh, engine):
        fail("dbt build failed: a model or a gate did not pass (see above)", FAILED)
    if select:  # a partial build may not have built the marts the summary reads
        console.print(f"[green]Built[/] the selection {select!r}; summary: `pixel-data summary`")
        console.print(engine_line(engine, target), soft_wrap=True)  # one line, never wrapped
        return
    print_summary(read_summary(target))
    console.print(engine_line(engine, target), soft_wrap=True)


def summary(warehouse: WarehouseOption = None) -> None:
    """Print the counts of a built warehouse."""
    print_summary(read_summary(require_warehouse(settings.warehouse_path(warehouse))))


def read_summary(warehouse: Path) -> BuildSummary:
    """The summary, or exit 2 naming a warehouse that is not a finished build."""
    try:
        return summarize_warehouse(warehouse)
    except duckdb.Error as exc:
        fail(f"cannot read a built warehouse at {warehouse}: {exc}", USAGE)


def print_datasets(summary: BuildSummary) -> None:
    """Where each dataset's records went, by format: every registry row, new shapes included."""
    table = Table(
        title="Records by dataset",
        caption="input + derived = exported + quarantined + duplicates + filtered"
        " (derived: passages and windows beyond a document's or session's first, less merged rows)",
    )
    headers = ("input", "derived", "exported", "quarantined", "duplicates", "filtered")
    for header in ("dataset", "format", "files", *headers):
        table.add_column(header, justify="left" if header in {"dataset", "format"} else "right")
    for row in summary.by_dataset:
        counts = (
            row.input_records,
            row.net_derived,
            row.exported,
            row.quarantined,
            row.duplicates,
            row.filtered,
        )
        table.add_row(row.dataset, row.record_format, f"{row.files:,}", *(f"{n:,}" for n in counts))
    console.print(table)


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
    for stage in stages():
        table.add_row(
            stage, *(f"{summary.by_split_stage.get((split, stage), 0):,}" for split in SPLITS)
        )
    table.add_row(
        "preference pairs",
        *(f"{summary.preference_pairs_by_split.get(split, 0):,}" for split in SPLITS),
    )
    console.print(table)
    print_datasets(summary)
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


def register(app: typer.Typer) -> None:
    app.command(
        epilog=examples(
            "pixel-data build --lake build/sample_lake --warehouse build/w.duckdb",
            "pixel-data build --lake s3://pixel-lake/sample --seed 7",
            "pixel-data build --select 'stg_lake__jsonl_conversations+'",
            "pixel-data build --lake build/sample_lake --full-refresh",
            "RAY_ADDRESS=head:6379 pixel-data build --engine ray",
        )
    )(build)
    app.command(epilog=examples("pixel-data summary --warehouse build/w.duckdb"))(summary)
