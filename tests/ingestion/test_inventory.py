"""The coverage report on a local lake: formats by name and by content, counts, unregistered."""

from __future__ import annotations

import gzip
import json
import random

import pytest

from ingestion.inventory import build_inventory, extension_of
from tests.conftest import run_cli


@pytest.fixture(scope="module")
def inventory(sample_lake):
    lake, _ = sample_lake
    return build_inventory(str(lake))


def test_exact_counts_equal_the_records_the_warehouse_reads(inventory, sample_lake):
    _, summary = sample_lake
    by_dataset = {group.name: group for group in inventory.datasets}
    for name, planted in summary.datasets.items():
        assert by_dataset[name].records == planted.input_records, name
        assert by_dataset[name].records_are_exact, name
        assert by_dataset[name].objects == len(planted.files), name


def test_every_unregistered_object_is_listed(inventory, sample_lake):
    _, summary = sample_lake
    assert sorted(obj.relpath for obj in inventory.unregistered) == sorted(
        summary.unregistered_files
    )
    assert inventory.totals.objects == len(inventory.objects)
    assert inventory.totals.bytes == summary.total_bytes


def test_content_is_sniffed_not_taken_from_the_name(inventory):
    content = {obj.relpath: obj.content for obj in inventory.objects}
    extension = {obj.relpath: obj.extension for obj in inventory.objects}
    # the sample lake's sharegpt "stream" file is JSONL named .json
    assert extension["community/sharegpt/sharegpt_stream_001.json"] == "json"
    assert content["community/sharegpt/sharegpt_stream_001.json"] == "jsonl"
    assert content["community/sharegpt/sharegpt_part_001.json"] == "json_array"
    assert content["professional/sessions/sessions_001.jsonl.gz"] == "gzip/jsonl"
    assert content["reasoning/cot_001.parquet"] == "parquet"
    assert content["curated/priority_empty.jsonl"] == "empty"


def test_prefix_groups_add_up(inventory):
    assert sum(group.objects for group in inventory.prefixes) == inventory.totals.objects
    assert sum(group.records for group in inventory.prefixes) == inventory.totals.records
    assert {group.name for group in inventory.prefixes} >= {"curated/", "qa/", "misc/"}


@pytest.mark.parametrize(
    ("name", "expected"),
    [("a/b.jsonl.gz", "jsonl.gz"), ("x.PARQUET", "parquet"), ("README", "(none)"), ("t.md", "md")],
)
def test_extension_of(name, expected):
    assert extension_of(name) == expected


def _jsonl_lines(n: int, seed: int) -> bytes:
    rng = random.Random(seed)
    words = ["".join(rng.choices("abcdefghijklmnopqrstuvwxyz", k=7)) for _ in range(5000)]
    lines = []
    for i in range(n):
        text = " ".join(rng.choices(words, k=rng.randint(5, 120)))
        lines.append(json.dumps({"messages": [{"role": "user", "content": text}], "i": i}))
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.parametrize("compressed", [False, True])
def test_big_objects_are_estimated_from_a_sample_within_five_percent(tmp_path, compressed):
    lake = tmp_path / "lake"
    lake.mkdir()
    data = _jsonl_lines(30_000, seed=3)
    name = "big.jsonl.gz" if compressed else "big.jsonl"
    (lake / name).write_bytes(gzip.compress(data) if compressed else data)
    report = build_inventory(str(lake), exact_max_bytes=512 << 10, sample_bytes=256 << 10)
    (obj,) = report.objects
    assert obj.method == "sampled"
    assert obj.records == pytest.approx(30_000, rel=0.05)
    assert not report.totals.records_are_exact
    assert "scaled by bytes" in report.method["sampled"]


def test_cli_prints_the_report_and_writes_json(sample_lake, tmp_path):
    lake, summary = sample_lake
    out = tmp_path / "inventory.json"
    result = run_cli("inventory", str(lake), "--json", str(out))
    assert result.returncode == 0, result.stderr
    assert "By registered dataset" in result.stdout
    assert "misc/README.txt" in result.stdout  # unregistered objects are printed
    document = json.loads(out.read_text())
    assert {row["name"] for row in document["datasets"]} == set(summary.datasets)
    assert len(document["unregistered"]) == len(summary.unregistered_files)
    assert set(document["method"]) >= {"exact", "sampled", "parquet_footer"}


def test_a_document_dataset_counts_one_record_per_file_whatever_its_size(tmp_path):
    lake = tmp_path / "lake"
    (lake / "talks").mkdir(parents=True)
    (lake / "talks" / "short.md").write_text("# A talk\n\nOne paragraph, with a comma.\n")
    (lake / "talks" / "long.md").write_text("A line of a long talk, spoken.\n" * 40_000)
    registry = tmp_path / "registry.csv"
    registry.write_text(
        "dataset,path_glob,format,field_map,source_family,tier,category,stage_policy,"
        "is_edge_case,is_holdout,license\n"
        "talks,talks/*.md,transcript,,talks,4,voice,voice,false,false,internal\n"
    )
    report = build_inventory(str(lake), registry_csv=registry, exact_max_bytes=64 << 10)
    assert {obj.relpath: (obj.records, obj.method) for obj in report.objects} == {
        "talks/long.md": (1, "document"),
        "talks/short.md": (1, "document"),
    }
