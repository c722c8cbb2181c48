"""Small metrics with intervals: every rate is reported with its count and a 95% interval."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Rate:
    """successes / total with a Wilson 95% interval."""

    successes: int
    total: int

    @property
    def value(self) -> float:
        return self.successes / self.total if self.total else float("nan")

    @property
    def interval(self) -> tuple[float, float]:
        return wilson_interval(self.successes, self.total)

    def __str__(self) -> str:
        low, high = self.interval
        return f"{self.value:.3f} ({self.successes}/{self.total}; 95% CI {low:.3f}-{high:.3f})"


def wilson_interval(successes: int, total: int, z: float = 1.959964) -> tuple[float, float]:
    if total == 0:
        return float("nan"), float("nan")
    p = successes / total
    denominator = 1 + z * z / total
    centre = (p + z * z / (2 * total)) / denominator
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def macro_f1(truth: Sequence[int], predicted: Sequence[int], labels: Sequence[int]) -> float:
    """Unweighted mean of per-class F1 (a class never predicted nor present scores 0)."""
    scores = []
    for label in labels:
        tp = sum(1 for t, p in zip(truth, predicted, strict=True) if t == label and p == label)
        fp = sum(1 for t, p in zip(truth, predicted, strict=True) if t != label and p == label)
        fn = sum(1 for t, p in zip(truth, predicted, strict=True) if t == label and p != label)
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(scores) / len(scores)


def accuracy(truth: Sequence[int], predicted: Sequence[int]) -> Rate:
    hits = sum(1 for t, p in zip(truth, predicted, strict=True) if t == p)
    return Rate(hits, len(truth))
