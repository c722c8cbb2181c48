"""Switches that turn work off: with model scoring off nothing is embedded, scored or built from
conversations, yet PII is still redacted (a safety step with its own switch) and every gate of
the build passes, so the warehouse still exports.
"""

from __future__ import annotations

import json

import duckdb
import pytest

from tests.dbt.test_warehouse_quality_gates import GATED_WITH_TEXTS, located

pytestmark = pytest.mark.slow

SECRETS = ("maya.ortiz84@example.com", "(415) 555-0137", "536-22-8714", "4111 1111 1111 1111")


def query(warehouse, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_a_build_with_scoring_off_passes_every_gate(switched_off_warehouse):
    # the fixture asserts the build's exit status; here: every test ran and none failed
    output = switched_off_warehouse.output
    assert "ERROR=0" in output and "SKIP=0" in output, output[-3000:]
    gates = query(
        switched_off_warehouse.warehouse,
        "select count(*), count(*) filter (where status <> 'pass') from gate_results",
    )
    assert gates[0][0] > 0 and gates[0][1] == 0, gates


def test_scoring_off_still_redacts_pii(switched_off_warehouse):
    refs = switched_off_warehouse.summary.pii_records
    rows = located(
        switched_off_warehouse,
        GATED_WITH_TEXTS,
        "t.messages, t.original_messages, t.pii_total, t.empathy_score, t.gate_passed",
        refs,
    )
    assert sorted(rows) == sorted(ref.key for ref in refs)
    for key, (messages, original, pii_total, empathy, passed) in rows.items():
        assert not any(secret in json.dumps(messages) for secret in SECRETS), key
        assert any(secret in json.dumps(original) for secret in SECRETS), key
        assert pii_total >= 1 and empathy is None and passed, key
    exported = query(
        switched_off_warehouse.warehouse,
        "select count(*) from conversations where pii_total is null",
    )
    assert exported == [(0,)]  # every exported conversation went through the PII detector


def test_scoring_off_scores_nothing_and_builds_no_pairs(switched_off_warehouse):
    warehouse = switched_off_warehouse.warehouse
    scores = query(
        warehouse,
        "select count(*), count(empathy_score), count(crisis_score), count(safety_score)"
        " from int_conversations_scored",
    )
    assert scores[0][0] > 0 and scores[0][1:] == (0, 0, 0)
    for model in (
        "int_preference_pairs_build_sources",
        "int_preference_pairs_built",
        "int_conversations_category_sample",
        "int_conversations_uncategorized",
    ):
        assert query(warehouse, f"select count(*) from {model}") == [(0,)], model
    texts = query(warehouse, "select count(embedding_text) from int_conversations_embedding_texts")
    assert texts == [(0,)]
    # the curated pairs from the lake are still exported, redacted
    assert query(warehouse, "select count(*) from preference_pairs")[0][0] > 0
    origins = query(warehouse, "select distinct pair_origin from preference_pairs")
    assert origins == [("source",)], origins
    # nothing was embedded: the build's own embedding cache stays empty
    cache = switched_off_warehouse.warehouse.parent / "embeddings"
    assert not any(cache.rglob("*.parquet")), sorted(cache.rglob("*"))
