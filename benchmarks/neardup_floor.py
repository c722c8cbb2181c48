"""What the near-dup stage holds before its budget-sized steps start: RSS step by step.

    python -m benchmarks.neardup_floor --warehouse /tmp/wt-15-e2e/w100k/warehouse.duckdb \\
        --cache /tmp/wt-15b-mem/embeddings --size 80000 --budget 600

One process does, in order, what the near-dup stage's child of ``benchmarks.neardup_budget``
does before its search, and prints after each step the process's resident memory (VmRSS and
its high-water mark VmHWM, from /proc/self/status), the bytes Python objects hold
(``tracemalloc``, started after the imports, so it counts what the steps allocate through
Python's allocator and numpy) and Arrow's memory pool: the imports, the static model, DuckDB's
connection and the chosen ids, the embedding-cache pass (:meth:`EmbeddingCache.scan` in the
budget's rows), ``malloc_trim`` (what glibc gives back), then the stage's first budget-sized
step, every text read from DuckDB in the budget's batches and MinHash-signed in its slices
(DuckDB's own buffers from ``duckdb_memory()``). The difference between RSS and
what Python and Arrow account for is the libraries' native memory (DuckDB's buffer pool,
usearch, the allocators' kept pages). ``FIXED_OVERHEAD_MIB`` in near_dup_partitions.py is set
from this. Linux only (/proc).
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import json
import tracemalloc
from pathlib import Path

MIB = 2**20


def _status(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, required=True)
    parser.add_argument("--cache", type=Path, required=True, help="a warmed embedding cache")
    parser.add_argument("--size", type=int, default=80_000)
    parser.add_argument("--budget", type=int, default=600)
    parser.add_argument("--duckdb-memory-limit", default="2GB")
    args = parser.parse_args()
    steps = []

    def step(name: str, pool=None) -> None:
        current, peak = tracemalloc.get_traced_memory() if tracemalloc.is_tracing() else (0, 0)
        steps.append(
            {
                "step": name,
                "rss_mib": round(_status("VmRSS")),
                "hwm_mib": round(_status("VmHWM")),
                "python_mib": round(current / MIB, 1),
                "python_peak_mib": round(peak / MIB, 1),
                "arrow_pool_mib": None if pool is None else round(pool.bytes_allocated() / MIB, 1),
            }
        )

    step("interpreter")
    import duckdb
    import numpy as np
    import pyarrow as pa
    import usearch.index  # noqa: F401 (imported by the search)

    step("numpy, pyarrow, duckdb, usearch imported", pa.default_memory_pool())
    from python_models.embeddings.backends import get_embedder
    from python_models.embeddings.cache import EmbeddingCache
    from python_models.near_dup_index import link_with_index  # noqa: F401 (the stage's imports)
    from python_models.near_dup_partitions import Budget, compact_ids

    pool = pa.default_memory_pool()
    step("the stage's modules imported", pool)
    tracemalloc.start()
    embedder = get_embedder("default")
    embedder.encode(["warm up the model"], batch_size=8)
    step("static model loaded", pool)
    con = duckdb.connect(str(args.warehouse), read_only=True)
    con.execute(f"set memory_limit = '{args.duckdb_memory_limit}'")
    con.execute(
        "create temp table chosen as select conversation_id from int_conversations_embedding_texts"
        f" order by conversation_id limit {int(args.size)}"
    )
    keys = con.sql("select conversation_id from chosen order by conversation_id").to_arrow_table()
    ids = compact_ids(keys.column("conversation_id"))
    del keys
    step(f"DuckDB connected, {len(ids)} ids chosen and held as bytes", pool)
    budget = Budget(args.budget)
    rows = min(65_536, budget.chunk_rows(4 * embedder.dim))
    hits = 0
    for hashes, _vectors in EmbeddingCache(args.cache).scan(embedder.model_id, embedder.dim, rows):
        wanted = compact_ids(hashes)
        at = np.minimum(np.searchsorted(ids, wanted), len(ids) - 1)
        hits += int((ids[at] == wanted).sum())
    step(f"embedding-cache pass ({rows} rows a batch, {hits} hits)", pool)
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    step("after malloc_trim", pool)
    # the stage's first budget-sized step: every text read from DuckDB and MinHash-signed
    from python_models.lexical_overlap import sign_texts
    from python_models.near_dup_partitions import text_batches, text_slices

    con.execute(
        "create temp view texts as select t.* from int_conversations_embedding_texts t"
        " semi join chosen using (conversation_id)"
    )
    reader = con.sql("select conversation_id, embedding_text from texts").fetch_arrow_reader(2_048)
    signed = 0
    for _batch_ids, texts in text_batches(reader, budget.text_chars(), 50_000):
        for part in text_slices(texts, budget.sign_chars()):
            signed += len(sign_texts(texts[part]))
    step(f"{signed} texts read from DuckDB and signed", pool)
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    step("after malloc_trim", pool)
    memory = con.sql("select sum(memory_usage_bytes) from duckdb_memory()").fetchone()
    steps[-1]["duckdb_buffers_mib"] = round((memory[0] or 0) / MIB, 1)
    print(
        json.dumps(
            {
                "budget_mib": args.budget,
                "working_mib": round(budget.working_bytes / MIB, 1),
                "arrow_backend": pool.backend_name,
                "steps": steps,
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
