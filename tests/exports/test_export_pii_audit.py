"""`pixel-data verify --pii`: every shard scanned for structured PII, counted by type; a record
outside the edge cases that still holds one fails the audit, an edge case does not."""

from __future__ import annotations

from pathlib import Path

import duckdb

from exports import export_warehouse
from exports.pii_audit import audit_store
from exports.store import LocalExportStore
from tests.conftest import run_cli

PLANTED = "wire it to GB82 WEST 1234 5698 7654 32, my ID is 11010519491231002X"


def plant(warehouse: Path, text: str, edge_case: bool) -> None:
    """Append a user message holding `text` to one conversation (edge case or not)."""
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            """
            update conversations
            set messages = list_append(messages, {'role': 'user', 'content': ?})
            where conversation_id = (
                select min(conversation_id) from conversations
                where is_training_edge_case = ?
            )
            """,
            [text, edge_case],
        )


def test_a_fresh_export_has_no_structured_pii(exported):
    export_dir, manifest = exported
    audit = audit_store(LocalExportStore(export_dir))
    assert audit.ok
    assert audit.shards == len(manifest.files)
    assert audit.records == sum(entry.records for entry in manifest.files)


def test_planted_identifiers_are_counted_by_type_and_format(own_warehouse, tmp_path):
    plant(own_warehouse, PLANTED, edge_case=False)
    plant(own_warehouse, "my SSN is 536-22-8714", edge_case=True)
    out = tmp_path / "export"
    export_warehouse(own_warehouse, out)
    audit = audit_store(LocalExportStore(out))
    assert not audit.ok
    assert audit.leaking_records == 2  # the same record, once per format
    assert audit.leaked == {
        ("parquet", "IBAN"): 1,
        ("jsonl", "IBAN"): 1,
        ("parquet", "NATIONAL_ID"): 1,
        ("jsonl", "NATIONAL_ID"): 1,
    }
    assert audit.in_edge_cases == {("parquet", "SSN"): 1, ("jsonl", "SSN"): 1}

    # several runs: reading the shards through read_table's dataset scanner aborted the
    # process at exit in 14 of 130 runs (an Arrow thread releasing Python bytes after exit
    # began: return code -6 instead of 1); none in 80 runs since
    for _ in range(8):
        result = run_cli("verify", str(out), "--pii")
        assert result.returncode == 1, result.stdout + result.stderr
    assert "IBAN 1 (jsonl)" in result.stdout and "SSN 1 (parquet)" in result.stdout
    assert "GB82" not in result.stdout + result.stderr  # counts, never the text


def test_verify_without_the_flag_does_not_audit(exported):
    result = run_cli("verify", str(exported[0]))
    assert result.returncode == 0
    assert "PII audit" not in result.stdout
