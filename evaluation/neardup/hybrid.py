"""The production method on the labelled corpus: embedding + MinHash LSH candidates, verified.

Runs the library's own steps (:func:`candidate_pairs`, :func:`pair_features`, :func:`accepted`)
on the corpus, calibrates the verification thresholds on a grid, and reports the chosen ones
with ablations (lexical path only, semantic path only) and the production pipeline's time.

Calibration: ground-truth groups are split in two halves by hash; a threshold set is eligible
when precision is >= ``MIN_PRECISION`` on each half and on the whole corpus; among those the
one with the highest recall wins (ties: higher worst-half precision, then stricter thresholds).
Both paths stay on in the grid: the semantic path is kept for copies that were reworded, which
this corpus barely holds; the ablations below show what each path adds here.
"""

from __future__ import annotations

import itertools
import tempfile
import time
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np

from evaluation.neardup.backends import BackendVectors
from evaluation.neardup.corpus import EvalCorpus
from evaluation.neardup.pairs import Labels, score

MIN_PRECISION = 0.99
GRID = {
    "whole": (0.985, 0.99, 0.995),
    "side": (0.9, 0.93, 0.95, 0.97),
    "lexical": (0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7),
    "lexical_side": (0.1, 0.2, 0.3, 0.4, 0.5),
}


def corpus_features(corpus: EvalCorpus, vectors: BackendVectors, backend: str):
    """Candidates (embedding >= the calibrated candidate threshold, plus LSH) and their evidence."""
    from python_models.embeddings.backends import get_embedder
    from python_models.embeddings.texts import side_texts
    from python_models.lexical_overlap import sign_texts
    from python_models.near_duplicates import (
        DEFAULT_THRESHOLDS,
        NearDupConfig,
        candidate_pairs,
        pair_features,
    )

    embedder = get_embedder(backend)
    base = DEFAULT_THRESHOLDS[embedder.model_id]
    texts = corpus.texts
    sides = [side_texts(d.messages) for d in corpus.docs]
    signatures = sign_texts(texts)
    pairs = candidate_pairs(vectors.whole, signatures, base, NearDupConfig(exact_below=10**9))

    def texts_of(rows: np.ndarray, part: str) -> list[str]:
        if part == "whole":
            return [texts[r] for r in rows]
        which = 0 if part == "user" else 1
        return [sides[r][which] for r in rows]

    features = pair_features(pairs.left, pairs.right, pairs.similarity, texts_of, embedder.encode)
    return base, pairs, features


def _scores(corpus_labels: Labels, clusters: np.ndarray):
    halves = (corpus_labels.calibration_half, ~corpus_labels.calibration_half)
    return score(clusters, corpus_labels), [score(clusters, corpus_labels, h) for h in halves]


def evaluate_hybrid(corpus: EvalCorpus, vectors: BackendVectors, backend: str = "static"):
    """Calibrated thresholds, their precision/recall (whole corpus and each half), ablations."""
    from python_models.near_duplicates import accepted, cluster_labels

    labels = corpus.labels()
    n = len(corpus.docs)
    base, pairs, features = corpus_features(corpus, vectors, backend)
    candidates_key = pairs.left * n + pairs.right
    ceiling = float(np.isin(labels.positives, candidates_key).mean())

    def run(thresholds):
        keep = accepted(features, thresholds)
        return cluster_labels(n, pairs.left[keep], pairs.right[keep])

    grid = []
    for whole, side, lexical, lexical_side in itertools.product(*GRID.values()):
        thresholds = replace(
            base, whole=whole, side=side, lexical=lexical, lexical_side=lexical_side
        )
        overall, halves = _scores(labels, run(thresholds))
        worst = min(overall.precision, *(h.precision for h in halves))
        grid.append((overall.recall, worst, whole, lexical, lexical_side, side, thresholds))
    eligible = [g for g in grid if g[1] >= MIN_PRECISION]
    chosen = max(eligible or grid, key=lambda g: g[:6])[6]

    def report(thresholds) -> dict[str, object]:
        overall, halves = _scores(labels, run(thresholds))
        return {
            "thresholds": asdict(thresholds),
            "all": overall.as_dict(),
            "half_a": halves[0].as_dict(),
            "half_b": halves[1].as_dict(),
        }

    return {
        "model_id": vectors.model_id,
        "candidate_pairs": len(pairs.left),
        "labelled_pairs_among_candidates": round(ceiling, 4),
        "calibrated": report(chosen),
        "lexical_path_only": report(replace(chosen, whole=2.0)),
        "semantic_path_only": report(replace(chosen, lexical=2.0)),
        "production_defaults": report(base),
        "min_precision": MIN_PRECISION,
    }


def time_production_pipeline(corpus: EvalCorpus, backend: str = "static") -> dict[str, object]:
    """Wall and CPU seconds of :func:`link_conversations` on the corpus, embedding cache cold."""
    from python_models.embeddings.cache import EmbeddingCache
    from python_models.embeddings.texts import side_texts
    from python_models.near_duplicates import NearDupConfig, Timings, link_conversations

    ids = [f"{i:08d}" for i in range(len(corpus.docs))]
    texts = corpus.texts
    sides = [side_texts(d.messages) for d in corpus.docs]

    def texts_of_ids(wanted, part):
        rows = [int(w) for w in wanted]
        if part == "whole":
            return [texts[r] for r in rows]
        return [sides[r][0 if part == "user" else 1] for r in rows]

    timings = Timings()
    config = NearDupConfig(backend=backend, progress=False, exact_below=10**9)
    with tempfile.TemporaryDirectory(prefix="pixel-neardup-timing-") as tmp:
        wall, cpu = time.perf_counter(), time.process_time()
        table = link_conversations(
            ids,
            iter([(ids, texts)]),
            texts_of_ids,
            config,
            cache=EmbeddingCache(Path(tmp)),
            timings=timings,
        )
        elapsed, cpu_used = time.perf_counter() - wall, time.process_time() - cpu
    components = len(set(table.column("component").to_pylist()))
    return {
        "conversations": len(ids),
        "wall_seconds": round(elapsed, 2),
        "cpu_seconds": round(cpu_used, 2),
        "conversations_per_second": round(len(ids) / elapsed),
        "removed_as_near_duplicates": len(ids) - components,
        "steps": timings.steps,
    }
