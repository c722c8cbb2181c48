"""The semantic peer: SemHash (model2vec + usearch) with the project's own static model.

Same vectors as the production method, so only the method differs: SemHash links two records
when their cosine similarity is above one threshold; there is no lexical evidence and no side
check. Its threshold is calibrated with the same rule as ours (precision >= ``MIN_PRECISION`` on
each half and the whole corpus, highest recall), and its default (0.9) is reported too.
"""

from __future__ import annotations

import time

import numpy as np

from evaluation.neardup.corpus import EvalCorpus
from evaluation.neardup.hybrid import MIN_PRECISION, _scores

THRESHOLDS = (0.9, 0.95, 0.97, 0.98, 0.985, 0.99, 0.995)


def semhash_available() -> bool:
    try:
        import semhash  # noqa: F401
    except ImportError:
        return False
    return True


class _Encoder:
    """The project's static embedder behind SemHash's encoder interface."""

    def __init__(self, backend: str) -> None:
        from python_models.embeddings.backends import get_embedder

        self.embedder = get_embedder(backend)

    def encode(self, sentences, **_: object) -> np.ndarray:
        return self.embedder.encode(list(sentences))


def semhash_clusters(texts: list[str], threshold: float, encoder: _Encoder):
    """Cluster labels from SemHash's self-deduplication, and its wall/CPU seconds."""
    from semhash import SemHash

    from python_models.near_duplicates import cluster_labels

    records = [{"id": str(i), "text": t} for i, t in enumerate(texts)]
    wall, cpu = time.perf_counter(), time.process_time()
    result = SemHash.from_records(records, columns=["text"], model=encoder).self_deduplicate(
        threshold=threshold
    )
    elapsed, cpu_used = time.perf_counter() - wall, time.process_time() - cpu
    left = [int(d.record["id"]) for d in result.filtered]
    right = [int(d.duplicate_of["id"]) for d in result.filtered]
    labels = cluster_labels(len(texts), np.array(left, np.int64), np.array(right, np.int64))
    return labels, elapsed, cpu_used


def evaluate_semhash(corpus: EvalCorpus, backend: str = "static") -> dict[str, object]:
    """SemHash at its default threshold and at its best eligible one, with timing."""
    encoder = _Encoder(backend)
    labels = corpus.labels()
    runs = {}
    for threshold in THRESHOLDS:
        clusters, wall, cpu = semhash_clusters(corpus.texts, threshold, encoder)
        overall, halves = _scores(labels, clusters)
        runs[threshold] = {
            "threshold": threshold,
            "all": overall.as_dict(),
            "half_a": halves[0].as_dict(),
            "half_b": halves[1].as_dict(),
            "worst_precision": min(overall.precision, *(h.precision for h in halves)),
            "wall_seconds": round(wall, 2),
            "cpu_seconds": round(cpu, 2),
            "conversations_per_second": round(len(corpus.texts) / wall),
        }
    eligible = [r for r in runs.values() if r["worst_precision"] >= MIN_PRECISION]
    best = max(eligible, key=lambda r: r["all"]["recall"]) if eligible else None
    return {"model_id": encoder.embedder.model_id, "default": runs[0.9], "calibrated": best}
