"""Near-dup stage under a memory budget: peak RSS and time against N, partitioned vs in memory.

    python -m benchmarks.neardup_budget --warehouse /tmp/wt-15-bench/wh1m.duckdb \\
        --sizes 100000,300000,all --budgets 768,none

Each run is a fresh child process that does what ``int_conversations_linked`` does: reads the
first N conversation ids (id order) of ``int_conversations_embedding_texts`` from the warehouse,
streams their texts from DuckDB (``memory_limit`` as in profiles.yml, default 2GB) and runs
:func:`link_with_index` into an empty index store, i.e. a full build of the near-dup stage. The
vectors come from an embedding cache warmed once beforehand (not timed), so every run does the
same work: MinHash signing, the search, LSH, verification, components. ``none`` is the in-memory
path (a budget no N here reaches). Runs alternate budgets within a size. Prints one JSON line per
run: seconds, the child's peak RSS, its RSS before the stage (interpreter, DuckDB, model), the
stage's steps and the pairs found (so the paths can be compared). Record in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

NO_BUDGET = 1 << 30  # MiB: the in-memory path at any N measured here
# as dbt_project/models/intermediate/near_duplicates/int_conversations_linked.py
TEXT_READ_ROWS, TEXT_BATCH_ROWS = 2_048, 50_000


def child(warehouse: Path, size: int | None, budget: int, cache_dir: Path, duckdb_limit: str):
    import duckdb
    import numpy as np
    import pyarrow as pa

    from python_models.embeddings.backends import get_embedder
    from python_models.embeddings.cache import EmbeddingCache
    from python_models.near_dup_index import IndexRun, IndexStore, link_with_index
    from python_models.near_dup_partitions import Budget, compact_ids
    from python_models.near_dup_partitions import text_batches as budget_text_batches
    from python_models.near_duplicates import NearDupConfig, Timings

    con = duckdb.connect(str(warehouse), read_only=True)
    con.execute(f"set memory_limit = '{duckdb_limit}'")
    limit = f" limit {int(size)}" if size else ""
    con.execute(
        "create temp table chosen as select conversation_id from int_conversations_embedding_texts"
        f" order by conversation_id{limit}"
    )
    con.execute(
        "create temp view texts as select t.* from int_conversations_embedding_texts t"
        " semi join chosen using (conversation_id)"
    )
    texts = con.sql("select * from texts")
    keys = con.sql("select conversation_id from chosen order by conversation_id").to_arrow_table()
    ids = compact_ids(keys.column("conversation_id"))  # bytes a row, as the dbt model passes
    del keys
    embedder = get_embedder("default")
    config = NearDupConfig(progress=False, memory_budget_mib=budget)

    def text_batches():  # as int_conversations_linked reads them
        reader = texts.project("conversation_id, embedding_text").fetch_arrow_reader(TEXT_READ_ROWS)
        return budget_text_batches(reader, Budget(budget).text_chars(), TEXT_BATCH_ROWS)

    def texts_of_ids(wanted, part):
        wanted_rows = pa.table(  # noqa: F841 (read by DuckDB by its name)
            {"wanted_id": pa.array(wanted, pa.string()), "position": range(len(wanted))}
        )
        column = {"whole": "embedding_text", "user": "user_text", "assistant": "assistant_text"}
        found = con.sql(
            f"select {column[part]} from texts join wanted_rows on conversation_id = wanted_id"
            " order by position"
        ).to_arrow_table()
        return found.column(0).to_pylist()

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    timings, report = Timings(), IndexRun()
    with tempfile.TemporaryDirectory(prefix="wt-15-store-", dir=cache_dir.parent) as store:
        started = time.perf_counter()
        table = link_with_index(
            ids,
            text_batches(),
            texts_of_ids,
            config,
            store=IndexStore(Path(store)),
            cache=EmbeddingCache(cache_dir),
            embedder=embedder,
            timings=timings,
            run=report,
        )
        seconds = time.perf_counter() - started
        disk = sum(f.stat().st_size for f in Path(store).rglob("*") if f.is_file())
    pairs = int(sum(len(x) for x in table.column("neighbour_ids").to_pylist()) // 2)
    components = len(np.unique(table.column("component").to_numpy()))
    print(
        json.dumps(
            {
                "conversations": len(ids),
                "budget_mib": None if budget == NO_BUDGET else budget,
                "seconds": round(seconds, 1),
                "conversations_per_s": round(len(ids) / seconds),
                "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                "rss_before_stage_mib": round(before),
                "pairs": pairs,
                "components": components,
                "state_on_disk_mib": round(disk / 2**20),
                "steps": timings.steps,
            }
        ),
        flush=True,
    )


def warm_cache(warehouse: Path, cache_dir: Path) -> None:
    """Embed every conversation once into the cache (not timed), in chunks."""
    import duckdb

    from python_models.embeddings.backends import get_embedder
    from python_models.embeddings.cache import EmbeddingCache

    cache = EmbeddingCache(cache_dir)
    embedder = get_embedder("default")
    if cache.count(embedder.model_id):
        return
    with duckdb.connect(str(warehouse), read_only=True) as con:
        reader = con.sql(
            "select conversation_id, embedding_text from int_conversations_embedding_texts"
        ).fetch_arrow_reader(200_000)
        for batch in reader:
            ids = batch.column(0).to_pylist()
            cache._write(  # one part per batch, no re-read of the keys (all are new)
                embedder.model_id,
                _vectors_table(ids, embedder.encode(batch.column(1).to_pylist(), batch_size=8192)),
            )


def _vectors_table(ids, vectors):
    import pyarrow as pa

    return pa.table(
        {
            "content_hash": pa.array(ids, pa.string()),
            "embedding": pa.FixedSizeListArray.from_arrays(
                pa.array(vectors.reshape(-1)), vectors.shape[1]
            ),
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, required=True)
    parser.add_argument("--sizes", default="100000,300000,all")
    parser.add_argument("--budgets", default="768,none", help="MiB, or none (in memory)")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/wt-15-bench/embeddings"))
    parser.add_argument("--duckdb-memory-limit", default="2GB")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--size", default="all", help=argparse.SUPPRESS)
    parser.add_argument("--budget", type=int, default=NO_BUDGET, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        size = None if args.size == "all" else int(args.size)
        child(args.warehouse, size, args.budget, args.cache, args.duckdb_memory_limit)
        return
    started = time.perf_counter()
    warm_cache(args.warehouse, args.cache)
    print(json.dumps({"cache_warm_s": round(time.perf_counter() - started, 1)}), flush=True)
    print(json.dumps({"load": os.getloadavg()}), flush=True)
    budgets = [NO_BUDGET if b == "none" else int(b) for b in args.budgets.split(",")]
    for number, size in enumerate(args.sizes.split(",")):
        order = budgets if number % 2 == 0 else budgets[::-1]  # alternate which runs first
        for budget in order:
            command = [
                sys.executable, "-m", "benchmarks.neardup_budget", "--child",
                "--warehouse", str(args.warehouse), "--size", size, "--budget", str(budget),
                "--cache", str(args.cache), "--duckdb-memory-limit", args.duckdb_memory_limit,
            ]  # fmt: skip
            subprocess.run(command, check=True)
            print(json.dumps({"load": os.getloadavg()}), flush=True)


if __name__ == "__main__":
    main()
