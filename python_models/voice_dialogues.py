"""Voice-stage conversations from transcript documents and utterance rows, Arrow in and out.

The library behind dbt's ``int_voice_conversations``. Output rows (``VOICE_SCHEMA``) come in two
kinds, in the column layout of ``int_conversations_unioned`` plus provenance columns:

- a derived conversation: one passage of a document (``segment_kind = 'passage'``) or one window
  of a session (``'window'``), with ``input_lines`` naming the input records it came from;
- an input record that could not be used, with ``parse_error`` set and its own line, so it is
  quarantined where it was read (a staging error, a row reassembly could not place, every row
  of a session that cannot be used, a document that yields no passage).

Each derived conversation has its own ``source_line``: the line in the file where the passage
starts, or the first row of the window (the session's first row for window 0, else the first row
of the window's first turn after the opening). So ``(source_file, source_line)`` stays unique
and points at the text. Row accounting at input-record grain: docs/dataset_contract.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from python_models.session_windows import WindowConfig, window_conversation
from python_models.transcript_passages import PassageConfig, segment_document

MESSAGE_TYPE = pa.list_(pa.struct([("role", pa.string()), ("content", pa.string())]))
VOICE_SCHEMA = pa.schema(
    [
        ("source_dataset", pa.string()),
        ("record_format", pa.string()),
        ("source_file", pa.string()),
        ("source_line", pa.int64()),
        ("container", pa.string()),
        ("compression", pa.string()),
        ("raw_bytes", pa.int64()),
        ("parse_error", pa.string()),
        ("messages", MESSAGE_TYPE),
        ("record_category", pa.string()),
        ("raw_record", pa.string()),
        # provenance of derived conversations (null on quarantined input records)
        ("segment_kind", pa.string()),  # passage | window
        ("segment_group", pa.string()),  # the document (file) or session (file#session id)
        ("segment_index", pa.int32()),  # 0-based passage / window index in its group
        ("segment_count", pa.int32()),  # passages of the document / windows of the session
        ("input_lines", pa.list_(pa.int64())),  # input records (lines of source_file) it used
        ("speaker", pa.string()),  # the voice: the talk's speaker, the session's therapist(s)
        ("prompt_rule", pa.string()),  # passages: which rule made the user prompt
        ("session_id", pa.string()),
        ("split_group", pa.string()),  # windows: dataset:session id, so they share one split
    ]
)
NO_DIALOGUE_PAIRS = "no_dialogue_pairs"


@dataclass(slots=True)
class _Rows:
    columns: dict[str, list[Any]] = field(
        default_factory=lambda: {name: [] for name in VOICE_SCHEMA.names}
    )

    def add(self, **values: Any) -> None:
        for name, column in self.columns.items():
            column.append(values.get(name))

    def table(self) -> pa.Table:
        return pa.table(self.columns, schema=VOICE_SCHEMA)


def _raw_bytes(messages: list[dict[str, str]]) -> int:
    return sum(len(m["content"].encode("utf-8")) for m in messages)


def _input_columns(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        name: row.get(name)
        for name in ("source_dataset", "record_format", "source_file", "container", "compression")
    }


def _quarantine(rows: _Rows, row: Mapping[str, Any], reason: str) -> None:
    rows.add(
        **_input_columns(row),
        source_line=row["source_line"],
        raw_bytes=row.get("raw_bytes"),
        parse_error=reason,
        raw_record=row.get("raw_record"),
    )


def add_documents(rows: _Rows, documents: pa.Table, config: PassageConfig | None = None) -> None:
    """Every document: its passages as dialogue pairs, or the document quarantined."""
    for doc in documents.to_pylist():
        if doc.get("parse_error"):
            _quarantine(rows, doc, doc["parse_error"])
            continue
        segmented = segment_document(
            doc["document_text"],
            path=doc["source_file"],
            speaker=doc.get("registry_speaker"),
            config=config,
        )
        if not segmented.pairs:
            _quarantine(rows, doc, NO_DIALOGUE_PAIRS)
            continue
        for pair in segmented.pairs:
            messages = pair.messages()
            rows.add(
                **_input_columns(doc),
                source_line=pair.line,
                raw_bytes=_raw_bytes(messages),
                messages=messages,
                segment_kind="passage",
                segment_group=doc["source_file"],
                segment_index=pair.index,
                segment_count=len(segmented.pairs),
                input_lines=[doc["source_line"]],
                speaker=pair.speaker,
                prompt_rule=pair.rule,
            )


def _add_session(rows: _Rows, turns: list[dict[str, Any]], config: WindowConfig | None) -> None:
    """One session's turns (int_voice_session_turns, in turn order) as windows."""
    first = turns[0]
    messages = [{"role": turn["role"], "content": turn["content"]} for turn in turns]
    for window in window_conversation(messages, config):
        used = [*range(window.opening_turns), *range(window.body_start, window.body_end)]
        lines = sorted({line for t in used for line in turns[t]["input_lines"]})
        key_line = (
            first["session_first_line"]
            if window.index == 0
            else turns[window.body_start]["input_lines"][0]
        )
        rows.add(
            **_input_columns(first),
            source_line=key_line,
            raw_bytes=_raw_bytes(window.messages),
            messages=window.messages,
            segment_kind="window",
            segment_group=f"{first['source_file']}#{first['session_id']}",
            segment_index=window.index,
            segment_count=window.count,
            input_lines=lines,
            speaker=first["assistant_speakers"],
            session_id=first["session_id"],
            split_group=f"{first['source_dataset']}:{first['session_id']}",
        )


def add_sessions(
    rows: _Rows,
    utterances: pa.Table,
    session_turns: pa.Table,
    config: WindowConfig | None = None,
) -> None:
    """Every utterance row that cannot be used quarantined (int_voice_utterances_placed), every
    reassembled session (int_voice_session_turns) windowed."""
    for row in utterances.to_pylist():
        if row["quarantine_reason"]:
            _quarantine(rows, row, row["quarantine_reason"])
    by_session: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for turn in session_turns.to_pylist():
        by_session.setdefault((turn["source_file"], turn["session_id"]), []).append(turn)
    for turns in by_session.values():
        _add_session(rows, sorted(turns, key=lambda turn: turn["turn_index"]), config)


def voice_conversations(
    documents: pa.Table,
    utterances: pa.Table,
    session_turns: pa.Table,
    *,
    passage_config: PassageConfig | None = None,
    window_config: WindowConfig | None = None,
) -> pa.Table:
    """Documents (stg_lake__transcript_documents), placed utterance rows
    (int_voice_utterances_placed) and session turns (int_voice_session_turns) to
    ``VOICE_SCHEMA`` rows."""
    rows = _Rows()
    add_documents(rows, documents, passage_config)
    add_sessions(rows, utterances, session_turns, window_config)
    return rows.table()
