"""Near-duplicate detection in the warehouse: planted pairs found, the rules kept, the cache used.

The sample lake plants five near-duplicate pairs (a typo, an inserted greeting, a cut-off ending)
whose losing and kept records the generator's summary names, including an edge case that must
win over a tier-1 record and a hard-holdout record whose cluster must go wholly to test.
"""

from __future__ import annotations

import json
import re
import shutil

import duckdb
import pytest

from python_models.embeddings.texts import conversation_text, side_texts
from tests.conftest import run_cli

ORDINALS = """
    with ordinals as (
        select source_file, source_line,
            row_number() over (partition by source_file order by source_line) as ordinal
        from stg_lake__records
    )
"""


def query(warehouse, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def cluster_of(warehouse) -> dict[tuple[str, int], tuple[str, bool]]:
    """(file, ordinal) -> (cluster id, is representative) per conversation after exact dedup."""
    rows = query(
        warehouse,
        ORDINALS
        + """
        select deduped.source_file, ordinals.ordinal, near.cluster_id, near.is_representative
        from int_conversations_clustered as near
        inner join int_conversations_deduped as deduped using (conversation_id)
        inner join ordinals using (source_file, source_line)
        """,
    )
    return {(file, ordinal): (cluster, is_rep) for file, ordinal, cluster, is_rep in rows}


def test_every_planted_near_duplicate_is_removed_and_clustered_with_its_twin(built_warehouse):
    lake = str(built_warehouse.lake.resolve())
    planted = built_warehouse.summary.near_duplicates
    assert {p.kind for p in planted} == {"typo", "greeting", "truncated"}
    clusters = cluster_of(built_warehouse.warehouse)
    for pair in planted:
        loser_cluster, loser_kept = clusters[(f"{lake}/{pair.path}", pair.record_number)]
        twin_cluster, _ = clusters[(f"{lake}/{pair.kept_path}", pair.kept_record_number)]
        assert not loser_kept, pair
        assert loser_cluster == twin_cluster, pair


def test_accidental_near_duplicates_are_few(built_warehouse):
    """Template clones the generator did not plant: few (docs/near_duplicates.md)."""
    summary = built_warehouse.summary
    unique = sum(d.unique_records for d in summary.datasets.values())
    ((removed,),) = query(built_warehouse.warehouse, "select count(*) from near_duplicates")
    accidental = removed - len(summary.near_duplicates)
    assert 0 <= accidental <= 0.05 * unique, (removed, unique)


def test_an_edge_case_is_kept_over_a_better_tier_copy(built_warehouse):
    (pair,) = [
        p for p in built_warehouse.summary.near_duplicates if p.kept_dataset.startswith("crisis")
    ]
    assert pair.dataset == "priority_curated_dialogues"  # tier 1 loses to the tier-2 edge case
    rows = query(
        built_warehouse.warehouse,
        "select tier, kept_tier, kept_is_edge_case from near_duplicates"
        " where source_dataset = 'priority_curated_dialogues' and kept_is_edge_case",
    )
    assert (1, 2, True) in rows


def test_a_cluster_with_a_holdout_record_goes_wholly_to_test(built_warehouse):
    (pair,) = [
        p for p in built_warehouse.summary.near_duplicates if p.dataset.startswith("heldout")
    ]
    kept = [f"{built_warehouse.lake.resolve()}/{pair.kept_path}", pair.kept_record_number]

    def kept_twin(table: str, columns: str) -> list[tuple]:
        return query(
            built_warehouse.warehouse,
            ORDINALS
            + f"""
            select {columns} from {table}
            inner join ordinals using (source_file, source_line)
            where {table}.source_file = ? and ordinals.ordinal = ?
            """,
            kept,
        )

    # the split is decided before any quality gate: the tier-1 curated twin is kept, and it
    # carries the holdout flag into test
    assert kept_twin(
        "int_conversations_split", "source_dataset, split, is_holdout, near_duplicates_replaced"
    ) == [("priority_curated_dialogues", "test", True, 1)]
    # downstream it is exported in test, or held back by a quality gate with its reason (the
    # calibrated counselling-quality gate scores this synthetic dialogue near its 0.5 bar):
    # never exported into another split, never lost
    exported = kept_twin("conversations", "split, is_holdout")
    gated = kept_twin("filtered", "gate_kind, reason")
    assert exported == [("test", True)] or (
        not exported and gated and all(kind == "quality" for kind, _ in gated)
    ), (exported, gated)


def test_clusters_are_queryable_and_agree_with_the_removed_rows(built_warehouse):
    ((clusters, removed_in_clusters, bad_split),) = query(
        built_warehouse.warehouse,
        "select count(*), sum(removed), count(*) filter (where has_holdout_member"
        " and split <> 'test') from near_duplicate_clusters",
    )
    ((removed,),) = query(built_warehouse.warehouse, "select count(*) from near_duplicates")
    assert clusters > 0 and removed_in_clusters == removed and bad_split == 0


def test_embedded_text_is_the_python_recipe(built_warehouse):
    """The SQL text equals conversation_text/side_texts, so the scorers can reuse the vectors."""
    rows = query(
        built_warehouse.warehouse,
        "select texts.embedding_text, texts.user_text, texts.assistant_text, normalized.messages"
        " from int_conversations_embedding_texts as texts"
        " inner join int_conversations_deduped as deduped using (conversation_id)"
        " inner join int_conversations_normalized as normalized using (source_file, source_line)",
    )
    assert rows
    for text, user, assistant, messages in rows:
        assert text == conversation_text(messages)
        assert (user, assistant) == side_texts(messages)


def fresh_embeddings(output: str) -> int:
    match = re.search(r"'embedded_fresh': (\d+)", output)
    assert match, output[-3000:]
    return int(match.group(1))


@pytest.mark.slow
def test_adding_a_disjoint_dataset_embeds_only_it_and_moves_no_existing_split(
    rebuilt_warehouse, tmp_path
):
    """Incremental embedding, and stable splits (docs/near_duplicates.md#splits-and-holdouts):
    a conversation keeps its split when data is added, unless its cluster merges."""
    # the first build: the sample lake built with a cold cache (shared with the determinism test)
    first = rebuilt_warehouse
    ((kept,),) = query(first.warehouse, "select count(*) from int_conversations_deduped")
    assert fresh_embeddings(first.output) == kept
    # its lake and the cache it filled, copied, so this test may add to them
    lake = tmp_path / "lake"
    shutil.copytree(first.lake, lake)
    shutil.copytree(first.warehouse.parent / "embeddings", tmp_path / "cache")
    shutil.copy(first.warehouse, tmp_path / "first.duckdb")
    env = {"PIXEL_EMBEDDING_CACHE": str(tmp_path / "cache")}

    messages = [
        [
            {"role": "user", "content": f"A brand new question number {i} about moving house."},
            {"role": "assistant", "content": f"A brand new answer number {i}, about change."},
        ]
        for i in range(3)
    ]
    (lake / "curated" / "priority_new.jsonl").write_text(
        "".join(json.dumps({"messages": m}) + "\n" for m in messages)
    )
    second = run_cli(
        "build", "--lake", str(lake), "--warehouse", str(tmp_path / "second.duckdb"), env=env
    )
    assert second.returncode == 0, second.stdout[-3000:]
    assert fresh_embeddings(second.stdout) == 3
    sql = "select conversation_id, split from conversations"
    before = dict(query(tmp_path / "first.duckdb", sql))
    after = dict(query(tmp_path / "second.duckdb", sql))
    assert before.keys() <= after.keys()  # adding data drops nothing that was exported
    assert {cid: after[cid] for cid in before} == before
    count = "select count(*) from int_conversations_deduped"
    assert query(tmp_path / "second.duckdb", count)[0][0] == kept + 3


@pytest.mark.slow
def test_near_duplicate_detection_can_be_switched_off(built_warehouse, switched_off_warehouse):
    # one build with near-dup detection and scoring off serves the tests of both switches; with
    # scoring off no quality gate filters, so what near-dup removed comes back as exported
    warehouse = switched_off_warehouse.warehouse
    sql = (
        "select source_dataset, exported + filtered, near_duplicates from row_accounting order by 1"
    )
    on = query(built_warehouse.warehouse, sql)
    off = query(warehouse, sql)
    assert sum(near for _, _, near in on) > 0
    # the removed rows come back, each exported or kept out by a quality gate
    assert off == [(name, kept + near, 0) for name, kept, near in on]


def test_the_links_run_folder_is_gone_once_duckdb_has_read_it(built_warehouse):
    """int_conversations_linked wrote its links table as Parquet in a run folder of the result
    cache (python_models/near_dup_output.py); the build leaves no run folder behind."""
    runs = built_warehouse.warehouse.parent / "results" / "near_dup_links"
    assert runs.is_dir()  # the build's run folder was made here
    assert not list(runs.iterdir())
    ((linked, components),) = query(
        built_warehouse.warehouse,
        "select count(*), count(distinct component) from int_conversations_linked",
    )
    assert 0 < components < linked  # the table came through, near-copies linked
