"""S3 benchmark: build from an S3 lake vs the same lake on local disk; verified upload throughput.

    python -m benchmarks.s3 --records 100000 --upload-mb 1024

Starts SeaweedFS (`weed mini`) on loopback in the work folder, copies a generated lake of
``--records`` records into a bucket, then builds alternately from the local folder and from
``s3://``: the ingest models (``+stg_lake__records``: seeds, listing, reading; the only part that
differs) ``--repeats`` times each, then the whole project (every model and gate)
``--full-builds`` times each. The best and every run are printed, with the time dbt spent in
the two models that list and read the lake. Then exports a synthetic warehouse of
about ``--upload-mb`` MB and uploads it with `upload_export` (checksummed upload, read-back
verification), once with the default transfer settings (multipart above 64 MiB) and once with
multipart above 8 MiB (every shard is multipart, so every object is verified by reading it back).
Record the figures in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from exports.upload import UploadConfig, upload_export
from pixel_data.commands.warehouse import run_dbt
from pixel_data.local_s3 import LocalS3Server, s3_client, upload_folder
from sample_lake import generate_lake

LAKE_MODELS = ("stg_lake__files", "stg_lake__records")


INGEST_SELECTION = "+stg_lake__records"


def timed_build(lake: str, warehouse: Path, target: Path, select: str | None) -> dict[str, float]:
    """One `dbt build` (the selection, or everything); wall time and the lake models' times."""
    warehouse.unlink(missing_ok=True)
    shutil.rmtree(target, ignore_errors=True)
    os.environ["DBT_TARGET_PATH"] = str(target)
    args = ["build", "--vars", json.dumps({"lake_root": lake})]
    if select:
        args += ["--select", select]
    started = time.perf_counter()
    ok = run_dbt(args, warehouse)
    wall = time.perf_counter() - started
    if not ok:
        raise SystemExit(f"dbt build failed on {lake}")
    results = json.loads((target / "run_results.json").read_text())["results"]
    read = sum(r["execution_time"] for r in results if r["unique_id"].split(".")[-1] in LAKE_MODELS)
    return {"build_s": round(wall, 2), "lake_models_s": round(read, 2)}


def build_comparison(
    workdir: Path, server: LocalS3Server, records: int, repeats: int, full_builds: int
) -> dict:
    lake = workdir / "lake"
    shutil.rmtree(lake, ignore_errors=True)
    summary = generate_lake(lake, records=records, seed=7)
    client = s3_client(server)
    client.create_bucket(Bucket="bench-lake")
    upload_folder(client, lake, "bench-lake", "lake")
    roots = (("local", str(lake)), ("s3", "s3://bench-lake/lake"))
    figures: dict = {
        "input_records": sum(d.input_records for d in summary.datasets.values()),
        "lake_mib": round(summary.total_bytes / 2**20, 1),
        "lake_files": sum(len(d.files) for d in summary.datasets.values())
        + len(summary.unregistered_files),
    }
    # tests of models outside the selection are not run
    os.environ["DBT_INDIRECT_SELECTION"] = "cautious"
    for label, select, rounds in (
        ("ingest", INGEST_SELECTION, repeats),
        ("full_build", None, full_builds),
    ):
        runs: dict[str, list[dict[str, float]]] = {"local": [], "s3": []}
        for _ in range(rounds):  # alternate, so load on the machine hits both alike
            for where, root in roots:
                target = workdir / "target"
                runs[where].append(timed_build(root, workdir / f"{where}.duckdb", target, select))
        if not rounds:
            continue
        best = {where: min(r["build_s"] for r in rows) for where, rows in runs.items()}
        best_read = {where: min(r["lake_models_s"] for r in rows) for where, rows in runs.items()}
        figures[label] = {
            "selection": select or "everything",
            "runs": runs,
            "best_s": best,
            "s3_over_local": round(best["s3"] / best["local"], 3),
            "best_lake_models_s": best_read,
            "s3_over_local_lake_models": round(best_read["s3"] / best_read["local"], 3),
        }
    os.environ.pop("DBT_INDIRECT_SELECTION", None)
    return figures


def upload_throughput(workdir: Path, server: LocalS3Server, upload_mb: int, reuse: bool) -> dict:
    from exports import Manifest, export_warehouse
    from sample_lake.synthetic_warehouse import build_synthetic_warehouse

    export = workdir / "export"
    if reuse and (export / "manifest.json").is_file():
        manifest = Manifest.from_json((export / "manifest.json").read_bytes())
    else:
        warehouse = workdir / "synthetic.duckdb"
        # about 2.25 KB of Parquet + JSONL per conversation with 50 words a message
        conversations = max(1000, int(upload_mb * 1e6 / 2250))
        build_synthetic_warehouse(
            warehouse, n_conversations=conversations, n_pairs=2000, words_per_message=50
        )
        shutil.rmtree(export, ignore_errors=True)
        manifest = export_warehouse(warehouse, export)
    total = sum(entry.bytes for entry in manifest.files)
    client = s3_client(server)
    figures: dict = {
        "files": len(manifest.files),
        "mb": round(total / 1e6, 1),
        "largest_file_mb": round(max(e.bytes for e in manifest.files) / 1e6, 1),
    }
    transfer = UploadConfig().transfer_config()
    counter = iter(range(1000))

    def raw() -> dict:
        """Plain boto3 upload_file, 4 files at a time: no checksums, no verification."""
        bucket = f"bench-raw-{next(counter)}"
        client.create_bucket(Bucket=bucket)
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=4) as pool:
            list(
                pool.map(
                    lambda e: client.upload_file(
                        str(export / e.path), bucket, e.path, Config=transfer
                    ),
                    manifest.files,
                )
            )
        return {"mb_per_s": round(total / 1e6 / (time.perf_counter() - started), 1)}

    def verified(config: UploadConfig) -> dict:
        bucket = f"bench-verified-{next(counter)}"
        client.create_bucket(Bucket=bucket)
        started = time.perf_counter()
        report = upload_export(export, f"s3://{bucket}/v1", upload_config=config)
        methods = list(report.verified_by.values())
        return {
            "mb_per_s": round(total / 1e6 / (time.perf_counter() - started), 1),
            "verified_by_checksum": methods.count("checksum"),
            "verified_by_reread": methods.count("reread"),
        }

    raw()  # warm-up: the server grows its first volumes
    rounds: dict[str, list[dict]] = {
        "raw upload_file, no checksum or verification": [],
        "verified, default (multipart > 64 MiB)": [],
        "verified, multipart > 8 MiB in 8 MiB parts": [],
    }
    for _ in range(2):  # interleaved, so load on the machine hits every kind alike
        rounds["raw upload_file, no checksum or verification"].append(raw())
        rounds["verified, default (multipart > 64 MiB)"].append(verified(UploadConfig()))
        rounds["verified, multipart > 8 MiB in 8 MiB parts"].append(
            verified(UploadConfig(8 << 20, 8 << 20))
        )
    figures["uploads"] = rounds

    from exports.s3_store import S3ExportStore
    from exports.verify import verify_store

    started = time.perf_counter()
    ok = verify_store(S3ExportStore("s3://bench-verified-2/v1")).ok
    seconds = time.perf_counter() - started
    figures["remote_verify"] = {"ok": ok, "seconds": round(seconds, 1)}
    figures["remote_verify"]["mb_per_s"] = round(total / 1e6 / seconds, 1)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3, help="Ingest-only builds per lake.")
    parser.add_argument("--full-builds", type=int, default=1, help="Full builds per lake.")
    parser.add_argument("--upload-mb", type=int, default=1024)
    parser.add_argument("--workdir", type=Path, default=None, help="Keep artefacts here.")
    parser.add_argument("--skip-build", action="store_true")
    parser.add_argument("--skip-upload", action="store_true")
    parser.add_argument(
        "--reuse-export", action="store_true", help="Upload the export already in --workdir."
    )
    args = parser.parse_args()

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="pixel-bench-s3-"))
    workdir.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(workdir / "s3", ignore_errors=True)
    server = LocalS3Server(workdir / "s3").start()
    os.environ.update(server.env())
    figures: dict = {"machine": platform.node(), "cpus": os.cpu_count()}
    try:
        if not args.skip_build:
            figures["build"] = build_comparison(
                workdir, server, args.records, args.repeats, args.full_builds
            )
            print(json.dumps(figures["build"], indent=2), flush=True)
        if not args.skip_upload:
            figures["upload"] = upload_throughput(
                workdir, server, args.upload_mb, args.reuse_export
            )
    finally:
        server.stop()
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
