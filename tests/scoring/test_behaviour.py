"""Counselling behaviours per reply and the MITI-scaled session quality (the gate metric)."""

from __future__ import annotations

import pytest

from python_models.scoring.behaviour import (
    BEHAVIOURS,
    MITI,
    BehaviourResult,
    BehaviourScorer,
    asks_permission,
    load_behaviour_model,
    miti_scale,
    question_kind,
    reply_quality,
    session_quality,
)

SEEKER = "I've been drinking a lot lately and my wife keeps getting upset with me."


@pytest.fixture(scope="module")
def scored():
    """Score replies to SEEKER with the shipped weights and the real embedder."""
    pytest.importorskip("model2vec", reason="the embedding stack is needed")
    from python_models.embeddings.backends import get_embedder

    embedder, scorer = get_embedder("default"), BehaviourScorer()

    def score(*replies: str) -> list[BehaviourResult]:
        seekers = embedder.encode([SEEKER] * len(replies))
        return scorer.score(list(replies), seekers, embedder.encode)

    return score


def _result(behaviour: str, kind: str | None = None, permission: bool = False) -> BehaviourResult:
    probabilities = dict.fromkeys(BEHAVIOURS, 0.0)
    probabilities[behaviour] = 1.0
    opened = 1.0 if behaviour == "question" and kind == "open" else 0.0
    return BehaviourResult(probabilities, kind, permission, utterances=1, open_questions=opened)


def test_a_reflection_scores_as_a_reflection_and_passes(scored) -> None:
    (reflection,) = scored("You're worried that your drinking is pushing your wife away.")
    assert reflection.top in ("reflection_of_feelings", "restatement")
    assert reflection.question_kind is None
    quality = session_quality([reflection])
    assert quality is not None and quality.quality >= 0.5  # the foundation gate's bar


def test_a_closed_question_is_a_question_but_not_a_good_session(scored) -> None:
    closed, opened = scored(
        "How much are you drinking on a typical night?", "What worries you most about it?"
    )
    assert closed.top == "question" and closed.question_kind == "closed"
    assert opened.top == "question" and opened.question_kind == "open"
    assert reply_quality(opened) > reply_quality(closed)
    # a session of closed questions only is below MITI basic competence
    assert session_quality([closed, closed, closed]).quality < 0.5


def test_self_disclosure_is_not_a_reflection(scored) -> None:
    (disclosure,) = scored("I went through the same thing with my own drinking a few years ago.")
    assert disclosure.top == "self_disclosure"
    assert disclosure.reflection < 0.2


def test_advice_information_and_affirmation(scored) -> None:
    advice, information, affirmation = scored(
        "You should try going to a meeting this week and cutting down to two drinks.",
        "Alcohol is a depressant, and heavy drinking raises the risk of liver disease.",
        "It takes real courage to talk about this, and you're doing the right thing.",
    )
    assert advice.top == "suggestion"
    assert information.top == "information"
    assert affirmation.top == "affirmation"


def test_reflections_outrank_advice_giving_sessions(scored) -> None:
    """The issue's low-quality MI pattern: few reflections, much advice/information, closed
    questions. A reflective session must outrank it."""
    good = scored(
        "You're worried that your drinking is pushing your wife away.",
        "What worries you most about it?",
        "It sounds like part of you wants things to change, and part of you feels stuck.",
        "You care a lot about your marriage.",
    )
    poor = scored(
        "How much are you drinking on a typical night?",
        "You need to stop drinking and go to AA.",
        "Alcohol is a depressant, and heavy drinking raises the risk of liver disease.",
        "Do you drink every day?",
    )
    assert session_quality(good).quality > session_quality(poor).quality + 0.2


def test_a_reply_that_reflects_and_then_asks_counts_both(scored) -> None:
    (both,) = scored(
        "You're worried that your drinking is pushing your wife away. What worries you most?"
    )
    assert both.utterances == 2
    assert both.count("question") > 0.5 and both.reflection * both.utterances > 0.3
    assert both.open_questions > 0.5


def test_question_kind_rules() -> None:
    assert question_kind("How much are you drinking on a typical night?") == "closed"
    assert question_kind("Do you drink every day?") == "closed"
    assert question_kind("That's hard. How has that been for you?") == "open"
    assert question_kind("Tell me more about what happened.") == "open"
    assert question_kind("I hear you.") is None


def test_asking_permission_before_advice() -> None:
    assert asks_permission("Would it be okay if I shared a few ideas?")
    assert asks_permission("Can I suggest something that helped others?")
    assert not asks_permission("You should stop drinking.")


def test_miti_scale_puts_fair_at_half_and_good_at_one() -> None:
    fair, good = MITI["reflection_to_question"]
    assert miti_scale(0.0, fair, good) == 0.0
    assert miti_scale(fair, fair, good) == pytest.approx(0.5)
    assert miti_scale(good, fair, good) == pytest.approx(1.0)
    assert miti_scale(10 * good, fair, good) == 1.0


def test_session_quality_components() -> None:
    reflections = [_result("reflection_of_feelings")] * 2
    questions = [_result("question", "open")]
    quality = session_quality(reflections + questions)
    assert quality.summary["reflection_to_question"] == pytest.approx(2.0)
    assert quality.components["reflection_to_question"] == pytest.approx(1.0)
    assert quality.components["complex_reflections"] == pytest.approx(1.0)
    assert quality.quality == pytest.approx(1.0)
    unsolicited = session_quality([_result("suggestion")] * 3)
    assert unsolicited.components["mi_adherent"] == 0.0 and unsolicited.quality == 0.0
    asked = session_quality([_result("suggestion", permission=True)] * 3)
    assert asked.components["mi_adherent"] == 1.0
    assert session_quality([]) is None


def test_weights_record_their_data_and_terms() -> None:
    metadata = load_behaviour_model().metadata
    assert "ESConv" in metadata["fitted_on"] and "non-commercial" in metadata["license"]
    assert sorted(metadata["behaviours"]) == sorted(BEHAVIOURS)
    # calibrated (issue 13, session 9; session 11: a per-class stack with the reply-vector
    # regression, which calibrates as vector scaling does) on out-of-fold train logits and
    # folded into the coefficients; the metadata says how, one scale and bias per behaviour
    calibration = metadata["calibration"]
    assert "out-of-fold" in calibration["method"]
    assert len(calibration["scale"]) == len(calibration["bias"]) == len(BEHAVIOURS)
    assert all(scale > 0 for scale in calibration["scale"])


def test_counselling_quality_ranks_a_reflection_above_the_dismissive_templates(scored) -> None:
    """The preference pairs' reply score: a reflective answer beats every dismissive template."""
    pytest.importorskip("model2vec", reason="the embedding stack is needed")
    from python_models.embeddings.backends import get_embedder
    from python_models.preference_builder import DISMISSIVE
    from python_models.scoring.behaviour import reply_counselling_quality
    from python_models.scoring.empathy import EmpathyScorer

    embedder = get_embedder("default")
    replies = [
        "It sounds like you're scared of losing her, and part of you wants to cut back.",
        *DISMISSIVE.templates,
    ]
    empathy = EmpathyScorer().score(
        [SEEKER] * len(replies),
        replies,
        embedder.encode([SEEKER] * len(replies)),
        embedder.encode(replies),
    )
    quality = [
        reply_counselling_quality(b, e.score)
        for b, e in zip(scored(*replies), empathy, strict=True)
    ]
    assert all(0.0 <= q <= 1.0 for q in quality)
    assert quality[0] > max(quality[1:])
