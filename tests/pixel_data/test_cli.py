"""The `pixel-data` CLI as a user runs it: build, export, verify, and the errors they see."""

from __future__ import annotations

import json

import duckdb
import pytest

from tests.conftest import build, run_cli


@pytest.fixture(scope="module")
def tiny_lake(tmp_path_factory):
    """Only two registered datasets have files; the rest match nothing."""
    lake = tmp_path_factory.mktemp("tiny") / "lake"
    (lake / "curated").mkdir(parents=True)
    (lake / "curated" / "priority_a.jsonl").write_text(
        json.dumps(
            {
                "messages": [
                    {"role": "client", "content": "I can't sleep."},
                    {"role": "therapist", "content": "What keeps you up?"},
                ]
            }
        )
        + "\n{broken\n"
    )
    (lake / "safety").mkdir()
    (lake / "safety" / "reddit_a.jsonl").write_text(
        json.dumps({"prompt": "I feel hopeless", "chosen": "I'm here with you.", "rejected": "Ok."})
        + "\n"
    )
    return lake


@pytest.fixture(scope="module")
def tiny_warehouse(tiny_lake, tmp_path_factory):
    warehouse = tmp_path_factory.mktemp("tiny_wh") / "warehouse.duckdb"
    result = build(tiny_lake, warehouse)
    assert result.returncode == 0, result.stdout[-4000:]
    return warehouse, result.stdout


def test_build_prints_the_summary_and_reports_datasets_without_files(tiny_warehouse):
    _, output = tiny_warehouse
    assert "Records in 3" in output and "quarantined 1" in output
    assert "Datasets whose glob matched no file" in output and "counsel_qa" in output


def test_datasets_without_files_show_zero_everywhere(tiny_warehouse):
    warehouse, _ = tiny_warehouse
    with duckdb.connect(str(warehouse), read_only=True) as con:
        row = con.execute(
            "select files, input_records, exported, quarantined, exact_duplicates, filtered,"
            " is_balanced, matched_no_files from row_accounting where source_dataset = 'counsel_qa'"
        ).fetchone()
    assert row == (0, 0, 0, 0, 0, 0, True, True)


def test_export_then_verify_round_trip_and_tamper(tiny_warehouse, tmp_path):
    warehouse, _ = tiny_warehouse
    out = tmp_path / "export"
    exported = run_cli("export", "--out", str(out), "--warehouse", str(warehouse))
    assert exported.returncode == 0, exported.stderr
    assert (out / "manifest.json").is_file()
    assert run_cli("verify", str(out)).returncode == 0

    shard = next(out.glob("data/*/*/part-00000.jsonl"))
    shard.write_bytes(shard.read_bytes() + b"\n")
    result = run_cli("verify", str(out))
    assert result.returncode == 1
    assert str(shard.relative_to(out)) in result.stderr


def test_export_refuses_a_seed_the_warehouse_was_not_built_with(tiny_warehouse, tmp_path):
    warehouse, _ = tiny_warehouse
    result = run_cli(
        "export", "--out", str(tmp_path / "x"), "--warehouse", str(warehouse), "--seed", "7"
    )
    assert result.returncode == 1
    assert "seed" in result.stderr
    assert not (tmp_path / "x" / "manifest.json").exists()


def test_missing_lake_is_a_clear_usage_error(tmp_path):
    result = build(tmp_path / "nope", tmp_path / "w.duckdb")
    assert result.returncode == 2
    assert "does not exist" in result.stderr


def test_export_without_a_warehouse_says_build_first(tmp_path):
    result = run_cli(
        "export", "--out", str(tmp_path / "e"), "--warehouse", str(tmp_path / "missing.duckdb")
    )
    assert result.returncode == 2
    assert "pixel-data build" in result.stderr


def test_build_output_never_contains_record_text(tiny_warehouse, tiny_lake):
    _, output = tiny_warehouse
    assert "sleep" not in output and "hopeless" not in output


def test_qa_report_command_writes_both_files(tiny_warehouse, tmp_path):
    warehouse, _ = tiny_warehouse
    result = run_cli("qa-report", str(tmp_path / "qa"), "--warehouse", str(warehouse))
    assert result.returncode == 0, result.stderr
    figures = json.loads((tmp_path / "qa" / "qa_report.json").read_text())
    assert figures["totals"]["input_records"] == 3
    assert "<svg" in (tmp_path / "qa" / "qa_report.html").read_text()


def test_export_target_samples_composes_the_export(tiny_warehouse, tmp_path):
    warehouse, _ = tiny_warehouse
    out = tmp_path / "sampled"
    result = run_cli(
        "export", "--out", str(out), "--warehouse", str(warehouse), "--target-samples", "1"
    )
    assert result.returncode == 0, result.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["composition"]["target_samples"] == 1
    assert manifest["composition"]["selected"] == 1
