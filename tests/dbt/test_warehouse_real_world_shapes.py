"""The shapes public datasets and books come in, through the whole warehouse (sample lake)."""

from __future__ import annotations

import json
import re

import duckdb
import pytest

NEW_SHAPES = (
    "dialogue_files",
    "turn_pair_dialogues",
    "turn_pair_files",
    "wide_feature_responses",
    "psychology_books",
    "video_transcripts",
)


@pytest.fixture(scope="module")
def con(built_warehouse):
    with duckdb.connect(str(built_warehouse.warehouse), read_only=True) as connection:
        yield connection


@pytest.mark.parametrize("dataset", NEW_SHAPES)
def test_every_new_shape_balances_and_only_planted_faults_are_quarantined(
    built_warehouse, con, dataset
) -> None:
    planted = built_warehouse.summary.datasets[dataset]
    input_records, quarantined, balanced = con.execute(
        "select input_records, quarantined, is_balanced from row_accounting"
        " where source_dataset = ?",
        [dataset],
    ).fetchone()
    assert input_records == planted.input_records
    assert quarantined == sum(planted.faults.values())
    assert balanced
    reasons = dict(
        con.execute(
            "select reason, count(*) from quarantine where source_dataset = ? group by reason",
            [dataset],
        ).fetchall()
    )
    assert reasons == planted.faults


def test_one_conversation_per_file_counts_files_not_messages(built_warehouse, con) -> None:
    files = built_warehouse.summary.datasets["dialogue_files"].files
    rows = con.execute(
        "select count(*), count(distinct source_file), max(source_line) from stg_lake__records"
        " where source_dataset = 'dialogue_files'"
    ).fetchone()
    assert rows == (len(files), len(files), 1)


def test_an_object_holding_the_list_gives_the_files_messages(built_warehouse, con) -> None:
    """``{"id", "topic_tags": [...], "dialog": [...]}``: the list of messages, not the tags."""
    lake = built_warehouse.lake
    holder = next(
        path
        for path in built_warehouse.summary.datasets["dialogue_files"].files
        if isinstance(json.loads((lake / path).read_text() or "null"), dict)
    )
    dialog = json.loads((lake / holder).read_text())["dialog"]
    (messages,) = con.execute(
        "select messages from int_conversations_normalized where source_file like ?",
        [f"%/{holder}"],
    ).fetchone()
    assert [m["content"] for m in messages] == [m["content"] for m in dialog]
    assert {m["role"] for m in messages} == {"user", "assistant"}


def test_turn_pairs_become_user_and_assistant_turns_after_one_system_message(
    built_warehouse, con
) -> None:
    lake = built_warehouse.lake
    (path,) = built_warehouse.summary.datasets["turn_pair_dialogues"].files
    lines = (lake / path).read_text().splitlines()
    rows = con.execute(
        "select source_line, messages from int_conversations_normalized"
        " where source_dataset = 'turn_pair_dialogues' and quarantine_reason is null"
    ).fetchall()
    assert len(rows) >= 20
    later_system = 0
    for line, messages in rows:
        pairs = json.loads(lines[line - 1])["conversation"]
        (system,) = [p["system"] for p in pairs if p.get("system")]
        later_system += "system" not in pairs[0]
        turns = (("user", "input"), ("assistant", "output"))
        expected = [("system", system)] + [(role, p[key]) for p in pairs for role, key in turns]
        assert [(m["role"], m["content"]) for m in messages] == expected
    assert later_system > 0  # the system text on a later pair still leads the conversation


def test_a_file_that_is_the_pair_list_is_one_conversation(built_warehouse, con) -> None:
    planted = built_warehouse.summary.datasets["turn_pair_files"]
    exported = con.execute(
        "select count(*), count(distinct source_file) from conversations"
        " where source_dataset = 'turn_pair_files'"
    ).fetchone()
    assert exported[0] == exported[1] <= planted.input_records


def test_books_and_videos_become_passages_without_page_furniture(built_warehouse, con) -> None:
    rows = con.execute(
        "select source_dataset, source_file, speaker, messages from conversations"
        " where source_dataset in ('psychology_books', 'video_transcripts')"
    ).fetchall()
    by_dataset: dict[str, set[str]] = {}
    for dataset, source_file, speaker, messages in rows:
        by_dataset.setdefault(dataset, set()).add(source_file.rsplit(".", 1)[-1])
        reply = messages[-1]["content"]
        assert not re.search(r"\bPage \d+\b", reply)
        assert "Notes on Recovery, Volume" not in reply  # the running header
        assert '"start"' not in reply and "segments" not in reply
        if dataset == "psychology_books":
            assert speaker == "Dr. Helena Marsh"
            assert not re.search(r"[a-z]- [a-z]", reply)  # no hyphenated word left broken
        else:
            assert speaker == "Sam Okoye"
    assert by_dataset["psychology_books"] == {"pdf", "epub"}
    assert by_dataset["video_transcripts"] == {"json", "jsonl"}


def test_the_build_summary_shows_the_new_shapes(built_warehouse) -> None:
    for dataset in NEW_SHAPES:
        assert dataset in built_warehouse.output, dataset
