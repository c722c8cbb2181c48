"""Stage 4 in the warehouse: talks become dialogue pairs, sessions are reassembled in timestamp
order and windowed, every window of a session shares a split, and the ledger balances."""

from __future__ import annotations

import csv
from collections import defaultdict

import duckdb

from sample_lake.families.transcripts import SESSIONS_DATASET, SPEAKER_ROLES, TALKS_DATASET


def query(warehouse, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def _seconds(clock: str) -> int:
    hours, minutes, seconds = (int(part) for part in clock.split(":"))
    return hours * 3600 + minutes * 60 + seconds


def test_windows_of_a_session_never_straddle_splits(built_warehouse):
    rows = query(
        built_warehouse.warehouse,
        "select session_id, count(*), count(distinct split), max(segment_count)"
        " from conversations where segment_kind = 'window' group by session_id",
    )
    assert rows, "the sample lake has sessions"
    assert all(splits == 1 for _, _, splits, _ in rows)
    # the long session: several windows (near-duplicate detection may have taken one)
    long = [(windows, count) for session, windows, _, count in rows if session == "S-LONG-0001"]
    assert long and long[0][1] > 2 and long[0][1] - 1 <= long[0][0] <= long[0][1]


def test_sessions_are_reassembled_in_timestamp_order(built_warehouse):
    """Rebuild every short session from the CSV with an independent reading of the rules."""
    lake = built_warehouse.lake
    expected: dict[str, list[tuple[str, str]]] = {}
    path = lake / "sessions" / "transcripts" / "clinic_a.csv"
    with path.open(newline="") as f:
        rows = [row for row in csv.DictReader(f)]
    by_session = defaultdict(list)
    for line, row in enumerate(rows):
        if not row["session"] or not row["utterance"].strip():
            continue
        try:
            seconds = _seconds(row["start_time"])
        except ValueError:
            continue  # the planted invalid timestamp
        by_session[row["session"]].append((seconds, line, row))
    roles = {"therapist": "assistant", "client": "user", "Therapist": "assistant"}
    roles["Client"] = "user"
    for session, items in by_session.items():
        turns: list[tuple[str, str]] = []
        for _, _, row in sorted(items, key=lambda item: (item[0], item[1])):
            speaker = row["speaker_name"]
            role = roles[SPEAKER_ROLES.get(speaker, speaker)]
            if turns and turns[-1][0] == role:
                turns[-1] = (role, turns[-1][1] + " " + row["utterance"].strip())
            else:
                turns.append((role, row["utterance"].strip()))
        expected[session] = turns
    found = {
        session: [(m["role"], m["content"]) for m in messages]
        for session, messages in query(
            built_warehouse.warehouse,
            # the text as reassembled, before PII redaction and whatever the quality gates said
            "select v.session_id, n.messages from int_conversations_gated g"
            " inner join int_conversations_normalized n"
            " on g.source_file = n.source_file and g.source_line = n.source_line"
            " inner join int_voice_conversations v"
            " on g.source_file = v.source_file and g.source_line = v.source_line"
            " where g.source_dataset = ? and v.segment_count = 1",
            [SESSIONS_DATASET],
        )
    }
    # every session exactly as rebuilt (one may be gone as an accidental near-duplicate); the
    # messages are compared here and only session ids are reported, never their text
    rebuilt_otherwise = sorted(s for s in found if found[s] != expected.get(s))
    missing = sorted(expected.keys() - found.keys())
    assert rebuilt_otherwise == []
    assert len(missing) <= 1, missing


def test_talk_passages_are_capped_and_keep_their_speaker(built_warehouse):
    rows = query(
        built_warehouse.warehouse,
        "select speaker, messages[1].role, messages[2].role,"
        " len(string_split(trim(messages[2].content), ' ')), stage"
        " from conversations where source_dataset = ?",
        [TALKS_DATASET],
    )
    assert rows
    assert {speaker for speaker, *_ in rows} == {"Ana Reyes", "Tomas Lindqvist"}
    assert all(first == "user" and second == "assistant" for _, first, second, *_ in rows)
    assert max(words for *_, words, _ in rows) <= 300
    assert {stage for *_, stage in rows} == {"voice"}


def test_voice_ledger_matches_the_generator(built_warehouse):
    rows = {
        name: (merged, derived, balanced)
        for name, merged, derived, balanced in query(
            built_warehouse.warehouse,
            "select source_dataset, merged_into_session, derived_records, is_balanced"
            " from row_accounting",
        )
    }
    for name in (TALKS_DATASET, SESSIONS_DATASET):
        planted = built_warehouse.summary.datasets[name]
        assert rows[name] == (planted.merged_into_session, planted.derived_records, True), name
    assert rows[SESSIONS_DATASET][0] > 0 and rows[TALKS_DATASET][1] > 0
