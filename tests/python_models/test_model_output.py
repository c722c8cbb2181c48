"""Scoring's output streamed to disk (issue 15, bounded memory): each scored batch goes to the
model's Parquet run folder and each computed cache row to its part as it is done, and a Ray
stage's results are handed on in input order as they come back, so no stage keeps every batch."""

from __future__ import annotations

import gc
import random

import duckdb
import numpy as np
import pyarrow as pa
import pytest

from python_models.model_output import ParquetSink, model_output
from python_models.ray_stages import BATCH_COLUMN, ROW_COLUMN, in_input_order
from python_models.result_cache import ResultCache

pytest.importorskip("model2vec", reason="the embedding stack (pip install -e '.[dev]') is needed")

from python_models.scoring import versions
from python_models.scoring.warehouse import (
    MESSAGE_TYPE,
    SCORES_SCHEMA,
    CachedGroups,
    score_conversations,
    write_scores,
)


def _conversations(count: int) -> pa.Table:
    rows = [
        [
            {"role": "user", "content": f"I worry about my exam {i}; mail me at a{i}@ex.org"},
            {"role": "assistant", "content": f"That sounds hard ({i}). What worries you most?"},
        ]
        for i in range(count)
    ]
    return pa.table(
        {
            "conversation_id": [f"c{i:05d}" for i in range(count)],
            "messages": pa.array(rows, MESSAGE_TYPE),
            "category": ["anxiety"] * count,
        }
    )


EMPTY = pa.table(
    {
        "conversation_id": pa.array([], pa.string()),
        "category": pa.array([], pa.string()),
        "embedding_text": pa.array([], pa.string()),
    }
)


def test_each_scored_batch_reaches_the_sink_before_the_next_is_read(tmp_path) -> None:
    """The sink has batch k before batch k + 2 is read: nothing waits for the end of the
    input, and the cache's computed rows are on disk (its part, not yet visible) meanwhile."""
    from python_models.embeddings.cache import EmbeddingCache

    table = _conversations(48)
    read: list[int] = []

    def batches():
        for number, batch in enumerate(table.to_batches(max_chunksize=8)):
            read.append(number)
            yield batch

    results = CachedGroups(ResultCache(tmp_path / "results"), versions.group_versions("test-model"))
    got: list[tuple[int, int]] = []  # (batches read when the sink was called, rows)

    def sink(scored: pa.Table) -> None:
        got.append((len(read), scored.num_rows))
        # this batch's computed rows are in the open part, not held, and not yet readable
        assert results.writers["pii"].rows == sum(rows for _, rows in got)
        stored, _ = results.cache.get_many("pii", results.versions["pii"], ["c00000"], pii_schema)
        assert not stored.any()

    pii_schema = pa.schema([SCORES_SCHEMA.field("pii_total")])
    count = write_scores(
        batches(),
        EMPTY,
        EMPTY,
        sink=sink,
        cache=EmbeddingCache(tmp_path / "embeddings"),
        total_rows=table.num_rows,
        results=results,
    )
    assert count == 48 and [rows for _, rows in got] == [8] * 6
    assert all(seen <= k + 2 for k, (seen, _) in enumerate(got))
    # stored at the end: one part per group, every row read back
    found, _ = results.cache.get_many(
        "pii", results.versions["pii"], table.column("conversation_id").to_pylist(), pii_schema
    )
    assert found.all() and len(results.cache._parts("pii", results.versions["pii"])) == 1


def test_a_failed_scoring_run_stores_no_part(tmp_path) -> None:
    from python_models.embeddings.cache import EmbeddingCache

    table = _conversations(24)

    def batches():
        yield from table.to_batches(max_chunksize=8)[:2]
        raise OSError("the stream broke")

    results = CachedGroups(ResultCache(tmp_path / "results"), versions.group_versions("test-model"))
    with pytest.raises(OSError, match="stream broke"):
        score_conversations(
            batches(), EMPTY, EMPTY, cache=EmbeddingCache(tmp_path / "embeddings"), results=results
        )
    # neither a part nor a temporary file of a scored group is left (the category model,
    # fitted before scoring began, is stored)
    left = [p for p in (tmp_path / "results").rglob("*") if p.is_file()]
    assert left and {p.parts[-3] for p in left} == {"category_model"}


def test_the_part_writer_skips_stored_keys_in_refresh_mode_and_reads_back(tmp_path) -> None:
    schema = pa.schema([("value", pa.int64())])
    cache = ResultCache(tmp_path)
    cache.put_many("x", "v", ["k1", "k3"], pa.table({"value": [1, 3]}))
    refresh = ResultCache(tmp_path, mode="refresh")
    writer = refresh.part_writer("x", "v", schema)
    assert writer.add(["k2", "k1", "k2"], pa.table({"value": [2, 10, 20]})) == 1
    assert writer.add(["k4", "k3"], pa.table({"value": [4, 30]})) == 1
    writer.close()
    found, table = cache.get_many("x", "v", ["k1", "k2", "k3", "k4"], schema)
    assert found.all() and table.column("value").to_pylist() == [1, 2, 3, 4]
    aborted = cache.part_writer("x", "w", schema)
    aborted.add(["k9"], pa.table({"value": [9]}), known_missing=True)
    aborted.abort()
    assert not cache.get_many("x", "w", ["k9"], schema)[0].any()
    assert not list((tmp_path / "x" / "version=w").iterdir())


def test_the_sink_file_makes_the_table_the_arrow_table_made(tmp_path) -> None:
    """What dbt-duckdb creates from the run folder's file equals what it created from the
    Arrow table the model used to return (types and rows), and the folder goes after."""
    table = pa.concat_tables([_scored_rows(7, start) for start in (0, 7, 14)])
    with duckdb.connect() as con:
        from python_models import model_output as module

        module_root = tmp_path / "runs"
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(module, "runs_root", lambda: module_root)
            with model_output(con, SCORES_SCHEMA, "scores") as output:
                for batch in table.to_batches(max_chunksize=7):
                    output.sink(pa.Table.from_batches([batch]))
        relation = output.relation
        con.register("model_df", relation)
        con.execute("create table scored as select * from model_df")
        con.unregister("model_df")
        del relation, output
        gc.collect()
        assert not list(module_root.iterdir())
        from_file = con.sql("select * from scored").to_arrow_table()
        con.register("model_df", table)
        con.execute("create table scored_arrow as select * from model_df")
        assert con.sql("describe scored").fetchall() == con.sql("describe scored_arrow").fetchall()
        assert from_file.equals(con.sql("select * from scored_arrow").to_arrow_table())


def test_a_failed_model_leaves_no_run_folder(tmp_path, monkeypatch) -> None:
    from python_models import model_output as module

    monkeypatch.setattr(module, "runs_root", lambda: tmp_path / "runs")
    with (
        duckdb.connect() as con,
        pytest.raises(ValueError, match="boom"),
        model_output(con, SCORES_SCHEMA, "scores") as output,
    ):
        output.sink(_scored_rows(3, 0))
        raise ValueError("boom")
    assert not list((tmp_path / "runs").iterdir())


def test_a_sink_with_no_rows_gives_an_empty_table_of_the_schema(tmp_path) -> None:
    path = ParquetSink(tmp_path / "empty.parquet", SCORES_SCHEMA).close()
    with duckdb.connect() as con:
        assert con.read_parquet(str(path)).columns == SCORES_SCHEMA.names
        assert con.read_parquet(str(path)).count("*").fetchone() == (0,)


def _scored_rows(rows: int, start: int) -> pa.Table:
    """Rows of SCORES_SCHEMA with values, nulls, empty and filled lists (no scorer run)."""
    rng = np.random.default_rng(start)
    columns = {}
    for field in SCORES_SCHEMA:
        if field.name == "conversation_id":
            columns[field.name] = pa.array([f"c{start + i:05d}" for i in range(rows)])
        elif field.type == pa.float32():
            values = rng.random(rows).astype(np.float32)
            columns[field.name] = pa.array(
                [None if i % 3 == 0 else v for i, v in enumerate(values)], pa.float32()
            )
        elif field.type == pa.bool_():
            columns[field.name] = pa.array(
                [None if i % 5 == 0 else i % 2 == 0 for i in range(rows)]
            )
        elif field.type == pa.int32():
            columns[field.name] = pa.array([i % 4 for i in range(rows)], pa.int32())
        elif field.name == "redacted_messages":
            columns[field.name] = pa.array(
                [
                    [{"role": "user", "content": f"hi <EMAIL> {i}"}] if i % 2 else []
                    for i in range(rows)
                ],
                MESSAGE_TYPE,
            )
        elif field.name == "crisis_user_turns":
            columns[field.name] = pa.array(
                [[{"score": 0.5, "flag": bool(i % 2), "evidence": None}] for i in range(rows)],
                field.type,
            )
        elif field.name == "unsupported_scorers":
            columns[field.name] = pa.array([["crisis"] if i % 2 else [] for i in range(rows)])
        else:
            columns[field.name] = pa.array(
                [None if i % 2 else f"v{i}" for i in range(rows)], field.type
            )
    return pa.table(columns, schema=SCORES_SCHEMA)


def _numbered(sizes: list[int]) -> pa.Table:
    return pa.table(
        {
            "value": [f"{b}.{r}" for b, size in enumerate(sizes) for r in range(size)],
            BATCH_COLUMN: pa.array([b for b, size in enumerate(sizes) for _ in range(size)]),
            ROW_COLUMN: pa.array([r for size in sizes for r in range(size)]),
        }
    )


@pytest.mark.parametrize("seed", range(6))
def test_ray_results_back_in_any_order_and_cut_come_out_per_batch_in_order(seed) -> None:
    rng = random.Random(seed)
    sizes = [rng.randint(0, 5) for _ in range(12)]
    sizes[0] = max(sizes[0], 1)
    rows = _numbered(sizes)
    # pieces of one or two batches' rows, in shuffled order
    cuts = sorted(rng.sample(range(1, rows.num_rows), min(8, rows.num_rows - 1)))
    pieces = [rows.slice(a, b - a) for a, b in zip([0, *cuts], [*cuts, rows.num_rows], strict=True)]
    rng.shuffle(pieces)
    yielded = []
    for done in in_input_order(iter(pieces), sizes, "test"):
        yielded.append(done)
    assert [t.num_rows for t in yielded] == [s for s in sizes if s]
    assert pa.concat_tables(yielded).equals(rows)


def test_ray_results_are_handed_on_before_the_last_comes_back() -> None:
    sizes = [2, 2, 2]
    rows = _numbered(sizes)
    pieces = [rows.slice(0, 2), rows.slice(2, 2), rows.slice(4, 2)]
    handed = []

    def parts():
        for piece in pieces:
            yield piece
            handed.append("piece")

    for _ in in_input_order(parts(), sizes, "test"):
        handed.append("batch")
    assert handed == ["batch", "piece", "batch", "piece", "batch", "piece"]


def test_ray_results_missing_or_extra_rows_raise() -> None:
    rows = _numbered([2, 2])
    with pytest.raises(RuntimeError, match="2 rows came back, 4 went in"):
        list(in_input_order(iter([rows.slice(0, 3)]), [2, 2], "test"))
    with pytest.raises(RuntimeError, match="extra rows"):
        list(in_input_order(iter([rows, rows.slice(0, 1)]), [2, 2], "test"))


def _warehouse(tmp_path, rows: int = 30_000):
    con = duckdb.connect(str(tmp_path / "w.duckdb"), config={"preserve_insertion_order": False})
    con.execute(
        "create table src as select 'c' || lpad((9 * range % 30011)::varchar, 6, '0') as id,"
        " repeat('x', 50) as text from range(?)",
        [rows],
    )
    return con


def test_input_batches_are_the_relation_in_order_in_batches_of_exactly_n(tmp_path) -> None:
    from python_models.model_output import input_batches

    con = _warehouse(tmp_path)
    relation = con.table("src").order("id")
    expected = relation.to_arrow_table()
    batches = list(input_batches(relation, tmp_path / "in.parquet", 4096, ordered_by="id"))
    assert [b.num_rows for b in batches] == [4096] * 7 + [30_000 - 7 * 4096]
    assert pa.Table.from_batches(batches).equals(expected)
    with pytest.raises(RuntimeError, match="out of id order"):
        list(input_batches(con.table("src").order("id desc"), tmp_path / "x.parquet", 4096, "id"))


def test_no_duckdb_result_stays_open_while_the_batches_are_worked_on(tmp_path) -> None:
    """Another connection checkpoints while the batches are consumed. A result streamed with
    `fetch_arrow_reader` (the old way) holds the table's checkpoint lock: the same checkpoint
    then waits (spinning) until the stream is closed."""
    import threading

    from python_models.model_output import input_batches

    con = _warehouse(tmp_path)
    other = con.cursor()

    def checkpoint() -> threading.Thread:
        other.execute("insert into src values ('new', 'y')")
        thread = threading.Thread(target=other.execute, args=("checkpoint",), daemon=True)
        thread.start()
        return thread

    for number, _ in enumerate(input_batches(con.table("src").order("id"), tmp_path / "in", 512)):
        if number == 2:
            done = checkpoint()
            done.join(timeout=30)
            assert not done.is_alive()  # nothing of ours held it
    streaming = con.cursor()
    reader = streaming.table("src").order("id").fetch_arrow_reader(512)
    reader.read_next_batch()
    waiting = checkpoint()
    waiting.join(timeout=3)
    assert waiting.is_alive()  # the open stream holds the lock
    reader.close()
    streaming.close()
    waiting.join(timeout=30)
    assert not waiting.is_alive()
