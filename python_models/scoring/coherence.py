"""Coherence of a conversation in [0, 1]: turn structure and reply relevance.

structure = mean of four checks: roles alternate (share of adjacent user/assistant pairs that
switch role), turns are non-empty (share), the dialogue opens with the user (after any system
prompt), and it ends with an assistant reply (the user is answered).

relevance = mean over assistant turns that answer a user turn of the cosine similarity of the
two turns' embeddings, rescaled so that the median cosine of unrelated (shuffled) pairs maps to
0 and the median of real question/answer pairs maps to 1 (clipped). The two medians are fitted
on Counsel Chat (MIT) by `fit_coherence.py` and shipped in `weights/coherence.json`.

coherence = (structure + relevance) / 2, or structure alone when there is nothing to compare.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

WEIGHTS = Path(__file__).parent / "weights" / "coherence.json"
DIALOGUE_ROLES = ("user", "assistant")


@dataclass(frozen=True)
class CoherenceCalibration:
    unrelated_cosine: float  # median cosine of shuffled (question, answer) pairs
    related_cosine: float  # median cosine of real pairs
    embedding_model: str

    def scale(self, cosine: np.ndarray) -> np.ndarray:
        span = max(self.related_cosine - self.unrelated_cosine, 1e-6)
        return np.clip((cosine - self.unrelated_cosine) / span, 0.0, 1.0)


@cache
def load_calibration(path: Path = WEIGHTS) -> CoherenceCalibration:
    data = json.loads(path.read_text("utf-8"))
    return CoherenceCalibration(
        float(data["unrelated_cosine"]), float(data["related_cosine"]), data["embedding_model"]
    )


@dataclass(frozen=True)
class CoherenceResult:
    structure: float
    relevance: float | None
    score: float


def structure_score(messages: Sequence[Mapping[str, str]]) -> float:
    dialogue = [m for m in messages if m.get("role") in DIALOGUE_ROLES]
    if not dialogue:
        return 0.0
    pairs = list(itertools.pairwise(dialogue))
    alternation = sum(1 for a, b in pairs if a["role"] != b["role"]) / len(pairs) if pairs else 0.0
    non_empty = sum(1 for m in dialogue if (m.get("content") or "").strip()) / len(dialogue)
    opens_with_user = 1.0 if dialogue[0]["role"] == "user" else 0.0
    answered = 1.0 if dialogue[-1]["role"] == "assistant" else 0.0
    return (alternation + non_empty + opens_with_user + answered) / 4.0


def answer_pairs(messages: Sequence[Mapping[str, str]]) -> list[tuple[int, int]]:
    """(user index, assistant index) for every assistant turn right after a user turn."""
    return [
        (i - 1, i)
        for i in range(1, len(messages))
        if messages[i].get("role") == "assistant" and messages[i - 1].get("role") == "user"
    ]


def coherence(
    messages: Sequence[Mapping[str, str]],
    turn_embeddings: np.ndarray | None,
    calibration: CoherenceCalibration | None,
) -> CoherenceResult:
    """`turn_embeddings[i]` is message i's unit vector (rows of other roles are ignored)."""
    structure = round(structure_score(messages), 4)
    pairs = answer_pairs(messages)
    if turn_embeddings is None or calibration is None or not pairs:
        return CoherenceResult(structure, None, structure)
    users = turn_embeddings[[u for u, _ in pairs]]
    replies = turn_embeddings[[a for _, a in pairs]]
    cosines = np.einsum("ij,ij->i", users, replies)
    relevance = round(float(calibration.scale(cosines).mean()), 4)
    return CoherenceResult(structure, relevance, round((structure + relevance) / 2.0, 4))
