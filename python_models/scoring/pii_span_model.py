"""A linear classifier over capitalised runs: PERSON, ORGANIZATION, LOCATION, ADDRESS or none.

It revises the hand-written verdict of `pii_entities.EntityFinder` on each run, with the rules'
verdict among its features (words, shapes, gazetteer evidence, the words around the run, the
cue patterns). Fitted by `evaluation/fitting/fit_pii_spans.py` on generated sentences (see that
module for the data and its terms); the weights are one small JSON file. Inference is a sum of a
few dozen weight vectors per run: runs are a handful per message, no token loop.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
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

    def scores(self, features: list[str]) -> list[float]:
        totals = list(self.intercept)
        get = self.weights.get
        for feature in features:
            row = get(feature)
            if row is not None:
                totals = [a + b for a, b in zip(totals, row, strict=True)]
        return totals

    def predict(self, features: list[str], exclude: tuple[str, ...] = ()) -> str | None:
        """The best class not in `exclude`, or None when it is NONE or wins NONE by less than
        the margin."""
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
