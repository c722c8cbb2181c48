"""EPITOME empathy: levels per mechanism, conversation score in [0, 1], weights with terms."""

from __future__ import annotations

import numpy as np
import pytest

from python_models.scoring.empathy import (
    MECHANISMS,
    EmpathyResult,
    EmpathyScorer,
    conversation_empathy,
)


@pytest.fixture(scope="module")
def scorer() -> EmpathyScorer:
    return EmpathyScorer()


def _score(scorer: EmpathyScorer, seeker: str, reply: str) -> EmpathyResult:
    dim = next(iter(scorer.models.values())).embedding_dim // 2
    zeros = np.zeros((1, dim), dtype=np.float32)
    return scorer.score([seeker], [reply], zeros, zeros)[0]


def test_weights_record_their_data_and_terms(scorer: EmpathyScorer) -> None:
    for mechanism in MECHANISMS:
        metadata = scorer.models[mechanism].metadata
        assert "EPITOME" in metadata["fitted_on"] and "non-commercial" in metadata["license"]
        assert metadata["embedding_model"] == scorer.embedding_model


def test_a_question_is_an_exploration(scorer: EmpathyScorer) -> None:
    seeker = "I lost my job today and I don't know what to do."
    asking = _score(scorer, seeker, "What happened at work? How are you feeling about it now?")
    telling = _score(scorer, seeker, "Get a new one.")
    assert asking.levels["explorations"] >= 1 > telling.levels["explorations"]
    assert asking.expected["explorations"] > telling.expected["explorations"]


def test_empathic_reply_outscores_a_dismissive_one(scorer: EmpathyScorer) -> None:
    seeker = "My mom passed away last week and I can't stop crying."
    warm = _score(
        scorer,
        seeker,
        "I'm so sorry for your loss. I lost my father two years ago and I understand how "
        "overwhelming it feels. How are you holding up?",
    )
    cold = _score(scorer, seeker, "ok")
    assert 0.0 <= cold.score < warm.score <= 1.0


def test_conversation_score_is_the_mean_over_replies() -> None:
    replies = [
        EmpathyResult({}, {}, 0.2),
        EmpathyResult({}, {}, 0.6),
    ]
    assert conversation_empathy(replies) == pytest.approx(0.4)
    assert conversation_empathy([]) is None
