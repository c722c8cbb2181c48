"""The Python stages on Ray Data: the same library functions as the local pool, on a cluster.

`run_stage` hands a stage's input to Ray as Parquet files in a run folder (one file per input
batch, written by the driver from the Arrow batches DuckDB streams), runs `map_batches` over
the list of those files as Ray tasks (at most `workers` at a time, one CPU each; each task reads
and processes one batch file with the stage class, built once per worker process and kept
there for the build's later jobs of the stage: session 6, docs/benchmarks.md), and takes each
batch's result back through Ray's object store (no Write tasks: they ran in more Ray worker
processes beside the stage's, competing for the cores; session 5), putting them in input
order as each comes back (`stage_results`: a caller that writes each result on keeps none of
them). A task whose worker dies is retried in another worker (Ray Data's default for tasks); a
job that still fails raises, the run folder is removed, and the dbt model fails before it
writes a table, so nothing half-written reaches a mart. Row counts are checked on the way back.

The stage classes live beside the functions they call (`ScoreStage`, `RedactStage`,
`PairRedactStage` in python_models/scoring/warehouse.py, the functions the local pool calls);
output does not depend on the engine (tests/engine/test_ray_engine.py). `connect` joins
`RAY_ADDRESS` (checked first, in bounded time) or starts an in-process local Ray when there is
none (a dbt run outside the CLI); a build's models keep the connection (`engine_connection`),
so its worker processes, and the stages they built, outlive one model.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from python_models.ray_cluster import RAY_ENVIRONMENT, check_reachable

BATCH_COLUMN = "__pixel_batch"
ROW_COLUMN = "__pixel_row"
VECTOR_COLUMN = "__pixel_vector"
PIDS_FOLDER = "pids"  # a file per batch done, naming the worker's PID (tests kill one by it)
LOADS_FOLDER = "loads"  # a file per stage built in a worker: seconds it took (model load)


@dataclass
class RayRun:
    """What one Ray stage did, for the build log (counts and seconds, never content)."""

    stage: str
    address: str = ""
    nodes: int = 0
    cpus: int = 0
    actors: int = 0  # workers: the most tasks at once (the build summary's "actors")
    batches: int = 0
    rows: int = 0
    # batch number -> (worker PID, Ray node id) of the worker that finished it
    done_by: dict[int, tuple[int, str]] = field(default_factory=dict)
    # batch number -> CPU seconds its worker spent on it (the stage's call, nothing else)
    batch_cpu: dict[int, float] = field(default_factory=dict)
    # per stage built in a worker process (a retry's too): wall and CPU seconds (the model)
    load_seconds: list[float] = field(default_factory=list)
    load_cpu: list[float] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    def nodes_used(self) -> set[str]:
        """The Ray nodes whose workers finished a batch."""
        return {node for _, node in self.done_by.values()}

    def cpu_seconds(self) -> float:
        """CPU seconds the workers spent in the stage's calls, over every batch."""
        return sum(self.batch_cpu.values())

    def summary(self) -> str:
        timings = ", ".join(f"{k} {v:.1f}s" for k, v in self.seconds.items())
        cpu = self.cpu_seconds()
        per_row = f" ({1000 * cpu / self.rows:.2f} ms/row)" if self.rows else ""
        built = self.load_seconds
        load = f", stage built {len(built)}x, up to {max(built):.1f}s" if built else ""
        return (
            f"ray {self.stage}: {self.rows} rows in {self.batches} batches on {self.actors} "
            f"worker{'s' if self.actors != 1 else ''} ({self.nodes} node"
            f"{'s' if self.nodes != 1 else ''}, {self.cpus} CPUs at {self.address}; batches ran "
            f"on {len(self.nodes_used())} node{'s' if len(self.nodes_used()) != 1 else ''}); "
            f"{timings}; workers' CPU {cpu:.1f}s{per_row}{load}"
        )


_CONNECTION_LOCK = threading.Lock()
# dbt runs models in threads: one Ray per process. "kept": a connection left open after its
# last user (the build's models share it, and with it the stages their workers built)
_connection: dict = {"users": 0, "owned": False, "kept": False, "address": None}


@contextmanager
def connect(
    address: str | None = None, num_cpus: int | None = None, *, keep: bool = False
) -> Iterator[str]:
    """Ray joined for the block: `address` or RAY_ADDRESS (checked first), else a local Ray
    started in this process. Shared by the models dbt runs at once in threads: the connection
    this function opened is closed when its last user leaves, unless `keep` and it joined a
    cluster by address (a build's models: the cluster outlives the dbt process, and the worker
    processes keep the stages they built for the next model; Ray disconnects at exit). Joining
    another address closes a kept connection first. Yields the GCS address."""
    for name, value in RAY_ENVIRONMENT.items():  # before the import: Ray reads them then
        os.environ.setdefault(name, value)
    import ray

    address = address or os.environ.get("RAY_ADDRESS") or None
    with _CONNECTION_LOCK:
        if ray.is_initialized() and _connection["kept"] and _connection["address"] != address:
            ray.shutdown()  # a kept connection to another cluster
            _connection.update(owned=False, kept=False, address=None)
        if not ray.is_initialized():
            if address:
                check_reachable(address)
                ray.init(address=address, log_to_driver=False, logging_level="WARNING")
            else:
                ray.init(
                    address="local",  # a new Ray, never one that happens to run on this machine
                    num_cpus=num_cpus or os.cpu_count() or 1,
                    include_dashboard=False,
                    object_store_memory=256 * 1024**2,
                    log_to_driver=False,
                    logging_level="WARNING",
                )
            _connection.update(owned=True, kept=False, address=address)
        _connection["users"] += 1
    try:
        yield ray.get_runtime_context().gcs_address
    finally:
        with _CONNECTION_LOCK:
            _connection["users"] -= 1
            if _connection["users"] == 0 and _connection["owned"]:
                if keep and _connection["address"]:
                    _connection["kept"] = True
                else:
                    ray.shutdown()
                    _connection.update(owned=False, kept=False, address=None)


def cluster_size() -> tuple[int, int]:
    """(alive nodes, CPUs) of the cluster this process is connected to."""
    import ray

    nodes = [node for node in ray.nodes() if node.get("Alive")]
    return len(nodes), int(ray.cluster_resources().get("CPU", 0))


def run_root() -> Path:
    """Where run folders go: PIXEL_RAY_RUN_DIR (the CLI puts it beside the warehouse, which a
    multi-host cluster must share) or the system temporary folder."""
    root = Path(os.environ.get("PIXEL_RAY_RUN_DIR") or tempfile.gettempdir())
    root.mkdir(parents=True, exist_ok=True)
    return root


def run_stage(
    stage: type,
    batches: Iterable[pa.Table],
    schema: pa.Schema,
    *,
    name: str,
    constructor_kwargs: dict | None = None,
    workers: int = 0,
    run: RayRun | None = None,
) -> pa.Table:
    """`stage` (a class: built once per worker process, called on an Arrow table, returning
    one) over `batches` on the connected cluster; the results in input order, in `schema`:
    `stage_results` gathered in one table."""
    parts = list(
        stage_results(
            stage,
            batches,
            schema,
            name=name,
            constructor_kwargs=constructor_kwargs,
            workers=workers,
            run=run,
        )
    )
    return pa.concat_tables(parts) if parts else schema.empty_table()


def stage_results(
    stage: type,
    batches: Iterable[pa.Table],
    schema: pa.Schema,
    *,
    name: str,
    constructor_kwargs: dict | None = None,
    workers: int = 0,
    run: RayRun | None = None,
) -> Iterator[pa.Table]:
    """`stage` over `batches` on the connected cluster, each input batch's result (in
    `schema`) yielded in input order as soon as it and every batch before it are back: the
    driver holds the batches that finished ahead of an earlier one, not every result.

    `workers` caps the tasks running at once (0: one per CPU of the cluster). Each finished
    batch leaves its worker's PID and node in the run folder's `pids/` (the build log counts
    the nodes; the fault test kills a worker by it). The run's `ray_job` seconds include the
    time the caller spends between results.
    """
    import ray.data

    run = run if run is not None else RayRun(stage=name)
    run.address = ray.get_runtime_context().gcs_address
    run.nodes, run.cpus = cluster_size()
    folder = run_root() / f"pixel-{name}-{uuid.uuid4().hex[:12]}"
    inputs, pids = folder / "input", folder / PIDS_FOLDER
    inputs.mkdir(parents=True)
    pids.mkdir()
    (folder / LOADS_FOLDER).mkdir()
    try:
        started = time.perf_counter()
        sizes: list[int] = []  # rows of each input batch
        for index, table in enumerate(batches):
            numbered = table.append_column(
                BATCH_COLUMN, pa.array(np.full(table.num_rows, index, np.int64))
            ).append_column(ROW_COLUMN, pa.array(np.arange(table.num_rows, dtype=np.int64)))
            pq.write_table(numbered, inputs / f"part-{index:06d}.parquet")
            sizes.append(table.num_rows)
            run.batches = index + 1
        run.rows = sum(sizes)
        run.seconds["write_inputs"] = time.perf_counter() - started
        if not run.batches:
            return

        started = time.perf_counter()
        run.actors = max(1, min(workers or run.cpus or 1, run.batches))
        # the dataset is the list of input files, one per block and per call: each worker reads
        # its batch's Parquet file itself (no file listing task, and batches stay whole)
        files = sorted(str(path) for path in inputs.iterdir())
        inputs_read = ray.data.from_items(
            [{"path": path} for path in files], override_num_blocks=len(files)
        )
        # Ray tasks, at most `run.actors` at a time, in worker processes that keep the stages
        # they built (`_built_stage`): a stage is built once per worker process and connection,
        # not once per job (session 6, docs/benchmarks.md). A task whose worker dies is retried
        # in another (Ray Data's default for tasks, max_retries=-1; tests/engine/test_ray_faults.py)
        kwargs = constructor_kwargs or {}
        dataset = inputs_read.map_batches(
            _run_batch,
            fn_kwargs={
                "stage": stage,
                "key": _stage_key(stage, kwargs),
                "kwargs": ray.put(kwargs),
                "pids": str(pids),
            },
            batch_size=1,
            batch_format="pyarrow",
            compute=ray.data.TaskPoolStrategy(size=run.actors),
            num_cpus=1,
        )
        # results come back to the driver through the object store (no Write tasks, no Parquet
        # written and read again), each as soon as it is done, and are handed on in input
        # order; all of them or an exception, so nothing half-done is returned
        parts = dataset.iter_batches(batch_size=None, batch_format="pyarrow")
        for done in in_input_order(parts, sizes, name):
            yield done.drop_columns([BATCH_COLUMN, ROW_COLUMN]).select(schema.names).cast(schema)
        for done_file in pids.iterdir():
            pid, node, cpu = done_file.read_text().split()
            run.done_by[int(done_file.name)] = (int(pid), node)
            run.batch_cpu[int(done_file.name)] = float(cpu)
        for load in (folder / LOADS_FOLDER).iterdir():
            wall, cpu = load.read_text().split()
            run.load_seconds.append(float(wall))
            run.load_cpu.append(float(cpu))
        run.seconds["ray_job"] = time.perf_counter() - started
        print(run.summary(), flush=True)  # the build log: counts and seconds only
        _report(run)
    finally:
        shutil.rmtree(folder, ignore_errors=True)  # conversation text never lingers


def in_input_order(parts: Iterable[pa.Table], sizes: list[int], name: str) -> Iterator[pa.Table]:
    """Results that come back in any order and cut in any way (`BATCH_COLUMN`, `ROW_COLUMN`
    numbering each row), as one table per input batch in input order, each yielded as soon as
    it and every batch before it are complete (`sizes`: the rows of each input batch; an empty
    batch yields nothing). Holds only the batches finished ahead of an earlier one. Raises if a
    batch comes back with extra rows or any row is missing at the end."""
    waiting: dict[int, list[pa.Table]] = {}  # batch -> its pieces back so far
    back: dict[int, int] = {}  # batch -> its rows back so far
    next_batch, returned = 0, 0
    for part in parts:
        numbers = part.column(BATCH_COLUMN)
        for index in pc.unique(numbers).to_pylist():
            piece = part.filter(pc.equal(numbers, index))
            waiting.setdefault(index, []).append(piece)
            back[index] = back.get(index, 0) + piece.num_rows
            if back[index] > sizes[index]:
                raise RuntimeError(f"ray {name}: batch {index} came back with extra rows")
        while next_batch < len(sizes) and back.get(next_batch, 0) == sizes[next_batch]:
            if sizes[next_batch]:  # an empty batch: nothing comes back for it
                done = pa.concat_tables(waiting.pop(next_batch)).sort_by(ROW_COLUMN)
                returned += done.num_rows
                yield done
            next_batch += 1
    if returned != sum(sizes):
        raise RuntimeError(f"ray {name}: {returned} rows came back, {sum(sizes)} went in")


REPORT_FILE = "stages.jsonl"


def _report(run: RayRun) -> None:
    """Append the stage's counts to the run root's report (the CLI's build summary reads it);
    only under a run root someone chose (PIXEL_RAY_RUN_DIR), never into the shared /tmp."""
    if not os.environ.get("PIXEL_RAY_RUN_DIR"):
        return
    line = {
        "stage": run.stage,
        "rows": run.rows,
        "batches": run.batches,
        "actors": run.actors,
        "nodes": run.nodes,
        "cpus": run.cpus,
        "nodes_used": len(run.nodes_used()),
        "cpu_s": round(run.cpu_seconds(), 3),
        "ray_job_s": round(run.seconds.get("ray_job", 0.0), 3),
    }
    with open(run_root() / REPORT_FILE, "a", encoding="utf-8") as report:
        report.write(json.dumps(line) + "\n")


# In a Ray worker process: the last stage it built, under its key (class and arguments). One
# at a time, as an actor held one: memory stays one stage a worker; the jobs of a stage come
# one after another in a build (embedding's several), and they reuse it.
_BUILT: dict[str, object] = {}


def _stage_key(stage: type, kwargs: dict) -> str:
    """What identifies a built stage: its class and a digest of its constructor arguments."""
    digest = hashlib.sha256(pickle.dumps(kwargs, protocol=5)).hexdigest()[:16]
    return f"{stage.__module__}.{stage.__qualname__}:{digest}"


def _built_stage(stage: type, key: str, kwargs, loads: Path):
    """The stage this worker process built for `key`, built now (and timed) if it has none."""
    if key in _BUILT:
        return _BUILT[key]
    _BUILT.clear()  # the previous stage goes before the next is built
    import ray

    started, cpu = time.perf_counter(), time.process_time()
    built = stage(**(ray.get(kwargs) if isinstance(kwargs, ray.ObjectRef) else kwargs))
    seconds = f"{time.perf_counter() - started:.3f} {time.process_time() - cpu:.3f}"
    (loads / uuid.uuid4().hex).write_text(seconds)
    _BUILT[key] = built
    return built


def _run_batch(files: pa.Table, *, stage: type, key: str, kwargs, pids: str) -> pa.Table:
    """One Ray task: the stage (built once per worker process) over its batch file, keeping the
    batch and row numbers beside the stage's output."""
    import ray

    done = Path(pids)
    built = _built_stage(stage, key, kwargs, done.parent / LOADS_FOLDER)
    node = ray.get_runtime_context().get_node_id()
    batch = pa.concat_tables(pq.read_table(path) for path in files.column("path").to_pylist())
    out = []
    for index in sorted(set(batch.column(BATCH_COLUMN).to_pylist())):
        part = batch.filter(pc.equal(batch.column(BATCH_COLUMN), index))
        cpu = time.process_time()
        result = built(part.drop_columns([BATCH_COLUMN, ROW_COLUMN]))
        cpu = time.process_time() - cpu
        if result.num_rows != part.num_rows:
            raise RuntimeError(f"stage returned {result.num_rows} rows for {part.num_rows}")
        out.append(
            result.append_column(BATCH_COLUMN, part.column(BATCH_COLUMN)).append_column(
                ROW_COLUMN, part.column(ROW_COLUMN)
            )
        )
        (done / f"{index:06d}").write_text(f"{os.getpid()} {node} {cpu:.6f}")
    return pa.concat_tables(out)


def table_batches(table: pa.Table, rows: int) -> Iterator[pa.Table]:
    """`table` cut into consecutive slices of at most `rows` rows."""
    for start in range(0, table.num_rows, max(1, rows)):
        yield table.slice(start, rows)


def vector_table(vectors: np.ndarray, dtype: type = np.float32) -> pa.Table:
    """One row per vector: a fixed-size-list column of `dtype` (Parquet carries it exactly)."""
    dim = vectors.shape[1] if vectors.ndim == 2 else 0
    flat = pa.array(np.ascontiguousarray(vectors, dtype=dtype).reshape(-1))
    return pa.table({VECTOR_COLUMN: pa.FixedSizeListArray.from_arrays(flat, dim)})


def vector_schema(dim: int, dtype: type = np.float32) -> pa.Schema:
    """The schema of a `vector_table` of `dim` columns."""
    return pa.schema([(VECTOR_COLUMN, pa.list_(pa.from_numpy_dtype(dtype), dim))])


def with_vectors(table: pa.Table, vectors: np.ndarray, dtype: type = np.float32) -> pa.Table:
    """`table` with its rows' vectors as one fixed-size-list column (Parquet carries them)."""
    return table.append_column(VECTOR_COLUMN, vector_table(vectors, dtype).column(VECTOR_COLUMN))


def split_vectors(table: pa.Table) -> tuple[pa.Table, np.ndarray]:
    """The inverse of `with_vectors`: the table, and the vectors in the column's own type."""
    column = table.column(VECTOR_COLUMN).combine_chunks()
    dim = column.type.list_size
    vectors = column.flatten().to_numpy(zero_copy_only=False).reshape(-1, dim)
    return table.drop_columns([VECTOR_COLUMN]), vectors


def engine_connection(engine: str) -> AbstractContextManager:
    """What a dbt model runs its stages in: nothing for engine `local` (Ray is never imported),
    Ray joined for the model (`connect`) for `ray`, kept open for the build's next model."""
    if engine == "local":
        return nullcontext()
    if engine != "ray":
        raise ValueError(f"var engine must be local or ray, not {engine!r}")
    return connect(keep=True)
