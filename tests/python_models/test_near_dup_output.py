"""The near-dup stage's links table written as Parquet in row chunks and read by DuckDB equals
the table it held in memory; the run folder goes once DuckDB has read it."""

from __future__ import annotations

import gc
import os
import subprocess
import sys

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from python_models.near_dup_index import IndexState, IndexStore
from python_models.near_dup_output import new_run, relation_over, run_folder, sweep
from python_models.near_dup_partitions import (
    DiskRows,
    arrow_ids,
    compact_ids,
    create_rows,
    put_rows,
)
from python_models.near_duplicates import (
    LINKS_SCHEMA,
    NearDupConfig,
    Neighbours,
    Thresholds,
    cluster_labels,
    links_from_pairs,
    unlinked_links,
    unlinked_table,
)
from tests.python_models.test_near_dup_index import conversation, lake, near_copy, run

TINY = 1  # MiB: partitioned, shards of a few hundred rows (as test_near_dup_partitions.py)


def reference_links(ids, vectors, pairs, thresholds, model_id) -> pa.Table:
    """The links table as main built it before row chunks (one table, every row at once)."""
    n = len(ids)
    labels = cluster_labels(n, pairs.left, pairs.right)
    linked = np.bincount(labels)[labels] > 1 if n else np.zeros(0, dtype=bool)
    has_nearest = pairs.nearest >= 0
    names = arrow_ids(ids)
    source = np.concatenate([pairs.left, pairs.right])
    target = np.concatenate([pairs.right, pairs.left])
    order = np.lexsort((target, source))
    offsets = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(np.bincount(source, minlength=n), out=offsets[1:])
    values = (
        names.take(pa.array(target[order])).combine_chunks()
        if len(order)
        else pa.array([], pa.string())
    )
    dim = vectors.shape[1]
    vector_offsets = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(np.where(linked, dim, 0), out=vector_offsets[1:])
    kept = np.asarray(vectors[np.flatnonzero(linked)], dtype=np.float32).reshape(-1)
    return pa.table(
        {
            "conversation_id": names,
            "component": pa.array(labels),
            "neighbour_ids": pa.ListArray.from_arrays(pa.array(offsets), values),
            "nearest_id": names.take(pa.array(pairs.nearest, mask=~has_nearest)),
            "nearest_similarity": pa.array(
                np.where(has_nearest, pairs.nearest_similarity, 0.0).astype(np.float64),
                mask=~has_nearest,
            ),
            "embedding": pa.ListArray.from_arrays(
                pa.array(vector_offsets), pa.array(kept), mask=pa.array(~linked)
            ),
            "embedding_model": pa.repeat(pa.scalar(model_id, pa.string()), n),
            "similarity_threshold": pa.array(np.full(n, thresholds.whole)),
        },
        schema=LINKS_SCHEMA,
    )


def random_links(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    # ids of two widths (the arrow_ids path that cuts padded bytes), sorted
    ids = compact_ids(sorted({f"id-{rng.integers(0, 10**9)}" + "x" * (i % 2) for i in range(n)}))
    n = len(ids)
    left = rng.integers(0, n - 1, n // 4)
    right = np.minimum(left + 1 + rng.integers(0, 9, len(left)), n - 1)
    key = np.unique(left * n + right)
    nearest = np.where(rng.random(n) < 0.6, rng.integers(0, n, n), -1)
    pairs = Neighbours(
        key // n,
        key % n,
        rng.random(len(key)).astype(np.float32),
        nearest,
        np.where(nearest >= 0, rng.random(n), np.nan).astype(np.float32),
    )
    vectors = rng.standard_normal((n, 8)).astype(np.float32)
    return ids, vectors, pairs


THRESHOLDS = Thresholds(candidate=0.9, whole=0.95, side=0.8)


@pytest.mark.parametrize("rows", [1, 3, 64, 10_000])
@pytest.mark.parametrize("on_disk", [False, True])
def test_links_in_row_chunks_equal_the_table_built_at_once(tmp_path, rows, on_disk):
    ids, vectors, pairs = random_links(300)
    expected = reference_links(ids, vectors, pairs, THRESHOLDS, "m")
    assert expected.column("embedding").null_count < len(ids)  # some rows are linked
    assert expected.column("nearest_id").null_count > 0
    source = vectors
    if on_disk:
        source = create_rows(tmp_path / "vectors.npy", len(ids), vectors.shape[1], np.float32)
        put_rows(source, slice(None), vectors)
        assert isinstance(source, DiskRows)
    table = links_from_pairs(ids, source, pairs, THRESHOLDS, "m", rows=rows)
    assert table.equals(expected)
    path = links_from_pairs(ids, source, pairs, THRESHOLDS, "m", output=tmp_path, rows=rows)
    written = pq.ParquetFile(path)
    assert written.metadata.num_row_groups == -(-len(ids) // rows)  # one row group a chunk
    assert written.read().equals(expected)
    assert not list(tmp_path.glob(".*partial"))


@pytest.mark.parametrize("count", [0, 5])
def test_unlinked_output_written_equals_the_unlinked_table(tmp_path, count):
    ids = compact_ids([f"c{i}" for i in range(count)])
    path = unlinked_links(ids, tmp_path)
    assert pq.read_table(path).equals(unlinked_table(ids))
    with duckdb.connect() as con:
        assert con.sql(f"select count(*) from read_parquet('{path}')").fetchone() == (count,)


CONFIGS = {
    "exact": NearDupConfig(progress=False),
    "hnsw": NearDupConfig(progress=False, exact_below=0),
    "partitioned": NearDupConfig(progress=False, exact_below=0, memory_budget_mib=TINY),
    "partitioned-embedding-only": NearDupConfig(
        progress=False, exact_below=0, memory_budget_mib=TINY, lexical=False
    ),
}


@pytest.mark.parametrize("name", list(CONFIGS))
def test_every_path_writes_the_table_it_returned_in_memory(tmp_path, name):
    """Full, incremental (new and removed rows) and unchanged builds of the persisted index, and
    the build without it: each writes to Parquet the table the same build returns in memory."""
    config = CONFIGS[name]
    old = lake(450, range(0, 12))
    grown = {**old, **{f"e{i:05d}": near_copy(conversation(i)) for i in range(200, 210)}}
    grown.pop("c00003")
    for step, texts in enumerate([old, grown, grown]):
        table, report = run(texts, tmp_path / "memory", config, store=True)
        folder = tmp_path / f"out-{step}"
        folder.mkdir()
        path, written_report = run(texts, tmp_path / "parquet", config, store=True, output=folder)
        assert (report.full, report.searched) == (written_report.full, written_report.searched)
        assert path == folder / "links.parquet"
        assert pq.read_table(path).equals(table), (name, step)
        groups = pq.ParquetFile(path).metadata.num_row_groups
        assert groups > 1 if name.startswith("partitioned") else groups == 1  # budget-sized
    assert (report.full, report.searched) == (False, 0)
    assert len(table.column("component").unique()) < len(grown)  # pairs were found
    if name == "exact":  # and the build without a persisted index
        cold, _ = run(grown, tmp_path / "cold", config, store=False)
        out = tmp_path / "out-cold"
        out.mkdir()
        path, _ = run(grown, tmp_path / "cold-parquet", config, store=False, output=out)
        assert pq.read_table(path).equals(cold)


def test_duckdb_reads_the_run_and_the_folder_goes_when_the_relation_is_released(tmp_path):
    ids, vectors, pairs = random_links(200, seed=3)
    expected = reference_links(ids, vectors, pairs, THRESHOLDS, "m")
    folder = new_run(tmp_path / "runs")
    assert folder.name.startswith(f"run-{os.getpid()}-")
    path = links_from_pairs(ids, vectors, pairs, THRESHOLDS, "m", output=folder, rows=50)
    with duckdb.connect() as con:
        relation = relation_over(con, path, folder)
        # what dbt-duckdb's materialize does with a relation
        con.register("model_df", relation)
        con.execute("create table linked as select * from model_df")
        con.unregister("model_df")
        assert folder.exists()  # the relation is still held
        del relation
        gc.collect()
        assert not folder.exists()
        from_duckdb = con.sql("select * from linked").to_arrow_table()
        in_memory = duckdb.connect()
        in_memory.register("model_df", expected)
        in_memory.execute("create table linked as select * from model_df")
        assert from_duckdb.equals(in_memory.sql("select * from linked").to_arrow_table())
        assert con.sql("describe linked").fetchall() == in_memory.sql("describe linked").fetchall()
        in_memory.close()


def test_a_dead_process_run_folder_is_swept_and_a_live_one_kept(tmp_path):
    root = tmp_path / "runs"
    mine = new_run(root)
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], check=True,
                          capture_output=True, text=True)  # fmt: skip
    dead = root / f"run-{int(done.stdout)}-abc"
    (dead / "links.parquet").parent.mkdir()
    (dead / "links.parquet").write_bytes(b"x")
    other = root / "unrelated"
    other.mkdir()
    assert sweep(root) == [dead]
    assert mine.exists() and other.exists() and not dead.exists()
    second = new_run(root)
    assert second != mine and second.exists()


def test_a_failed_stage_removes_its_run_folder_and_a_finished_one_leaves_it(tmp_path):
    root = tmp_path / "runs"
    with pytest.raises(RuntimeError, match="stage failed"), run_folder(root) as failed:
        (failed / "links.parquet").write_bytes(b"half written")
        raise RuntimeError("stage failed")
    assert not failed.exists()  # no relation will ever read it
    with run_folder(root) as finished:
        (finished / "links.parquet").write_bytes(b"x")
    assert finished.exists()  # relation_over removes it once DuckDB has read it
    assert sorted(root.iterdir()) == [finished]


def test_state_rows_written_in_chunks_load_back(tmp_path, monkeypatch):
    import python_models.near_dup_index as index_module

    monkeypatch.setattr(index_module, "STATE_ROWS", 7)
    ids, vectors, pairs = random_links(50, seed=5)
    n = len(ids)
    state = IndexState(
        ids, np.arange(n, dtype=np.uint64) * 3, vectors, None, pairs.left, pairs.right,
        pairs.similarity, pairs.nearest, pairs.nearest_similarity, next_key=999,
    )  # fmt: skip
    store = IndexStore(tmp_path)
    store.save("v1", state)
    back = store.load("v1")
    assert back is not None
    rows = pq.ParquetFile(next(store.root.glob("version=v1/state-*/rows.parquet")))
    assert rows.metadata.num_row_groups == -(-n // 7)
    assert (back.ids == ids).all() and (back.keys == state.keys).all()
    assert (back.nearest == pairs.nearest).all()
    assert np.array_equal(back.nearest_similarity, pairs.nearest_similarity, equal_nan=True)
    assert back.next_key == 999 and np.array_equal(back.vectors, vectors)
