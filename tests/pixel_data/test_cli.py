"""The `pixel-data` CLI as a user runs it: build, export, verify, and the errors they see."""

from __future__ import annotations

import json
import re

import duckdb
import pytest

from tests.conftest import (
    LANGUAGE_CONVERSATIONS,
    SMALL_LAKE_RECORDS,
    build,
    run_cli,
)


@pytest.fixture
def tiny_warehouse(small_warehouse):
    """The session's small lake (tests/conftest.py): this module planted `SMALL_LAKE_CLI_FILES`
    beside the language module's file and the bad-input lake; counsel_qa has no file."""
    return small_warehouse


def small_lake_totals(small_lake) -> tuple[int, int]:
    """Input records and quarantined records of the whole small lake: this module's (3 records,
    the broken line quarantined), the language module's 8 (none quarantined) and the bad-input
    lake's planted records (each with its outcome)."""
    bad = small_lake.bad.expected
    records = SMALL_LAKE_RECORDS + len(bad)
    quarantined = 1 + sum(outcome != "kept" for outcome in bad.values())
    return records, quarantined


def test_build_prints_the_summary_and_reports_datasets_without_files(tiny_warehouse, small_lake):
    _, output = tiny_warehouse
    records, quarantined = small_lake_totals(small_lake)
    assert re.search(rf"Records in {records}\b", output), output[-3000:]
    assert re.search(rf"quarantined {quarantined}\b", output), output[-3000:]
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


def test_build_output_never_contains_record_text(tiny_warehouse):
    _, output = tiny_warehouse
    assert "sleep" not in output and "hopeless" not in output
    planted = [text for pairs in LANGUAGE_CONVERSATIONS.values() for pair in pairs for text in pair]
    assert not [text for text in planted if text in output]


def test_qa_report_command_writes_both_files(tiny_warehouse, small_lake, tmp_path):
    warehouse, _ = tiny_warehouse
    result = run_cli("qa-report", str(tmp_path / "qa"), "--warehouse", str(warehouse))
    assert result.returncode == 0, result.stderr
    figures = json.loads((tmp_path / "qa" / "qa_report.json").read_text())
    assert figures["totals"]["input_records"] == small_lake_totals(small_lake)[0]
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
