"""Language in the warehouse: every conversation carries its language, scorers that do not
support it leave null scores, and var unsupported_language_policy decides (keep or filter with
reason `unsupported_language`) while the row-accounting ledger still balances."""

from __future__ import annotations

import json
import shutil

import duckdb
import pyarrow.parquet as pq
import pytest

from tests.conftest import SMALL_LAKE_LANGUAGE_FILE, build, run_cli

pytest.importorskip("model2vec", reason="the embedding stack is needed")

# This module's file in the session's small lake (tests/conftest.py), which also holds test_cli's
# records and the bad-input lake: the checks select this file's rows, and a whole-lake figure
# (qa_languages has no file column) is this file's because the other conversations are English.
PLANTED = f"source_file like '%{SMALL_LAKE_LANGUAGE_FILE}'"


@pytest.fixture(scope="module")
def kept(small_warehouse):
    """The small lake built with the default policy, keep_unscored (read-only)."""
    return small_warehouse[0]


@pytest.fixture(scope="module")
def filtered(small_lake, kept, tmp_path_factory):
    """A copy of `kept` with the gate and everything after it rebuilt under policy `filter`
    (staging, embeddings and scoring are not redone: the policy acts from the gate on)."""
    warehouse = tmp_path_factory.mktemp("filter-wh") / "warehouse.duckdb"
    shutil.copyfile(kept, warehouse)
    policy = json.dumps({"unsupported_language_policy": "filter"})
    result = build(
        small_lake.path, warehouse, "--select", "int_conversations_gated+", "--vars", policy
    )
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-3000:]
    return warehouse


def rows(warehouse, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_every_conversation_has_its_language_and_null_unsupported_scores(kept) -> None:
    found = dict(
        rows(
            kept,
            f"select language, count(*) from int_conversations_gated where {PLANTED} group by all",
        )
    )
    assert found == {"en": 3, "zh": 3, "es": 2}
    # the rest of the small lake (test_cli's and the bad-input lake's conversations) is English,
    # so the whole-lake figures of qa_languages below are this file's
    rest = rows(kept, f"select distinct language from int_conversations_gated where not {PLANTED}")
    assert rest == [("en",)]
    zh = rows(
        kept,
        "select empathy_score, safety_score, unsupported_scorers, crisis_flag "
        "from int_conversations_gated where language = 'zh'",
    )
    assert len(zh) == 3 and all(e is None and s is None and "empathy" in u for e, s, u, _ in zh)
    assert sum(1 for *_, flag in zh if flag) == 1  # the Chinese crisis rules still judge
    es = rows(
        kept, "select crisis_score, unsupported_scorers from conversations where language = 'es'"
    )
    assert len(es) == 2 and all(c is None and "crisis" in u for c, u in es)


def test_keep_unscored_exports_them_and_reports_the_mix(kept) -> None:
    languages = dict(
        rows(kept, "select language, exported_with_unsupported_scores from qa_languages")
    )
    assert languages["zh"] == 3 and languages["es"] == 2 and languages["en"] == 0
    assert not rows(kept, "select * from filtered where reason = 'unsupported_language'")
    assert rows(kept, "select bool_and(is_balanced) from row_accounting") == [(True,)]


def test_filter_policy_keeps_them_out_with_a_reason_and_the_ledger_balances(filtered) -> None:
    reasons = rows(
        filtered,
        "select reason, count(*) from filtered where record_kind = 'conversation' group by all",
    )
    assert ("unsupported_language", 5) in reasons
    assert rows(filtered, "select count(*) from conversations where language <> 'en'") == [(0,)]
    assert rows(filtered, "select bool_and(is_balanced) from row_accounting") == [(True,)]
    assert dict(
        rows(filtered, "select language, filtered_unsupported_language from qa_languages")
    ) == {
        "en": 0,
        "zh": 3,
        "es": 2,
    }


def test_the_export_carries_the_language_and_the_card_lists_the_languages(kept, tmp_path) -> None:
    out = tmp_path / "export"
    result = run_cli("export", "--warehouse", str(kept), "--out", str(out))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    languages = set()
    for shard in out.rglob("*.parquet"):
        table = pq.read_table(shard)
        if "language" in table.column_names:
            languages |= set(table.column("language").to_pylist())
    assert {"zh", "es"} <= languages
    card = (out / "README.md").read_text(encoding="utf-8")
    header = card.split("---")[1]
    assert "- zh" in header and "- es" in header
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"]["by_language"]["zh"] == 3
