"""Coherence: structure checks and embedding relevance, each able to fail."""

from __future__ import annotations

import numpy as np
import pytest

from python_models.scoring.coherence import (
    CoherenceCalibration,
    coherence,
    load_calibration,
    structure_score,
)


def _conversation(*roles: str) -> list[dict[str, str]]:
    return [{"role": role, "content": f"turn {i}"} for i, role in enumerate(roles)]


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


def test_relevance_separates_on_topic_from_off_topic() -> None:
    calibration = CoherenceCalibration(0.2, 0.8, "test")
    question = np.array([1.0, 0.0], dtype=np.float32)
    on_topic = np.array([0.9, np.sqrt(1 - 0.81)], dtype=np.float32)
    off_topic = np.array([0.0, 1.0], dtype=np.float32)
    messages = _conversation("user", "assistant")
    good = coherence(messages, np.stack([question, on_topic]), calibration)
    bad = coherence(messages, np.stack([question, off_topic]), calibration)
    assert good.relevance == 1.0 and bad.relevance == 0.0
    assert good.score == 1.0 and bad.score == 0.5


def test_without_embeddings_structure_alone() -> None:
    result = coherence(_conversation("user", "assistant"), None, None)
    assert result.relevance is None and result.score == result.structure == 1.0


def test_shipped_calibration_orders_its_two_medians() -> None:
    calibration = load_calibration()
    assert calibration.unrelated_cosine < calibration.related_cosine
