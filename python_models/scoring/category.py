"""Category for uncategorized conversations: a linear classifier over conversation embeddings.

Fitted on the conversations that arrive with a category (in the warehouse: every categorized
source in the build), it predicts a category and a confidence (the top class probability) for
the rest. A prediction below `min_confidence` stays `uncategorized`. `min_confidence` is chosen
at fit time on a hashed 20% of the categorized rows held out from a first fit: the lowest
confidence at which the held-out predictions kept are at least `target_precision` correct;
the final model is then refitted on all of them.

The embeddings are the near-duplicate stage's conversation vectors (never embedded again).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from python_models.imports import import_module

UNCATEGORIZED = "uncategorized"
COUNSEL_CHAT_WEIGHTS = Path(__file__).parent / "weights" / "category_counsel_chat.npz"


@dataclass(frozen=True)
class CategoryConfig:
    target_precision: float = 0.6
    holdout_percent: int = 20
    min_examples_per_category: int = 5
    c: float = 4.0
    max_rows_per_category: int = 20_000  # caps the fit on huge builds; sampled by hash


@dataclass
class CategoryModel:
    categories: list[str]
    coef: np.ndarray  # (n_categories, dim)
    intercept: np.ndarray
    min_confidence: float
    metadata: dict = field(default_factory=dict)

    def predict(self, embeddings: np.ndarray) -> tuple[list[str], np.ndarray]:
        """(category or `uncategorized`, confidence) per row."""
        if len(embeddings) == 0:
            return [], np.zeros(0, dtype=np.float32)
        scores = embeddings @ self.coef.T + self.intercept
        if len(self.categories) == 2 and self.coef.shape[0] == 1:
            positive = 1.0 / (1.0 + np.exp(-scores[:, 0]))
            proba = np.stack([1 - positive, positive], axis=1)
        else:
            scores = scores - scores.max(axis=1, keepdims=True)
            proba = np.exp(scores)
            proba /= proba.sum(axis=1, keepdims=True)
        best = proba.argmax(axis=1)
        confidence = proba[np.arange(len(best)), best].astype(np.float32)
        labels = [
            self.categories[index] if conf >= self.min_confidence else UNCATEGORIZED
            for index, conf in zip(best, confidence, strict=True)
        ]
        return labels, confidence

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:
            np.savez_compressed(
                handle,
                categories=np.array(self.categories, dtype=np.str_),
                coef=self.coef.astype(np.float16),
                intercept=self.intercept.astype(np.float32),
                metadata=np.array(
                    json.dumps({**self.metadata, "min_confidence": self.min_confidence})
                ),
            )

    @classmethod
    def load(cls, path: Path) -> CategoryModel:
        with np.load(path, allow_pickle=False) as data:
            metadata = json.loads(str(data["metadata"]))
            return cls(
                categories=[str(c) for c in data["categories"]],
                coef=data["coef"].astype(np.float32),
                intercept=data["intercept"].astype(np.float32),
                min_confidence=float(metadata.pop("min_confidence")),
                metadata=metadata,
            )


def _bucket(key: str) -> int:
    return int(hashlib.sha256(f"category:{key}".encode()).hexdigest()[:8], 16) % 100


def _fit_linear(embeddings: np.ndarray, labels: Sequence[str], c: float):
    """The logistic regression, fitted on one BLAS/OpenMP thread. One thread makes the fit the
    same on every machine (a thread count changes the order of BLAS sums, and with it where
    L-BFGS stops: 120 iterations on two threads, 93 on one, another `min_confidence`), and is
    faster: on the shared 2-core machine, under load, two spinning threads made a 11,400-row
    fit 205 s against 8.7 s on one (docs/benchmarks.md, incremental rebuilds, session 7)."""
    LogisticRegression = import_module("sklearn.linear_model").LogisticRegression
    threadpool_limits = import_module("threadpoolctl").threadpool_limits

    model = LogisticRegression(C=c, class_weight="balanced", max_iter=2000)
    with threadpool_limits(limits=1):
        model.fit(embeddings, np.asarray(labels))
    return model


def choose_min_confidence(
    confidence: np.ndarray, correct: np.ndarray, target_precision: float
) -> float:
    """Lowest confidence cut whose kept predictions are at least `target_precision` correct."""
    order = np.argsort(-confidence)
    hits = np.cumsum(correct[order])
    precision = hits / np.arange(1, len(order) + 1)
    ok = np.flatnonzero(precision >= target_precision)
    if ok.size == 0:
        return 1.01  # nothing is trustworthy: everything stays uncategorized
    return float(confidence[order][ok.max()])


def fit_category_model(
    keys: Sequence[str],
    embeddings: np.ndarray,
    labels: Sequence[str],
    config: CategoryConfig | None = None,
) -> CategoryModel | None:
    """Fit on categorized rows; None when fewer than two categories have enough examples."""
    config = config or CategoryConfig()
    counts = Counter(labels)
    usable = {c for c, n in counts.items() if n >= config.min_examples_per_category}
    if len(usable) < 2:
        return None
    rows = [i for i, label in enumerate(labels) if label in usable]
    # cap each category deterministically (lowest hashes first) so huge sources do not dominate
    per_category: dict[str, list[int]] = {}
    for i in sorted(rows, key=lambda i: _bucket(keys[i]) * 10**9 + i):
        bucket = per_category.setdefault(labels[i], [])
        if len(bucket) < config.max_rows_per_category:
            bucket.append(i)
    rows = sorted(i for bucket in per_category.values() for i in bucket)
    x = embeddings[rows]
    y = [labels[i] for i in rows]
    held = np.array([_bucket(keys[i]) < config.holdout_percent for i in rows])
    min_confidence = 0.0
    if held.any() and (~held).any() and len({y[i] for i in np.flatnonzero(~held)}) >= 2:
        first = _fit_linear(x[~held], [y[i] for i in np.flatnonzero(~held)], config.c)
        proba = first.predict_proba(x[held])
        predicted = first.classes_[proba.argmax(axis=1)]
        truth = np.array([y[i] for i in np.flatnonzero(held)])
        min_confidence = choose_min_confidence(
            proba.max(axis=1), (predicted == truth).astype(np.float64), config.target_precision
        )
    final = _fit_linear(x, y, config.c)
    return CategoryModel(
        categories=[str(c) for c in final.classes_],
        coef=final.coef_.astype(np.float32),
        intercept=final.intercept_.astype(np.float32),
        min_confidence=round(min_confidence, 4),
        metadata={
            "fit_rows": len(rows),
            "categories": {c: counts[c] for c in sorted(usable)},
            "target_precision": config.target_precision,
        },
    )
