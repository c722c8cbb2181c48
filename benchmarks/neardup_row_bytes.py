"""Bytes a conversation costs the near-dup stage's ids and links table (Python strings or bytes).

    python -m benchmarks.neardup_row_bytes --rows 1000000

Deterministic (no timing): ``--rows`` synthetic 64-hex ids (the shape of the warehouse's
content-hash ids) read from Arrow as the dbt model reads them and held as the stage holds them
(:func:`compact_ids`' bytes; with the code before it on ``PYTHONPATH``, which has no
``compact_ids``, as its object array of Python strings), then the links table
:func:`links_from_pairs` builds from them (a pair per 10 rows, half the rows with a nearest).
Python-side bytes by ``tracemalloc`` (numpy's arrays included), Arrow's by its memory pool.
With code that writes the links table as Parquet in row chunks (``links_from_pairs(...,
output=)``), the same links are also written that way first (``--chunk-rows`` rows a chunk;
65,536 is the default below the budget, 9,011 the chunk at a 600 MiB budget and 256 dimensions)
and the peak bytes a row while writing are reported beside the table's. Prints one JSON line.
Record in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import inspect
import json
import tempfile
import tracemalloc
from pathlib import Path


def main() -> None:
    import numpy as np
    import pyarrow as pa

    from python_models.near_duplicates import Neighbours, Thresholds, links_from_pairs

    try:
        from python_models.near_dup_partitions import compact_ids
    except ImportError:  # the code before ids as bytes (run with it on PYTHONPATH): strings
        compact_ids = None

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--chunk-rows", type=int, default=65_536)
    parser.add_argument("--dim", type=int, default=4, help="vector width (256 in the stage)")
    args = parser.parse_args()
    n = args.rows
    column = pa.chunked_array(
        [pa.array(sorted(hashlib.sha256(str(i).encode()).hexdigest() for i in range(n)))]
    )

    def traced(make):
        gc.collect()
        tracemalloc.start()
        held = make()
        current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return held, current, peak

    ids, compact_bytes, compact_peak = traced(
        lambda: compact_ids(column) if compact_ids else np.asarray(column.to_pylist(), dtype=object)
    )
    rng = np.random.default_rng(0)
    left = rng.integers(0, n - 1, n // 10)
    right = np.minimum(left + 1 + rng.integers(0, 50, len(left)), n - 1)
    pairs = Neighbours(
        left,
        right,
        np.ones(len(left), np.float32),
        np.where(rng.random(n) < 0.5, rng.integers(0, n, n), -1),
        np.ones(n, np.float32),
    )
    vectors = np.zeros((n, args.dim), np.float32)
    thresholds = Thresholds(candidate=0.85, whole=0.9, side=0.8)
    warm = Neighbours(np.zeros(1, np.int64), np.ones(1, np.int64), np.ones(1, np.float32),
                      np.zeros(2, np.int64), np.ones(2, np.float32))  # fmt: skip
    links_from_pairs(ids[:2], vectors[:2], warm, thresholds, "m")  # scipy imported, not counted
    written = {}
    if "output" in inspect.signature(links_from_pairs).parameters:
        # a pool of its own (the system allocator's, unused so far): its high-water mark is
        # the write's; the default pool's already holds the ids' construction
        default_pool, pool = pa.default_memory_pool(), pa.system_memory_pool()
        pa.set_memory_pool(pool)
        pool_before, pool_peak_before = pool.bytes_allocated(), pool.max_memory()
        with tempfile.TemporaryDirectory(prefix="wt-15b-row-bytes-") as folder:
            path, _, python_peak = traced(
                lambda: links_from_pairs(
                    ids,
                    vectors,
                    pairs,
                    thresholds,
                    "static-minilm-distill-v1",
                    output=Path(folder),
                    rows=args.chunk_rows,
                )
            )
            written = {
                "chunk_rows": args.chunk_rows,
                "links_written_python_peak_bytes_per_row": round(python_peak / n, 1),
                "links_written_arrow_pool_peak_bytes_per_row": round(
                    (pool.max_memory() - pool_peak_before) / n, 1
                ),
                "links_written_arrow_pool_held_bytes_per_row": round(
                    (pool.bytes_allocated() - pool_before) / n, 1
                ),
                "links_file_bytes_per_row": round(path.stat().st_size / n, 1),
            }
        pa.set_memory_pool(default_pool)
    arrow_before = pa.total_allocated_bytes()
    table, table_python, table_python_peak = traced(
        lambda: links_from_pairs(ids, vectors, pairs, thresholds, "static-minilm-distill-v1")
    )
    print(
        json.dumps(
            {
                "rows": n,
                "code": "ids as bytes" if compact_ids else "ids as Python strings (before)",
                "ids_held_bytes_per_row": round(compact_bytes / n, 1),
                "ids_peak_bytes_per_row": round(compact_peak / n, 1),
                "links_table_bytes_per_row": round(table.nbytes / n, 1),
                "links_table_arrow_pool_bytes_per_row": round(
                    (pa.total_allocated_bytes() - arrow_before) / n, 1
                ),
                "links_table_python_peak_bytes_per_row": round(table_python_peak / n, 1),
                "links_table_python_held_bytes_per_row": round(table_python / n, 1),
                **written,
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
