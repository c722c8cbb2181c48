"""A dbt Python model's table written to a Parquet run folder batch by batch, not held.

A model that computes its rows a batch at a time (conversation scoring, redaction) used to keep
every batch until it returned one Arrow table: the dbt process grew with the input (3.4 -> 5.3
GB over `int_conversations_scored` at 1 M records, session 11). Instead each batch goes to
:class:`ParquetSink` as it is done and the model returns a DuckDB relation over the file, which
dbt-duckdb materializes with ``create table ... as select``: DuckDB reads the file, the Python
side holds one batch. The near-duplicate stage does the same (python_models/near_dup_output.py,
whose run folders and clean-up this module uses, under its own root).

Where it lives and how it is cleaned: ``<result cache>/model_outputs/run-<pid>-<random>/``
(``build/results/model_outputs/`` by default; ``$PIXEL_RESULT_CACHE``), removed once dbt has
created the table from it, at once when the model fails, or by the next build when the process
that wrote it is gone (a build killed mid-way).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from python_models.near_dup_output import relation_over, run_folder
from python_models.result_cache import result_cache_root

RUNS = "model_outputs"


def runs_root() -> Path:
    return result_cache_root() / RUNS


class ParquetSink:
    """Arrow tables of one schema appended to one Parquet file (a row group or more each);
    call it with each table, then :meth:`close`. Zstd at Arrow's default level: the file is
    read once, by DuckDB, then removed."""

    def __init__(self, path: Path, schema: pa.Schema) -> None:
        self.path, self.schema = Path(path), schema
        self.rows = 0
        self._writer: pq.ParquetWriter | None = pq.ParquetWriter(
            self.path, schema, compression="zstd"
        )

    def __call__(self, table: pa.Table) -> None:
        if self._writer is None:
            raise RuntimeError(f"{self.path.name} is closed")
        self._writer.write_table(table.select(self.schema.names).cast(self.schema))
        self.rows += table.num_rows

    def close(self) -> Path:
        """The file, complete (with no row written, a file of the schema and no rows)."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        return self.path


def input_batches(
    relation, path: Path, rows: int, ordered_by: str | None = None
) -> Iterator[pa.RecordBatch]:
    """The rows of a DuckDB `relation` (ordered by the caller) in batches of exactly `rows`
    (the last may be shorter), in the relation's order. DuckDB first writes them to the Parquet
    file `path` in one query that completes, and the batches are read back from the file: no
    DuckDB result stays open while the caller works on them. An open result holds a checkpoint
    lock on the tables it reads, and another model's commit that checkpoints then spins on
    that lock until the result is closed: in a local build `int_preference_pairs_built`'s
    commit spun for as long as conversation scoring streamed its input (634 s and ~65 CPU-s at
    100 k records; session 12, docs/benchmarks.md). With `ordered_by` (a column the relation
    is ordered by, ascending) the order read back is checked: a file out of order raises."""
    relation.write_parquet(str(path), compression="zstd")
    last = None
    for batch in _exact_batches(path, rows):
        if ordered_by is not None and batch.num_rows:
            keys = batch.column(ordered_by)
            if (last is not None and keys[0].as_py() < last) or (
                batch.num_rows > 1
                and pc.any(pc.less(keys.slice(1), keys.slice(0, batch.num_rows - 1))).as_py()
            ):
                raise RuntimeError(f"{path.name} came back out of {ordered_by} order")
            last = keys[batch.num_rows - 1].as_py()
        yield batch


def _exact_batches(path: Path, rows: int) -> Iterator[pa.RecordBatch]:
    """The file's rows in batches of exactly `rows` (the last may be shorter)."""
    pending: list[pa.RecordBatch] = []
    held = 0
    for batch in pq.ParquetFile(path).iter_batches(batch_size=rows):
        pending.append(batch)
        held += batch.num_rows
        while held >= rows:  # whatever the file's row groups
            table = pa.Table.from_batches(pending)
            yield from table.slice(0, rows).combine_chunks().to_batches()
            rest = table.slice(rows)
            pending, held = rest.combine_chunks().to_batches(), rest.num_rows
    if held:
        yield from pa.Table.from_batches(pending).combine_chunks().to_batches()


@contextmanager
def model_output(session, schema: pa.Schema, name: str) -> Iterator[ModelOutput]:
    """A sink for the model's rows (``output.sink``) in a fresh run folder; after the block
    ``output.relation`` is a DuckDB relation over them (on ``session``) for the model to return.
    If the block raises, the folder is removed at once and nothing is returned."""
    with run_folder(runs_root()) as folder:
        output = ModelOutput(ParquetSink(folder / f"{name}.parquet", schema), folder)
        try:
            yield output
        finally:
            path = output.sink.close()
    output.relation = relation_over(session, path, folder)


class ModelOutput:
    """What :func:`model_output` yields: the sink, and after the block the relation."""

    def __init__(self, sink: ParquetSink, folder: Path) -> None:
        self.sink, self.folder = sink, folder  # the run folder: inputs may be written there too
        self.relation = None


__all__ = ["RUNS", "ModelOutput", "ParquetSink", "input_batches", "model_output", "runs_root"]
