"""The context cues of the issue-13 session-10 screen (`evaluation.fitting.behaviour_context`)."""

from __future__ import annotations

import pytest

from evaluation.fitting.behaviour_context import _stop_words, seeker_cues, stems

REPLY = "It sounds like you are really stressed about losing your job."


@pytest.fixture(scope="module")
def stop() -> frozenset[str]:
    return _stop_words()


def test_stems_fold_word_forms_and_drop_stop_words(stop) -> None:
    assert stems("I'm so stressed and stressful days", stop) == {"stres", "days"}
    assert stems("it is what it is", stop) == set()


def test_a_reply_naming_the_seekers_feeling_echoes_it(stop) -> None:
    cues, echoed = seeker_cues(REPLY, "Work has me so stressed, I might lose my job.", stop)
    share, any_echo, _, no_seeker, you, lead, you_echo, lead_echo, _ = cues
    assert echoed == "job stres"  # "losing" and "lose" differ in their first five letters
    assert any_echo == 1.0 and share == 0.5  # of sound, stres, losin, job
    assert (no_seeker, you, lead, you_echo, lead_echo) == (0.0, 1.0, 1.0, 1.0, 1.0)


def test_the_same_reply_after_an_unrelated_turn_echoes_nothing(stop) -> None:
    cues, echoed = seeker_cues(REPLY, "We went to the beach with the kids on Sunday.", stop)
    assert echoed == "" and cues[0] == cues[1] == cues[6] == cues[7] == 0.0
    assert cues[5] == 1.0  # the reflective lead is the reply's own, context or not


def test_no_seeker_turn_is_its_own_cue(stop) -> None:
    cues, echoed = seeker_cues("Hello, how are you today?", "", stop)
    assert cues[3] == 1.0 and echoed == ""
