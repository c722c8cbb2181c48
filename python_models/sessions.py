"""Utterance rows to sessions: one-utterance-per-row transcripts (session id, speaker,
timestamp, text) become conversations in timestamp order, consecutive turns of one role
merged, speaker names mapped to roles (docs/curriculum.md).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from python_models.words import Message


@dataclass(frozen=True, slots=True)
class Utterance:
    """One row of a session transcript, as read (``line`` is its place in the file)."""

    session_id: str | None
    speaker: str | None
    text: str | None
    timestamp: str | float | int | None
    line: int


@dataclass(frozen=True, slots=True)
class Turn:
    role: str
    speakers: tuple[str, ...]
    content: str
    lines: tuple[int, ...]  # the rows merged into this turn, in order


@dataclass(slots=True)
class Session:
    """A reassembled session: turns in order, or the reason it cannot be used."""

    session_id: str
    turns: list[Turn]
    lines: tuple[int, ...]  # every usable row of the session, in reassembled order
    error: str | None = None  # quarantine reason for every row of the session

    @property
    def first_line(self) -> int:
        """The provenance line of the session: its chronologically first row."""
        return self.lines[0]

    def messages(self) -> list[Message]:
        return [{"role": t.role, "content": t.content} for t in self.turns]

    def assistant_speakers(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for turn in self.turns:
            if turn.role == "assistant":
                seen.update(dict.fromkeys(turn.speakers))
        return tuple(seen)


@dataclass(frozen=True, slots=True)
class Reassembled:
    sessions: list[Session]
    row_errors: dict[int, str]  # line -> quarantine reason, for rows that fit no session


_CLOCK = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:[.,]\d+)?)$")


def parse_timestamp(value: str | float | int | None) -> float | None:
    """Seconds from a number, a clock offset (``hh:mm:ss[.fff]``, ``mm:ss``) or ISO-8601 time.

    Raises ``ValueError`` for text that is none of those; returns None for a blank value.
    """
    if value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    text = value.strip().strip("[]()")
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        pass
    if match := _CLOCK.match(text):
        hours, minutes, seconds = match.groups()
        return int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds.replace(",", "."))
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))  # ValueError when not ISO
    return parsed.timestamp()


def resolve_role(
    speaker: str, speaker_roles: Mapping[str, str], role_aliases: Mapping[str, str]
) -> str | None:
    """Canonical role of a speaker: the dataset's speaker map first, then the role aliases.

    Both lookups are case-insensitive after trimming; the speaker map may name a role alias
    (``therapist``) or a canonical role (``assistant``).
    """
    key = speaker.strip().lower()
    mapped = {k.strip().lower(): v for k, v in speaker_roles.items()}.get(key, key)
    aliases = {k.strip().lower(): v for k, v in role_aliases.items()}
    return aliases.get(mapped.strip().lower())


def reassemble_sessions(
    utterances: Iterable[Utterance],
    *,
    role_aliases: Mapping[str, str],
    speaker_roles: Mapping[str, str] | None = None,
) -> Reassembled:
    """Group rows by session, order them, map speakers to roles and merge consecutive turns.

    Order: by timestamp, ties by file line. A row with a blank timestamp takes the timestamp of
    the row before it in the file (so untimed rows keep their file position). Rows that cannot
    be placed are quarantined on their own: no session id or speaker (``missing_field``), blank
    text (``empty_content``), a timestamp that does not parse (``invalid_timestamp``). A
    session with a speaker that maps to no role is quarantined whole (``unknown_role``), as is
    one without a user or an assistant turn (``no_user_turn`` / ``no_assistant_turn``).
    Consecutive rows of the same role become one turn: joined by a space when the speaker is
    the same, by a blank line when another speaker of that role takes over.
    """
    speaker_roles = speaker_roles or {}
    row_errors: dict[int, str] = {}
    by_session: dict[str, list[tuple[float, int, Utterance]]] = {}
    previous_time: dict[str, float] = {}
    for row in sorted(utterances, key=lambda u: u.line):
        if not (row.session_id or "").strip() or not (row.speaker or "").strip():
            row_errors[row.line] = "missing_field"
            continue
        if not (row.text or "").strip():
            row_errors[row.line] = "empty_content"
            continue
        session_id = row.session_id.strip()
        try:
            seconds = parse_timestamp(row.timestamp)
        except ValueError:
            row_errors[row.line] = "invalid_timestamp"
            continue
        if seconds is None:
            seconds = previous_time.get(session_id, float("-inf"))
        previous_time[session_id] = seconds
        by_session.setdefault(session_id, []).append((seconds, row.line, row))

    sessions: list[Session] = []
    for session_id, rows in by_session.items():
        rows.sort(key=lambda item: (item[0], item[1]))
        lines = tuple(line for _, line, _ in rows)
        roles = [resolve_role(r.speaker or "", speaker_roles, role_aliases) for *_, r in rows]
        if any(role is None for role in roles):
            sessions.append(Session(session_id, [], lines, "unknown_role"))
            continue
        turns: list[Turn] = []
        for role, (_, line, row) in zip(roles, rows, strict=True):
            speaker, text = row.speaker.strip(), row.text.strip()
            if turns and turns[-1].role == role:
                last = turns[-1]
                same_speaker = last.speakers[-1] == speaker
                joined = f"{last.content} {text}" if same_speaker else f"{last.content}\n\n{text}"
                speakers = last.speakers if same_speaker else (*last.speakers, speaker)
                turns[-1] = Turn(role, speakers, joined, (*last.lines, line))
            else:
                turns.append(Turn(role, (speaker,), text, (line,)))
        present = {t.role for t in turns}
        error = None
        if "assistant" not in present:
            error = "no_assistant_turn"
        elif "user" not in present:
            error = "no_user_turn"
        sessions.append(Session(session_id, turns if error is None else [], lines, error))
    sessions.sort(key=lambda s: s.first_line)
    return Reassembled(sessions, row_errors)
