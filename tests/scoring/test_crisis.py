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
        # found missing by the graphic edge-case dialogues (sample_lake/content/edge_cases.py)
        ("I have been saving my pills for three weeks", "plan"),
        ("I already wrote the notes", "plan"),
        ("I looked up how tall the bridge by the station is", "plan"),
        ("I looked up how many pills it takes to die", "plan"),
        ("I tried to hang myself in the garage", "attempt"),
        ("I just swallowed a whole bottle of painkillers", "attempt"),
        ("I cut my thighs again last night", "self_harm"),
        ("The voices say I have to burn myself to be clean", "self_harm"),
        ("I keep picturing stabbing my brother while he sleeps", "harm_to_others"),
        ("I want them to feel guilty when they find me", "ideation"),
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
        "I looked up how much a therapist costs",
        "I cut my hair short and I love it",
        "I am saving up for a holiday",
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
