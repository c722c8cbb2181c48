"""Utterance rows to sessions (python_models/sessions.py).

One test per documented rule (docs/curriculum.md); each fails when its rule breaks.
"""

from __future__ import annotations

import random

import pytest

from python_models.sessions import Utterance, parse_timestamp, reassemble_sessions

ROLE_ALIASES = {
    "user": "user",
    "client": "user",
    "patient": "user",
    "assistant": "assistant",
    "therapist": "assistant",
    "counselor": "assistant",
    "system": "system",
}


def _rows(spec: list[tuple[str, str, str, str]]) -> list[Utterance]:
    return [Utterance(s, sp, text, ts, line) for line, (s, sp, text, ts) in enumerate(spec, 2)]


@pytest.mark.parametrize(
    ("raw", "seconds"),
    [
        ("00:01:05", 65.0),
        ("1:02:03.5", 3723.5),
        ("02:03", 123.0),
        ("12.25", 12.25),
        (7, 7.0),
        ("[00:00:10,5]", 10.5),
        ("2024-03-01T10:00:05Z", 1709287205.0),
        ("", None),
        (None, None),
    ],
)
def test_timestamps_parse(raw, seconds):
    assert parse_timestamp(raw) == seconds


def test_sessions_are_reassembled_in_timestamp_order_not_file_order():
    spec = [("s1", "Therapist", f"t{i}" if i % 2 else f"c{i}", f"00:{i:02d}:00") for i in range(12)]
    spec = [
        (s, "Client" if i % 2 == 0 else sp, text, ts) for i, (s, sp, text, ts) in enumerate(spec)
    ]
    shuffled = spec[:]
    random.Random(3).shuffle(shuffled)
    (session,) = reassemble_sessions(_rows(shuffled), role_aliases=ROLE_ALIASES).sessions
    assert [m["content"] for m in session.messages()] == [text for _, _, text, _ in spec]
    assert [m["role"] for m in session.messages()] == ["user", "assistant"] * 6


def test_equal_timestamps_keep_file_order_and_blank_ones_follow_the_row_before():
    rows = _rows(
        [
            ("s", "Client", "first", "00:00:05"),
            ("s", "Therapist", "second", "00:00:05"),
            ("s", "Therapist", "fourth", "00:00:09"),
            ("s", "Client", "fifth", ""),
            ("s", "Client", "third", "00:00:07"),
        ]
    )
    (session,) = reassemble_sessions(rows, role_aliases=ROLE_ALIASES).sessions
    contents = [m["content"] for m in session.messages()]
    assert contents == ["first", "second", "third", "fourth", "fifth"]
    assert session.first_line == 2


def test_consecutive_turns_of_one_speaker_merge():
    rows = _rows(
        [
            ("s", "Client", "I feel low.", "1"),
            ("s", "Client", "Work is hard.", "2"),
            ("s", "Therapist", "Tell me more.", "3"),
            ("s", "Therapist", "When did it start?", "4"),
        ]
    )
    (session,) = reassemble_sessions(rows, role_aliases=ROLE_ALIASES).sessions
    assert session.messages() == [
        {"role": "user", "content": "I feel low. Work is hard."},
        {"role": "assistant", "content": "Tell me more. When did it start?"},
    ]
    assert session.turns[0].lines == (2, 3)


def test_speaker_names_map_to_roles_through_the_dataset_map_then_aliases():
    rows = _rows(
        [("s", "DR. OKAFOR", "Hello.", "1"), ("s", "Jamie", "Hi.", "2"), ("s", "Jamie", "x", "3")]
    )
    speaker_roles = {"Dr. Okafor": "therapist", "jamie": "client"}
    (session,) = reassemble_sessions(
        rows, role_aliases=ROLE_ALIASES, speaker_roles=speaker_roles
    ).sessions
    assert [m["role"] for m in session.messages()] == ["assistant", "user"]
    assert session.assistant_speakers() == ("DR. OKAFOR",)


def test_an_unknown_speaker_quarantines_the_whole_session():
    rows = _rows([("s", "Client", "Hi.", "1"), ("s", "Narrator", "Later.", "2")])
    result = reassemble_sessions(rows, role_aliases=ROLE_ALIASES)
    (session,) = result.sessions
    assert (session.error, session.lines) == ("unknown_role", (2, 3))


def test_a_session_without_a_reply_is_quarantined():
    rows = _rows([("s", "Client", "Hi.", "1"), ("s", "Client", "Anyone?", "2")])
    (session,) = reassemble_sessions(rows, role_aliases=ROLE_ALIASES).sessions
    assert session.error == "no_assistant_turn"


def test_rows_that_cannot_be_placed_are_quarantined_one_by_one():
    rows = _rows(
        [
            ("s", "Client", "Hi.", "1"),
            ("s", "Therapist", "   ", "2"),
            ("s", "Therapist", "Hello.", "yesterday-ish"),
            ("", "Therapist", "Hello.", "3"),
            ("s", "", "Hello.", "3"),
            ("s", "Therapist", "Welcome.", "4"),
        ]
    )
    result = reassemble_sessions(rows, role_aliases=ROLE_ALIASES)
    assert result.row_errors == {
        3: "empty_content",
        4: "invalid_timestamp",
        5: "missing_field",
        6: "missing_field",
    }
    (session,) = result.sessions
    assert session.lines == (2, 7) and session.error is None
