"""Crisis detection: rules find each C-SSRS evidence kind; the shipped model flags and clears."""

from __future__ import annotations

import numpy as np
import pytest

from python_models.scoring.crisis import CrisisResult, CrisisScorer, combine, match_rules


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("I tried to kill myself last year and woke up in the hospital", "attempt"),
        ("I already wrote my suicide note", "plan"),
        ("I bought a rope to end it", "plan"),
        ("honestly I just want to die", "ideation"),
        ("everyone would be better off without me", "ideation"),
        ("I started cutting myself again", "self_harm"),
        ("I want to kill him for what he did", "harm_to_others"),
    ],
)
def test_rules_name_the_evidence(text: str, kind: str) -> None:
    match = match_rules(text)
    assert match is not None and match.kind == kind


@pytest.mark.parametrize(
    "text",
    [
        "I'm not suicidal, just tired of my job",
        "This traffic is killing me",
        "I need help planning my wedding budget",
    ],
)
def test_rules_ignore_ordinary_talk(text: str) -> None:
    assert match_rules(text) is None


@pytest.fixture(scope="module")
def scorer() -> CrisisScorer:
    return CrisisScorer()


def _zero_embeddings(scorer: CrisisScorer, n: int) -> np.ndarray:
    return np.zeros((n, scorer.model.embedding_dim), dtype=np.float32)


def test_threshold_is_documented_in_the_weights(scorer: CrisisScorer) -> None:
    assert 0.0 < scorer.threshold < 1.0
    assert scorer.model.metadata["threshold_target_sensitivity"] >= 0.95
    assert "C-SSRS" in scorer.model.metadata["threshold_from"]


def test_scores_flags_and_evidence(scorer: CrisisScorer) -> None:
    texts = [
        "I can't do this anymore, I want to kill myself tonight",
        "What's a good pasta recipe?",
    ]
    crisis, calm = scorer.score(texts, _zero_embeddings(scorer, 2))
    assert crisis.flag and crisis.evidence == "ideation" and crisis.score >= scorer.threshold
    assert not calm.flag and calm.evidence is None and 0.0 <= calm.score < scorer.threshold


def test_conversation_takes_its_riskiest_turn() -> None:
    turns = [CrisisResult(0.1, False, None), CrisisResult(0.95, True, "attempt")]
    assert combine(turns) == CrisisResult(0.95, True, "attempt")
    assert combine([]) == CrisisResult(0.0, False, None)
