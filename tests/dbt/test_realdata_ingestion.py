"""Real files written by others (../shared/realdata): Counsel Chat CSVs and hh-rlhf, counted."""

from __future__ import annotations

import duckdb
import pytest

from tests.conftest import build

pytestmark = pytest.mark.realdata

LINKS = {
    "qa/counsel_chat_20200325.csv": "counsel-chat/20200325_counsel_chat.csv",
    "qa/counsel_chat_counselchat_data.csv": "counsel-chat/counselchat-data.csv",
    "safety/hh/harmless-base-test.jsonl.gz": "hh-rlhf/harmless-base-test.jsonl.gz",
}


@pytest.fixture(scope="module")
def real_warehouse(realdata, tmp_path_factory):
    lake = tmp_path_factory.mktemp("real_lake")
    for relpath, source in LINKS.items():
        (lake / relpath).parent.mkdir(parents=True, exist_ok=True)
        (lake / relpath).symlink_to(realdata / source)
    warehouse = tmp_path_factory.mktemp("real_wh") / "warehouse.duckdb"
    result = build(lake, warehouse)
    assert result.returncode == 0, result.stdout[-5000:]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        yield con


def outcomes(con, relpath: str) -> dict[str, int]:
    """Where every record of one file went."""
    rows = con.execute(
        """
        with file as (select source_file from lake_files where relpath = ?)
        select 'input', count(*) from stg_lake__records where source_file in (from file)
        union all
        select 'exported', count(*) from (
            select source_file from conversations
            union all
            select source_file from preference_pairs where pair_origin = 'source'
        ) where source_file in (from file)
        union all
        select 'quarantined', count(*) from quarantine where source_file in (from file)
        union all
        select 'exact_duplicates', count(*) from exact_duplicates where source_file in (from file)
        union all
        select 'near_duplicates', count(*) from near_duplicates where source_file in (from file)
        union all
        select 'filtered', count(*) from filtered
        where record_kind in ('conversation', 'preference_pair') and source_file in (from file)
        """,
        [relpath],
    ).fetchall()
    return dict(rows)


@pytest.mark.parametrize(
    ("relpath", "records"),
    [
        ("qa/counsel_chat_20200325.csv", 2129),
        ("qa/counsel_chat_counselchat_data.csv", 1482),
        ("safety/hh/harmless-base-test.jsonl.gz", 2312),
    ],
)
def test_every_real_record_is_accounted_for(real_warehouse, relpath, records):
    counts = outcomes(real_warehouse, relpath)
    assert counts["input"] == records
    accounted = ("exported", "quarantined", "exact_duplicates", "near_duplicates", "filtered")
    assert sum(counts[outcome] for outcome in accounted) == records
    assert counts["exported"] > 0


def test_real_hh_pairs_with_an_empty_reply_are_filtered_not_exported(real_warehouse):
    # harmless-base-test holds 4 pairs whose chosen reply is empty ("...\n\nAssistant:")
    rows = real_warehouse.execute(
        "select reason, count(*) from filtered where source_dataset = 'harmless_hh_preferences'"
        " group by reason order by reason"
    ).fetchall()
    assert rows == [("empty_chosen", 4)]


def test_the_two_counsel_chat_renderings_dedup_against_each_other(real_warehouse):
    # the same answers appear in both CSVs; identical text is an exact duplicate across files
    rows = real_warehouse.execute(
        "select count(*), count(distinct kept_source_file) from exact_duplicates"
        " where source_dataset = 'counsel_qa' and source_file <> kept_source_file"
    ).fetchone()
    assert rows[0] > 100 and rows[1] >= 1


def test_counsel_chat_questions_without_text_are_quarantined_with_reason(real_warehouse):
    # counselchat-data.csv: 99 rows with an empty questionText, 4 answers that are only
    # "<p><br></p>" (empty once the HTML is stripped)
    rows = real_warehouse.execute(
        "select reason, count(*) from quarantine where source_file like '%counselchat_data.csv'"
        " group by reason order by reason"
    ).fetchall()
    assert rows == [("empty_content", 4), ("missing_field", 99)]


def test_real_html_answers_are_plain_text(real_warehouse):
    (tagged,) = real_warehouse.execute(
        "select count(*) from conversations, unnest(messages) as t(m)"
        " where source_dataset = 'counsel_qa' and regexp_matches(m.content, '</?p>|&nbsp;|&amp;')"
    ).fetchone()
    assert tagged == 0


def test_hh_pairs_share_the_prompt_and_end_in_two_replies(real_warehouse):
    (pairs, bad_prompt) = real_warehouse.execute(
        "select count(*), count(*) filter (where prompt_messages[-1].role <> 'user')"
        " from preference_pairs"
    ).fetchone()
    assert pairs > 2000 and bad_prompt == 0


def test_row_accounting_balances_on_real_data(real_warehouse):
    unbalanced = real_warehouse.execute(
        "select source_dataset from row_accounting where not is_balanced"
    ).fetchall()
    assert unbalanced == []
