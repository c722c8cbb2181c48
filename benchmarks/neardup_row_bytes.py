"""Bytes a conversation costs the near-dup stage's ids and links table (Python strings or bytes).

    python -m benchmarks.neardup_row_bytes --rows 1000000

Deterministic (no timing): ``--rows`` synthetic 64-hex ids (the shape of the warehouse's
content-hash ids) read from Arrow as the dbt model reads them and held as the stage holds them
(:func:`compact_ids`' bytes; with the code before it on ``PYTHONPATH``, which has no
``compact_ids``, as its object array of Python strings), then the links table
:func:`links_from_pairs` builds from them (a pair per 10 rows, half the rows with a nearest).
Python-side bytes by ``tracemalloc`` (numpy's arrays included), Arrow's by its memory pool.
Prints one JSON line. Record in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import tracemalloc


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
    n = parser.parse_args().rows
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
    vectors = np.zeros((n, 4), np.float32)
    thresholds = Thresholds(candidate=0.85, whole=0.9, side=0.8)
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
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
