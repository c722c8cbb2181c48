"""Voice conversations from documents and utterance rows: every input record accounted for."""

from __future__ import annotations

from collections import Counter

import pyarrow as pa

from python_models.session_windows import WindowConfig
from python_models.voice_dialogues import NO_DIALOGUE_PAIRS, VOICE_SCHEMA, voice_conversations

ROLE_ALIASES = {
    "client": "user",
    "therapist": "assistant",
    "user": "user",
    "assistant": "assistant",
}
DOC_COLUMNS = ("source_dataset", "record_format", "source_file", "source_line", "container",
               "compression", "raw_bytes", "parse_error", "document_text", "file_title",
               "registry_speaker", "raw_record")  # fmt: skip
ROW_COLUMNS = ("source_dataset", "record_format", "source_file", "source_line", "container",
               "compression", "raw_bytes", "parse_error", "session_id", "speaker",
               "utterance_timestamp", "utterance_text", "speaker_roles", "raw_record")  # fmt: skip


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


def _row(line: int, session: str, speaker: str, text: str, ts: str, error=None) -> dict:
    return {
        "source_dataset": "sessions",
        "record_format": "utterances",
        "source_file": "s.csv",
        "source_line": line,
        "parse_error": error,
        "session_id": session,
        "speaker": speaker,
        "utterance_timestamp": ts,
        "utterance_text": text,
        "speaker_roles": '{"Dr. Okafor": "therapist", "Jamie": "client"}',
    }


def _lake() -> tuple[pa.Table, pa.Table]:
    documents = [
        _document("a.md", f"# Shame\n\n{_sentences(4, 'shame')}\n\n# Safe\n\n{_sentences(4, 's')}"),
        _document("b.md", "# Thanks\n\nThank you."),  # nothing long enough to be a reply
        _document("c.md", None, "invalid_utf8"),
    ]  # fmt: skip
    rows = []
    line = 2
    for i in range(120):  # a long session, rows written out of order in pairs
        speaker = "Jamie" if i % 2 == 0 else "Dr. Okafor"
        rows.append(_row(line, "long", speaker, _sentences(5, f"w{i}"), f"{i * 10}"))
        line += 1
    rows[10], rows[11] = rows[11], rows[10]
    rows += [
        _row(line, "short", "Jamie", "I feel low.", "1"),
        _row(line + 1, "short", "Dr. Okafor", "Tell me more.", "2"),
        _row(line + 2, "short", "Jamie", "", "3"),  # empty: quarantined alone
        _row(line + 3, "odd", "Jamie", "Hello?", "1"),
        _row(line + 4, "odd", "Narrator", "Later.", "2"),  # unknown speaker: session out
        _row(line + 5, None, None, None, None, error="malformed_csv_row"),
    ]
    return _table(DOC_COLUMNS, documents), _table(ROW_COLUMNS, rows)


CONFIG = WindowConfig(max_words=1500, overlap_words=300, opening_max_words=300)


def _build() -> tuple[pa.Table, pa.Table, pa.Table]:
    documents, rows = _lake()
    out = voice_conversations(documents, rows, role_aliases=ROLE_ALIASES, window_config=CONFIG)
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
