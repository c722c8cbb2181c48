"""The lake read in place from a real S3 server: listing, reading, inventory, a full build."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from ingestion.inventory import build_inventory
from ingestion.lake_access import LakeAccess
from ingestion.lake_reader import LakeFile, read_lake_records
from ingestion.s3 import S3AccessError, S3Config, list_s3_objects
from pixel_config.settings import duckdb_extension_dir
from pixel_data.local_s3 import s3_client, upload_folder
from tests.conftest import SWITCHED_OFF_VARS, run_cli


@pytest.fixture(scope="module")
def s3_lake(s3_server, sample_lake):
    """The sample lake copied into its own bucket: (uri, local lake, summary)."""
    lake, summary = sample_lake
    client = s3_client(s3_server)
    client.create_bucket(Bucket="sample-lake")
    upload_folder(client, lake, "sample-lake", "lake")
    return "s3://sample-lake/lake", lake, summary


def _query(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def _relative(rows, prefix: str):
    return sorted((row[0].removeprefix(prefix), *row[1:]) for row in rows)


def test_listing_pages_through_thousands_of_objects(s3_server, s3_env, bucket, monkeypatch):
    client = s3_client(s3_server)
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(16) as pool:
        list(
            pool.map(
                lambda i: client.put_object(
                    Bucket=bucket, Key=f"p/d{i % 5}/f{i:04d}.jsonl", Body=b'{"a": 1}\n'
                ),
                range(2100),
            )
        )
    calls: list[str] = []
    real_client = S3Config.client

    def counting_client(self):
        made = real_client(self)
        made.meta.events.register("before-call.s3.ListObjectsV2", lambda **_: calls.append("list"))
        return made

    monkeypatch.setattr(S3Config, "client", counting_client)
    objects = list_s3_objects(f"s3://{bucket}/p")
    assert len(objects) == 2100
    assert len(calls) == 3  # 1,000 keys a request, not one request per object
    assert objects[0].relpath.startswith("d") and objects[0].size == 9

    report = build_inventory(f"s3://{bucket}/p", workers=8)
    assert report.totals.objects == 2100 and report.totals.records == 2100
    assert len(report.unregistered) == 2100
    assert [group.objects for group in report.prefixes] == [420] * 5


def test_inventory_of_the_s3_lake_equals_the_local_one(s3_lake, s3_env):
    uri, lake, _ = s3_lake
    remote, local = build_inventory(uri), build_inventory(str(lake))

    def facts(inventory):
        return sorted(
            (obj.relpath, obj.bytes, obj.content, obj.dataset, obj.records, obj.method)
            for obj in inventory.objects
        )

    assert facts(remote) == facts(local)


def _read_all(uri_sizes: dict[str, int], blob_max_bytes: int):
    con = duckdb.connect(config={"extension_directory": duckdb_extension_dir() or ""})
    access = LakeAccess(cursor=con, sizes=uri_sizes, blob_max_bytes=blob_max_bytes)
    files = [LakeFile("d", uri) for uri in sorted(uri_sizes)]
    table = read_lake_records(
        files, max_record_bytes=2_000_000, opener=access.open, parquet_reader=access.parquet_rows
    ).read_all()
    columns = ("source_file", "source_line", "container", "raw_record", "load_error")
    return list(zip(*(table.column(c).to_pylist() for c in columns), strict=True))


@pytest.mark.parametrize("blob_max_bytes", [64 << 20, 0], ids=["read_blob", "streamed"])
def test_s3_objects_read_exactly_like_local_files(s3_lake, s3_env, blob_max_bytes):
    uri, lake, _ = s3_lake
    objects = list_s3_objects(uri)
    remote = _read_all({obj.uri: obj.size for obj in objects}, blob_max_bytes)
    local = _read_all({f"{lake}/{obj.relpath}": obj.size for obj in objects}, blob_max_bytes)
    assert len(remote) > 3000
    assert _relative(remote, uri + "/") == _relative(local, f"{lake}/")


@pytest.mark.parametrize("blob_max_bytes", [64 << 20, 0], ids=["read_blob", "streamed"])
def test_objects_deleted_or_changed_after_listing_are_quarantined(
    s3_server, s3_env, bucket, sample_lake, blob_max_bytes
):
    lake, _ = sample_lake
    client = s3_client(s3_server)
    names = ["curated/priority_001.jsonl", "reasoning/cot_001.parquet", "qa/counsel_chat_plain.csv"]
    for name in names:
        client.upload_file(str(lake / name), bucket, name)
    listed = {obj.uri: obj.size for obj in list_s3_objects(f"s3://{bucket}")}
    client.delete_object(Bucket=bucket, Key=names[0])
    client.put_object(Bucket=bucket, Key=names[1], Body=(lake / names[1]).read_bytes()[:-100])
    rows = _read_all(listed, blob_max_bytes)
    by_file: dict[str, list] = {}
    for row in rows:
        by_file.setdefault(row[0].removeprefix(f"s3://{bucket}/"), []).append(row)
    assert by_file[names[0]] == [
        (f"s3://{bucket}/{names[0]}", 0, "unreadable", None, "unreadable_file")
    ]
    assert by_file[names[1]] == [
        (f"s3://{bucket}/{names[1]}", 0, "unreadable", None, "object_changed")
    ]
    assert all(row[4] is None or row[4] == "malformed_csv_row" for row in by_file[names[2]])
    assert len(by_file[names[2]]) > 10


def test_an_unreachable_endpoint_fails_the_read_instead_of_quarantining(
    s3_lake, s3_env, monkeypatch
):
    uri, _, _ = s3_lake
    objects = list_s3_objects(uri)
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # discard port: nothing there
    with pytest.raises(S3AccessError, match=r"cannot reach the S3 endpoint http://127\.0\.0\.1:9"):
        _read_all({obj.uri: obj.size for obj in objects[:3]}, 0)


def test_build_from_s3_equals_the_local_build_and_leaks_no_secret(
    s3_env, s3_server, bucket, switched_off_warehouse, tmp_path
):
    # what is read from S3 is the subject, not the scores: both builds run with model scoring
    # and near-dup detection off (the local one is shared with the tests of those switches).
    # The sample lake goes into a bucket of this test's own, not the module's `s3_lake`: this
    # test runs on the worker of the sample-lake builds (switched_off_warehouse), and the
    # module's other tests need not (docs/benchmarks.md, "Test suite, session 10 (issue 20)")
    lake = switched_off_warehouse.lake
    upload_folder(s3_client(s3_server), lake, bucket, "lake")
    uri = f"s3://{bucket}/lake"
    warehouse = tmp_path / "s3.duckdb"
    target, logs = tmp_path / "target", tmp_path / "logs"
    result = run_cli(
        "build",
        "--lake",
        uri,
        "--warehouse",
        str(warehouse),
        "--vars",
        SWITCHED_OFF_VARS,
        # dbt's artifacts as a user's build writes them (tests/conftest.py turns them off for
        # the suite's other runs): they are searched for the secret below
        env={"DBT_TARGET_PATH": str(target), "DBT_LOG_PATH": str(logs), "DBT_WRITE_JSON": "true"},
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]

    local, local_prefix = switched_off_warehouse.warehouse, f"{lake.resolve()}/"
    for sql in (
        "select source_dataset, input_records, exported, quarantined, exact_duplicates, filtered"
        " from row_accounting",
        "select conversation_id, split, stage from conversations",
        "select pair_id, split from preference_pairs",
    ):
        assert sorted(_query(warehouse, sql)) == sorted(_query(local, sql))
    quarantine = "select source_file, source_line, reason from quarantine"
    assert _relative(_query(warehouse, quarantine), uri + "/") == _relative(
        _query(local, quarantine), local_prefix
    )

    secret = s3_server.secret_key.encode()
    assert secret not in (result.stdout + result.stderr).encode()
    leaks = [
        path
        for folder in (target, logs)
        for path in folder.rglob("*")
        if path.is_file() and secret in path.read_bytes()
    ]
    assert not leaks
    assert target.exists() and any(target.rglob("manifest.json"))
    assert secret not in warehouse.read_bytes()


def test_wrong_credentials_fail_the_build_clearly_without_echoing_them(s3_lake, s3_env, tmp_path):
    uri, _, _ = s3_lake
    wrong = "WrongSecret" + "x" * 20
    logs = tmp_path / "logs"
    result = run_cli(
        "build",
        "--lake",
        uri,
        "--warehouse",
        str(tmp_path / "w.duckdb"),
        env={
            "AWS_SECRET_ACCESS_KEY": wrong,
            "DBT_LOG_PATH": str(logs),
            "DBT_TARGET_PATH": str(tmp_path / "t"),
        },
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "refused the credentials" in output
    assert wrong not in output
    assert not [p for p in logs.rglob("*") if p.is_file() and wrong.encode() in p.read_bytes()]


def test_a_missing_bucket_or_empty_prefix_is_a_clear_error(s3_lake, s3_env):
    # the build lists the lake with the same code (the wrong-credentials test runs a build)
    result = run_cli("inventory", "s3://no-such-bucket-here/lake")
    assert result.returncode == 1
    assert "bucket 'no-such-bucket-here' does not exist" in " ".join(result.stderr.split())
    result = run_cli("inventory", "s3://sample-lake/no-such-prefix")
    assert result.returncode == 1
    assert "holds no objects" in " ".join(result.stderr.split())


def test_a_build_quarantines_objects_deleted_or_truncated_after_listing(
    s3_server, s3_env, sample_lake, tmp_path
):
    """List, then delete one object and truncate another, then read: every gate still passes."""
    lake, _ = sample_lake
    client = s3_client(s3_server)
    client.create_bucket(Bucket="racing-lake")
    # the two datasets of the deleted and the truncated object are all the race needs: the
    # whole sample lake made the build read, normalize and redact every other dataset too
    for folder in ("curated", "holdout"):
        upload_folder(client, lake / folder, "racing-lake", f"lake/{folder}")
    uri, warehouse = "s3://racing-lake/lake", tmp_path / "w.duckdb"
    listed = run_cli(
        "build", "--lake", uri, "--warehouse", str(warehouse),
        "--select", "+stg_lake__files resource_type:seed",
        env={"DBT_INDIRECT_SELECTION": "cautious"},  # no tests of models not built yet
    )  # fmt: skip
    assert listed.returncode == 0, listed.stdout[-3000:]

    deleted, truncated = "curated/priority_002.jsonl", "holdout/family_001.jsonl"
    client.delete_object(Bucket="racing-lake", Key=f"lake/{deleted}")
    body = (lake / truncated).read_bytes()
    client.put_object(Bucket="racing-lake", Key=f"lake/{truncated}", Body=body[: len(body) // 2])
    read = run_cli(
        "build", "--lake", uri, "--warehouse", str(warehouse), "--select", "stg_lake__records+",
        "--vars", SWITCHED_OFF_VARS,  # the accounting is the subject, not the scores
    )  # fmt: skip
    assert read.returncode == 0, read.stdout[-3000:]  # accounting balances: nothing went missing

    quarantine = _query(
        warehouse,
        f"select source_file, source_line, reason from quarantine "
        f"where source_file in ('{uri}/{deleted}', '{uri}/{truncated}') order by all",
    )
    assert quarantine == [
        (f"{uri}/{deleted}", 0, "unreadable_file"),
        (f"{uri}/{truncated}", 0, "object_changed"),
    ]
    exported = _query(
        warehouse,
        "select count(*) from conversations"
        f" where source_file in ('{uri}/{deleted}', '{uri}/{truncated}')",
    )
    assert exported == [(0,)]  # not a single record from the half-read file
    (holdout,) = _query(
        warehouse,
        "select input_records, quarantined, exported from row_accounting"
        " where source_dataset = 'heldout_family_dialogues'",
    )
    assert holdout == (1, 1, 0)
