"""Completeness: chain-of-thought records need reasoning and a finished answer; others need the
assistant to have the last, finished word."""

from __future__ import annotations

import pytest

from python_models.scoring.completeness import (
    THINK_CHECKS,
    TURN_CHECKS,
    completeness,
    ends_sentence,
)

ANSWER = "Try writing the worry down and setting a time tomorrow to look at it again."
REASONING = (
    "The user cannot sleep because of worry. A worry-postponement technique fits here.\n"
    "I should keep it short and practical."
)


def _chat(*turns: tuple[str, str]) -> list[dict[str, str]]:
    return [{"role": role, "content": content} for role, content in turns]


def test_the_weights_sum_to_one() -> None:
    assert sum(THINK_CHECKS.values()) == pytest.approx(1.0)
    assert sum(TURN_CHECKS.values()) == pytest.approx(1.0)


def test_a_full_chain_of_thought_record_scores_one() -> None:
    result = completeness(
        _chat(("user", "I can't sleep."), ("assistant", f"<think>{REASONING}</think>\n{ANSWER}"))
    )
    assert (result.score, result.kind, result.failed) == (1.0, "think", ())


@pytest.mark.parametrize(
    ("reply", "failed"),
    [
        (f"<think></think>{ANSWER}", {"reasoning_present", "reasoning_steps"}),
        (f"<think>The user is worried.</think>{ANSWER}", {"reasoning_steps"}),
        (f"<think>{REASONING}</think>Write it down.", {"answer_substantive"}),
        (f"<think>{REASONING}</think>", {"answer_substantive", "answer_ends_sentence"}),
        (f"<think>{REASONING}", {"answer_substantive", "answer_ends_sentence", "tags_balanced"}),
        (
            f"<think>{REASONING}</think>Try writing the worry down and setting a time tomorrow to",
            {"answer_ends_sentence"},
        ),
        (
            f"<think>{REASONING}</think>[Insert a coping resource here]. {ANSWER}",
            {"no_placeholder"},
        ),
        (f"<think>{REASONING}</think><think>{ANSWER}", {"tags_balanced"}),
    ],
)
def test_each_think_defect_costs_its_weight(reply: str, failed: set[str]) -> None:
    result = completeness(_chat(("user", "I can't sleep."), ("assistant", reply)))
    assert set(result.failed) == failed
    assert result.score == pytest.approx(1.0 - sum(THINK_CHECKS[c] for c in failed))
    assert result.score < 1.0


@pytest.mark.parametrize(
    ("turns", "score", "failed"),
    [
        ((("user", "Hi."), ("assistant", "Hello! How are you feeling today?")), 1.0, ()),
        (
            (("user", "Hi."), ("assistant", "Hello."), ("user", "I feel bad")),
            0.6,
            ("ends_with_assistant",),
        ),
        (
            (("user", "Hi."), ("assistant", "")),
            0.4,
            ("answer_non_empty", "answer_ends_sentence", "no_placeholder"),
        ),
        (
            (("user", "Hi."), ("assistant", "Well, the first thing you could")),
            0.8,
            ("answer_ends_sentence",),
        ),
        ((("user", "Hi."), ("assistant", "Some ideas:\n- walk daily\n- call a friend")), 1.0, ()),
        ((("user", "Hi."),), 0.0, tuple(TURN_CHECKS)),
    ],
)
def test_other_conversations_need_a_finished_assistant_answer(
    turns: tuple[tuple[str, str], ...], score: float, failed: tuple[str, ...]
) -> None:
    result = completeness(_chat(*turns))
    assert result.score == pytest.approx(score)
    assert result.failed == failed


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("It will get easier.", True),
        ('She said "take care."', True),
        ("Is that right?)", True),
        ("```\ncode\n```", True),
        ("and then you", False),
        ("Here is the list:", False),
        ("", False),
    ],
)
def test_ends_sentence(text: str, expected: bool) -> None:
    assert ends_sentence(text) is expected
