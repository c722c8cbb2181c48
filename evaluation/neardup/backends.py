"""The embedding backends under test: vectors, candidate pairs, threshold calibration, timing."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from evaluation.neardup.corpus import EvalCorpus
from evaluation.neardup.pairs import false_positive_overlap, pair_key, score


def candidate_pairs(vectors: np.ndarray, floor: float) -> tuple[np.ndarray, np.ndarray]:
    """All pairs with similarity >= floor: (pair keys, similarities), for the PR curve."""
    from python_models.near_duplicates import _exact_pairs

    pairs = _exact_pairs(vectors, floor)
    return pair_key(pairs.left, pairs.right, len(vectors)), pairs.similarity


# whole-conversation thresholds tried per backend (static vectors sit much closer together)
WHOLE_GRIDS = {
    "static-minilm-distill-v1": tuple(round(0.95 + 0.0025 * i, 4) for i in range(19)),
    "all-MiniLM-L6-v2": tuple(round(0.85 + 0.005 * i, 4) for i in range(28)),
}
SIDE_GRID = (0.0, 0.8, 0.85, 0.88, 0.9, 0.92, 0.94, 0.96)


@dataclass
class BackendVectors:
    model_id: str
    whole: np.ndarray
    user: np.ndarray
    assistant: np.ndarray
    fresh_texts: int
    embed_seconds: float


def embed_eval_corpus(corpus: EvalCorpus, backend: str, cache_dir: Path | None) -> BackendVectors:
    """Whole-conversation and side vectors through the cache (keyed by text hash)."""
    from python_models.embeddings.backends import get_embedder
    from python_models.embeddings.cache import EmbeddingCache, embed_with_cache
    from python_models.embeddings.texts import side_texts, text_hash

    embedder = get_embedder(backend)
    cache = EmbeddingCache(cache_dir) if cache_dir else EmbeddingCache()
    sides = [side_texts(d.messages) for d in corpus.docs]
    groups = {
        "whole": corpus.texts,
        "user": [u for u, _ in sides],
        "assistant": [a for _, a in sides],
    }
    out: dict[str, np.ndarray] = {}
    before = cache.count(embedder.model_id)
    started = time.perf_counter()
    for name, texts in groups.items():
        out[name] = embed_with_cache(
            embedder, [text_hash(t) for t in texts], texts, cache=cache, progress=True
        )
    return BackendVectors(
        embedder.model_id,
        out["whole"],
        out["user"],
        out["assistant"],
        cache.count(embedder.model_id) - before,
        time.perf_counter() - started,
    )


def clusters_at(
    vectors: BackendVectors, whole: float, side: float, keys: np.ndarray, sims: np.ndarray
) -> np.ndarray:
    """Cluster labels with the production rule, from precomputed candidate pairs."""
    from python_models.near_duplicates import cluster_labels

    n = len(vectors.whole)
    keep = sims >= whole
    left, right = keys[keep] // n, keys[keep] % n
    side_sim = np.minimum(
        np.einsum("ij,ij->i", vectors.user[left], vectors.user[right]),
        np.einsum("ij,ij->i", vectors.assistant[left], vectors.assistant[right]),
    )
    ok = side_sim >= side
    return cluster_labels(n, left[ok], right[ok])


def evaluate_backend(
    corpus: EvalCorpus, vectors: BackendVectors, min_precision: float = 0.95
) -> dict[str, object]:
    """Calibrate (whole, side) thresholds: the highest recall whose precision holds on both halves.

    The ground-truth groups are split in two halves by hash; a threshold pair is eligible only
    when precision is >= ``min_precision`` on each half separately and on the whole corpus (a
    two-fold check against fitting the noise of a few hundred pairs). Reported: all three.
    """
    labels = corpus.labels()
    halves = (labels.calibration_half, ~labels.calibration_half)
    whole_grid = WHOLE_GRIDS[vectors.model_id]
    keys, sims = candidate_pairs(vectors.whole, min(whole_grid))
    grid = []
    for side in SIDE_GRID:
        for whole in whole_grid:
            predicted = clusters_at(vectors, whole, side, keys, sims)
            per_half = [score(predicted, labels, half) for half in halves]
            overall = score(predicted, labels)
            lowest = min(overall.precision, *(h.precision for h in per_half))
            grid.append((whole, side, lowest, overall.recall))
    eligible = [g for g in grid if g[2] >= min_precision]
    whole, side, _, _ = max(eligible, key=lambda g: (g[3], g[2], -g[0])) if eligible else grid[-1]

    def at(w: float, s: float) -> dict[str, object]:
        predicted = clusters_at(vectors, w, s, keys, sims)
        return {
            "whole_threshold": w,
            "side_threshold": s,
            "all": score(predicted, labels).as_dict(),
            "half_a": score(predicted, labels, halves[0]).as_dict(),
            "half_b": score(predicted, labels, halves[1]).as_dict(),
            "false_positive_word_overlap": false_positive_overlap(predicted, labels, corpus.texts),
        }

    curve = []
    for w in whole_grid:
        for s in sorted({0.0, side}):
            overall = score(clusters_at(vectors, w, s, keys, sims), labels)
            curve.append(
                {
                    "whole_threshold": w,
                    "side_threshold": s,
                    "precision": round(overall.precision, 4),
                    "recall": round(overall.recall, 4),
                }
            )
    return {
        "model_id": vectors.model_id,
        "calibrated": at(whole, side),
        "whole_only_at_same_threshold": at(whole, 0.0),
        "precision_recall_curve": curve,
        "fresh_texts_embedded": vectors.fresh_texts,
        "embed_seconds_this_run": round(vectors.embed_seconds, 1),
    }
