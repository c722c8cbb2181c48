"""Voice conversations from documents and reassembled sessions: every input record accounted
for. The session rules themselves are SQL (dbt unit tests in intermediate/voice)."""

from __future__ import annotations

from collections import Counter

import pyarrow as pa

from python_models.session_windows import WindowConfig
from python_models.voice_dialogues import NO_DIALOGUE_PAIRS, VOICE_SCHEMA, voice_conversations

DOC_COLUMNS = ("source_dataset", "record_format", "source_file", "source_line", "container",
               "compression", "raw_bytes", "parse_error", "document_text", "file_title",
               "registry_speaker", "raw_record")  # fmt: skip
PLACED_COLUMNS = ("source_dataset", "record_format", "source_file", "source_line", "container",
                  "compression", "raw_bytes", "raw_record", "quarantine_reason")  # fmt: skip
TURN_COLUMNS = ("source_dataset", "record_format", "source_file", "container", "compression",
                "session_id", "session_first_line", "assistant_speakers", "turn_index", "role",
                "content", "input_lines")  # fmt: skip


def _table(columns: tuple[str, ...], rows: list[dict]) -> pa.Table:
    return pa.table({c: [row.get(c) for row in rows] for c in columns})


def _sentences(n: int, word: str) -> str:
    return " ".join(f"{' '.join([word] * 9)} end." for _ in range(n))


def _document(path: str, text: str | None, error: str | None = None) -> dict:
    return {
        "source_dataset": "talks",
        "record_format": "transcript",
        "source_file": path,
        "source_line": 1,
        "parse_error": error,
        "document_text": text,
        "registry_speaker": "Registry Voice",
    }


def _placed(line: int, reason: str | None = None) -> dict:
    """A row of int_voice_utterances_placed: used by a session, or quarantined."""
    return {
        "source_dataset": "sessions",
        "record_format": "utterances",
        "source_file": "s.csv",
        "source_line": line,
        "quarantine_reason": reason,
    }


def _turns(session: str, turns: list[tuple[str, str, list[int]]]) -> list[dict]:
    """Rows of int_voice_session_turns for one session: (role, content, input lines) in order."""
    return [
        {
            "source_dataset": "sessions",
            "record_format": "utterances",
            "source_file": "s.csv",
            "session_id": session,
            "session_first_line": turns[0][2][0],
            "assistant_speakers": "Dr. Okafor",
            "turn_index": index,
            "role": role,
            "content": content,
            "input_lines": lines,
        }
        for index, (role, content, lines) in enumerate(turns)
    ]


def _lake() -> tuple[pa.Table, pa.Table, pa.Table]:
    documents = [
        _document("a.md", f"# Shame\n\n{_sentences(4, 'shame')}\n\n# Safe\n\n{_sentences(4, 's')}"),
        _document("b.md", "# Thanks\n\nThank you."),  # nothing long enough to be a reply
        _document("c.md", None, "invalid_utf8"),
    ]  # fmt: skip
    # a long session of 120 rows (one turn each, the user first) from line 2, as reassembled
    long = [
        ("user" if i % 2 == 0 else "assistant", _sentences(5, f"w{i}"), [i + 2]) for i in range(120)
    ]
    line = 122
    short = [("user", "I feel low.", [line]), ("assistant", "Tell me more.", [line + 1])]
    placed = [_placed(n) for n in range(2, line + 2)]
    placed += [
        _placed(line + 2, "empty_content"),
        _placed(line + 3, "unknown_role"),  # a session with an unknown speaker: every row out
        _placed(line + 4, "unknown_role"),
        _placed(line + 5, "malformed_csv_row"),
    ]
    turns = _turns("long", long) + _turns("short", short)
    return (
        _table(DOC_COLUMNS, documents),
        _table(PLACED_COLUMNS, placed),
        _table(TURN_COLUMNS, turns),
    )


CONFIG = WindowConfig(max_words=1500, overlap_words=300, opening_max_words=300)


def _build() -> tuple[pa.Table, pa.Table, pa.Table]:
    documents, rows, turns = _lake()
    out = voice_conversations(documents, rows, turns, window_config=CONFIG)
    return documents, rows, out


def test_output_has_the_union_layout_and_unique_lines():
    _, _, out = _build()
    assert out.schema == VOICE_SCHEMA
    keys = list(zip(out["source_file"].to_pylist(), out["source_line"].to_pylist(), strict=True))
    assert len(keys) == len(set(keys))


def test_every_input_record_is_used_or_quarantined_at_its_own_line():
    documents, rows, out = _build()
    inputs = {(r["source_file"], r["source_line"]) for r in documents.to_pylist()} | {
        (r["source_file"], r["source_line"]) for r in rows.to_pylist()
    }
    used, quarantined = set(), set()
    for row in out.to_pylist():
        if row["parse_error"]:
            quarantined.add((row["source_file"], row["source_line"]))
        else:
            used.update((row["source_file"], line) for line in row["input_lines"])
    assert used | quarantined == inputs
    assert not used & quarantined


def test_the_ledger_balances_with_derived_and_merged_records():
    documents, rows, out = _build()
    derived = [r for r in out.to_pylist() if r["segment_kind"]]
    groups = {r["segment_group"] for r in derived}
    used_inputs = {(r["source_file"], line) for r in derived for line in r["input_lines"]}
    sessions = {r["segment_group"] for r in derived if r["segment_kind"] == "window"}
    session_rows = {
        (r["source_file"], line)
        for r in derived
        if r["segment_kind"] == "window"
        for line in r["input_lines"]
    }
    merged = len(session_rows) - len(sessions)
    extra = len(derived) - len(groups)
    quarantined = out.num_rows - len(derived)
    inputs = documents.num_rows + rows.num_rows
    assert inputs - merged + extra == len(derived) + quarantined
    assert len(used_inputs) + quarantined == inputs


def test_quarantine_reasons():
    _, _, out = _build()
    reasons = Counter(r for r in out["parse_error"].to_pylist() if r)
    assert reasons == {
        NO_DIALOGUE_PAIRS: 1,
        "invalid_utf8": 1,
        "empty_content": 1,
        "unknown_role": 2,
        "malformed_csv_row": 1,
    }


def test_windows_of_a_session_share_a_split_group_and_start_at_their_first_row():
    _, _, out = _build()
    windows = [r for r in out.to_pylist() if r["segment_kind"] == "window"]
    long = [w for w in windows if w["session_id"] == "long"]
    assert len(long) > 2
    assert {w["split_group"] for w in long} == {"sessions:long"}
    assert [w["segment_index"] for w in long] == list(range(len(long)))
    assert {w["segment_count"] for w in long} == {len(long)}
    assert long[0]["source_line"] == 2  # the session's first row
    for window in long[1:]:  # the first row of the window's first turn after the opening
        assert window["source_line"] == min(window["input_lines"][2:])
    assert all(w["speaker"] == "Dr. Okafor" for w in windows)


def test_passages_keep_their_line_speaker_and_rule():
    _, _, out = _build()
    passages = [r for r in out.to_pylist() if r["segment_kind"] == "passage"]
    assert [(p["source_file"], p["source_line"], p["prompt_rule"]) for p in passages] == [
        ("a.md", 3, "heading"),
        ("a.md", 7, "heading"),
    ]
    assert all(p["speaker"] == "Registry Voice" and p["input_lines"] == [1] for p in passages)
    assert all(p["split_group"] is None for p in passages)
