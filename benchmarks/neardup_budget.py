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

The stage's output then goes into a DuckDB table as the dbt model hands it on, in a scratch
database attached beside the store: with code that writes the links table as Parquet (a
``link_with_index`` with ``output``) into a run folder and a relation over it, else (the code
before, on ``PYTHONPATH``) the Arrow table, registered and copied as dbt-duckdb's ``materialize``
does. ``peak_rss_stage_mib`` is the peak when the stage returned, ``peak_rss_mib`` the peak after
the table was created; the pairs and components are counted from that table in SQL. ``--dump
PATH`` (with ``--child``) writes the table, sorted by conversation id, to a Parquet file, to
compare two trees' outputs (``except all`` both ways). CPU seconds (``time.process_time``, every
thread) beside wall seconds: wall time moves with the machine's load, peak RSS does not.
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


def child(
    warehouse: Path,
    size: int | None,
    budget: int,
    cache_dir: Path,
    duckdb_limit: str,
    dump: Path | None = None,
):
    import inspect

    import duckdb
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
    to_parquet = "output" in inspect.signature(link_with_index).parameters
    with tempfile.TemporaryDirectory(prefix="wt-15-store-", dir=cache_dir.parent) as store:
        extra = {}
        if to_parquet:  # as int_conversations_linked: a run folder under the result cache
            from python_models.near_dup_output import new_run

            folder = new_run(Path(store) / "near_dup_links")
            extra["output"] = folder
        started, cpu = time.perf_counter(), time.process_time()
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
            **extra,
        )
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
        peak_stage = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        disk = sum(f.stat().st_size for f in Path(store).rglob("*") if f.is_file())
        # the table dbt would create, in a scratch database (the warehouse is opened read-only)
        started, cpu = time.perf_counter(), time.process_time()
        con.execute(f"attach '{Path(store) / 'out.duckdb'}' as out (read_only false)")
        if to_parquet:
            from python_models.near_dup_output import relation_over

            relation = relation_over(con, table, folder)
            con.register("model_df", relation)
            con.execute("create table out.linked as select * from model_df")
            con.unregister("model_df")
            del relation
            left_behind = folder.exists()
        else:  # dbt-duckdb's materialize of an Arrow table: registered, read by a cursor
            cursor = con.cursor()
            cursor.register("model_df", table)
            cursor.execute("create table out.linked as select * from model_df")
            cursor.unregister("model_df")
            cursor.close()
            left_behind = None
        del table
        load_seconds, load_cpu = time.perf_counter() - started, time.process_time() - cpu
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        pairs, components = con.sql(
            "select sum(len(neighbour_ids)) // 2, count(distinct component) from out.linked"
        ).fetchone()
        if dump is not None:
            con.execute(
                f"copy (select * from out.linked order by conversation_id) to '{dump}'"
                " (format parquet)"
            )
        con.execute("detach out")
    print(
        json.dumps(
            {
                "conversations": len(ids),
                "budget_mib": None if budget == NO_BUDGET else budget,
                "output": "parquet" if to_parquet else "arrow table",
                "seconds": round(seconds, 1),
                "cpu_seconds": round(cpu_seconds, 1),
                "conversations_per_s": round(len(ids) / seconds),
                "table_seconds": round(load_seconds, 1),
                "table_cpu_seconds": round(load_cpu, 1),
                "peak_rss_stage_mib": round(peak_stage),
                "peak_rss_mib": round(peak),
                "rss_before_stage_mib": round(before),
                "run_folder_left": left_behind,
                "pairs": int(pairs),
                "components": int(components),
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
    parser.add_argument("--dump", type=Path, default=None, help="with --child: the table, sorted")
    args = parser.parse_args()
    if args.child:
        size = None if args.size == "all" else int(args.size)
        child(args.warehouse, size, args.budget, args.cache, args.duckdb_memory_limit, args.dump)
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
