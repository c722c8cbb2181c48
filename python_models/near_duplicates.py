"""Semantic near-duplicate links: embed, find neighbours above a threshold, join into components.

The steps, each small and testable on its own:

1. :func:`embed_conversations`: vectors for every conversation, through the embedding cache, so
   a rebuild embeds only conversations it has not seen (and scoring reuses the vectors).
2. :func:`candidate_pairs`: candidates from two sources, unioned.

   - Semantic: every pair with cosine similarity >= the candidate threshold. Below
     ``exact_below`` rows this is an exact blocked matrix product; above it a usearch HNSW
     index (int8, built single-threaded so the graph, and so the result, is the same on every
     run) proposes ``neighbours`` candidates per row, each re-scored exactly in float32. Both
     paths also report each row's nearest neighbour.
   - Lexical: MinHash LSH over word 3-gram shingles (datasketch, :mod:`lexical_overlap`), so
     light edits of long transcripts (typos, a lowercased turn, a pasted greeting) are found
     even where short turns moved the embedding.
3. :func:`verify_pairs`: every candidate is checked on exact evidence (:func:`pair_features`,
   :func:`accepted`). A pair is kept when its whole texts share enough word 3-grams (exact
   Jaccard) and each side (user turns, assistant turns) is similar by words or by meaning; or
   when the whole conversations and each side are semantically near-identical. Two answers to
   the same question share a long prompt and look alike as a whole; they are different
   training examples, and the side check is what keeps them apart.
4. :func:`cluster_labels`: connected components of the pair graph (union of neighbours).

:func:`link_conversations` returns one row per conversation (``LINKS_SCHEMA``): its component,
its confirmed neighbours, its nearest neighbour, and its vector when it has a neighbour. Which
member is kept and the cluster id are rules, so they live in SQL (``int_conversations_clustered``:
an edge case first, then the best tier, then the earliest file and line; the cluster id is the
smallest conversation id). The dbt model ``int_conversations_linked`` is a thin wrapper over
:func:`link_conversations`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from python_models.embeddings.backends import Embedder, get_embedder
from python_models.embeddings.cache import EmbeddingCache
from python_models.lexical_overlap import (
    NUM_PERM,
    ShingleSets,
    estimated_jaccard,
    lsh_pairs,
    minhash_signatures,
    pair_jaccard,
    shingle_sets,
)
from python_models.near_dup_evidence import DiskShingles, RowEvidence
from python_models.near_dup_partitions import (
    Budget,
    PairSpill,
    arrow_ids,
    new_index,
    partitioned,
    sharded_pairs,
)


@dataclass(frozen=True)
class Thresholds:
    """The verification rule's thresholds (docs/near_duplicates.md says how they were chosen).

    ``candidate``: embedding neighbours at or above this cosine are candidates. Semantic path:
    whole cosine >= ``whole`` and each side's cosine >= ``side``. Lexical path: whole-text word
    3-gram Jaccard >= ``lexical`` and each side's Jaccard >= ``lexical_side`` or its cosine >=
    ``side``.
    """

    candidate: float
    whole: float
    side: float
    lexical: float = 0.55
    lexical_side: float = 0.3


# Calibrated on the labelled evaluation set (docs/evaluation.md, `pixel-data eval neardup`): the
# highest recall whose precision is >= 0.99 on each half of the ground-truth groups and on the
# whole corpus. The static backend's were chosen that way; MiniLM's semantic thresholds are its
# embedding-only calibration (0.92 / 0.85 at precision >= 0.95) made stricter, not re-run.
DEFAULT_THRESHOLDS: dict[str, Thresholds] = {
    "static-minilm-distill-v1": Thresholds(
        candidate=0.98, whole=0.995, side=0.97, lexical=0.5, lexical_side=0.1
    ),
    "all-MiniLM-L6-v2": Thresholds(
        candidate=0.92, whole=0.96, side=0.92, lexical=0.5, lexical_side=0.1
    ),
}
FALLBACK_THRESHOLDS = Thresholds(candidate=0.95, whole=0.97, side=0.9)

LINKS_SCHEMA = pa.schema(
    [
        pa.field("conversation_id", pa.string(), nullable=False),
        # connected component of confirmed near-duplicate pairs (a label, not an id)
        pa.field("component", pa.int64(), nullable=False),
        pa.field("neighbour_ids", pa.list_(pa.string()), nullable=False),
        pa.field("nearest_id", pa.string()),
        pa.field("nearest_similarity", pa.float64()),
        # the conversation's vector, for its similarity to the representative; null when it has
        # no near-duplicate (only members of multi-member components need one)
        pa.field("embedding", pa.list_(pa.float32())),
        pa.field("embedding_model", pa.string()),
        pa.field("similarity_threshold", pa.float64()),
    ]
)


@dataclass(frozen=True)
class NearDupConfig:
    """How near-duplicates are found. ``threshold=None`` takes the backend's calibrated one."""

    enabled: bool = True
    backend: str = "default"
    threshold: float | None = None
    side_threshold: float | None = None
    # lexical candidates (MinHash LSH over word 3-grams) and their verification thresholds
    lexical: bool = True
    lexical_threshold: float | None = None
    lexical_side_threshold: float | None = None
    neighbours: int = 10
    exact_below: int = 20_000
    connectivity: int = 16
    # 32/32: on 88k sample-lake conversations the index puts 99.75% of exact pairs in the same
    # cluster (98.6% of the exact removals) at twice the speed of 64/64 (docs/benchmarks.md)
    expansion_add: int = 32
    expansion_search: int = 32
    # candidates whose int8 similarity is this far under the threshold are re-scored anyway
    rescore_margin: float = 0.05
    search_threads: int = 2
    batch_size: int = 8192
    progress: bool = True
    # past this many MiB the search is partitioned: rows on disk, the index in shards
    # (python_models/near_dup_partitions.py, dbt var near_dup_memory_budget_mib)
    memory_budget_mib: int = 4096

    def thresholds_for(self, model_id: str) -> Thresholds:
        """The configured thresholds where set, else the backend's calibrated ones."""
        base = DEFAULT_THRESHOLDS.get(model_id, FALLBACK_THRESHOLDS)
        whole = base.whole if self.threshold is None else float(self.threshold)
        return Thresholds(
            candidate=min(base.candidate, whole),
            whole=whole,
            side=base.side if self.side_threshold is None else float(self.side_threshold),
            lexical=(
                base.lexical if self.lexical_threshold is None else float(self.lexical_threshold)
            ),
            lexical_side=(
                base.lexical_side
                if self.lexical_side_threshold is None
                else float(self.lexical_side_threshold)
            ),
        )

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass
class Timings:
    """Seconds per step, for the benchmark and the build log."""

    steps: dict[str, float] = field(default_factory=dict)

    def record(self, step: str, started: float) -> None:
        self.steps[step] = round(self.steps.get(step, 0.0) + time.perf_counter() - started, 3)


# --------------------------------------------------------------------------------------------
# 1. embed
# --------------------------------------------------------------------------------------------


def embed_conversations(
    embedder: Embedder,
    ids: Sequence[str],
    text_batches: Iterable[tuple[Sequence[str], Sequence[str]]],
    *,
    cache: EmbeddingCache | None,
    batch_size: int = 8192,
    progress: bool = True,
) -> tuple[np.ndarray, int]:
    """Vectors for ``ids`` (row i for ids[i]) and how many were embedded fresh.

    The cache is read once for all ids. ``text_batches`` yields ``(ids, texts)`` in any order;
    texts of cached ids are skipped, so a rebuild that adds one file embeds only that file's
    new conversations. New vectors are written back in parts as they are made.
    """
    position = {cid: i for i, cid in enumerate(ids)}
    if cache is not None:
        found, vectors = cache.get_many(ids, embedder.model_id, embedder.dim)
    else:
        found = np.zeros(len(ids), dtype=bool)
        vectors = np.zeros((len(ids), embedder.dim), dtype=np.float32)
    if found.all():
        return vectors, 0

    def rows_of(batch_ids: Sequence[str]) -> np.ndarray:
        return np.fromiter((position.get(c, -1) for c in batch_ids), np.int64, len(batch_ids))

    def write(rows: np.ndarray, fresh: np.ndarray) -> None:
        vectors[rows] = fresh

    missing = ~found
    embedded = embed_missing(
        embedder,
        ids,
        rows_of,
        text_batches,
        missing,
        write,
        cache=cache,
        batch_size=batch_size,
        progress=progress,
    )
    if missing.any():
        raise ValueError(f"{int(missing.sum())} conversations had no text to embed")
    return vectors, embedded


def embed_missing(
    embedder: Embedder,
    ids: Sequence[str],
    rows_of: Callable[[Sequence[str]], np.ndarray],
    text_batches: Iterable[tuple[Sequence[str], Sequence[str]]],
    missing: np.ndarray,
    write: Callable[[np.ndarray, np.ndarray], None],
    *,
    cache: EmbeddingCache | None,
    batch_size: int = 8192,
    flush_rows: int = 100_000,
    progress: bool = True,
    on_batch: Callable[[np.ndarray, Sequence[str]], None] | None = None,
) -> int:
    """Embed the texts of the rows ``missing`` marks as they pass in ``text_batches``; returns
    how many. ``rows_of(batch ids)`` gives their rows (-1: not ours), ``write(rows, vectors)``
    stores vectors; each is cleared in ``missing`` and put in the cache, about every
    ``flush_rows`` (a killed build keeps what it made). ``on_batch(rows, texts)`` sees every
    batch (the signing)."""
    todo = int(missing.sum())
    bar = _progress(todo, progress and todo > 0, f"embedding {todo:,} new ({embedder.model_id})")
    pending_rows: list[int] = []
    pending_texts: list[str] = []
    embedded = 0

    def flush() -> None:
        nonlocal embedded
        if not pending_rows:
            return
        fresh = embedder.encode(pending_texts, batch_size=batch_size)
        rows = np.asarray(pending_rows, dtype=np.int64)
        write(rows, fresh)
        missing[rows] = False
        if cache is not None:
            cache.put_many([ids[r] for r in pending_rows], fresh, embedder.model_id)
        embedded += len(pending_rows)
        bar.update(len(pending_rows))
        pending_rows.clear()
        pending_texts.clear()

    try:
        for batch_ids, batch_texts in text_batches:
            rows = rows_of(batch_ids)
            if on_batch is not None:
                on_batch(rows, batch_texts)
            if not todo:
                continue
            for i in np.flatnonzero((rows >= 0) & missing[np.maximum(rows, 0)]).tolist():
                if missing[rows[i]]:  # an id repeated in the stream: embedded once
                    missing[rows[i]] = False  # (written at the next flush)
                    pending_rows.append(int(rows[i]))
                    pending_texts.append(batch_texts[i])
            # (an embedder on Ray asks for bigger calls, `call_rows`, so its jobs fill the cluster)
            if len(pending_rows) >= max(batch_size, getattr(embedder, "call_rows", flush_rows)):
                flush()
        flush()
    finally:
        bar.close()
    return embedded


def _progress(total: int, enabled: bool, desc: str):
    from python_models.progress import progress

    return progress(total, desc, enabled=enabled)


# --------------------------------------------------------------------------------------------
# 2. neighbours
# --------------------------------------------------------------------------------------------


@dataclass
class Neighbours:
    """Pairs ``left[i] < right[i]`` with ``similarity[i] >= threshold``, and each row's nearest."""

    left: np.ndarray
    right: np.ndarray
    similarity: np.ndarray
    nearest: np.ndarray  # row index of the nearest other row, -1 when none was seen
    nearest_similarity: np.ndarray  # nan when none was seen


def neighbour_pairs(
    vectors: np.ndarray,
    threshold: float,
    config: NearDupConfig,
    timings: Timings | None = None,
    built: list | None = None,
    workdir: Path | None = None,
) -> Neighbours:
    """Every pair at or above ``threshold`` (exact below ``config.exact_below`` rows). The HNSW
    index, when one was built (keys = row numbers), is appended to ``built``; past the memory
    budget the index is shards saved under ``workdir`` (:mod:`near_dup_partitions`), and
    ``built`` gets their list."""
    if len(vectors) < config.exact_below:
        return _exact_pairs(vectors, threshold)
    if partitioned(len(vectors), vectors.shape[1], config):
        return _sharded_pairs(vectors, threshold, config, timings or Timings(), built, workdir)
    return _ann_pairs(vectors, threshold, config, timings or Timings(), built)


def _sharded_pairs(vectors, threshold, config, timings, built, workdir, sink=None) -> Neighbours:
    import tempfile

    started = time.perf_counter()
    scratch = None
    if workdir is None:
        scratch = tempfile.TemporaryDirectory(prefix="near-dup-shards-")
        workdir = Path(scratch.name)
    found, nearest, nearest_sim, shards = sharded_pairs(vectors, threshold, config, workdir, sink)
    timings.record("index_build_and_search_sharded", started)
    timings.steps["index_shards"] = len(shards)
    if built is not None and scratch is None:
        built.append(shards)
    if scratch is not None:
        scratch.cleanup()
    return Neighbours(found.left, found.right, found.similarity, nearest, nearest_sim)


def _exact_pairs(vectors: np.ndarray, threshold: float, block: int = 2048) -> Neighbours:
    """Every pair at or above ``threshold`` and each row's nearest, by blocked products.

    Each row block is multiplied with itself and the rows after it only (half the products of
    a full square): a row's best among the rows before its block was already seen as a column
    of those earlier blocks. Ties go to the lowest row number, as one ``argmax`` over the full
    row would (earlier candidates win ties: they are lower). The tests compare it with a
    full-square version: a product of another shape may round its
    last bit differently, so an exact tie (two identical vectors) may name the other row of
    the same similarity as nearest (nothing downstream of ``int_conversations_clustered``
    reads it); on the 10,018-conversation evaluation corpus every output was bit-identical."""
    n = len(vectors)
    nearest = np.full(n, -1, dtype=np.int64)
    best = np.full(n, -np.inf, dtype=np.float32)
    lefts, rights, sims = [], [], []
    # one buffer for every block's products (a fresh 80 MB block each time costs page faults)
    buffer = np.empty(min(block, n) * n, dtype=np.result_type(vectors.dtype, np.float32))
    for start in range(0, n, block):
        stop = min(n, start + block)
        scores = buffer[: (stop - start) * (n - start)].reshape(stop - start, n - start)
        np.matmul(vectors[start:stop], vectors[start:].T, out=scores)  # columns: rows start..n-1
        local = np.arange(stop - start)
        scores[local, local] = -np.inf  # not oneself
        if n == 1:
            break
        # rows after this block: their best among this block's rows (lowest row on ties)
        if stop < n:
            after = scores[:, stop - start :]
            value = after.max(axis=0)
            better = value > best[stop:]
            if better.any():
                column_best = _first_row_of(after, value)
                best[stop:][better] = value[better]
                nearest[stop:][better] = column_best[better] + start
        # this block's rows: their best among rows start..n-1, against earlier candidates
        row_best = np.argmax(scores, axis=1)
        value = scores[local, row_best]
        better = value > best[start:stop]
        best[start:stop][better] = value[better]
        nearest[start:stop][better] = row_best[better] + start
        # pairs: only rows whose best in the block reaches the threshold can have one; a row at
        # a time (a 2-D nonzero over those rows' copy cost 4x as much on the corpus)
        for row in np.flatnonzero(value >= threshold).tolist():
            columns = np.flatnonzero(scores[row] >= threshold)
            columns = columns[columns > row]  # each pair once
            lefts.append(np.full(len(columns), row + start, dtype=np.int64))
            rights.append(columns + start)
            sims.append(scores[row, columns])
        del scores
    del buffer
    nearest_sim = np.full(n, np.nan, dtype=np.float32)
    if n > 1:
        # row-wise, not the block product's value: the same whatever the block (incremental)
        for start in range(0, n, block):
            rows = slice(start, start + block)
            nearest_sim[rows] = np.einsum("ij,ij->i", vectors[rows], vectors[nearest[rows]])
    return _neighbours(lefts, rights, sims, nearest, nearest_sim)


def _first_row_of(scores: np.ndarray, value: np.ndarray) -> np.ndarray:
    """For each column, the lowest row where ``scores`` equals ``value`` (its column maximum):
    ``np.argmax(scores, axis=0)`` without its strided walk down every column (10x the CPU on
    a block of 2,048 rows). Rows are visited from the last, so the lowest one is written last."""
    out = np.zeros(scores.shape[1], dtype=np.int64)
    for row in range(len(scores) - 1, -1, -1):
        out[scores[row] == value] = row
    return out


def _ann_pairs(
    vectors: np.ndarray,
    threshold: float,
    config: NearDupConfig,
    timings: Timings,
    built: list | None = None,
) -> Neighbours:
    started = time.perf_counter()
    n, dim = vectors.shape
    index = new_index(dim, config)
    # one thread: the HNSW graph depends on insertion order, so this makes it reproducible
    index.add(np.arange(n, dtype=np.uint64), vectors, threads=1)
    timings.record("index_build", started)
    started = time.perf_counter()
    k = min(config.neighbours + 1, n)
    nearest = np.full(n, -1, dtype=np.int64)
    nearest_sim = np.full(n, np.nan, dtype=np.float32)
    lefts, rights, sims = [], [], []
    block = 32_768
    floor = threshold - config.rescore_margin
    for start in range(0, n, block):
        stop = min(n, start + block)
        found = index.search(vectors[start:stop], k, threads=config.search_threads)
        keys = found.keys.astype(np.int64).reshape(-1)
        approx = 1.0 - found.distances.astype(np.float32).reshape(-1)
        rows = np.repeat(np.arange(start, stop), k)
        valid = (keys != rows) & (keys >= 0) & (keys < n)
        # the nearest other row: the best-ranked valid candidate, then scored exactly
        ranked = np.where(valid, approx, -np.inf).reshape(stop - start, k)
        best = np.argmax(ranked, axis=1)
        has = np.isfinite(ranked[np.arange(stop - start), best])
        best_cols = keys.reshape(stop - start, k)[np.arange(stop - start), best]
        own = np.arange(start, stop)[has]
        nearest[own] = best_cols[has]
        nearest_sim[own] = np.einsum("ij,ij->i", vectors[own], vectors[best_cols[has]])
        # candidate pairs: int8 similarity within the margin, then re-scored in float32
        close = valid & (approx >= floor)
        rows, cols = rows[close], keys[close]
        exact = np.einsum("ij,ij->i", vectors[rows], vectors[cols])
        keep = exact >= threshold
        lefts.append(np.minimum(rows[keep], cols[keep]))
        rights.append(np.maximum(rows[keep], cols[keep]))
        sims.append(exact[keep])
    timings.record("index_search_and_rescore", started)
    timings.steps["index_memory_mib"] = round(index.memory_usage / 2**20, 1)
    if built is not None:
        built.append(index)
    pairs = _neighbours(lefts, rights, sims, nearest, nearest_sim)
    # a pair found from both ends appears twice
    if len(pairs.left):
        key = pairs.left * n + pairs.right
        _, unique = np.unique(key, return_index=True)
        pairs.left, pairs.right = pairs.left[unique], pairs.right[unique]
        pairs.similarity = pairs.similarity[unique]
    return pairs


def budget_of(rows: int, vectors: np.ndarray, config: NearDupConfig) -> int | None:
    """The memory budget the bulk steps keep to: None (all in memory) below the partitioned size."""
    if partitioned(rows, vectors.shape[1], config):
        return config.memory_budget_mib
    return None


def pair_chunk(vectors: np.ndarray, config: NearDupConfig) -> int | None:
    """Candidate pairs verified at a time: all below the partitioned size."""
    budget = budget_of(len(vectors), vectors, config)
    return None if budget is None else Budget(budget).pair_chunk()


def cosine_step(vectors: np.ndarray, config: NearDupConfig) -> int:
    """Pairs scored at a time by :func:`_cosines` on the stage's vectors: past the partitioned
    size they are on disk, and a step's rows (and their mapped pages) count against the budget."""
    budget = budget_of(len(vectors), vectors, config)
    return _PAIR_CHUNK if budget is None else Budget(budget).cosine_pairs(vectors.shape[1])


def _neighbours(lefts, rights, sims, nearest, nearest_sim) -> Neighbours:
    def cat(parts, dtype):
        return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype=dtype)

    return Neighbours(
        cat(lefts, np.int64),
        cat(rights, np.int64),
        cat(sims, np.float32),
        nearest,
        nearest_sim,
    )


# --------------------------------------------------------------------------------------------
# 3. components
# --------------------------------------------------------------------------------------------


def cluster_labels(n: int, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Connected component of every row (union of all neighbour pairs)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    if n == 0:
        return np.zeros(0, dtype=np.int64)
    graph = coo_matrix((np.ones(len(left), dtype=np.int8), (left, right)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    return labels.astype(np.int64)


def unlinked_table(ids: np.ndarray) -> pa.Table:
    """Every conversation its own component: the output when near-dup detection is off."""
    return pa.Table.from_batches(list(_unlinked_batches(ids, max(1, len(ids)))), LINKS_SCHEMA)


def unlinked_links(ids: np.ndarray, output: Path | None = None) -> pa.Table | Path:
    """:func:`unlinked_table`, or with ``output`` written there (:func:`write_links`)."""
    if output is None:
        return unlinked_table(ids)
    return write_links(output, _unlinked_batches(ids, LINKS_ROWS))


def _unlinked_batches(ids: np.ndarray, rows: int) -> Iterator[pa.RecordBatch]:
    """:func:`unlinked_table` ``rows`` rows at a time."""
    for start in range(0, len(ids), rows):
        m = len(ids[start : start + rows])
        yield pa.RecordBatch.from_arrays(
            [
                _one_chunk(arrow_ids(ids[start : start + m])),
                pa.array(np.arange(start, start + m, dtype=np.int64)),
                pa.ListArray.from_arrays(
                    pa.array(np.zeros(m + 1, dtype=np.int32)), pa.array([], pa.string())
                ),
                pa.nulls(m, pa.string()),
                pa.nulls(m, pa.float64()),
                pa.nulls(m, pa.list_(pa.float32())),
                pa.nulls(m, pa.string()),
                pa.nulls(m, pa.float64()),
            ],
            schema=LINKS_SCHEMA,
        )


def _one_chunk(column: pa.ChunkedArray) -> pa.Array:
    return column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()


PairTexts = Callable[[np.ndarray, str], Sequence[str]]
Encode = Callable[[Sequence[str]], np.ndarray]
_PAIR_CHUNK = 65_536  # pairs a step: two 64 MiB blocks of 256-dim vectors
_LINKED_STEP = 8_192  # rows a step into the links table's vectors (8 MiB and its mapped pages)
# rows a batch of the links table (at most ~1.2 KiB a row: a vector, ids, neighbours)
LINKS_ROWS = 65_536
_MAX_LINKS_ROWS = 1 << 20  # below arrow_ids' chunk: a batch's ids are one Arrow array
SIDES = ("user", "assistant")


def candidate_pairs(
    vectors: np.ndarray,
    signatures: np.ndarray | None,
    thresholds: Thresholds,
    config: NearDupConfig,
    timings: Timings | None = None,
    built: list | None = None,
    workdir: Path | None = None,
) -> Neighbours:
    """Embedding neighbours >= ``thresholds.candidate`` unioned with MinHash LSH pairs.

    Every pair carries its exact whole-conversation cosine; each row its nearest neighbour by
    embedding. ``signatures=None`` leaves the lexical source out.
    """
    timings = timings or Timings()
    pairs = neighbour_pairs(vectors, thresholds.candidate, config, timings, built, workdir)
    if signatures is None or not len(vectors):
        return pairs
    started = time.perf_counter()
    left, right = lsh_pairs(signatures, budget_mib=budget_of(len(vectors), vectors, config))
    timings.record("lexical_candidates", started)
    timings.steps["lexical_candidate_pairs"] = len(left)
    n = len(vectors)
    key = np.concatenate([pairs.left * n + pairs.right, left * n + right])
    unique_key = np.unique(key)
    pairs.left, pairs.right = unique_key // n, unique_key % n
    step = cosine_step(vectors, config)
    pairs.similarity = _cosines(vectors, vectors, pairs.left, pairs.right, step).astype(np.float32)
    return pairs


def _cosines(
    a: np.ndarray, b: np.ndarray, left: np.ndarray, right: np.ndarray, step: int = _PAIR_CHUNK
) -> np.ndarray:
    """Row-wise dot products ``a[left[i]] . b[right[i]]``, ``step`` pairs at a time."""
    out = np.zeros(len(left), dtype=np.float64)
    for start in range(0, len(left), step):
        chunk = slice(start, start + step)
        out[chunk] = np.einsum("ij,ij->i", a[left[chunk]], b[right[chunk]])
    return out


@dataclass
class PairFeatures:
    """The evidence about each candidate pair that :func:`accepted` decides on."""

    whole_cosine: np.ndarray
    whole_jaccard: np.ndarray
    side_cosine: dict[str, np.ndarray]
    side_jaccard: dict[str, np.ndarray]


def _rows_of(left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The sorted unique rows of some pairs, and each pair's two positions among them."""
    rows = np.unique(np.concatenate([left, right]))
    return rows, np.searchsorted(rows, left), np.searchsorted(rows, right)


class KeptShingles:
    """The whole texts' shingle sets made while signing, kept for the verification, so the
    candidates' whole texts are not fetched and cut into words a second time. Kept only up to
    ``max_values`` shingles (4 bytes each); past that, or for a row never signed,
    :meth:`of` gives None and the texts are cut again."""

    def __init__(self, rows: int, max_values: int) -> None:
        self.max_values = max_values
        self._parts: list[ShingleSets] = []
        self._at = np.full(rows, -1, dtype=np.int64)  # row -> its set among the parts
        self._count = self._values = 0
        self.dropped = False
        self._all: ShingleSets | None = None

    def add(self, rows: np.ndarray, sets: ShingleSets) -> None:
        """The sets of ``rows`` (``sets[i]`` is row ``rows[i]``'s)."""
        if self.dropped:
            return
        self._values += len(sets.values)
        if self._values > self.max_values:
            self.dropped, self._parts, self._all = True, [], None
            return
        self._parts.append(sets)
        self._at[rows] = self._count + np.arange(len(rows))
        self._count += len(rows)
        self._all = None

    def of(self, rows: np.ndarray) -> ShingleSets | None:
        """The sets of ``rows``, or None when some were not kept."""
        if self.dropped:
            return None
        at = self._at[rows]
        if (at < 0).any():
            return None
        if self._all is None:
            self._all = ShingleSets.concat(self._parts)
            self._parts = [self._all]
        return self._all.take(at)


def whole_jaccard(
    left: np.ndarray,
    right: np.ndarray,
    texts_of: PairTexts,
    kept: KeptShingles | None = None,
) -> np.ndarray:
    """Exact word 3-gram Jaccard of each pair's whole texts (their sets from ``kept`` where
    it has them, else cut from the texts)."""
    rows, at_left, at_right = _rows_of(left, right)
    sets = kept.of(rows) if kept is not None else None
    if sets is None:
        sets = shingle_sets(texts_of(rows, "whole"))
    return pair_jaccard(sets, at_left, at_right)


def side_evidence(
    left: np.ndarray, right: np.ndarray, texts_of: PairTexts, encode: Encode
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Each side's (user turns, assistant turns) cosine and exact word 3-gram Jaccard, per pair.

    Texts are fetched one side at a time, for rows in some pair only, so memory holds one side's
    texts and vectors.
    """
    return _side_evidence(left, right, texts_of, encode, with_jaccard=True)


def _side_evidence(
    left: np.ndarray,
    right: np.ndarray,
    texts_of: PairTexts,
    encode: Encode,
    *,
    with_jaccard: bool,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    rows, at_left, at_right = _rows_of(left, right)
    cosine: dict[str, np.ndarray] = {}
    jaccard: dict[str, np.ndarray] = {}
    for side in SIDES:
        texts = list(texts_of(rows, side))
        vectors = encode(texts) if len(rows) else np.zeros((0, 1), dtype=np.float32)
        cosine[side] = _cosines(vectors, vectors, at_left, at_right)
        if with_jaccard:
            jaccard[side] = pair_jaccard(shingle_sets(texts), at_left, at_right)
        del vectors, texts
    return cosine, jaccard


def pair_features(
    left: np.ndarray,
    right: np.ndarray,
    whole_cosine: np.ndarray,
    texts_of: PairTexts,
    encode: Encode,
) -> PairFeatures:
    """All the evidence :func:`accepted` decides on, for every pair (the evaluation's view).

    ``texts_of(rows, part)`` gives the ``part`` ("whole", "user" or "assistant") texts of rows.
    """
    cosine, jaccard = side_evidence(left, right, texts_of, encode)
    return PairFeatures(
        np.asarray(whole_cosine), whole_jaccard(left, right, texts_of), cosine, jaccard
    )


def accepted(features: PairFeatures, thresholds: Thresholds) -> np.ndarray:
    """Which pairs are near-duplicates: lexical evidence or semantic evidence, sides included.

    Lexical: the whole texts share >= ``lexical`` of their word 3-grams and each side shares
    >= ``lexical_side`` or is semantically close (>= ``side``): a short turn that an edit moved
    in embedding space still counts by its words, a rephrased side by its meaning. Semantic:
    whole cosine >= ``whole`` and each side's cosine >= ``side``.
    """
    lexical = features.whole_jaccard >= thresholds.lexical
    semantic = features.whole_cosine >= thresholds.whole
    for side in SIDES:
        close = features.side_cosine[side] >= thresholds.side
        lexical &= close | (features.side_jaccard[side] >= thresholds.lexical_side)
        semantic &= close
    return lexical | semantic


# A candidate whose MinHash estimate of its Jaccard is this far under the lexical threshold, and
# whose cosine is under the semantic one, is rejected before any exact work: with 128 values
# the estimate's standard error is at most 0.044, so this is 4.5 standard errors.
PREFILTER_MARGIN = 0.2


def _keep(pairs: Neighbours, keep: np.ndarray) -> None:
    pairs.left, pairs.right, pairs.similarity = (
        pairs.left[keep],
        pairs.right[keep],
        pairs.similarity[keep],
    )


def _keep_plausible(
    pairs: Neighbours, signatures: np.ndarray | None, thresholds: Thresholds
) -> None:
    """The verification's first stage, in both paths: keep the pairs whose embedding passes the
    whole-text bar or whose MinHash estimate is within `PREFILTER_MARGIN` of the lexical bar
    (no signatures: every pair)."""
    if signatures is not None and len(pairs.left):
        estimate = estimated_jaccard(signatures, pairs.left, pairs.right)
        _keep(
            pairs,
            (pairs.similarity >= thresholds.whole)
            | (estimate >= thresholds.lexical - PREFILTER_MARGIN),
        )


def verify_pairs(
    pairs: Neighbours,
    texts_of: PairTexts,
    encode: Encode,
    thresholds: Thresholds,
    signatures: np.ndarray | None = None,
    chunk: int | None = None,
    kept: KeptShingles | None = None,
) -> int:
    """Keep the candidate pairs :func:`accepted` accepts; returns how many were rejected.

    In stages, each cheaper than the next, so the exact evidence is computed only where it can
    change the answer: the MinHash estimate (when ``signatures`` are given), then the whole
    texts' exact Jaccard, then the sides. With ``chunk``, ``chunk`` pairs at a time (a pair's
    verdict depends on its two conversations only, so the kept pairs are the same), so memory
    holds one chunk's texts.
    """
    if chunk is not None and len(pairs.left) > chunk:
        before = len(pairs.left)
        pieces = []
        for start in range(0, before, chunk):
            part = slice(start, start + chunk)
            piece = Neighbours(
                pairs.left[part],
                pairs.right[part],
                pairs.similarity[part],
                pairs.nearest,
                pairs.nearest_similarity,
            )
            verify_pairs(piece, texts_of, encode, thresholds, signatures, kept=kept)
            pieces.append(piece)
        pairs.left = np.concatenate([p.left for p in pieces])
        pairs.right = np.concatenate([p.right for p in pieces])
        pairs.similarity = np.concatenate([p.similarity for p in pieces])
        return before - len(pairs.left)
    before = len(pairs.left)
    _keep_plausible(pairs, signatures, thresholds)
    if len(pairs.left):
        lexical = whole_jaccard(pairs.left, pairs.right, texts_of, kept)
        either = (lexical >= thresholds.lexical) | (pairs.similarity >= thresholds.whole)
        _keep(pairs, either)
        lexical = lexical[either]
    if len(pairs.left):
        cosine, jaccard = _side_evidence_needed(pairs, lexical, texts_of, encode, thresholds)
        features = PairFeatures(pairs.similarity, lexical, cosine, jaccard)
        _keep(pairs, accepted(features, thresholds))
    return before - len(pairs.left)


def side_vectors_needed(
    whole_jaccard: np.ndarray, side_jaccard: dict[str, np.ndarray], thresholds: Thresholds
) -> np.ndarray:
    """The pairs whose side cosines can change the verdict (:func:`_side_evidence_needed`):
    off the lexical path, or a side sharing under ``lexical_side`` of its 3-grams."""
    needed = whole_jaccard < thresholds.lexical
    for side in SIDES:
        needed |= side_jaccard[side] < thresholds.lexical_side
    return needed


def _side_evidence_needed(
    pairs: Neighbours,
    whole_jaccard: np.ndarray,
    texts_of: PairTexts,
    encode: Encode,
    thresholds: Thresholds,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """:func:`side_evidence`, with the side vectors computed only where they can change the
    verdict: a pair on the lexical path (``whole_jaccard`` >= ``lexical``) whose every side
    shares >= ``lexical_side`` of its 3-grams is accepted whatever its side cosines, so those
    stay nan (never "close"). That holds for a pair on the semantic path too: most near-identical
    pairs (whole cosine >= ``whole``) are also on the lexical path, and need no side vector."""
    rows, at_left, at_right = _rows_of(pairs.left, pairs.right)
    jaccard = {
        side: pair_jaccard(shingle_sets(texts_of(rows, side)), at_left, at_right) for side in SIDES
    }
    needed = side_vectors_needed(whole_jaccard, jaccard, thresholds)
    cosine = {side: np.full(len(pairs.left), np.nan) for side in SIDES}
    if needed.any():
        part, _ = _side_evidence(
            pairs.left[needed], pairs.right[needed], texts_of, encode, with_jaccard=False
        )
        for side in SIDES:
            cosine[side][needed] = part[side]
    return cosine, jaccard


def link_table(
    ids: np.ndarray,
    vectors: np.ndarray,
    thresholds: Thresholds,
    model_id: str,
    config: NearDupConfig,
    *,
    signatures: np.ndarray | None = None,
    texts_of: PairTexts | None = None,
    encode: Encode | None = None,
    timings: Timings | None = None,
    built: list | None = None,
    workdir: Path | None = None,
    output: Path | None = None,
    kept: KeptShingles | DiskShingles | None = None,
) -> tuple[pa.Table | Path, Neighbours]:
    """Steps 2-4 on embedded rows: the links table (one row per conversation) and the pairs.
    ``kept``: the whole texts' shingle sets from the signing, for the verification (on disk,
    :class:`DiskShingles`, past the memory budget).

    Without ``texts_of``/``encode`` there is no exact evidence to verify on: pairs are kept on
    whole-conversation cosine >= ``thresholds.whole`` alone. With ``output`` (a folder) the
    links table is written there in row chunks and its path returned (:func:`links_from_pairs`).
    """
    timings = timings or Timings()
    if texts_of is not None and encode is not None and budget_of(len(vectors), vectors, config):
        pairs = _spilled_pairs(
            vectors, signatures, thresholds, config, timings, built, workdir, texts_of, encode,
            whole=kept if isinstance(kept, DiskShingles) else None,
        )  # fmt: skip
        started = time.perf_counter()
        table = links_from_pairs(
            ids, vectors, pairs, thresholds, model_id, timings, output=output,
            rows=links_rows(vectors, config),
        )  # fmt: skip
        timings.record("components", started)
        return table, pairs
    started = time.perf_counter()
    pairs = candidate_pairs(vectors, signatures, thresholds, config, timings, built, workdir)
    timings.record("neighbours", started)
    timings.steps["candidate_pairs"] = len(pairs.left)
    started = time.perf_counter()
    if texts_of is not None and encode is not None:
        timings.steps["pairs_rejected_by_verification"] = verify_pairs(
            pairs, texts_of, encode, thresholds, signatures, pair_chunk(vectors, config), kept
        )
    else:
        _keep(pairs, pairs.similarity >= thresholds.whole)
    timings.record("verify", started)
    started = time.perf_counter()
    table = links_from_pairs(
        ids, vectors, pairs, thresholds, model_id, timings, output=output,
        rows=links_rows(vectors, config),
    )  # fmt: skip
    timings.record("components", started)
    return table, pairs


def links_rows(vectors, config: NearDupConfig) -> int:
    """Rows a batch of the links table: the whole table below the memory budget, else a chunk
    of the budget's working share (a linked row holds its vector, ids and neighbours)."""
    if not budget_of(len(vectors), vectors, config):
        return LINKS_ROWS
    return Budget(config.memory_budget_mib).chunk_rows(4 * vectors.shape[1] + 256)


def _spilled_pairs(
    vectors,
    signatures,
    thresholds,
    config,
    timings,
    built,
    workdir,
    texts_of,
    encode,
    whole: DiskShingles | None = None,
) -> Neighbours:
    """:func:`candidate_pairs` then :func:`verify_pairs` past the memory budget, with the
    candidates on disk (:class:`PairSpill`): the search and LSH hand their pairs to the spill
    as found, and each bucket of left rows is de-duplicated, scored and verified on its own, so
    memory holds one bucket's candidates and the kept pairs, not every candidate (~50 bytes a
    candidate while they are unioned: GBs at millions of rows). The buckets in order are the
    sorted union, so the pairs kept are the same as the in-memory steps' (a pair's verdict
    depends on its two conversations only). The evidence of each row (3-gram sets, side
    vectors) is made once and kept on disk (:class:`RowEvidence`), so a row's texts are
    fetched once a part, not once a chunk of pairs; ``whole``: the whole texts' sets kept from
    the signing."""
    import tempfile

    budget = Budget(config.memory_budget_mib)
    started = time.perf_counter()
    sources = ("embedding", "lexical") if signatures is not None else ("embedding",)
    parent = None if workdir is None else Path(workdir).parent
    with tempfile.TemporaryDirectory(prefix="near-dup-pairs-", dir=parent) as folder:
        spill = PairSpill(
            Path(folder) / "spill",
            len(vectors),
            budget.pair_bucket_rows(config.neighbours),
            sources,
        )
        found = _sharded_pairs(
            vectors, thresholds.candidate, config, timings, built, workdir, spill.sink("embedding")
        )
        if signatures is not None:
            lexical_started = time.perf_counter()
            lsh_pairs(signatures, budget_mib=config.memory_budget_mib, sink=spill.sink("lexical"))
            timings.record("lexical_candidates", lexical_started)
        timings.record("neighbours", started)
        step, chunk = cosine_step(vectors, config), budget.pair_chunk()
        evidence = RowEvidence(
            Path(folder) / "evidence", len(vectors), texts_of, encode, budget, whole
        )
        lefts, rights, sims = [], [], []
        candidates = lexical = rejected = 0
        for keys in spill.buckets():
            scored = time.perf_counter()
            lexical += len(keys.get("lexical", ()))
            left, right = spill.pairs(keys.pop("all"))
            del keys
            similarity = _cosines(vectors, vectors, left, right, step).astype(np.float32)
            piece = Neighbours(left, right, similarity, found.nearest, found.nearest_similarity)
            candidates += len(left)
            timings.record("neighbours", scored)
            verified = time.perf_counter()
            rejected += _verify_with_evidence(piece, evidence, thresholds, signatures, chunk, step)
            lefts.append(piece.left)
            rights.append(piece.right)
            sims.append(piece.similarity)
            timings.record("verify", verified)
    timings.steps["index_spill_buckets"] = spill.count
    timings.steps["verify_texts_fetched"] = evidence.fetched
    timings.steps["verify_fetch_calls"] = evidence.fetch_calls
    if signatures is not None:
        timings.steps["lexical_candidate_pairs"] = lexical
    timings.steps["candidate_pairs"] = candidates
    timings.steps["pairs_rejected_by_verification"] = rejected
    return _neighbours(lefts, rights, sims, found.nearest, found.nearest_similarity)


def _verify_with_evidence(
    pairs: Neighbours,
    evidence: RowEvidence,
    thresholds: Thresholds,
    signatures,
    chunk: int,
    step: int,
) -> int:
    """:func:`verify_pairs` on one bucket of spilled candidates, its stages in the same order
    and on the same evidence, which ``evidence`` makes once a row (not once a chunk): the MinHash
    estimate, the whole texts' exact Jaccard, each side's Jaccard, and each side's cosine where
    it can change the verdict. ``chunk`` pairs' sets are read at a time."""
    before = len(pairs.left)
    _keep_plausible(pairs, signatures, thresholds)
    if not len(pairs.left):
        return before
    lexical = _stored_jaccard(evidence, "whole", pairs.left, pairs.right, chunk)
    either = (lexical >= thresholds.lexical) | (pairs.similarity >= thresholds.whole)
    _keep(pairs, either)
    lexical = lexical[either]
    if not len(pairs.left):
        return before
    jaccard = {
        side: _stored_jaccard(evidence, side, pairs.left, pairs.right, chunk) for side in SIDES
    }
    needed = side_vectors_needed(lexical, jaccard, thresholds)  # as verify_pairs
    cosine = {side: np.full(len(pairs.left), np.nan) for side in SIDES}
    if needed.any():
        left, right = pairs.left[needed], pairs.right[needed]
        for side in SIDES:  # encoded when the side's sets were made, above
            side_vectors = evidence.vectors(side)
            cosine[side][needed] = _cosines(side_vectors, side_vectors, left, right, step)
    features = PairFeatures(pairs.similarity, lexical, cosine, jaccard)
    _keep(pairs, accepted(features, thresholds))
    return before - len(pairs.left)


def _stored_jaccard(
    evidence: RowEvidence, part: str, left: np.ndarray, right: np.ndarray, chunk: int
) -> np.ndarray:
    """Exact word 3-gram Jaccard of each pair's ``part`` texts, ``chunk`` pairs' sets at once."""
    out = np.empty(len(left), dtype=np.float64)
    for start in range(0, len(left), chunk):
        part_pairs = slice(start, start + chunk)
        rows, at_left, at_right = _rows_of(left[part_pairs], right[part_pairs])
        out[part_pairs] = pair_jaccard(evidence.sets(part, rows), at_left, at_right)
    return out


def links_from_pairs(
    ids: np.ndarray,
    vectors: np.ndarray,
    pairs: Neighbours,
    thresholds: Thresholds,
    model_id: str,
    timings: Timings | None = None,
    *,
    output: Path | None = None,
    rows: int = LINKS_ROWS,
) -> pa.Table | Path:
    """Step 4 and the links table (LINKS_SCHEMA) from the verified pairs and nearest rows.

    With ``output`` (a folder) the table is not held: it is written there ``rows`` rows at a
    time (:func:`write_links`) and the Parquet file's path is returned."""
    n = len(ids)
    if timings is not None:
        timings.steps["pairs"] = len(pairs.left)
    batches = links_batches(ids, vectors, pairs, thresholds, model_id, rows)
    if output is not None:
        return write_links(output, batches)
    return pa.Table.from_batches(list(batches), LINKS_SCHEMA) if n else unlinked_table(ids)


def links_batches(
    ids: np.ndarray,
    vectors: np.ndarray,
    pairs: Neighbours,
    thresholds: Thresholds,
    model_id: str,
    rows: int = LINKS_ROWS,
) -> Iterator[pa.RecordBatch]:
    """The links table ``rows`` conversations at a time, in row order.

    Held for every row while the batches are made: the component labels (8 bytes) and which
    rows are linked (1); the pairs twice, sorted by their first member. A batch holds its rows'
    ids, neighbour ids, nearest ids and, for its linked rows, their vectors (read from
    ``vectors``, in memory or on disk, ``_LINKED_STEP`` rows at a time)."""
    n = len(ids)
    rows = max(1, min(rows, _MAX_LINKS_ROWS))
    labels = cluster_labels(n, pairs.left, pairs.right)
    linked = np.bincount(labels)[labels] > 1 if n else np.zeros(0, dtype=bool)
    source = np.concatenate([pairs.left, pairs.right])
    target = np.concatenate([pairs.right, pairs.left])
    order = np.lexsort((target, source))
    source, target = source[order], target[order]
    del order
    dim = vectors.shape[1] if len(vectors.shape) > 1 else 0
    for start in range(0, n, rows):
        end = min(n, start + rows)
        m = end - start
        names = _one_chunk(arrow_ids(ids[start:end]))
        lo, hi = np.searchsorted(source, [start, end])
        offsets = np.zeros(m + 1, dtype=np.int32)
        np.cumsum(np.bincount(source[lo:hi] - start, minlength=m), out=offsets[1:])
        values = _one_chunk(arrow_ids(ids[target[lo:hi]])) if hi > lo else pa.array([], pa.string())
        nearest = pairs.nearest[start:end]
        has_nearest = nearest >= 0
        nearest_names = _one_chunk(arrow_ids(ids[np.where(has_nearest, nearest, 0)]))
        nearest_ids = nearest_names.take(pa.array(np.arange(m), mask=~has_nearest))
        keep = linked[start:end]
        yield pa.RecordBatch.from_arrays(
            [
                names,
                pa.array(labels[start:end]),
                pa.ListArray.from_arrays(pa.array(offsets), values),
                nearest_ids,
                pa.array(
                    np.where(has_nearest, pairs.nearest_similarity[start:end], 0.0).astype(
                        np.float64
                    ),
                    mask=~has_nearest,
                ),
                _rows_as_lists(vectors, start + np.flatnonzero(keep), keep, dim),
                pa.repeat(pa.scalar(model_id, pa.string()), m),
                pa.array(np.full(m, thresholds.whole)),
            ],
            schema=LINKS_SCHEMA,
        )


def _rows_as_lists(vectors, rows: np.ndarray, keep: np.ndarray, dim: int) -> pa.ListArray:
    """``vectors[rows]`` as list<float32> at the positions where ``keep`` is true, null
    elsewhere; read ``_LINKED_STEP`` rows at a time into the one output array."""
    offsets = np.zeros(len(keep) + 1, dtype=np.int32)
    np.cumsum(np.where(keep, dim, 0), out=offsets[1:])
    out = np.empty((len(rows), dim), dtype=np.float32)
    for at in range(0, len(rows), _LINKED_STEP):
        out[at : at + _LINKED_STEP] = vectors[rows[at : at + _LINKED_STEP]]
    values = pa.array(out.reshape(-1))  # float32 without nulls: Arrow shares numpy's buffer
    return pa.ListArray.from_arrays(pa.array(offsets), values, mask=pa.array(~keep))


def write_links(
    folder: Path, batches: Iterable[pa.RecordBatch], name: str = "links.parquet"
) -> Path:
    """The links table's ``batches`` written to ``folder/name`` as they come, one row group a
    batch, so memory holds one batch and the writer's buffers, not the table. Written under a
    temporary name and renamed when complete."""
    path = Path(folder) / name
    partial = path.with_name(f".{name}.partial")
    with pq.ParquetWriter(partial, LINKS_SCHEMA) as writer:
        for batch in batches:
            writer.write_batch(batch)
    partial.replace(path)
    return path


def signing(
    ids: Sequence[str],
    text_batches: Iterable[tuple[Sequence[str], Sequence[str]]],
    signatures: np.ndarray,
    kept: KeptShingles | None = None,
) -> Iterator[tuple[Sequence[str], Sequence[str]]]:
    """Pass ``text_batches`` through, writing each text's MinHash signature at its id's row
    (and its shingle set into ``kept``, for the verification)."""
    position = {cid: i for i, cid in enumerate(ids)}
    for batch_ids, batch_texts in text_batches:
        rows = np.fromiter((position[c] for c in batch_ids), dtype=np.int64, count=len(batch_ids))
        if len(rows):
            sets = shingle_sets(batch_texts)
            signatures[rows] = minhash_signatures(sets)
            if kept is not None:
                kept.add(rows, sets)
        yield batch_ids, batch_texts


# the share of the memory budget the whole texts' shingle sets may take while kept from the
# signing for the verification (in the in-memory path only; 4 bytes a shingle)
KEPT_SHINGLES_SHARE = 16


def kept_shingles(rows: int, dim: int, config: NearDupConfig) -> KeptShingles | None:
    """Where the signing keeps the whole texts' shingle sets for the verification: below the
    partitioned size, up to 1/``KEPT_SHINGLES_SHARE`` of the memory budget (twice that for a
    moment, when the verification first joins the batches' sets into one array)."""
    if not config.lexical or partitioned(rows, dim, config):
        return None
    return KeptShingles(rows, config.memory_budget_mib * 2**20 // KEPT_SHINGLES_SHARE // 4)


def link_conversations(
    ids: np.ndarray,
    text_batches: Iterable[tuple[Sequence[str], Sequence[str]]],
    texts_of_ids: Callable[[Sequence[str], str], Sequence[str]],
    config: NearDupConfig,
    *,
    cache: EmbeddingCache | None = None,
    embedder: Embedder | None = None,
    timings: Timings | None = None,
    output: Path | None = None,
) -> pa.Table | Path:
    """The links table for ``ids`` (see LINKS_SCHEMA): embed and sign, pair, verify, components.
    With ``output`` (a folder) it is written there as Parquet in row chunks, not held, and the
    file's path is returned (:func:`write_links`).

    ``text_batches`` yields ``(conversation ids, conversation texts)`` for every id (texts of
    ids missing from the cache are embedded; every text is signed for the lexical candidates);
    ``texts_of_ids(ids, part)`` gives the "whole", "user" or "assistant" texts of some
    conversations (candidates only).
    """
    ids = np.asarray(ids, dtype=object)
    if not config.enabled or len(ids) == 0:
        return unlinked_links(ids, output)
    timings = timings if timings is not None else Timings()
    started = time.perf_counter()
    embedder = embedder or get_embedder(config.backend)
    timings.record("load_model", started)
    started = time.perf_counter()
    signatures = None
    kept = kept_shingles(len(ids), embedder.dim, config)
    if config.lexical:
        signatures = np.full((len(ids), NUM_PERM), np.iinfo(np.uint32).max, dtype=np.uint32)
        text_batches = signing(list(ids), text_batches, signatures, kept)
    text_batches = iter(text_batches)
    vectors, fresh = embed_conversations(
        embedder,
        list(ids),
        text_batches,
        cache=cache if cache is not None else EmbeddingCache(),
        batch_size=config.batch_size,
        progress=config.progress,
    )
    for _ in text_batches:  # when every vector was cached, the texts still need signing
        pass
    timings.record("embed_and_sign", started)
    timings.steps["embedded_fresh"] = fresh

    def texts_of(rows: np.ndarray, part: str) -> Sequence[str]:
        return texts_of_ids(list(ids[rows]), part)

    def encode(texts: Sequence[str]) -> np.ndarray:
        return embedder.encode(list(texts), batch_size=config.batch_size)

    table, _ = link_table(
        ids,
        vectors,
        config.thresholds_for(embedder.model_id),
        embedder.model_id,
        config,
        signatures=signatures,
        texts_of=texts_of,
        encode=encode,
        timings=timings,
        output=output,
        kept=kept,
    )
    return table
