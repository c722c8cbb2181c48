"""Scoring and quality gates in the warehouse, end to end on the sample lake.

The sample lake carries ten hand-written graphic edge cases (sample_lake/content/edge_cases.py:
a suicide plan, cutting, an attempt's aftermath, abuse, threats to others, command voices, an
overdose in progress, a rape disclosure) and two ordinary conversations with structured PII.
Edge cases must bypass every safety filter and reach the export; PII must be replaced by typed
placeholders before it does.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

ORDINALS = """
    with ordinals as (
        select source_file, source_line,
            row_number() over (partition by source_file order by source_line) as ordinal
        from stg_lake__records
    )
"""

# int_conversations_gated is narrow: its rows with the redacted messages (int_conversations_scored)
# and the original ones (int_conversations_normalized, by source file and line)
GATED_WITH_TEXTS = """(
    select
        gated.*,
        scored.redacted_messages as messages,
        normalized.messages as original_messages
    from int_conversations_gated as gated
    inner join int_conversations_scored as scored
        on gated.conversation_id = scored.conversation_id
    inner join int_conversations_normalized as normalized
        on gated.source_file = normalized.source_file
            and gated.source_line = normalized.source_line
)"""


# the crisis evidence each graphic suicide / self-harm / violence dialogue must be flagged with
CRISIS_EVIDENCE = {
    "graphic-plan-pills": {"plan"},
    "graphic-cutting": {"self_harm"},
    "graphic-attempt-aftermath": {"attempt"},
    "graphic-harm-to-others": {"harm_to_others"},
    "graphic-command-voices": {"self_harm"},
    "graphic-overdose-now": {"attempt"},
    "graphic-bullied-teen": {"plan", "ideation"},
}


def query(warehouse, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def located(built, table: str, columns: str, refs) -> dict[str, tuple]:
    """Rows of `table` for the planted records `refs` (by file and record ordinal), by key."""
    warehouse, found = built.warehouse, {}
    for ref in refs:
        rows = query(
            warehouse,
            ORDINALS
            + f"""
            select {columns} from {table} as t
            inner join ordinals
                on t.source_file = ordinals.source_file and t.source_line = ordinals.source_line
            where ordinals.source_file = ? and ordinals.ordinal = ?
            """,
            [f"{built.lake}/{ref.path}", ref.record_number],
        )
        assert len(rows) <= 1, (ref.key, rows)
        if rows:
            found[ref.key] = rows[0]
    return found


def test_every_graphic_edge_case_is_exported(built_warehouse, built_export):
    refs = built_warehouse.summary.graphic_edge_cases
    assert len(refs) == 10
    rows = located(
        built_warehouse,
        "conversations",
        "t.conversation_id, t.stage, t.is_training_edge_case",
        refs,
    )
    assert sorted(rows) == sorted(ref.key for ref in refs), "some graphic edge case was lost"
    assert all(stage == "edge_cases" and edge for _, stage, edge in rows.values())
    # none filtered, and the crisis scorer names what the suicide, self-harm and violence ones
    # are (abuse disclosures are not suicide risk: their flag is not asserted)
    evidence = located(built_warehouse, "conversations", "t.crisis_flag, t.crisis_evidence", refs)
    for key, kinds in CRISIS_EVIDENCE.items():
        flag, kind = evidence[key]
        assert flag and kind in kinds, (key, flag, kind)
    # the conversation is never filtered; a preference pair built from it may be (it is not a
    # valid pair when its chosen reply does not beat the rejected one), with its own reason
    filtered = located(
        built_warehouse,
        "(select * from filtered where record_kind = 'conversation')",
        "t.gate",
        refs,
    )
    assert filtered == {}
    pair_reasons = query(
        built_warehouse.warehouse,
        "select distinct gated.gate_reason from int_preference_pairs_gated as gated"
        " where gated.is_training_edge_case and not gated.is_gate_passed",
    )
    assert {reason for (reason,) in pair_reasons} <= {
        "edge_case_chosen_not_better",
        "empathy_unscored",
    }

    exported_ids = set()
    for shard in (built_export / "data").rglob("*.parquet"):  # data/<split>/<stage>/part-*
        exported_ids |= set(pq.read_table(shard, columns=["conversation_id"])[0].to_pylist())
    assert exported_ids, "no conversation shards found in the export"
    missing = {key for key, row in rows.items() if row[0] not in exported_ids}
    assert not missing, f"graphic edge cases missing from the export files: {sorted(missing)}"


def test_crisis_resources_survive_redaction_and_personal_numbers_do_not(built_warehouse):
    refs = {ref.key: ref for ref in built_warehouse.summary.graphic_edge_cases}
    rows = located(
        built_warehouse,
        "conversations",
        "t.messages, t.pii_phone",
        [refs["graphic-overdose-now"], refs["graphic-child-abuse"]],
    )
    overdose_text = " ".join(m["content"] for m in rows["graphic-overdose-now"][0])
    assert "415-555-0182" not in overdose_text and "[PHONE]" in overdose_text
    assert rows["graphic-overdose-now"][1] == 1  # flagged, redacted, not blocked
    abuse_text = " ".join(m["content"] for m in rows["graphic-child-abuse"][0])
    assert "1-800-422-4453" in abuse_text  # a helpline is not PII
    assert rows["graphic-child-abuse"][1] == 0


def test_planted_pii_is_redacted_with_typed_placeholders(built_warehouse):
    refs = built_warehouse.summary.pii_records
    rows = located(
        built_warehouse,
        GATED_WITH_TEXTS,
        "t.messages, t.original_messages, t.pii_email, t.pii_phone, t.pii_ssn, t.pii_credit_card",
        refs,
    )
    assert sorted(rows) == sorted(ref.key for ref in refs)
    secrets = ("maya.ortiz84@example.com", "(415) 555-0137", "536-22-8714", "4111 1111 1111 1111")
    for ref in refs:
        messages, original, *counts = rows[ref.key]
        text = json.dumps(messages)
        assert not any(secret in text for secret in secrets), ref.key
        assert any(secret in json.dumps(original) for secret in secrets), ref.key
        by_kind = dict(zip(("EMAIL", "PHONE", "SSN", "CREDIT_CARD"), counts, strict=True))
        for kind in ref.pii_kinds:
            assert by_kind[kind] == 1, (ref.key, kind, by_kind)
            assert f"[{kind}]" in text, (ref.key, kind)


def test_quality_gates_filter_with_reasons_and_the_ledger_balances(built_warehouse):
    warehouse = built_warehouse.warehouse
    gated = query(
        warehouse,
        """
        select gate, gate_kind, count(*), bool_and(is_training_edge_case = false)
        from int_conversations_gated where not gate_passed group by all
        """,
    )
    assert gated, "no conversation failed a quality gate on the sample lake"
    # every filtered conversation is in the filtered mart with its gate and score
    filtered = dict(
        query(
            warehouse,
            """
            select gate, count(*) from filtered
            where record_kind = 'conversation' and gate <> 'voice_consistency' group by gate
            """,
        )
    )
    assert filtered == {gate: n for gate, _, n, _ in gated}
    thresholds = query(
        warehouse,
        """
        select count(*) from filtered f
        inner join int_conversations_gated g
            on f.source_file = g.source_file and f.source_line = g.source_line
        where f.record_kind = 'conversation' and f.gate <> 'voice_consistency'
            and (f.score is null or f.score = g.gate_score) and f.reason like f.gate_kind || ':%'
        """,
    )[0][0]
    assert thresholds == sum(n for _, _, n, _ in gated)
    unbalanced = query(warehouse, "select source_dataset from row_accounting where not is_balanced")
    assert unbalanced == []
    # passing conversations of a gated stage meet every threshold of their stage
    violations = query(
        warehouse,
        """
        select count(*) from conversations c
        inner join quality_thresholds q on c.stage = q.stage and q.comparison = 'min'
        where not (c.is_training_edge_case and q.gate_kind = 'safety')
            and case q.metric
                when 'empathy_score' then c.empathy_score
                when 'safety_score' then c.safety_score
                when 'completeness_score' then c.completeness_score
                when 'coherence_score' then c.coherence_score
            end < q.threshold
        """,
    )[0][0]
    assert violations == 0


def test_uncategorized_records_get_a_category_or_stay_uncategorized(built_warehouse):
    rows = query(
        built_warehouse.warehouse,
        """
        select category_source, count(*), count(distinct category),
            bool_and(category_confidence is not null), min(category_confidence)
        from conversations
        where original_category is null or original_category = 'uncategorized'
        group by category_source
        """,
    )
    by_source = {source: rest for source, *rest in rows}
    assert "predicted" in by_source, rows
    assert by_source["predicted"][2], "a predicted category without its confidence"
    categorized = query(
        built_warehouse.warehouse,
        """
        select count(*) from conversations
        where original_category is not null and original_category <> 'uncategorized'
            and (category <> original_category or category_source <> 'source')
        """,
    )[0][0]
    assert categorized == 0


def test_scores_are_in_range_and_the_qa_report_shows_them(built_warehouse, built_export):
    ranges = query(
        built_warehouse.warehouse,
        """
        select min(least(crisis_score, empathy_score, safety_score, bias_score,
                         completeness_score, coherence_score)),
               max(greatest(crisis_score, empathy_score, safety_score, bias_score,
                            completeness_score, coherence_score)),
               count(*) filter (where crisis_score is null)
        from conversations
        """,
    )[0]
    assert ranges[0] >= 0.0 and ranges[1] <= 1.0 and ranges[2] == 0
    report = json.loads((built_export / "qa_report.json").read_text())
    histograms = json.dumps(report)
    for column in ("crisis_score", "empathy_score", "safety_score", "coherence_score"):
        assert column in histograms, column
    # crisis flags per stage and evidence kind: the graphic edge cases are among them
    edge_flags = [row for row in report["crisis_flags"] if row["stage"] == "edge_cases"]
    assert sum(row["records"] for row in edge_flags) >= len(CRISIS_EVIDENCE)
    assert all(row["records"] == row["edge_cases"] for row in edge_flags)


def dbt_test(warehouse, select: str, lake) -> subprocess.CompletedProcess[str]:
    """`dbt test --select SELECT` against `warehouse`, the way CI runs the gates."""
    from pixel_config import settings

    return subprocess.run(
        [
            sys.executable,
            "-c",
            "from dbt.cli.main import cli; cli()",
            "test",
            "--select",
            select,
            "--vars",
            json.dumps({"lake_root": str(lake)}),
            "--project-dir",
            str(settings.DBT_PROJECT_DIR),
            "--profiles-dir",
            str(settings.PROFILES_DIR),
        ],
        # dbt's files beside the warehouse: the tamper tests' copies share one path (the
        # `tampered` fixture), so every rerun after the first reads its parse of the project back
        env={
            **os.environ,
            **settings.dbt_environment(warehouse),
            "DBT_TARGET_PATH": str(Path(warehouse).parent / "target"),
        },
        cwd=settings.PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )


def passed_in_build(warehouse, gate: str) -> bool:
    """Whether the build that wrote `warehouse` ran `gate` and it passed (its gate_results).

    A tamper test starts from a byte copy of that warehouse, so this is the gate's verdict on
    the untampered data without a second dbt process.
    """
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute("select status from gate_results where gate = ?", [gate]).fetchall()
    return rows == [("pass",)]


def test_the_pii_gate_fails_on_unredacted_text(built_warehouse, tampered):
    test = "assert_no_structured_pii_in_non_edge_exports"
    assert passed_in_build(tampered, test)
    with duckdb.connect(str(tampered)) as con:
        con.execute(
            f"""
            update conversations set messages = g.original_messages
            from {GATED_WITH_TEXTS} g
            where conversations.conversation_id = g.conversation_id and g.pii_total > 0
            """
        )
    result = dbt_test(tampered, test, built_warehouse.lake)
    assert result.returncode != 0, result.stdout[-2000:]
    assert "Got 4 results" in result.stdout, result.stdout[-2000:]  # email, phone, SSN, card
    # the failing rows name the record and the kind, never the text
    assert "maya.ortiz84" not in result.stdout and "536-22-8714" not in result.stdout


def test_the_pii_gate_checks_ibans_national_ids_and_chinese_mobiles(built_warehouse, tampered):
    test = "assert_no_structured_pii_in_non_edge_exports"
    assert passed_in_build(tampered, test)
    planted = (
        "refund to GB82 WEST 1234 5698 7654 32; my ID 11010519491231002X; "
        "NHS no. 401 023 2137; call 13812345678"
    )
    with duckdb.connect(str(tampered)) as con:
        con.execute(
            """
            update conversations
            set messages = list_append(messages, {'role': 'user', 'content': ?})
            where conversation_id = (
                select min(conversation_id) from conversations where not is_training_edge_case
            )
            """,
            [planted],
        )
    result = dbt_test(tampered, test, built_warehouse.lake)
    assert result.returncode != 0, result.stdout[-2000:]
    assert "Got 3 results" in result.stdout, result.stdout[-2000:]  # iban, national_id, phone
    assert "GB82" not in result.stdout and "13812345678" not in result.stdout


def test_the_edge_case_safety_gate_fails_when_an_edge_case_is_filtered_for_safety(
    built_warehouse, tampered
):
    test = "assert_no_edge_case_filtered_for_safety"
    assert passed_in_build(tampered, test)
    with duckdb.connect(str(tampered)) as con:
        con.execute(
            """
            insert into filtered by name
            select 'conversation' as record_kind, 'tampered' as filtered_id, source_dataset,
                record_format, source_file, source_line, 'safety_score' as gate,
                'safety' as gate_kind, 'safety:safety_score < 0.7' as reason, 0.1 as score
            from int_conversations_split where is_training_edge_case limit 1
            """
        )
    result = dbt_test(tampered, test, built_warehouse.lake)
    assert result.returncode != 0, result.stdout[-2000:]


def test_the_pair_redaction_gate_fails_when_a_pair_has_no_redacted_text(built_warehouse, tampered):
    test = "assert_every_exported_pair_is_redacted"
    assert passed_in_build(tampered, test)
    with duckdb.connect(str(tampered)) as con:
        con.execute(
            "delete from int_preference_pairs_redacted"
            " where pair_id = (select min(pair_id) from int_preference_pairs_redacted)"
        )
    result = dbt_test(tampered, test, built_warehouse.lake)
    assert result.returncode != 0, result.stdout[-2000:]
