"""Counselling behaviours on the held-out ESConv dialogues, and the session score built on them.

The split is by dialogue (`fit_behaviour.esconv_split`): no dialogue has turns in both parts.
AUC intervals are percentile bootstraps over held-out dialogues (turns of one dialogue are not
independent). The baseline is the reply length, the issue's yardstick for reflections.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from evaluation.fitting.fit_behaviour import LabelledReply, split_replies
from python_models.scoring.behaviour import BEHAVIOURS, BehaviourScorer

GOALS = {"reflection_of_feelings": 0.85, "restatement": 0.80, "question": 0.95, "reflection": 0.75}
BOOTSTRAPS = 1000
GOAL_RESPONSES_PER_SECOND = 1000.0


def auc(labels: np.ndarray, scores: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(labels, scores))


def bootstrap_auc(
    labels: np.ndarray, scores: np.ndarray, groups: np.ndarray, seed: int = 13
) -> tuple[float, float]:
    """95% percentile interval of the AUC, resampling whole dialogues."""
    rng = np.random.default_rng(seed)
    ids = np.unique(groups)
    rows_by_group = {g: np.flatnonzero(groups == g) for g in ids}
    values = []
    for _ in range(BOOTSTRAPS):
        rows = np.concatenate([rows_by_group[g] for g in rng.choice(ids, size=len(ids))])
        if 0 < labels[rows].sum() < len(rows):
            values.append(auc(labels[rows], scores[rows]))
    return float(np.percentile(values, 2.5)), float(np.percentile(values, 97.5))


@dataclass(frozen=True)
class BehaviourRow:
    behaviour: str  # a BEHAVIOURS name, or "reflection" (feelings + restatement)
    positives: int
    negatives: int
    auc: float
    interval: tuple[float, float]
    length_auc: float  # the reply-length baseline
    goal: float | None


def held_out_probabilities(
    test: list[LabelledReply], embedder, scorer: BehaviourScorer | None = None
) -> np.ndarray:
    scorer = scorer or BehaviourScorer()
    seekers = embedder.encode([r.seeker for r in test])
    seekers[[not r.seeker for r in test]] = 0.0
    results = scorer.score([r.reply for r in test], seekers, embedder.encode)
    return np.array([[r.probabilities[b] for b in BEHAVIOURS] for r in results])


def evaluate_behaviours(root, embedder) -> tuple[list[BehaviourRow], dict[str, float]]:
    """Per-behaviour one-vs-rest AUC on the held-out dialogues, and throughput."""
    _, test = split_replies(root)
    scorer = BehaviourScorer()
    proba = held_out_probabilities(test, embedder, scorer)
    truth = np.array([r.behaviour for r in test])
    groups = np.array([r.dialogue for r in test])
    length = np.array([len(r.reply) for r in test], dtype=np.float64)
    targets = [(b, truth == b, proba[:, i]) for i, b in enumerate(BEHAVIOURS)]
    reflection = np.isin(truth, ["reflection_of_feelings", "restatement"])
    targets.append(("reflection", reflection, proba[:, 1] + proba[:, 2]))
    rows = []
    for name, labels, scores in targets:
        labels = labels.astype(int)
        rows.append(
            BehaviourRow(
                behaviour=name,
                positives=int(labels.sum()),
                negatives=int(len(labels) - labels.sum()),
                auc=round(auc(labels, scores), 4),
                interval=tuple(round(v, 4) for v in bootstrap_auc(labels, scores, groups)),
                length_auc=round(auc(labels, length), 4),
                goal=GOALS.get(name),
            )
        )
    return rows, throughput(scorer, embedder, [r.reply for r in test], [r.seeker for r in test])


def throughput(scorer: BehaviourScorer, embedder, replies, seekers) -> dict[str, float]:
    """Replies per second on one process: embedding included, and the models alone."""
    started = time.process_time()
    seeker_vectors = embedder.encode(seekers)
    embedded = time.process_time()
    scorer.score(replies, seeker_vectors, embedder.encode)
    done = time.process_time()
    return {
        "responses": float(len(replies)),
        "with_embedding_per_s": len(replies) / max(done - started, 1e-9),
        "after_seeker_embedding_per_s": len(replies) / max(done - embedded, 1e-9),
    }
