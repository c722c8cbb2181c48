"""Verified upload to a real S3 server: nothing is deleted before the server proves it has it."""

from __future__ import annotations

import hashlib
import random
import shutil
import socket
import time
from pathlib import Path

import pytest

from exports import Manifest, export_warehouse, verify_export
from exports.manifest import finalize_manifest
from exports.s3_store import S3ExportStore
from exports.upload import UploadConfig, UploadError, upload_export
from exports.verify import verify_store
from ingestion.s3 import S3AccessError, S3Config
from pixel_data.local_s3 import s3_client
from sample_lake.synthetic_warehouse import build_synthetic_warehouse
from tests.conftest import run_cli

# Multipart above 8 MiB in 5 MiB parts (the S3 minimum): only the bulk shard goes up in parts.
MULTIPART = UploadConfig(multipart_threshold=8 << 20, multipart_chunksize=5 << 20)
BULK_SHARD = "data/train/foundation/part-09999.jsonl"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("upload") / "warehouse.duckdb"
    return build_synthetic_warehouse(path, n_conversations=400, n_pairs=60)


@pytest.fixture(scope="module")
def source_export(warehouse, tmp_path_factory) -> tuple[Path, Manifest]:
    """A real export plus one 12 MiB JSONL shard, so one object needs a 3-part upload."""
    out = tmp_path_factory.mktemp("upload") / "export"
    manifest = export_warehouse(warehouse, out, max_records_per_shard=100)
    rng = random.Random(5)
    lines = [f'{{"n": {i}, "pad": "{rng.randbytes(300).hex()}"}}\n' for i in range(20_000)]
    bulk = "".join(lines).encode()
    (out / BULK_SHARD).write_bytes(bulk)
    document = manifest.model_dump(mode="json")
    document["files"].append(
        {
            "path": BULK_SHARD,
            "sha256": hashlib.sha256(bulk).hexdigest(),
            "bytes": len(bulk),
            "records": len(lines),
            "kind": "conversations",
            "format": "jsonl",
            "split": "train",
            "stage": "foundation",
        }
    )
    document["files"].sort(key=lambda entry: entry["path"])
    for key in ("format_version", "version", "content_sha256", "created_at"):
        document.pop(key)
    manifest = finalize_manifest(document, version="upload-test")
    (out / "manifest.json").write_text(manifest.to_json(), encoding="utf-8")
    assert verify_export(out).ok
    return out, manifest


@pytest.fixture
def export_dir(source_export, tmp_path) -> Path:
    copy = tmp_path / "export"
    shutil.copytree(source_export[0], copy)
    return copy


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _local_files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def test_upload_verifies_every_object_then_deletes_local_copies(
    source_export, export_dir, s3_env, bucket, monkeypatch
):
    _, manifest = source_export
    assert max(entry.bytes for entry in manifest.files) > 10 << 20  # three parts
    calls: list[tuple[str, str]] = []
    real_client = S3Config.client

    def recording_client(self):
        made = real_client(self)
        for operation in ("PutObject", "CreateMultipartUpload", "DeleteObject"):
            made.meta.events.register(
                f"before-parameter-build.s3.{operation}",
                lambda params, model, **_: calls.append((model.name, params["Key"])),
            )
        return made

    monkeypatch.setattr(S3Config, "client", recording_client)
    report = upload_export(
        export_dir, f"s3://{bucket}/exports/v1", delete_local=True, upload_config=MULTIPART
    )

    documents = [p for p in _local_files(source_export[0]) if p.startswith(("README", "qa_"))]
    expected = [e.path for e in manifest.files] + documents + ["manifest.json"]
    assert sorted(report.uploaded) == sorted(expected)
    assert set(report.verified_by.values()) == {"checksum", "reread"}  # single-part and multipart
    assert calls[-1] == ("PutObject", "exports/v1/manifest.json")  # the manifest goes last
    assert not any(op == "DeleteObject" for op, _ in calls)
    assert _local_files(export_dir) == []  # everything verified, so everything deleted
    result = verify_store(S3ExportStore(f"s3://{bucket}/exports/v1"))
    assert result.ok, result.problems


def test_a_rerun_skips_verified_objects_and_uploads_nothing(export_dir, s3_env, bucket):
    destination = f"s3://{bucket}/exports/v1"
    upload_export(export_dir, destination, upload_config=MULTIPART)
    again = upload_export(export_dir, destination, delete_local=True, upload_config=MULTIPART)
    assert again.uploaded == [] and again.bytes_uploaded == 0
    assert len(again.already_verified) == again.files
    assert _local_files(export_dir) == []  # deleted now: each was verified again first


def test_server_killed_mid_upload_loses_nothing_and_a_rerun_completes(
    source_export, export_dir, s3_server_factory, monkeypatch
):
    _, manifest = source_export
    server = s3_server_factory("killed")
    for key, value in {**server.env(), "PIXEL_S3_MAX_ATTEMPTS": "2"}.items():
        monkeypatch.setenv(key, value)
    s3_client(server).create_bucket(Bucket="exports")
    destination = "s3://exports/v1"
    sent: dict[str, int] = {}
    killed_during: list[str] = []

    def on_bytes(path: str, n: int) -> None:
        sent[path] = sent.get(path, 0) + n
        if not killed_during and path == BULK_SHARD and sent[path] > 6 << 20:
            killed_during.append(path)
            server.kill()  # SIGKILL mid-transfer, as a crash would

    with pytest.raises(S3AccessError, match="cannot reach the S3 endpoint"):
        upload_export(
            export_dir, destination, delete_local=True, upload_config=MULTIPART, on_bytes=on_bytes
        )
    assert killed_during == [BULK_SHARD]  # killed in its second part
    interrupted = BULK_SHARD
    # nothing lost: the interrupted file and the manifest are still here, intact
    assert (export_dir / "manifest.json").is_file()
    entries = {entry.path: entry for entry in manifest.files}
    assert _sha256(export_dir / interrupted) == entries[interrupted].sha256
    local = set(_local_files(export_dir))
    assert all(_sha256(export_dir / p) == entries[p].sha256 for p in local if p in entries)

    server.start()  # same ports, same data
    store = S3ExportStore(destination)
    assert not store.exists("manifest.json")  # no manifest: visibly incomplete
    deleted = set(entries) - local
    assert deleted, "some files were verified and deleted before the crash"
    for path in deleted:  # everything deleted locally was on the server, verified
        assert store.size(path) == entries[path].bytes

    rerun = upload_export(export_dir, destination, delete_local=True, upload_config=MULTIPART)
    assert set(rerun.already_verified) >= deleted
    assert interrupted in rerun.uploaded
    assert _local_files(export_dir) == []
    assert verify_store(store).ok


def test_verify_names_an_object_altered_on_the_server(export_dir, s3_env, s3_server, bucket):
    destination = f"s3://{bucket}/v2"
    upload_export(export_dir, destination)
    result = run_cli("verify", destination)
    assert result.returncode == 0, result.stderr
    assert "files match the manifest" in result.stdout

    manifest = Manifest.from_json((export_dir / "manifest.json").read_bytes())
    victim = next(e for e in manifest.files if e.format == "jsonl").path
    data = bytearray((export_dir / victim).read_bytes())
    data[100] ^= 0x01  # same size, one bit different
    s3_client(s3_server).put_object(Bucket=bucket, Key=f"v2/{victim}", Body=bytes(data))

    result = run_cli("verify", destination)
    assert result.returncode == 1
    assert f"modified: {victim}" in " ".join(result.stderr.split())
    # and the upload itself refuses to call that object verified
    again = upload_export(export_dir, destination)
    assert again.uploaded == [victim]


def test_a_local_file_that_does_not_match_its_manifest_is_not_published(export_dir, s3_env, bucket):
    manifest = Manifest.from_json((export_dir / "manifest.json").read_bytes())
    victim = manifest.files[0].path
    with (export_dir / victim).open("r+b") as handle:
        handle.seek(10)
        handle.write(b"\x00")
    with pytest.raises(UploadError, match="does not match the manifest"):
        upload_export(export_dir, f"s3://{bucket}/v3", delete_local=True)
    assert (export_dir / victim).is_file() and (export_dir / "manifest.json").is_file()
    assert not S3ExportStore(f"s3://{bucket}/v3").exists("manifest.json")


def test_a_destination_holding_another_export_is_refused(export_dir, s3_env, bucket, tmp_path):
    upload_export(export_dir, f"s3://{bucket}/v4")
    other_warehouse = build_synthetic_warehouse(tmp_path / "other.duckdb", n_conversations=50)
    export_warehouse(other_warehouse, tmp_path / "other")
    before = _local_files(tmp_path / "other")
    with pytest.raises(UploadError, match="already holds a different export"):
        upload_export(tmp_path / "other", f"s3://{bucket}/v4", delete_local=True)
    assert _local_files(tmp_path / "other") == before
    assert verify_store(S3ExportStore(f"s3://{bucket}/v4")).ok


def test_a_prefix_with_foreign_objects_is_refused(export_dir, s3_env, s3_server, bucket):
    s3_client(s3_server).put_object(Bucket=bucket, Key="v5/someone-elses.csv", Body=b"x")
    with pytest.raises(UploadError, match="not part of this export"):
        upload_export(export_dir, f"s3://{bucket}/v5", delete_local=True)
    assert (export_dir / "manifest.json").is_file()


def _cli_upload(export_dir: Path, destination: str, env: dict[str, str]):
    started = time.monotonic()
    result = run_cli("upload", str(export_dir), destination, "--delete-local", env=env)
    return result, time.monotonic() - started


def test_wrong_credentials_keep_everything_and_never_echo_the_secret(export_dir, s3_env, bucket):
    before = _local_files(export_dir)
    wrong = "NotTheSecret" + "q" * 24
    result, _ = _cli_upload(export_dir, f"s3://{bucket}/v6", {"AWS_SECRET_ACCESS_KEY": wrong})
    output = result.stdout + result.stderr
    assert result.returncode == 1
    assert "refused the credentials" in output
    assert wrong not in output and s3_env["AWS_SECRET_ACCESS_KEY"] not in output
    assert _local_files(export_dir) == before


def test_a_missing_bucket_is_a_clear_error(export_dir, s3_env):
    before = _local_files(export_dir)
    result, _ = _cli_upload(export_dir, "s3://no-such-bucket-x/v1", {})
    assert result.returncode == 1
    assert "bucket 'no-such-bucket-x' does not exist" in " ".join(result.stderr.split())
    assert _local_files(export_dir) == before
    result = run_cli("verify", "s3://no-such-bucket-x/v1")
    assert result.returncode == 1 and "does not exist" in result.stderr


@pytest.mark.parametrize("endpoint", ["refused", "silent"])
def test_an_unreachable_endpoint_fails_in_bounded_time(export_dir, s3_env, endpoint):
    """Connection refused, or a server that accepts and never answers: retries, then an error."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)  # accepts connections into the backlog, never answers them
        port = silent.getsockname()[1] if endpoint == "silent" else 9
        env = {
            "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}",
            "PIXEL_S3_MAX_ATTEMPTS": "2",
            "PIXEL_S3_CONNECT_TIMEOUT": "1",
            "PIXEL_S3_READ_TIMEOUT": "1",
        }
        before = _local_files(export_dir)
        result, seconds = _cli_upload(export_dir, "s3://anything/v1", env)
    assert result.returncode == 1
    assert f"cannot reach the S3 endpoint http://127.0.0.1:{port}" in " ".join(
        result.stderr.split()
    )
    assert seconds < 30
    assert _local_files(export_dir) == before


def test_export_then_upload_in_one_command(warehouse, s3_env, bucket, tmp_path):
    out = tmp_path / "out"
    destination = f"s3://{bucket}/exports/v7"
    result = run_cli(
        "export",
        "--out",
        str(out),
        "--warehouse",
        str(warehouse),
        "--upload",
        destination,
        "--delete-local",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Verified" in result.stdout and "Deleted" in result.stdout
    assert _local_files(out) == []
    assert run_cli("verify", destination).returncode == 0
