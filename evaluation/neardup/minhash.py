"""The peer method: datatrove's MinHash dedup, run in one process on the same corpus."""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass
class MinHashRun:
    labels: np.ndarray
    wall_seconds: float
    cpu_seconds: float
    config: dict[str, object]


def datatrove_available() -> bool:
    try:
        import datatrove  # noqa: F401
        import spacy  # noqa: F401
    except ImportError:
        return False
    return True


def minhash_clusters(
    texts: Sequence[str], *, n_grams: int = 5, num_buckets: int = 14, hashes_per_bucket: int = 8
) -> MinHashRun:
    """datatrove's MinHash dedup (signatures, LSH buckets, union-find clusters), in one process.

    Defaults are datatrove's own (5-gram word shingles, 14 buckets x 8 hashes: pairs above about
    0.75 Jaccard are found). Clusters are read from its ``.clusters`` output.
    """
    from datatrove.data import Document
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.dedup.minhash import (
        MinhashConfig,
        MinhashDedupBuckets,
        MinhashDedupCluster,
        MinhashDedupSignature,
    )

    config = MinhashConfig(
        n_grams=n_grams, num_buckets=num_buckets, hashes_per_bucket=hashes_per_bucket
    )
    docs = [Document(text=t, id=str(i)) for i, t in enumerate(texts)]
    wall, cpu = time.perf_counter(), time.process_time()
    with tempfile.TemporaryDirectory(prefix="pixel-minhash-") as tmp:
        base = Path(tmp)
        quiet = {"workers": 1, "skip_completed": False}
        steps = [
            ([docs, MinhashDedupSignature(output_folder=str(base / "sigs"), config=config)], 1),
            (
                [
                    MinhashDedupBuckets(
                        input_folder=str(base / "sigs"),
                        output_folder=str(base / "buckets"),
                        config=config,
                    )
                ],
                config.num_buckets,
            ),
            (
                [
                    MinhashDedupCluster(
                        input_folder=str(base / "buckets"),
                        output_folder=str(base / "clusters"),
                        config=config,
                        save_cluster_id=True,
                    )
                ],
                1,
            ),
        ]
        _quiet_logging()
        for i, (pipeline, tasks) in enumerate(steps):
            LocalPipelineExecutor(
                pipeline=pipeline, tasks=tasks, logging_dir=str(base / f"logs{i}"), **quiet
            ).run()
        labels = np.arange(len(texts), dtype=np.int64)
        clusters = base / "clusters" / "000000.clusters"
        if clusters.exists():
            pairs = np.fromfile(clusters, dtype="<u4").reshape(-1, 2).astype(np.int64)
            labels[pairs[:, 0]] = len(texts) + pairs[:, 1]
    return MinHashRun(
        labels,
        time.perf_counter() - wall,
        time.process_time() - cpu,
        {"n_grams": n_grams, "num_buckets": num_buckets, "hashes_per_bucket": hashes_per_bucket},
    )


def _quiet_logging() -> None:
    try:
        from loguru import logger

        logger.remove()
        logger.add(sys.stderr, level="WARNING")
    except ImportError:
        pass
