"""Empathy on the EPITOME mechanisms (Sharma et al., EMNLP 2020), per assistant turn.

For an assistant turn and the user turn before it, each mechanism (emotional reactions,
interpretations, explorations) gets a level 0 (none), 1 (weak) or 2 (strong) from its own linear
model over TF-IDF word n-grams of the reply (weights fitted with a character 2-5-gram block
also load: one TF-IDF pass shared by the three; the shipped ones have none); a model fitted
with the embedding block also reads
sentence embeddings of the reply and of the reply-times-seeker product (the shipped weights do
not since issue 13 session 4: grouped cross-validation preferred them without).

Two conversation values in [0, 1], each the mean over the assistant turns that answer a user
turn (None when there are none):

- `present` (the warehouse's `empathy_score`, the stage-gate metric): per reply, the probability
  that it expresses at least one mechanism, 1 - prod_m p(level_m = 0). A therapist's answer that
  reflects feelings or asks a question scores high even when no mechanism is "strong".
- `intensity` (`empathy_intensity`): per reply, the expected level of each mechanism
  (sum of p(level) * level) divided by 2, averaged over the three mechanisms. A reply strong on
  all three scores 1; professional answers rarely exceed 0.5, so it ranks, it does not gate.

The shipped weights were fitted on the EPITOME Reddit data (non-commercial research terms, see
docs/evaluation.md); `fit_empathy.py` refits them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from python_models.scoring.linear import LinearTextModel

MECHANISMS = ("emotional_reactions", "interpretations", "explorations")
WEIGHTS_DIR = Path(__file__).parent / "weights"


def weights_path(mechanism: str, directory: Path = WEIGHTS_DIR) -> Path:
    return directory / f"empathy_{mechanism}.npz"


def pair_features(seeker: np.ndarray, response: np.ndarray) -> np.ndarray:
    """The dense block the empathy models see: [reply, reply * seeker] (both unit vectors)."""
    scale = np.float32(np.sqrt(response.shape[1]))
    response = np.asarray(response, dtype=np.float32)
    return np.concatenate([response, response * seeker * scale], axis=1, dtype=np.float32)


def gathered_pair_features(
    seekers: np.ndarray, seeker_rows: np.ndarray, responses: np.ndarray, response_rows: np.ndarray
) -> np.ndarray:
    """`pair_features(seekers[seeker_rows], responses[response_rows])`, bit for bit, written
    into the result without the product temporaries (a batch's utterance block is tens of
    megabytes). Float32 products commute exactly, and the seeker times response
    product is scaled after it, as there."""
    if seekers.dtype != np.float32 or responses.dtype != np.float32:
        return pair_features(seekers[seeker_rows], responses[response_rows])
    dim = responses.shape[1]
    out = np.empty((len(response_rows), 2 * dim), dtype=np.float32)
    left, right = out[:, :dim], out[:, dim:]
    left[...] = responses[response_rows]
    np.multiply(seekers[seeker_rows], left, out=right)
    np.multiply(right, np.float32(np.sqrt(dim)), out=right)
    return out


@dataclass(frozen=True)
class EmpathyResult:
    levels: dict[str, int]  # mechanism -> 0/1/2 (most likely level)
    expected: dict[str, float]  # mechanism -> expected level / 2, in [0, 1]
    score: float  # intensity: mean of `expected` over the mechanisms, in [0, 1]
    present: float = 0.0  # p(at least one mechanism at level >= 1) = 1 - prod_m p(level_m = 0)


class EmpathyScorer:
    def __init__(self, models: dict[str, LinearTextModel] | None = None) -> None:
        self.models = models if models is not None else load_empathy_models()

    @property
    def embedding_model(self) -> str | None:
        """The embedder the weights read; None when no mechanism reads embeddings."""
        fitted = {m.metadata.get("embedding_model") for m in self.models.values()}
        return next((name for name in sorted(fitted, key=str) if name), None)

    def score(
        self,
        seekers: Sequence[str],
        responses: Sequence[str],
        seeker_embeddings: np.ndarray,
        response_embeddings: np.ndarray,
    ) -> list[EmpathyResult]:
        if not responses:
            return []
        dense = None  # the [reply, reply * seeker] block, only when a model reads it
        if any(model.embedding_dim for model in self.models.values()):
            dense = pair_features(seeker_embeddings, response_embeddings)
        levels: dict[str, np.ndarray] = {}
        expected: dict[str, np.ndarray] = {}
        none_at_all = np.ones(len(responses), dtype=np.float64)  # prod_m p(level_m = 0)
        first = next(iter(self.models.values()))
        shared = None
        if all(first.same_features_as(model) for model in self.models.values()):
            shared = first.sparse_features(responses)  # one TF-IDF pass for all three
        for mechanism, model in self.models.items():
            probabilities = model.predict_proba(responses, dense, shared)
            values = model.classes.astype(np.float32)
            levels[mechanism] = model.classes[probabilities.argmax(axis=1)]
            expected[mechanism] = probabilities @ values / 2.0
            none_at_all *= probabilities[:, model.classes == 0].sum(axis=1)
        # Python floats and ints of whole columns at once (`tolist` gives what `float` and
        # `int` of each element give), then one result per row
        names = list(self.models)
        level_rows = list(zip(*(levels[m].tolist() for m in names), strict=True))
        expected_rows = list(zip(*(expected[m].tolist() for m in names), strict=True))
        present = (1.0 - none_at_all).tolist()
        results = []
        for row_levels, row_values, row_present in zip(
            level_rows, expected_rows, present, strict=True
        ):
            row_expected = {m: round(v, 4) for m, v in zip(names, row_values, strict=True)}
            results.append(
                EmpathyResult(
                    levels=dict(zip(names, row_levels, strict=True)),
                    expected=row_expected,
                    score=round(sum(row_expected.values()) / len(row_expected), 4),
                    present=round(row_present, 4),
                )
            )
        return results


def conversation_empathy(results: Sequence[EmpathyResult]) -> float | None:
    """Mean reply `present` (p of any mechanism) over the assistant turns; None when none."""
    if not results:
        return None
    return round(sum(r.present for r in results) / len(results), 4)


def conversation_intensity(results: Sequence[EmpathyResult]) -> float | None:
    """Mean reply intensity (expected level / 2) over the assistant turns; None when none."""
    if not results:
        return None
    return round(sum(r.score for r in results) / len(results), 4)


@cache
def load_empathy_models(directory: Path = WEIGHTS_DIR) -> dict[str, LinearTextModel]:
    models = {}
    for mechanism in MECHANISMS:
        path = weights_path(mechanism, directory)
        if not path.exists():
            raise FileNotFoundError(
                f"empathy weights missing at {path}: run pixel-data eval fit empathy"
            )
        models[mechanism] = LinearTextModel.load(path)
    return models
