"""Near-duplicate throughput: embed + index + cluster on a built warehouse's conversations.

    python -m benchmarks.neardup --warehouse /tmp/bench1m/warehouse.duckdb --sizes 100000,all

Reads the texts the warehouse embeds (``int_conversations_embedding_texts``), then runs the
library path cold (no embedding cache): embed and MinHash-sign, usearch index build, search +
exact re-score, MinHash LSH candidates, verification, connected components. Prints seconds per
step, conversations/s and peak RSS per size, so the growth with N can be read off. Record the
figures in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import time
from pathlib import Path

import duckdb
import numpy as np

from python_models.embeddings.backends import get_embedder
from python_models.lexical_overlap import sign_texts
from python_models.near_duplicates import NearDupConfig, Timings, link_table


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load(warehouse: Path, limit: int | None):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        sql = (
            "select conversation_id, embedding_text, user_text, assistant_text"
            " from int_conversations_embedding_texts order by conversation_id"
        )
        if limit:
            sql += f" limit {int(limit)}"
        return con.execute(sql).fetch_arrow_table()


def run(table, backend: str, lexical: bool = True) -> dict[str, object]:
    embedder = get_embedder(backend)
    config = NearDupConfig(backend=backend, progress=False, lexical=lexical)
    n = table.num_rows
    texts = table.column("embedding_text").to_pylist()
    timings = Timings()
    wall, cpu = time.perf_counter(), time.process_time()
    started = time.perf_counter()
    vectors = embedder.encode(texts, batch_size=config.batch_size)
    timings.record("embed", started)
    signatures = None
    if config.lexical:
        started = time.perf_counter()
        signatures = sign_texts(texts)
        timings.record("sign", started)
    ids = np.asarray(table.column("conversation_id").to_pylist(), dtype=object)
    columns = {
        "whole": table.column("embedding_text"),
        "user": table.column("user_text"),
        "assistant": table.column("assistant_text"),
    }
    del texts

    def texts_of(index: np.ndarray, part: str):
        return columns[part].take(index).to_pylist()

    def encode(texts):
        return embedder.encode(list(texts), batch_size=config.batch_size)

    started = time.perf_counter()
    result, _ = link_table(
        ids,
        vectors,
        config.thresholds_for(embedder.model_id),
        embedder.model_id,
        config,
        signatures=signatures,
        texts_of=texts_of,
        encode=encode,
        timings=timings,
    )
    timings.record("pairs_sides_clusters_total", started)
    total = time.perf_counter() - wall
    # one conversation of each component is kept (which one is SQL's rule, not timed here)
    removed = n - len(np.unique(result.column("component").to_numpy()))
    return {
        "conversations": n,
        "backend": embedder.model_id,
        "lexical": lexical,
        "total_seconds": round(total, 1),
        "cpu_seconds": round(time.process_time() - cpu, 1),
        "conversations_per_second": round(n / total),
        "embed_per_second": round(n / timings.steps["embed"]),
        "removed_as_near_duplicates": removed,
        "steps": timings.steps,
        "peak_rss_mib": round(peak_rss_mib()),
        "vectors_mib": round(vectors.nbytes / 2**20),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, required=True)
    parser.add_argument("--backend", default="static")
    parser.add_argument("--sizes", default="all", help="Comma-separated row counts, or all.")
    parser.add_argument(
        "--no-lexical", action="store_true", help="Embedding candidates only (the old method)."
    )
    args = parser.parse_args()
    for size in args.sizes.split(","):
        limit = None if size == "all" else int(size)
        table = load(args.warehouse, limit)
        print(json.dumps(run(table, args.backend, lexical=not args.no_lexical)), flush=True)
        del table
        gc.collect()


if __name__ == "__main__":
    main()
