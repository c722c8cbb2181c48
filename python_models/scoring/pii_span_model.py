"""A linear classifier over capitalised runs: PERSON, ORGANIZATION, LOCATION, ADDRESS or none.

It revises the hand-written verdict of `pii_entities.EntityFinder` on each run, with the rules'
verdict among its features (words, shapes, gazetteer evidence, the words around the run, the
cue patterns). Fitted by `evaluation/fitting/fit_pii_spans.py` on generated sentences (see that
module for the data and its terms); the weights are one small JSON file. Inference is a sum of a
few dozen weight vectors per run: runs are a handful per message, no token loop.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import reduce
from operator import add
from pathlib import Path

WEIGHTS = Path(__file__).parent / "weights" / "pii_spans.json"
NONE = "NONE"


@dataclass
class SpanModel:
    """Multinomial logistic regression stored as feature -> per-class weights."""

    classes: tuple[str, ...]
    intercept: tuple[float, ...]
    weights: dict[str, tuple[float, ...]]
    margin: float
    metadata: dict
    _memo: dict[tuple[tuple[str, ...], tuple[str, ...], float], str | None] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def scores(self, features: list[str]) -> list[float]:
        """Per class: the intercept plus the weight rows of the features, added in the
        features' order (a left fold per class, so the sums are those of adding row by row)."""
        get = self.weights.get
        rows = [row for row in map(get, features) if row is not None]
        if not rows:
            return list(self.intercept)
        return [reduce(add, column) for column in zip(self.intercept, *rows, strict=True)]

    def predict(self, features: list[str], exclude: tuple[str, ...] = ()) -> str | None:
        """The best class not in `exclude`, or None when it is NONE or wins NONE by less than
        the margin. Remembered per feature list (runs with the same words and surroundings
        recur across messages; the weights never change after loading, the margin may, and is
        part of the key)."""
        key = (tuple(features), exclude, self.margin)
        memo = self._memo
        if key in memo:
            return memo[key]
        if len(memo) >= 1 << 16:
            memo.clear()
        label = memo[key] = self._predict(features, exclude)
        return label

    def _predict(self, features: list[str], exclude: tuple[str, ...]) -> str | None:
        """`predict`, computed."""
        totals = self.scores(features)
        allowed = [i for i, name in enumerate(self.classes) if name not in exclude]
        best = max(allowed, key=totals.__getitem__)
        label = self.classes[best]
        if label == NONE:
            return None
        if totals[best] - totals[self.classes.index(NONE)] < self.margin:
            return None
        return label

    def save(self, path: Path = WEIGHTS) -> None:
        payload = {
            "metadata": self.metadata,
            "classes": list(self.classes),
            "intercept": [round(v, 3) for v in self.intercept],
            "margin": self.margin,
            "weights": {k: [round(v, 3) for v in row] for k, row in sorted(self.weights.items())},
        }
        path.write_text(json.dumps(payload, ensure_ascii=False, separators=(",", ":")) + "\n")

    @classmethod
    def load(cls, path: Path = WEIGHTS) -> SpanModel | None:
        """The shipped model, or None when the file is absent (the rules then decide alone)."""
        if not path.exists():
            return None
        payload = json.loads(path.read_text("utf-8"))
        return cls(
            classes=tuple(payload["classes"]),
            intercept=tuple(payload["intercept"]),
            weights={k: tuple(v) for k, v in payload["weights"].items()},
            margin=float(payload["margin"]),
            metadata=payload["metadata"],
        )
