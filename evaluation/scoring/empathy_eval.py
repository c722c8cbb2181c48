"""EPITOME empathy on the held-out seeker posts, beside a TF-IDF baseline and the paper.

The split (`fit_empathy.epitome_split`) is by seeker post, so no post is in both train and test.
The baseline is TF-IDF (word 1-2 grams) + logistic regression fitted on the same train split.
The paper's figures are Sharma et al. (EMNLP 2020), Table 2, their full model (RoBERTa
bi-encoder with domain-adaptive pre-training, attention and rationale multi-task) on their own
random split of the same Reddit data: a reference, not a like-for-like comparison.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from evaluation.fitting.fit_empathy import split_pairs
from evaluation.metrics import Rate, accuracy, macro_f1
from evaluation.realdata import epitome_pairs
from python_models.scoring.empathy import MECHANISMS, EmpathyScorer

# Sharma et al. 2020, Table 2 ("EPITOME"/full model rows): accuracy, macro-F1 (in %)
PAPER = {
    "emotional_reactions": (79.43, 74.46),
    "interpretations": (84.04, 62.60),
    "explorations": (92.61, 72.58),
}
GOAL_POINTS = 0.0  # issue 13 item 4: macro-F1 at or above the paper (was "within 5 points")
GOAL_RESPONSES_PER_SECOND = 1000.0
BOOTSTRAPS = 1000


@dataclass(frozen=True)
class EmpathyRow:
    mechanism: str
    test_pairs: int
    accuracy: Rate
    macro_f1: float
    macro_f1_interval: tuple[float, float]  # 95% bootstrap over seeker posts
    baseline_accuracy: Rate
    baseline_macro_f1: float
    paper_accuracy: float
    paper_macro_f1: float


def tfidf_baseline(train_texts, train_labels, test_texts) -> list[int]:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
    model = LogisticRegression(max_iter=2000)
    model.fit(vectorizer.fit_transform(train_texts), train_labels)
    return model.predict(vectorizer.transform(test_texts)).tolist()


def bootstrap_macro_f1(
    truth: list[int], predicted: list[int], groups: list[str], seed: int = 13
) -> tuple[float, float]:
    """95% percentile interval of macro-F1, resampling whole seeker posts (1,000 times)."""
    truth_array, predicted_array = np.asarray(truth), np.asarray(predicted)
    group_array = np.asarray(groups)
    ids = np.unique(group_array)
    rows_by_group = {g: np.flatnonzero(group_array == g) for g in ids}
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(BOOTSTRAPS):
        rows = np.concatenate([rows_by_group[g] for g in rng.choice(ids, size=len(ids))])
        values.append(
            macro_f1(truth_array[rows].tolist(), predicted_array[rows].tolist(), [0, 1, 2])
        )
    return float(np.percentile(values, 2.5)), float(np.percentile(values, 97.5))


def evaluate_empathy(root, embedder) -> tuple[list[EmpathyRow], dict[str, float]]:
    train, test = split_pairs(epitome_pairs(root))
    scorer = EmpathyScorer()
    seekers = embedder.encode([p.seeker for p in test])
    responses = embedder.encode([p.response for p in test])
    results = scorer.score([p.seeker for p in test], [p.response for p in test], seekers, responses)
    rows = []
    for mechanism in MECHANISMS:
        truth = [p.levels[mechanism] for p in test]
        predicted = [r.levels[mechanism] for r in results]
        baseline = tfidf_baseline(
            [p.response for p in train],
            [p.levels[mechanism] for p in train],
            [p.response for p in test],
        )
        rows.append(
            EmpathyRow(
                mechanism,
                len(test),
                accuracy(truth, predicted),
                macro_f1(truth, predicted, [0, 1, 2]),
                bootstrap_macro_f1(truth, predicted, [p.sp_id for p in test]),
                accuracy(truth, baseline),
                macro_f1(truth, baseline, [0, 1, 2]),
                *PAPER[mechanism],
            )
        )
    return rows, throughput(test, scorer, embedder)


def throughput(test, scorer: EmpathyScorer, embedder, minimum: int = 5000) -> dict[str, float]:
    """Responses/s for embedding both turns + all three mechanisms, and for the models alone;
    `cpu_per_s`: the same per second of this process's CPU time (one core, whatever the load)."""
    repeats = max(1, int(np.ceil(minimum / len(test))))
    seekers = [p.seeker for p in test] * repeats
    replies = [p.response for p in test] * repeats
    started, cpu_started = time.perf_counter(), time.process_time()
    s_vec = embedder.encode(seekers)
    r_vec = embedder.encode(replies)
    embedded = time.perf_counter()
    scorer.score(seekers, replies, s_vec, r_vec)
    done, cpu_done = time.perf_counter(), time.process_time()
    return {
        "cpu_per_s": len(replies) / (cpu_done - cpu_started),
        "responses": float(len(replies)),
        "with_embedding_per_s": len(replies) / (done - started),
        "models_only_per_s": len(replies) / (done - embedded),
    }
