"""`dbt build` on the sample lake: the warehouse agrees with what the generator planted."""

from __future__ import annotations

import re
import shutil

import duckdb
import pytest

from exports.contract import PUBLISHED_MARTS, mart_columns
from exports.warehouse import duckdb_type, table_columns
from tests.conftest import build
from tests.dbt.test_warehouse_quality_gates import dbt_test, passed_in_build


def query(warehouse, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def test_row_accounting_matches_the_generator(built_warehouse):
    rows = {
        row[0]: row[1:]
        for row in query(
            built_warehouse.warehouse,
            "select source_dataset, input_records, exported, quarantined, exact_duplicates,"
            " near_duplicates, filtered, is_balanced from row_accounting",
        )
    }
    for name, planted in built_warehouse.summary.datasets.items():
        input_records, exported, quarantined, duplicates, near, filtered, balanced = rows[name]
        assert input_records == planted.input_records, name
        assert quarantined == sum(planted.faults.values()), name
        assert duplicates == planted.exact_duplicates, name
        # every unique record is exported, removed as a near-duplicate (tests/dbt/
        # test_warehouse_near_duplicates.py checks the planted ones are found, the rest few) or
        # kept out by a quality gate (tests/dbt/test_warehouse_quality_gates.py)
        assert exported + near + filtered == planted.unique_records, name
        assert near >= planted.near_duplicates, name
        assert balanced, name


def test_every_planted_fault_is_quarantined_where_it_was_planted(built_warehouse):
    # record_number is the ordinal of the record in its file; map it to the reader's line
    found = set(
        query(
            built_warehouse.warehouse,
            """
            with ordinals as (
                select source_file, source_line,
                    row_number() over (partition by source_file order by source_line) as ordinal
                from stg_lake__records
            )
            select quarantine.source_dataset, ordinals.source_file, ordinals.ordinal,
                quarantine.reason
            from quarantine
            inner join ordinals using (source_file, source_line)
            """,
        )
    )
    lake = str(built_warehouse.lake.resolve())
    planted_faults = [p for p in built_warehouse.summary.planted if p.reason != "exact_duplicate"]
    assert planted_faults, "the sample lake plants faults"
    for fault in planted_faults:
        key = (fault.dataset, f"{lake}/{fault.path}", fault.record_number, fault.reason)
        assert key in found, fault


def test_exact_duplicates_keep_the_best_tier(built_warehouse):
    rows = query(
        built_warehouse.warehouse,
        "select source_dataset, tier, kept_source_dataset, kept_tier from exact_duplicates",
    )
    expected = sum(d.exact_duplicates for d in built_warehouse.summary.datasets.values())
    assert len(rows) == expected > 0
    assert all(kept_tier <= tier for _, tier, _, kept_tier in rows)
    # the cross-tier copies planted in community_sharegpt lose to the tier-1 originals
    assert ("community_sharegpt", 3, "priority_curated_dialogues", 1) in rows


def test_unregistered_files_are_listed_not_ignored(built_warehouse):
    unregistered = {
        row[0]
        for row in query(
            built_warehouse.warehouse, "select relpath from lake_files where not is_registered"
        )
    }
    assert unregistered == set(built_warehouse.summary.unregistered_files)


def test_edge_cases_only_in_stage_three_and_never_lost_to_a_non_edge_case(built_warehouse):
    rows = query(
        built_warehouse.warehouse,
        "select stage, count(*) from conversations where is_training_edge_case group by stage",
    )
    planted = built_warehouse.summary.datasets["crisis_edge_roleplay"].unique_records
    # an edge case leaves only as a near-duplicate of another edge case, which is kept
    ((near_copies_of_edge_cases, lost_to_non_edge),) = query(
        built_warehouse.warehouse,
        "select count(*) filter (where source_dataset = 'crisis_edge_roleplay'),"
        " count(*) filter (where is_training_edge_case and not kept_is_edge_case)"
        " from near_duplicates",
    )
    assert lost_to_non_edge == 0
    assert rows == [("edge_cases", planted - near_copies_of_edge_cases)]


def test_holdout_family_only_in_test(built_warehouse):
    rows = query(
        built_warehouse.warehouse,
        "select split, count(*) from conversations"
        " where source_dataset = 'heldout_family_dialogues' group by split",
    )
    assert [split for split, _ in rows] == ["test"]


@pytest.mark.parametrize(
    ("family", "stage"), [("curated", "foundation"), ("reddit_safety", "safety_dpo")]
)
def test_policy_families_feed_one_stage(built_warehouse, family, stage):
    stages = {
        row[0]
        for row in query(
            built_warehouse.warehouse,
            "select stage from conversations where source_family = ?"
            " union select stage from preference_pairs where source_family = ?",
            [family, family],
        )
    }
    assert stages == {stage}


def test_messages_are_canonical(built_warehouse):
    (bad_roles, untrimmed, non_nfc) = query(
        built_warehouse.warehouse,
        """
        select
            count(*) filter (where m.role not in ('system', 'user', 'assistant')),
            count(*) filter (where m.content <> trim(m.content)),
            count(*) filter (where m.content <> nfc_normalize(m.content))
        from (select unnest(messages) as m from conversations)
        """,
    )[0]
    assert (bad_roles, untrimmed, non_nfc) == (0, 0, 0)


def test_html_answers_become_text(built_warehouse):
    (with_tags,) = query(
        built_warehouse.warehouse,
        "select count(*) from conversations, unnest(messages) as t(m)"
        " where source_dataset = 'counsel_qa' and regexp_matches(m.content, '<p>|&amp;|&#39;')",
    )[0]
    assert with_tags == 0


def test_split_is_deterministic_for_a_seed_and_changes_with_it(
    built_warehouse, rebuilt_warehouse, tmp_path
):
    # the same lake built again (its own copy, its own cold embedding cache): the same splits
    sql = "select conversation_id, split, stage from conversations order by 1"
    first = query(built_warehouse.warehouse, sql)
    assert query(rebuilt_warehouse.warehouse, sql) == first
    # another seed: the splits move. Nothing before the split reads the seed, so the split alone
    # is rebuilt with seed 7 on a copy of the warehouse (same file name: DuckDB views name their
    # catalog after the file), not the whole lake again.
    reseeded = tmp_path / built_warehouse.warehouse.name
    shutil.copy(built_warehouse.warehouse, reseeded)
    result = build(
        built_warehouse.lake, reseeded, "--seed", "7", "--select", "int_conversations_split"
    )
    assert result.returncode == 0, result.stdout[-3000:]
    sql = "select conversation_id, split, stage from int_conversations_split order by 1"
    assert query(reseeded, sql) != query(built_warehouse.warehouse, sql)


def test_a_failing_gate_fails_the_build(built_warehouse, tmp_path):
    # declaring curated both safety-only and foundation-only breaks the crossover-policy gate;
    # scoring off, since no score decides a route (the gate fails on routing alone). Nothing
    # before the routing reads the var, so only the models from the routing to the gate, and the
    # gate, are rebuilt on a copy of the warehouse (same file name: DuckDB views name their
    # catalog after the file).
    broken = tmp_path / built_warehouse.warehouse.name
    shutil.copy(built_warehouse.warehouse, broken)
    assert passed_in_build(broken, "assert_crossover_policy_rules")
    result = build(
        built_warehouse.lake,
        broken,
        "--select",
        "int_conversations_routed+,+assert_crossover_policy_rules",
        "--vars",
        '{"safety_only_families": ["curated"], "scoring_enabled": false}',
    )
    assert result.returncode != 0
    assert "assert_crossover_policy_rules" in result.stdout
    assert not passed_in_build(broken, "assert_crossover_policy_rules")


@pytest.mark.parametrize("mart", PUBLISHED_MARTS)
def test_the_published_marts_have_the_contract_columns_and_types(built_warehouse, mart):
    with duckdb.connect(str(built_warehouse.warehouse), read_only=True) as con:
        contract = [(c.name, duckdb_type(con, c.data_type)) for c in mart_columns(mart)]
        assert table_columns(con, mart) == contract


def test_the_split_ratio_gate_fails_when_a_split_is_emptied(built_warehouse, tampered):
    test = "assert_split_ratios_near_target"
    assert passed_in_build(tampered, test)
    with duckdb.connect(str(tampered)) as con:
        con.execute("update conversations set split = 'train' where split = 'val'")
    result = dbt_test(tampered, test, built_warehouse.lake)
    assert result.returncode != 0, result.stdout[-2000:]


def test_the_build_summary_names_the_local_engine_and_its_pool(built_warehouse):
    engine = [line for line in built_warehouse.output.splitlines() if line.startswith("Engine:")]
    assert len(engine) == 1 and engine[0].startswith("Engine: local (a pool of up to "), engine
    # no stage ran on Ray (each Ray job logs a line "ray <stage>: N rows in B batches ...")
    assert not re.search(r"^ray \w+: \d+ rows", built_warehouse.output, re.MULTILINE)


def test_the_streamed_models_leave_no_run_folder_and_lose_no_row(built_warehouse):
    """int_conversations_scored and int_preference_pairs_redacted wrote their batches as
    Parquet in run folders of the result cache (python_models/model_output.py) and returned a
    relation over them; the build leaves no folder behind and every row came through."""
    runs = built_warehouse.warehouse.parent / "results" / "model_outputs"
    assert runs.is_dir()  # the build's run folders were made here
    assert not list(runs.iterdir())
    ((scored, split, redacted, unioned),) = query(
        built_warehouse.warehouse,
        "select (select count(*) from int_conversations_scored),"
        " (select count(*) from int_conversations_split),"
        " (select count(*) from int_preference_pairs_redacted),"
        " (select count(*) from int_preference_pairs_unioned)",
    )
    assert scored == split > 0 and redacted == unioned > 0
