"""Coherence: structure checks and reply relevance ranked against references, each able to fail."""

from __future__ import annotations

import numpy as np
import pytest

from python_models.scoring.coherence import (
    MAX_REFERENCES,
    MIN_REFERENCES,
    RelevanceReferences,
    coherence,
    load_references,
    reference_rows,
    structure_score,
)

DIM = 16


def _conversation(*roles: str) -> list[dict[str, str]]:
    return [{"role": role, "content": f"turn {i}"} for i, role in enumerate(roles)]


def _unit(vector: np.ndarray) -> np.ndarray:
    return (vector / np.linalg.norm(vector)).astype(np.float32)


def _random_references(rows: int, seed: int = 0) -> RelevanceReferences:
    """Turns of other conversations: random directions, unrelated to the test's question."""
    rng = np.random.default_rng(seed)
    users = np.stack([_unit(v) for v in rng.normal(size=(rows, DIM))])
    replies = np.stack([_unit(v) for v in rng.normal(size=(rows, DIM))])
    return RelevanceReferences(users, replies, "test", "batch")


QUESTION = _unit(np.eye(DIM)[0])
ON_TOPIC = _unit(np.eye(DIM)[0] + 0.1 * np.eye(DIM)[1])  # cosine 0.995 to the question
OFF_TOPIC = _unit(np.random.default_rng(1).normal(size=DIM))


@pytest.mark.parametrize(
    ("roles", "expected"),
    [
        (("user", "assistant"), 1.0),
        (("system", "user", "assistant", "user", "assistant"), 1.0),
        (("user", "user", "assistant"), (0.5 + 1 + 1 + 1) / 4),
        (("assistant", "user"), (1 + 1 + 0 + 0) / 4),
        (("user",), (0 + 1 + 1 + 0) / 4),
    ],
)
def test_structure(roles: tuple[str, ...], expected: float) -> None:
    assert structure_score(_conversation(*roles)) == pytest.approx(expected)


def test_empty_turn_costs_structure() -> None:
    messages = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "  "}]
    assert structure_score(messages) == pytest.approx(0.875)


def test_answer_outranks_unrelated_reply_among_batch_references() -> None:
    references = _random_references(64)
    messages = _conversation("user", "assistant")
    good = coherence(messages, np.stack([QUESTION, ON_TOPIC]), references)
    bad = coherence(messages, np.stack([QUESTION, OFF_TOPIC]), references)
    assert good.relevance == 1.0 and good.score == 1.0  # beats every other reply and user turn
    assert bad.relevance is not None and bad.relevance < 0.8
    assert bad.score == pytest.approx((1.0 + bad.relevance) / 2, abs=1e-4)


def test_random_replies_score_about_half_on_average() -> None:
    references = _random_references(MAX_REFERENCES)
    rng = np.random.default_rng(2)
    messages = _conversation("user", "assistant")
    relevances = [
        coherence(messages, np.stack([_unit(u), _unit(a)]), references).relevance
        for u, a in zip(rng.normal(size=(200, DIM)), rng.normal(size=(200, DIM)), strict=True)
    ]
    assert 0.45 < float(np.mean(relevances)) < 0.55


def test_conversations_own_turns_are_not_references() -> None:
    references = _random_references(64)
    with_own = RelevanceReferences(
        np.vstack([references.users, QUESTION, QUESTION]),
        np.vstack([references.replies, ON_TOPIC, OFF_TOPIC]),  # this reply, and a later one
        "test",
        "batch",
    )
    messages = _conversation("user", "assistant", "user", "assistant")
    turns = np.stack([QUESTION, ON_TOPIC, QUESTION, OFF_TOPIC])
    assert coherence(messages, turns, with_own) == coherence(messages, turns, references)


def test_small_batch_falls_back_to_the_shipped_references() -> None:
    messages = _conversation("user", "assistant")
    turns = np.stack([QUESTION, OFF_TOPIC])
    small = _random_references(MIN_REFERENCES - 1)
    fallback = _random_references(MAX_REFERENCES, seed=5)
    assert coherence(messages, turns, small, fallback) == coherence(messages, turns, None, fallback)
    assert coherence(messages, turns, small, fallback) != coherence(messages, turns, small, small)
    alone = coherence(messages, turns, small)  # no fallback: structure alone
    assert alone.relevance is None and alone.score == alone.structure == 1.0


def test_without_embeddings_structure_alone() -> None:
    result = coherence(_conversation("user", "assistant"), None, _random_references(64))
    assert result.relevance is None and result.score == result.structure == 1.0


def test_reference_sample_is_fixed_by_text_not_by_order() -> None:
    texts = [f"reply number {i}" for i in range(300)] + ["   "]
    reversed_texts = texts[::-1]
    sample = reference_rows(texts, range(len(texts)))
    again = reference_rows(reversed_texts, range(len(reversed_texts)))
    assert len(sample) == MAX_REFERENCES
    assert [texts[r] for r in sample] == [reversed_texts[r] for r in again]
    assert reference_rows(["  ", "", "ok"], range(3)) == [2]  # blank turns are no references


def test_shipped_references_rank_a_real_answer_above_an_unrelated_one() -> None:
    from python_models.embeddings.backends import get_embedder

    embedder = get_embedder("default")
    shipped = load_references()
    assert shipped.embedding_model == embedder.model_id
    assert shipped.users.shape == shipped.replies.shape == (MAX_REFERENCES, embedder.dim)
    question = "I lie awake every night worrying about work and I can't fall asleep."
    answer = (
        "Sleep often suffers when worries follow us to bed. A wind-down routine, a fixed time "
        "to get up and writing the worries down before bed can help you fall asleep."
    )
    unrelated = "Our refund policy covers unopened items returned within thirty days."
    messages = [{"role": "user", "content": question}, {"role": "assistant", "content": "a"}]
    real = coherence(messages, embedder.encode([question, answer]), None, shipped)
    other = coherence(messages, embedder.encode([question, unrelated]), None, shipped)
    assert real.relevance is not None and other.relevance is not None
    assert real.relevance > other.relevance + 0.3
    assert real == coherence(messages, embedder.encode([question, answer]), None, shipped)


def test_projection_maps_each_role_and_keeps_ranks_comparable() -> None:
    """A projection moves user turns and replies by their own maps; the references must be
    projected by the same maps, so a turn that is its own reference is still left out."""
    from python_models.scoring.coherence import Projection

    rng = np.random.default_rng(3)
    projection = Projection(
        users=np.eye(DIM, dtype=np.float32) + 0.1 * rng.normal(size=(DIM, DIM)).astype(np.float32),
        replies=np.eye(DIM, dtype=np.float32),
    )
    vectors = np.stack([QUESTION, ON_TOPIC])
    moved = projection.turn_vectors(["user", "assistant"], vectors)
    assert np.allclose(moved[1], ON_TOPIC)  # the identity map leaves the reply where it was
    assert not np.allclose(moved[0], QUESTION)
    assert np.allclose(np.linalg.norm(moved, axis=1), 1.0)
    assert np.allclose(projection.turn_vectors(["system", "assistant"], vectors)[0], QUESTION)
    references = _random_references(MAX_REFERENCES)
    projected = RelevanceReferences(
        projection.user_vectors(references.users),
        projection.reply_vectors(references.replies),
        "test",
        "batch",
    )
    messages = _conversation("user", "assistant")
    real = coherence(messages, vectors, projected, None, projection)
    other = coherence(messages, np.stack([QUESTION, OFF_TOPIC]), projected, None, projection)
    assert real.relevance is not None and other.relevance is not None
    assert real.relevance > other.relevance


def test_shipped_projection_ranks_a_real_reply_above_another_dialogues() -> None:
    """The shipped maps (fitted on ESConv train dialogues) on written turns of my own."""
    from python_models.embeddings.backends import get_embedder
    from python_models.scoring.coherence import load_projection

    embedder = get_embedder("default")
    projection = load_projection()
    assert projection.users.shape == projection.replies.shape == (embedder.dim, embedder.dim)
    shipped = load_references(projection=projection)
    question = "I lost my job last week and I don't know how I'll pay the rent."
    answer = "Losing your job is a huge shock, and worrying about the rent on top of it is a lot."
    unrelated = "It's lovely that your sister came to visit for your birthday."
    messages = [{"role": "user", "content": question}, {"role": "assistant", "content": "a"}]
    real = coherence(messages, embedder.encode([question, answer]), None, shipped, projection)
    other = coherence(messages, embedder.encode([question, unrelated]), None, shipped, projection)
    assert real.relevance is not None and other.relevance is not None
    assert real.relevance > other.relevance + 0.2
