"""The documented hash (python_models.canonical) reproduces every conversation_id built."""

from __future__ import annotations

import duckdb

from python_models.canonical import content_hash, fold_whitespace


def test_python_hash_matches_the_warehouse(built_warehouse):
    # the id is the hash of the canonical text as it arrived; the export carries it redacted
    with duckdb.connect(str(built_warehouse.warehouse), read_only=True) as con:
        rows = con.execute(
            """
            select c.conversation_id, n.messages, c.messages = n.messages
            from conversations c
            inner join int_conversations_normalized n
                on c.source_file = n.source_file and c.source_line = n.source_line
            """
        ).fetchall()
    assert len(rows) > 1000
    mismatches = [cid for cid, messages, _ in rows if content_hash(messages) != cid]
    assert mismatches == []
    # redaction changes the exported text, not the id
    assert any(not unchanged for *_, unchanged in rows)


def test_fold_whitespace_handles_unicode_separators():
    assert fold_whitespace("a\u00a0\u2003 b\n\n\tc  ") == "a b c"
