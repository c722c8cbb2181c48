"""Reply relevance on Counsel Chat questions the calibration never saw (its val + test splits).

Real (question, answer) pairs against the same answers moved onto other questions: the AUC of
the relevance score, and the mean coherence of each as a two-turn conversation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from python_models.scoring.coherence import coherence, load_calibration
from python_models.scoring.fit_coherence import pair_cosines, question_answer_pairs


@dataclass(frozen=True)
class CoherenceReport:
    pairs: int
    auc: float
    mean_related: float
    mean_unrelated: float


def auc(positive: np.ndarray, negative: np.ndarray) -> float:
    """P(score of a random positive > a random negative), ties count half."""
    scores = np.concatenate([positive, negative])
    ranks = scores.argsort().argsort() + 1.0
    # average ranks for ties
    order = np.argsort(scores)
    sorted_scores = scores[order]
    _, first, counts = np.unique(sorted_scores, return_index=True, return_counts=True)
    for start, count in zip(first, counts, strict=True):
        if count > 1:
            ranks[order[start : start + count]] = start + (count + 1) / 2.0
    rank_sum = ranks[: len(positive)].sum()
    return float(
        (rank_sum - len(positive) * (len(positive) + 1) / 2) / (len(positive) * len(negative))
    )


def evaluate_coherence(embedder) -> CoherenceReport:
    questions, answers = [], []
    for split in ("val", "test"):
        q, a = question_answer_pairs(split)
        questions += q
        answers += a
    related, unrelated = pair_cosines(questions, answers, embedder)
    calibration = load_calibration()
    q_vec = embedder.encode(questions)
    a_vec = embedder.encode(answers)

    def mean_coherence(answer_vectors: np.ndarray) -> float:
        scores = [
            coherence(
                [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}],
                np.stack([q_vec[i], answer_vectors[i]]),
                calibration,
            ).score
            for i in range(len(questions))
        ]
        return float(np.mean(scores))

    shift = len(answers) // 2
    return CoherenceReport(
        pairs=len(related),
        auc=auc(related, unrelated),
        mean_related=mean_coherence(a_vec),
        mean_unrelated=mean_coherence(np.roll(a_vec, shift, axis=0)),
    )
