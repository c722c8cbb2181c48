"""EPITOME empathy: levels per mechanism, conversation score in [0, 1], weights with terms."""

from __future__ import annotations

import numpy as np
import pytest

from python_models.scoring.empathy import (
    MECHANISMS,
    EmpathyResult,
    EmpathyScorer,
    conversation_empathy,
    conversation_intensity,
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
    assert 0.0 <= cold.present < warm.present <= 1.0


def test_the_gate_metric_passes_empathy_and_stops_dismissal(scorer: EmpathyScorer) -> None:
    """With real embeddings, as the pipeline runs it: the 0.7 stage gate splits these two."""
    pytest.importorskip("model2vec", reason="the embedding stack is needed")
    from python_models.embeddings.backends import get_embedder

    embedder = get_embedder("default")
    seeker = "My mom passed away last week and I can't stop crying."
    replies = [
        "I'm so sorry for your loss. I lost my father two years ago and I understand how "
        "overwhelming it feels. How are you holding up?",
        "Get over it.",
    ]
    warm, cold = scorer.score(
        [seeker] * 2, replies, embedder.encode([seeker] * 2), embedder.encode(replies)
    )
    assert cold.present < 0.7 <= warm.present
    assert warm.score < 0.7  # intensity would have failed the same warm reply


def test_present_is_one_minus_the_chance_of_no_mechanism(scorer: EmpathyScorer) -> None:
    seeker = "I feel so alone since the divorce."
    replies = ["That sounds really lonely. What has the last month been like for you?", "k"]
    dim = next(iter(scorer.models.values())).embedding_dim // 2
    zeros = np.zeros((len(replies), dim), dtype=np.float32)
    results = scorer.score([seeker] * 2, replies, zeros, zeros)
    dense = np.zeros((2, 2 * dim), dtype=np.float32)
    none = np.ones(2)
    for model in scorer.models.values():
        none *= model.predict_proba(replies, dense)[:, list(model.classes).index(0)]
    assert [r.present for r in results] == pytest.approx(1 - none, abs=1e-3)
    # "present" is at least as large as any one mechanism's chance of level >= 1, so it never
    # falls below intensity (expected level / 2 <= p(level >= 1))
    assert all(r.present >= r.score for r in results)


def test_conversation_values_are_means_over_replies() -> None:
    replies = [
        EmpathyResult({}, {}, 0.2, present=0.9),
        EmpathyResult({}, {}, 0.6, present=0.5),
    ]
    assert conversation_empathy(replies) == pytest.approx(0.7)
    assert conversation_intensity(replies) == pytest.approx(0.4)
    assert conversation_empathy([]) is None and conversation_intensity([]) is None
