"""The documented hash (python_models.canonical) reproduces every conversation_id built."""

from __future__ import annotations

import duckdb

from python_models.canonical import content_hash, fold_whitespace


def test_python_hash_matches_the_warehouse(built_warehouse):
    with duckdb.connect(str(built_warehouse.warehouse), read_only=True) as con:
        rows = con.execute("select conversation_id, messages from conversations").fetchall()
    assert len(rows) > 1000
    mismatches = [cid for cid, messages in rows if content_hash(messages) != cid]
    assert mismatches == []


def test_fold_whitespace_handles_unicode_separators():
    assert fold_whitespace("a\u00a0\u2003 b\n\n\tc  ") == "a b c"
