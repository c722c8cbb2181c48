"""Near-duplicate search under a memory budget: rows on disk, the HNSW index in shards.

At the real bucket's size the vectors alone (47.5 M x 256 float32) are 48 GB, so the search
cannot hold them, or one index over them, in memory. When the rows do not fit the budget
(``NearDupConfig.memory_budget_mib``, dbt var ``near_dup_memory_budget_mib``):

- vectors and MinHash signatures live in ``.npy`` files (:class:`DiskRows`), mapped only for
  the duration of one read, so the pages a pass touches leave the process with the read;
- the usearch HNSW index is split into **shards** of consecutive rows, each small enough that
  its int8 index and its float32 vectors fit half the budget, saved to disk and opened with
  ``view=True`` one at a time (:func:`build_shards`);
- every query batch is searched against every shard and the candidates are merged
  (:func:`search_shards`): a shard holds the same rows as a slice of the single index, so a pair
  whose two members fall in different shards is found exactly as within one (each shard returns
  its own ``neighbours`` best, so the merged candidates are a superset of one index's).

Why shards and not k-means cells with multi-probe: cells lose a pair at a cell boundary unless
the probe radius is widened by the pair threshold's angle, which for a high-recall threshold is
most cells; shards lose nothing by construction and need no training sample. The price is that
a query visits every shard: search time grows as N x shards, i.e. N^2 / budget (docs/scaling.md).

Below the budget (and below ``exact_below``) the single-index / exact paths of
:mod:`near_duplicates` run unchanged, so small builds give identical results.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

MIB = 2**20
# What the stage holds outside its budget-sized steps, measured (benchmarks/neardup_floor.py,
# 80k rows, docs/benchmarks.md "Near-dup memory, session 7"): the interpreter with numpy,
# pyarrow, duckdb, usearch and the stage's modules ~167 MiB, the static model ~110, DuckDB's
# connection and the ids ~55, native memory the embedding-cache pass leaves ~60-110 (407-446 in
# all), DuckDB's buffers while the texts are read ~81: 488-527 MiB. Not part of a partition.
FIXED_OVERHEAD_MIB = 512


class DiskRows:
    """A 2-D ``.npy`` matrix read by rows; the file is mapped only while one read copies out.

    Indexing (a slice, an integer array or a boolean mask over rows) returns an in-memory copy,
    so a pass over all rows keeps only one chunk resident, unlike a long-lived ``np.memmap``
    whose touched pages count in the process's RSS until it is closed.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        header = np.load(self.path, mmap_mode="r")
        self.shape: tuple[int, int] = tuple(header.shape)  # type: ignore[assignment]
        self.dtype = header.dtype
        del header

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, rows) -> np.ndarray:
        if isinstance(rows, tuple):  # rows, then columns
            return self[rows[0]][(slice(None), *rows[1:])]
        mapped = np.load(self.path, mmap_mode="r")
        try:
            if isinstance(rows, np.ndarray) and rows.dtype == bool:
                rows = np.flatnonzero(rows)
            return np.array(mapped[rows])
        finally:
            del mapped

    def chunks(self, rows: int) -> Iterator[tuple[int, np.ndarray]]:
        """``(start, rows start..start+rows)`` over the whole matrix."""
        for start in range(0, len(self), rows):
            yield start, self[start : start + rows]


def create_rows(path: Path, rows: int, columns: int, dtype, fill=0) -> DiskRows:
    """A new ``.npy`` file of ``rows x columns`` filled with ``fill``, written chunk by chunk."""
    mapped = np.lib.format.open_memmap(path, mode="w+", dtype=dtype, shape=(rows, columns))
    step = max(1, (64 * MIB) // max(1, columns * mapped.itemsize))
    for start in range(0, rows if fill != 0 else 0, step):  # a new file reads as zeros
        mapped[start : start + step] = fill
        mapped.flush()
    del mapped
    return DiskRows(path)


def put_rows(target: DiskRows, rows: np.ndarray | slice, values: np.ndarray) -> None:
    """Write ``values`` at ``rows`` of ``target``'s file (mapped for this write only)."""
    mapped = np.load(target.path, mmap_mode="r+")
    try:
        mapped[rows] = values
        mapped.flush()
    finally:
        del mapped


@dataclass(frozen=True)
class Budget:
    """How a memory budget becomes partition sizes (each bulk step gets half of it)."""

    mib: int

    @property
    def working_bytes(self) -> int:
        """Half of what the budget leaves past the fixed overhead; a budget at or under the
        overhead gets the smallest partitions (64 KiB: for tests; it cannot be kept)."""
        return max(64 * 1024, (self.mib - FIXED_OVERHEAD_MIB) * MIB // 2)

    def shard_rows(self, dim: int, connectivity: int) -> int:
        """Rows per index shard: its int8 vectors and graph, plus its float32 vectors."""
        per_row = dim + 8 * connectivity + 64 + 4 * dim
        return max(16, self.working_bytes // per_row)

    def query_rows(self, dim: int, neighbours: int) -> int:
        """Rows per query batch (a quarter of the working share: the shard has the rest)."""
        per_row = 4 * dim + 40 * (neighbours + 1)
        return int(min(32_768, max(16, self.working_bytes // 4 // per_row)))

    def chunk_rows(self, row_bytes: int) -> int:
        """Rows per read chunk of a sequential pass over a file of ``row_bytes`` rows."""
        return int(max(16, self.working_bytes // 4 // max(1, row_bytes)))

    def lsh_rows(self, bands: int) -> int:
        """Live rows per LSH banding pass: bucket keys, members and their sort (~40 B a row)."""
        return max(16, self.working_bytes // 40)

    def bucket_matrix_in_memory(self, rows: int, bands: int) -> bool:
        return rows * bands * 8 <= self.working_bytes // 2

    def sign_chars(self) -> int:
        """Characters of text MinHash-signed at a time: signing holds ~13 bytes a character of
        word and 3-gram arrays (540 MiB for a 50,000-text batch of 41 MiB, measured)."""
        return int(max(4_096, self.working_bytes // 16))

    def text_chars(self) -> int:
        """Characters of one text batch read for the stage (ids, texts as Python strings and
        their Arrow batch: ~3 bytes a character): one signing slice, so a batch's size follows
        the budget, not a row count (50,000 rows of the real lake's long transcripts are GBs)."""
        return self.sign_chars()

    def cosine_pairs(self, dim: int) -> int:
        """Pairs whose exact cosine is computed at a time from rows on disk: each pair reads two
        rows (a float32 copy and the mapped 4 KiB page it sits in)."""
        per_pair = 2 * (4 * dim + 4096)
        return int(max(1_024, min(65_536, self.working_bytes // 4 // per_pair)))

    def pair_bucket_rows(self, neighbours: int) -> int:
        """Rows whose candidate pairs (as left member) are merged and verified at once when the
        pairs are spilled to disk (:class:`PairSpill`): a pair costs ~56 bytes while its bucket
        is read, de-duplicated and scored (key, sort, left, right, cosine), assuming up to
        ``2 x (neighbours + 1)`` candidates a row (the search's and LSH's)."""
        return int(max(1_024, self.working_bytes // 4 // (56 * 2 * (neighbours + 1))))

    def pair_chunk(self) -> int:
        """Candidate pairs verified at a time (their texts, shingles and side vectors)."""
        return int(max(1_024, min(262_144, self.working_bytes // 8_192)))

    def fetch_chars(self) -> int:
        """Characters of text the verification past the budget fetches at once (half a signing
        slice: it is cut into 3-grams in two halves, ~13 bytes a character while cut, beside
        the bucket's candidates; a whole signing slice there peaked ~100 MiB over a 1,500 MiB
        budget at 200k)."""
        return int(max(4_096, self.sign_chars() // 2))

    def fetch_rows(self) -> int:
        """Rows whose texts the verification past the budget fetches at once to start with
        (:class:`RowEvidence`; then as many as hold :meth:`fetch_chars` characters at the
        lengths seen): texts of 1,024 characters (the 1 M-record lake's whole texts average 800,
        its sides less); at least 1,024, at most 65,536 rows."""
        return int(max(1_024, min(65_536, self.fetch_chars() // 1_024)))

    def read_window_values(self) -> int:
        """Values a read of a shingle file handles at once (:class:`DiskShingles`): the mapped
        window's pages (4 bytes a value at most) and two int64 positions a value, in a quarter
        of the working share."""
        return int(max(1 << 16, self.working_bytes // 4 // 20))


def text_slices(texts: Sequence[str], max_chars: int) -> Iterator[slice]:
    """Consecutive slices of ``texts`` of at most ``max_chars`` characters (at least one text)."""
    ends = np.cumsum(np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)))
    start = 0
    while start < len(texts):
        before = int(ends[start - 1]) if start else 0
        stop = max(start + 1, int(np.searchsorted(ends, before + max_chars, side="right")))
        yield slice(start, stop)
        start = stop


def text_batches(
    batches: Iterable[pa.RecordBatch], max_chars: int, max_rows: int
) -> Iterator[tuple[list[str], list[str]]]:
    """``(ids, texts)`` of at most ``max_chars`` characters and ``max_rows`` rows each (a text
    longer than ``max_chars`` alone), regrouped from Arrow batches of (id, text) in their order.

    The stage's texts are read in small Arrow batches and handed on by size, so what a batch
    holds as Python strings is bounded by the memory budget, not by a row count.
    """
    pending: list[pa.RecordBatch] = []
    chars = rows = 0

    def flush() -> tuple[list[str], list[str]]:
        nonlocal chars, rows
        table = pa.Table.from_batches(pending)
        pending.clear()
        chars = rows = 0
        return table.column(0).to_pylist(), table.column(1).to_pylist()

    for batch in batches:
        lengths = pc.utf8_length(batch.column(1)).fill_null(0).to_numpy(zero_copy_only=False)
        ends = np.cumsum(lengths.astype(np.int64))
        start = 0
        while start < len(batch):
            before = int(ends[start - 1]) if start else 0
            fit = int(np.searchsorted(ends[start:], before + max_chars - chars, side="right"))
            fit = min(fit, max_rows - rows)
            if fit == 0 and rows == 0:
                fit = 1  # a text longer than the batch: on its own
            if fit == 0:
                yield flush()
                continue
            pending.append(batch.slice(start, fit))
            chars += int(ends[start + fit - 1]) - before
            rows += fit
            start += fit
            if start < len(batch):  # the batch is full
                yield flush()
    if pending:
        yield flush()


class PairSpill:
    """Candidate pairs on disk, bucketed by their left row, so no step holds all of them.

    :meth:`add` appends pairs (as ``left * n + right`` int64 keys) to one raw file per bucket
    of ``bucket_rows`` consecutive left rows and per source (the search's, LSH's); :meth:`buckets`
    reads them back bucket by bucket in ascending order, each de-duplicated and sorted. Keys
    sort as pairs do, so the buckets in order are the sorted union one ``np.unique`` of every
    pair gives, a bucket at a time.
    """

    def __init__(self, folder: Path, rows: int, bucket_rows: int, sources: Sequence[str]):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.rows = max(1, rows)
        self.bucket_rows = max(1, bucket_rows)
        self.count = max(1, math.ceil(rows / self.bucket_rows))
        self.sources = tuple(sources)

    def _path(self, source: str, bucket: int) -> Path:
        return self.folder / f"{source}-{bucket:06d}.i64"

    def sink(self, source: str):
        """``add`` bound to ``source``: what a search or LSH pass hands its pairs to."""
        return lambda left, right: self.add(source, left, right)

    def add(self, source: str, left: np.ndarray, right: np.ndarray) -> None:
        if not len(left):
            return
        left = np.asarray(left, dtype=np.int64)
        keys = left * self.rows + np.asarray(right, dtype=np.int64)
        bucket = left // self.bucket_rows
        order = np.argsort(bucket, kind="stable")
        keys, bucket = keys[order], bucket[order]
        starts = np.flatnonzero(np.r_[True, bucket[1:] != bucket[:-1]])
        ends = np.r_[starts[1:], len(bucket)]
        for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
            with open(self._path(source, int(bucket[start])), "ab") as out:
                keys[start:end].tofile(out)

    def _keys(self, source: str, bucket: int) -> np.ndarray:
        path = self._path(source, bucket)
        return np.fromfile(path, dtype=np.int64) if path.exists() else np.zeros(0, np.int64)

    def buckets(self) -> Iterator[dict[str, np.ndarray]]:
        """Per bucket, ascending: each source's unique sorted keys and their union (``"all"``);
        a bucket's files are deleted once read."""
        for bucket in range(self.count):
            keys = {source: np.unique(self._keys(source, bucket)) for source in self.sources}
            for source in self.sources:
                self._path(source, bucket).unlink(missing_ok=True)
            keys["all"] = np.unique(np.concatenate(list(keys.values())))
            yield keys

    def pairs(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return keys // self.rows, keys % self.rows


# What the in-memory path holds a conversation, all of it at once: the vector, the MinHash
# signature, the index entry, the candidate pairs, the candidates' texts (Python strings) and
# their 3-gram sets. Measured at 879,456 conversations of the 1 M-record sample lake: 7,184 MiB
# over the stage's start, 8.4 KiB a conversation (docs/benchmarks.md, "Near-dup memory at 1 M
# records", session 11); rounded up. Longer texts hold more; the partitioned path bounds them.
IN_MEMORY_ROW_BYTES = 8_704


def partitioned(rows: int, dim: int, config) -> bool:
    """Whether ``rows`` need the partitioned path under ``config``'s budget: when one index
    shard cannot hold them, or when the in-memory path would not fit the budget's working
    memory (both halves: nothing else runs beside it)."""
    if rows < config.exact_below:
        return False
    budget = Budget(config.memory_budget_mib)
    if rows > budget.shard_rows(dim, config.connectivity):
        return True
    return rows * IN_MEMORY_ROW_BYTES > 2 * budget.working_bytes


@dataclass(frozen=True)
class Shard:
    """One saved usearch index over some rows: its file and its keys (sorted, ``.keys.npy``)."""

    index: Path

    @property
    def keys_path(self) -> Path:
        return self.index.with_suffix(".keys.npy")

    def keys(self) -> np.ndarray:
        return np.load(self.keys_path)


def new_index(dim: int, config):
    from usearch.index import Index

    return Index(
        ndim=dim,
        metric="cos",
        dtype="i8",
        connectivity=config.connectivity,
        expansion_add=config.expansion_add,
        expansion_search=config.expansion_search,
    )


def restore_index(path: Path, config, *, view: bool = False):
    """A saved usearch index, opened with ``config``'s expansion settings: a saved file keeps
    its graph, not its search settings, and ``Index.restore`` alone gives usearch's defaults
    (expansion 64 on search, 128 on add, against the config's 32 and 32), so a restored shard
    searched deeper than the in-memory index and found pairs it did not."""
    from usearch.index import Index

    return Index.restore(
        str(path),
        view=view,
        expansion_add=config.expansion_add,
        expansion_search=config.expansion_search,
    )


def build_shards(
    vectors: DiskRows | np.ndarray,
    rows: np.ndarray,
    keys: np.ndarray,
    config,
    folder: Path,
    first: int = 0,
) -> list[Shard]:
    """Index ``rows`` (ascending) in shards of at most the budget's rows, saved under ``folder``.

    Each shard is built single-threaded in row order (reproducible, like the single index) and
    freed before the next is built.
    """
    folder.mkdir(parents=True, exist_ok=True)
    dim = vectors.shape[1]
    size = Budget(config.memory_budget_mib).shard_rows(dim, config.connectivity)
    shards = []
    for number, start in enumerate(range(0, len(rows), size), start=first):
        part = rows[start : start + size]
        index = new_index(dim, config)
        index.add(keys[part], np.ascontiguousarray(vectors[part], dtype=np.float32), threads=1)
        shard = Shard(folder / f"shard-{number:05d}.usearch")
        index.save(str(shard.index))
        np.save(shard.keys_path, np.sort(keys[part]))
        del index
        shards.append(shard)
    return shards


class RowsOfKeys:
    """Key -> current row, by binary search over the sorted keys (16 bytes a row, no dict)."""

    def __init__(self, keys: np.ndarray) -> None:
        self.order = np.argsort(keys, kind="stable")
        self.sorted = keys[self.order]

    def __call__(self, keys: np.ndarray) -> np.ndarray:
        """The row of each key, -1 for a key that is no current row's (a removed row)."""
        if not len(self.sorted):
            return np.full(keys.shape, -1, dtype=np.int64)
        at = np.minimum(np.searchsorted(self.sorted, keys), len(self.sorted) - 1)
        return np.where(self.sorted[at] == keys, self.order[at], -1).astype(np.int64)


class KeysAreRows:
    """Key -> row when every key is its own row (a full build): :class:`RowsOfKeys` without
    its two arrays (16 bytes a row) and the keys' copy of the rows."""

    def __init__(self, rows: int) -> None:
        self.rows = rows

    def __call__(self, keys: np.ndarray) -> np.ndarray:
        keys = np.asarray(keys, dtype=np.uint64)
        out = keys.astype(np.int64)
        out[keys >= self.rows] = -1  # a key of no row (usearch's filler for a short result)
        return out


@dataclass
class ShardSearch:
    """What a search of some query rows against the shards found."""

    left: np.ndarray
    right: np.ndarray
    similarity: np.ndarray


def search_shards(
    vectors: DiskRows | np.ndarray,
    queries: np.ndarray,
    shards: list[Shard],
    rows_of_keys: RowsOfKeys | KeysAreRows,
    threshold: float,
    config,
    nearest: np.ndarray,
    nearest_sim: np.ndarray,
    *,
    pairs: bool = True,
    update_found: bool = False,
    sink=None,
) -> ShardSearch:
    """Search ``queries`` (rows, ascending) against every shard; candidates re-scored exactly.

    Shard by shard (outer) and query batch by batch (inner), so memory holds one shard's index
    view and vectors and one batch. A candidate within ``rescore_margin`` of ``threshold`` by its
    int8 similarity and at or above it exactly is a pair (left < right, each once). Each query's
    ``nearest`` becomes its best exact candidate over all shards; ``update_found`` also moves a
    found row's nearest to the query when the query is nearer (the incremental build's rule).
    With ``sink``, each batch's pairs go to ``sink(left, right)`` as they are found (a
    :class:`PairSpill`'s: pairs on disk) and the result holds none.
    """
    dim = vectors.shape[1]
    budget = Budget(config.memory_budget_mib)
    batch = budget.query_rows(dim, config.neighbours)
    dots = budget.chunk_rows(8 * dim)  # candidate pairs whose two rows are gathered at once
    floor = threshold - config.rescore_margin
    best = np.full(len(queries), -np.inf, dtype=np.float32)
    best_row = np.full(len(queries), -1, dtype=np.int64)
    lefts, rights, sims = [], [], []
    for shard in shards:
        index = restore_index(shard.index, config, view=True)
        shard_keys = shard.keys()
        shard_rows = rows_of_keys(shard_keys)  # -1: removed since the shard was built
        shard_vectors = _shard_vectors(vectors, shard_rows, budget.chunk_rows(4 * dim + 4096))
        k = min(config.neighbours + 1, len(index))
        for start in range(0, len(queries), batch):
            rows = queries[start : start + batch]
            query = np.ascontiguousarray(vectors[rows], dtype=np.float32)
            found = index.search(query, k, threads=config.search_threads)
            found_keys = found.keys.reshape(len(rows), k).astype(np.uint64)
            approx = 1.0 - found.distances.astype(np.float32).reshape(len(rows), k)
            at = np.minimum(np.searchsorted(shard_keys, found_keys), len(shard_keys) - 1)
            other = np.where(shard_keys[at] == found_keys, shard_rows[at], -1)
            valid = (other >= 0) & (other != rows[:, None])
            qi, col = np.nonzero(valid)
            exact = _row_dots(query, qi, shard_vectors, at[qi, col], dots)
            others = other[qi, col]
            # each query's nearest: its best exact candidate so far (first seen on a tie)
            score = np.full((len(rows), k), -np.inf, dtype=np.float32)
            score[qi, col] = exact
            top = np.argmax(score, axis=1)
            top_score = score[np.arange(len(rows)), top]
            better = top_score > best[start : start + len(rows)]
            best[start : start + len(rows)][better] = top_score[better]
            best_row[start : start + len(rows)][better] = other[np.arange(len(rows)), top][better]
            if update_found and len(others):
                _nearer(others, rows[qi], exact, nearest, nearest_sim)
            if pairs:
                close = (approx[qi, col] >= floor) & (exact >= threshold)
                a, b = rows[qi][close], others[close]
                if sink is not None:
                    sink(np.minimum(a, b), np.maximum(a, b))
                    continue
                lefts.append(np.minimum(a, b))
                rights.append(np.maximum(a, b))
                sims.append(exact[close])
        del index, shard_vectors
    has = best_row >= 0
    nearest[queries[has]] = best_row[has]
    nearest_sim[queries[has]] = best[has]
    if not lefts:
        empty = np.zeros(0, dtype=np.int64)
        return ShardSearch(empty, empty, np.zeros(0, dtype=np.float32))
    left = np.concatenate(lefts).astype(np.int64)
    right = np.concatenate(rights).astype(np.int64)
    sim = np.concatenate(sims).astype(np.float32)
    n = max(int(right.max()) + 1, 1) if len(right) else 1
    _, first = np.unique(left * n + right, return_index=True)  # a pair found from both ends
    return ShardSearch(left[first], right[first], sim[first])


def _row_dots(
    a: np.ndarray, a_rows: np.ndarray, b: np.ndarray, b_rows: np.ndarray, step: int
) -> np.ndarray:
    """``a[a_rows[i]] . b[b_rows[i]]``, ``step`` pairs at a time: gathering every candidate's
    two rows at once held 2 x (neighbours + 1) float32 rows a query (~22 KiB at 256 dims,
    ~180 MiB for one 8,000-row query batch), the search's peak past the budget."""
    out = np.empty(len(a_rows), dtype=np.float32)
    for start in range(0, len(a_rows), step):
        part = slice(start, start + step)
        out[part] = np.einsum("ij,ij->i", a[a_rows[part]], b[b_rows[part]])
    return out


def _shard_vectors(vectors, shard_rows: np.ndarray, step: int) -> np.ndarray:
    """The shard's float32 vectors (zeros for rows removed since it was built), read ``step``
    rows at a time: one read of the whole shard held its copy, the mapped pages and the result
    at once (~3x the shard's vectors)."""
    out = np.zeros((len(shard_rows), vectors.shape[1]), dtype=np.float32)
    live = np.flatnonzero(shard_rows >= 0)
    for start in range(0, len(live), step):
        at = live[start : start + step]
        out[at] = vectors[shard_rows[at]]
    return out


def _nearer(rows, candidates, similarity, nearest, nearest_sim) -> None:
    """Move each of ``rows``' nearest to its candidate where that one is nearer."""
    order = np.lexsort((-similarity, rows))
    rows, candidates, similarity = rows[order], candidates[order], similarity[order]
    first = np.ones(len(rows), dtype=bool)
    first[1:] = rows[1:] != rows[:-1]
    rows, candidates, similarity = rows[first], candidates[first], similarity[first]
    current = nearest_sim[rows]
    better = np.isnan(current) | (similarity > current)
    nearest[rows[better]] = candidates[better]
    nearest_sim[rows[better]] = similarity[better]


def sharded_pairs(
    vectors: DiskRows | np.ndarray, threshold: float, config, folder: Path, sink=None
) -> tuple[ShardSearch, np.ndarray, np.ndarray, list[Shard]]:
    """Every row searched against shards of every row (keys = row numbers), for a full build;
    ``sink``: the pairs handed on as found (:func:`search_shards`)."""
    n = len(vectors)
    rows = np.arange(n, dtype=np.int64)
    keys = rows.view(np.uint64)  # a key is its row: the same bytes, no copy
    shards = build_shards(vectors, rows, keys, config, folder)
    nearest = np.full(n, -1, dtype=np.int64)
    nearest_sim = np.full(n, np.nan, dtype=np.float32)
    found = search_shards(
        vectors, rows, shards, KeysAreRows(n), threshold, config, nearest, nearest_sim, sink=sink
    )
    return found, nearest, nearest_sim, shards


def lsh_passes(live_rows: int, bands: int, budget_mib: int | None) -> int:
    """How many passes the LSH banding of ``live_rows`` needs per band within the budget."""
    if budget_mib is None:
        return 1
    return max(1, math.ceil(live_rows / Budget(budget_mib).lsh_rows(bands)))


# --------------------------------------------------------------------------------------------
# conversation ids as bytes: one fixed-width array, no Python string per row
# --------------------------------------------------------------------------------------------

_ARROW_CHUNK = 1 << 20  # rows per Arrow chunk of ids (int32 offsets: 1 M ids of < 2 KiB each)


def compact_ids(ids) -> np.ndarray:
    """Conversation ids as one numpy fixed-width UTF-8 bytes array (``S<width>``).

    A Python string costs ~121 bytes a 64-character id (object, header, pointer); this is the
    id's bytes, padded to the longest. Accepts an Arrow (chunked) string array, a numpy array or
    a sequence of ``str``; the order is kept (UTF-8 bytes sort as the strings do). An id with a
    trailing NUL byte cannot be held (numpy strips it): a clear error.
    """
    if isinstance(ids, np.ndarray) and ids.dtype.kind == "S":
        return ids
    if isinstance(ids, pa.ChunkedArray):
        parts = [compact_ids(chunk) for chunk in ids.chunks] or [np.zeros(0, "S1")]
        if len(parts) == 1:
            return parts[0]
        width = max(p.dtype.itemsize for p in parts)
        return np.concatenate([p.astype(f"S{width}", copy=False) for p in parts])
    if not isinstance(ids, pa.Array):
        ids = pa.array(list(ids) if not isinstance(ids, np.ndarray) else ids, pa.string())
    if ids.null_count:
        raise ValueError(f"{ids.null_count} conversation ids are null")
    ids = ids.cast(pa.large_binary())
    n = len(ids)
    offsets = np.frombuffer(ids.buffers()[1], dtype=np.int64)[ids.offset : ids.offset + n + 1]
    data = np.frombuffer(ids.buffers()[2], dtype=np.uint8) if n else np.zeros(0, np.uint8)
    data = data[offsets[0] : offsets[-1]] if n else data
    lengths = np.diff(offsets)
    width = max(1, int(lengths.max()) if n else 1)
    if n and (lengths == width).all():
        out = np.frombuffer(data.tobytes(), dtype=f"S{width}")
    else:
        matrix = np.zeros((n, width), dtype=np.uint8)
        matrix[np.arange(width) < lengths[:, None]] = data
        out = matrix.view(f"S{width}").reshape(n)
    if n and (data[offsets[1:] - offsets[0] - 1] == 0)[lengths > 0].any():
        raise ValueError("a conversation id ends in a NUL byte")
    return out


def arrow_ids(ids: np.ndarray) -> pa.ChunkedArray:
    """:func:`compact_ids`' array back as Arrow strings (built from the bytes, in chunks)."""
    ids = compact_ids(ids)
    chunks = []
    for start in range(0, len(ids), _ARROW_CHUNK):
        part = ids[start : start + _ARROW_CHUNK]
        width = part.dtype.itemsize
        lengths = np.char.str_len(part).astype(np.int32)
        if (lengths == width).all():  # one width (content hashes): Arrow shares the ids' bytes
            data = np.ascontiguousarray(part).view(np.uint8)
        else:
            matrix = part.view(np.uint8).reshape(len(part), width)
            data = matrix[np.arange(width) < lengths[:, None]]
        offsets = np.zeros(len(part) + 1, dtype=np.int32)
        np.cumsum(lengths, out=offsets[1:])
        chunk = pa.StringArray.from_buffers(
            len(part), pa.py_buffer(offsets), pa.py_buffer(np.ascontiguousarray(data))
        )
        chunk.validate(full=True)  # UTF-8 checked once, as pa.array(strings) would
        chunks.append(chunk)
    return pa.chunked_array(chunks, pa.string())


def id_strings(ids: np.ndarray) -> list[str]:
    """Some rows' ids as Python strings (for a chunk of rows: texts fetched, cache keys)."""
    return [i.decode() for i in compact_ids(ids).tolist()]
