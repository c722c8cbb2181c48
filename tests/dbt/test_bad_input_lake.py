"""A lake of every kind of bad input (issue 17), built end to end: each record's outcome.

Every case once lost records, crashed the build or exported what is not text. The build must
pass every gate (row accounting included), and each planted record must end where it should:
kept (with the content it should have) or quarantined with its reason.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from tests.conftest import run_cli
from tests.fixtures.bad_lake import ESC, BadLake


@pytest.fixture(scope="module")
def bad_build(small_lake, small_warehouse) -> tuple[Path, Path, BadLake]:
    """The session's small lake (tests/conftest.py), which holds the bad-input lake
    (tests/fixtures/bad_lake.py) beside test_cli's and the language module's files."""
    assert small_lake.bad.expected, "the bad-input lake planted nothing"
    return small_lake.path, small_warehouse[0], small_lake.bad


def query(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def relative(lake: Path, uri: str) -> str:
    return uri[len(str(lake.resolve())) + 1 :]


def test_every_planted_record_has_its_outcome(bad_build):
    lake, warehouse, bad = bad_build
    quarantined = {
        (relative(lake, f), n): reason
        for f, n, reason in query(
            warehouse, "select source_file, source_line, reason from quarantine"
        )
    }
    read = {
        (relative(lake, f), n)
        for f, n in query(warehouse, "select source_file, source_line from stg_lake__records")
    }
    for key, outcome in sorted(bad.expected.items()):
        assert key in read, f"{key} was not read at all"
        if outcome == "kept":
            assert key not in quarantined, (key, quarantined.get(key))
        else:
            assert quarantined.get(key) == outcome, key


def test_row_accounting_counts_what_the_files_hold(bad_build):
    _, warehouse, bad = bad_build
    rows = dict(query(warehouse, "select source_dataset, input_records from row_accounting"))
    # the truncated gzip: every complete line, plus its lost tail as one row
    assert rows["professional_sessions"] == bad.gzip_complete_lines + 1
    assert rows["empathy_context_response"] == 4  # the broken quote costs one row, not three
    balanced = query(warehouse, "select bool_and(is_balanced) from row_accounting")
    assert balanced == [(True,)]


def test_structured_content_keeps_its_text_and_counts_dropped_parts(bad_build):
    lake, warehouse, _ = bad_build
    (messages,) = query(
        warehouse,
        "select messages from int_conversations_normalized "
        f"where source_file = '{lake.resolve()}/edge_cases/structured.jsonl' and source_line = 1",
    )[0]
    assert messages[0]["content"] == "I feel anxious\nevery morning."
    assert query(warehouse, "select dropped_parts from qa_dropped_content_parts") == [(1,)]


def test_control_characters_never_reach_the_content(bad_build):
    _, warehouse, _ = bad_build
    contents = [
        m["content"]
        for (messages,) in query(
            warehouse,
            "select messages from int_conversations_normalized where quarantine_reason is null",
        )
        for m in messages
    ]
    assert "I feel low today and tired." in contents
    assert any(c.startswith("I feel numb.") for c in contents)
    assert not any(ch in c for c in contents for ch in (ESC, "\x00", "\x07"))


def test_paths_the_listing_cannot_read_are_listed_with_a_reason(bad_build):
    lake, warehouse, _ = bad_build
    problems = {
        (relative(lake, f), error, registered)
        for f, error, registered in query(
            warehouse,
            "select source_file, listing_error, is_registered from lake_files "
            "where listing_error is not null",
        )
    }
    assert problems == {
        ("curated/priority_\\xff.jsonl", "undecodable_path", True),
        ("curated/priority_dangling.jsonl", "dangling_symlink", True),
        ("curated/priority_loop.jsonl", "symlink_loop", True),
        ("linked_folder", "symlinked_directory", False),
        ("stray_\\xfe.txt", "undecodable_path", False),
    }


def test_the_bad_lake_exports_and_the_export_holds_no_control_or_image_data(bad_build, tmp_path):
    _, warehouse, _ = bad_build
    out = tmp_path / "out"
    result = run_cli("export", "--out", str(out), "--warehouse", str(warehouse))
    assert result.returncode == 0, result.stderr
    text = "".join(p.read_text() for p in out.rglob("*.jsonl"))
    assert "image_url" not in text and "example.com" not in text
    assert "\\u001b" not in text and "\\u0000" not in text
