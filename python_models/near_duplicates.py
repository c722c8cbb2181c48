"""Semantic near-duplicate links: embed, find neighbours above a threshold, join into components.

The steps, each small and testable on its own:

1. :func:`embed_conversations`: vectors for every conversation, through the embedding cache, so
   a rebuild embeds only conversations it has not seen (and scoring reuses the vectors).
2. :func:`neighbour_pairs`: every pair with cosine similarity >= the threshold. Below
   ``exact_below`` rows this is an exact blocked matrix product; above it a usearch HNSW index
   (int8, built single-threaded so the graph, and so the result, is the same on every run)
   proposes ``neighbours`` candidates per row, and every candidate is re-scored exactly in
   float32 before it is kept. Both paths also report each row's nearest neighbour.
   :func:`confirm_pairs` then checks each candidate pair side by side: the user turns of the
   two conversations, and their assistant turns, must each be at least ``side_threshold``
   similar. Two answers to the same question share a long prompt and look alike as a whole;
   they are different training examples, and this is what keeps them apart.
3. :func:`cluster_labels`: connected components of the pair graph (union of neighbours).

:func:`link_conversations` returns one row per conversation (``LINKS_SCHEMA``): its component,
its confirmed neighbours, its nearest neighbour, and its vector when it has a neighbour. Which
member is kept and the cluster id are rules, so they live in SQL (``int_conversations_clustered``:
an edge case first, then the best tier, then the earliest file and line; the cluster id is the
smallest conversation id). The dbt model ``int_conversations_linked`` is a thin wrapper over
:func:`link_conversations`.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
import pyarrow as pa

from python_models.embeddings.backends import Embedder, get_embedder
from python_models.embeddings.cache import EmbeddingCache

# Calibrated on the labelled evaluation set (docs/evaluation.md, `pixel-data eval neardup`), per
# backend: (whole-conversation threshold, per-side threshold) with the highest recall whose
# precision on the calibration half is >= 0.95.
DEFAULT_THRESHOLDS: dict[str, tuple[float, float]] = {
    "static-minilm-distill-v1": (0.98, 0.88),
    "all-MiniLM-L6-v2": (0.92, 0.85),
}

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

    def thresholds_for(self, model_id: str) -> tuple[float, float]:
        """(whole, side) thresholds: the configured ones, else the backend's calibrated ones."""
        whole, side = DEFAULT_THRESHOLDS.get(model_id, (0.95, 0.85))
        return (
            whole if self.threshold is None else float(self.threshold),
            side if self.side_threshold is None else float(self.side_threshold),
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
    todo = int((~found).sum())
    embedded = 0
    if not todo:
        return vectors, 0
    bar = _progress(todo, progress, f"embedding {todo:,} new ({embedder.model_id})")
    pending_ids: list[str] = []
    pending_texts: list[str] = []

    def flush() -> None:
        nonlocal embedded
        if not pending_ids:
            return
        fresh = embedder.encode(pending_texts, batch_size=batch_size)
        rows = np.fromiter((position[c] for c in pending_ids), dtype=np.int64)
        vectors[rows] = fresh
        found[rows] = True
        if cache is not None:
            cache.put_many(pending_ids, fresh, embedder.model_id)
        embedded += len(pending_ids)
        bar.update(len(pending_ids))
        pending_ids.clear()
        pending_texts.clear()

    try:
        for batch_ids, batch_texts in text_batches:
            for cid, text in zip(batch_ids, batch_texts, strict=True):
                row = position.get(cid)
                if row is None or found[row]:
                    continue
                pending_ids.append(cid)
                pending_texts.append(text)
            # write the cache every ~100k vectors: a killed build keeps what it made
            if len(pending_ids) >= max(batch_size, 100_000):
                flush()
        flush()
    finally:
        bar.close()
    if not found.all():
        raise ValueError(f"{int((~found).sum())} conversations had no text to embed")
    return vectors, embedded


def _progress(total: int, enabled: bool, desc: str):
    if enabled:
        from tqdm.auto import tqdm

        return tqdm(
            total=total, desc=desc, unit="conv", unit_scale=True, mininterval=2.0, file=sys.stderr
        )

    class _Silent:
        def update(self, n: int) -> None:
            pass

        def close(self) -> None:
            pass

    return _Silent()


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
    vectors: np.ndarray, threshold: float, config: NearDupConfig, timings: Timings | None = None
) -> Neighbours:
    """Every pair at or above ``threshold`` (exact below ``config.exact_below`` rows)."""
    if len(vectors) < config.exact_below:
        return _exact_pairs(vectors, threshold)
    return _ann_pairs(vectors, threshold, config, timings or Timings())


def _exact_pairs(vectors: np.ndarray, threshold: float, block: int = 2048) -> Neighbours:
    n = len(vectors)
    nearest = np.full(n, -1, dtype=np.int64)
    nearest_sim = np.full(n, np.nan, dtype=np.float32)
    lefts, rights, sims = [], [], []
    for start in range(0, n, block):
        stop = min(n, start + block)
        scores = vectors[start:stop] @ vectors.T
        rows = np.arange(start, stop)
        scores[rows - start, rows] = -np.inf  # not oneself
        if n > 1:
            best = np.argmax(scores, axis=1)
            nearest[start:stop] = best
            nearest_sim[start:stop] = scores[rows - start, best]
        r, c = np.nonzero(scores >= threshold)
        keep = c > r + start  # each pair once
        lefts.append(r[keep] + start)
        rights.append(c[keep])
        sims.append(scores[r[keep], c[keep]])
    return _neighbours(lefts, rights, sims, nearest, nearest_sim)


def _ann_pairs(
    vectors: np.ndarray, threshold: float, config: NearDupConfig, timings: Timings
) -> Neighbours:
    from usearch.index import Index

    started = time.perf_counter()
    n, dim = vectors.shape
    index = Index(
        ndim=dim,
        metric="cos",
        dtype="i8",
        connectivity=config.connectivity,
        expansion_add=config.expansion_add,
        expansion_search=config.expansion_search,
    )
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
    pairs = _neighbours(lefts, rights, sims, nearest, nearest_sim)
    # a pair found from both ends appears twice
    if len(pairs.left):
        key = pairs.left * n + pairs.right
        _, unique = np.unique(key, return_index=True)
        pairs.left, pairs.right = pairs.left[unique], pairs.right[unique]
        pairs.similarity = pairs.similarity[unique]
    return pairs


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
    n = len(ids)
    return pa.table(
        {
            "conversation_id": pa.array(ids, type=pa.string()),
            "component": pa.array(np.arange(n, dtype=np.int64)),
            "neighbour_ids": pa.array([[] for _ in range(n)], type=pa.list_(pa.string())),
            "nearest_id": pa.nulls(n, pa.string()),
            "nearest_similarity": pa.nulls(n, pa.float64()),
            "embedding": pa.nulls(n, pa.list_(pa.float32())),
            "embedding_model": pa.nulls(n, pa.string()),
            "similarity_threshold": pa.nulls(n, pa.float64()),
        },
        schema=LINKS_SCHEMA,
    )


SideVectors = Callable[[np.ndarray, str], np.ndarray]
_PAIR_CHUNK = 262_144
SIDES = ("user", "assistant")


def confirm_pairs(pairs: Neighbours, side_vectors: SideVectors, side_threshold: float) -> int:
    """Keep candidate pairs whose user sides and assistant sides are each similar enough.

    ``side_vectors(rows, side)`` gives the ``side`` ("user" or "assistant") vectors of those
    rows; it is asked only for rows still in some candidate pair, one side at a time, so memory
    holds one side's vectors. Returns how many candidates were rejected.
    """
    before = len(pairs.left)
    for side in SIDES:
        if not len(pairs.left):
            break
        rows = np.unique(np.concatenate([pairs.left, pairs.right]))  # sorted
        vectors = side_vectors(rows, side)
        left, right = np.searchsorted(rows, pairs.left), np.searchsorted(rows, pairs.right)
        keep = np.zeros(len(left), dtype=bool)
        for start in range(0, len(left), _PAIR_CHUNK):  # bounded memory: chunk x dim floats
            chunk = slice(start, start + _PAIR_CHUNK)
            similarity = np.einsum("ij,ij->i", vectors[left[chunk]], vectors[right[chunk]])
            keep[chunk] = similarity >= side_threshold
        del vectors
        pairs.left, pairs.right, pairs.similarity = (
            pairs.left[keep],
            pairs.right[keep],
            pairs.similarity[keep],
        )
    return before - len(pairs.left)


def neighbour_lists(ids: np.ndarray, pairs: Neighbours) -> pa.ListArray:
    """Per row, the ids of its confirmed near-duplicate neighbours (both ends of every pair)."""
    n = len(ids)
    source = np.concatenate([pairs.left, pairs.right])
    target = np.concatenate([pairs.right, pairs.left])
    order = np.lexsort((target, source))
    counts = np.bincount(source, minlength=n) if n else np.zeros(0, dtype=np.int64)
    offsets = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(counts, out=offsets[1:])
    values = pa.array(ids[target[order]] if len(order) else [], type=pa.string())
    return pa.ListArray.from_arrays(pa.array(offsets), values)


def linked_vectors(vectors: np.ndarray, keep: np.ndarray) -> pa.ListArray:
    """Rows of ``vectors`` as list<float32>, null where ``keep`` is false."""
    n, dim = vectors.shape
    offsets = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(np.where(keep, dim, 0), out=offsets[1:])
    values = pa.array(np.ascontiguousarray(vectors[keep], dtype=np.float32).reshape(-1))
    return pa.ListArray.from_arrays(pa.array(offsets), values, mask=pa.array(~keep))


def link_table(
    ids: np.ndarray,
    vectors: np.ndarray,
    thresholds: tuple[float, float],
    model_id: str,
    config: NearDupConfig,
    side_vectors: SideVectors | None = None,
    timings: Timings | None = None,
) -> tuple[pa.Table, Neighbours]:
    """Steps 2-3 on embedded rows: the links table (one row per conversation) and the pairs."""
    timings = timings or Timings()
    n = len(ids)
    whole, side = thresholds
    started = time.perf_counter()
    pairs = neighbour_pairs(vectors, whole, config, timings)
    timings.record("neighbours", started)
    started = time.perf_counter()
    if side_vectors is not None:
        timings.steps["pairs_rejected_by_side_check"] = confirm_pairs(pairs, side_vectors, side)
    timings.steps["pairs"] = len(pairs.left)
    labels = cluster_labels(n, pairs.left, pairs.right)
    linked = np.bincount(labels)[labels] > 1 if n else np.zeros(0, dtype=bool)
    has_nearest = pairs.nearest >= 0
    nearest_ids = np.where(has_nearest, ids[np.maximum(pairs.nearest, 0)], None)
    table = pa.table(
        {
            "conversation_id": pa.array(ids, type=pa.string()),
            "component": pa.array(labels),
            "neighbour_ids": neighbour_lists(ids, pairs),
            "nearest_id": pa.array(nearest_ids, type=pa.string()),
            "nearest_similarity": pa.array(
                np.where(has_nearest, pairs.nearest_similarity, 0.0).astype(np.float64),
                mask=~has_nearest,
            ),
            "embedding": linked_vectors(vectors, linked),
            "embedding_model": pa.array([model_id] * n, type=pa.string()),
            "similarity_threshold": pa.array(np.full(n, whole)),
        },
        schema=LINKS_SCHEMA,
    )
    timings.record("components", started)
    return table, pairs


def link_conversations(
    ids: np.ndarray,
    text_batches: Iterable[tuple[Sequence[str], Sequence[str]]],
    side_texts: Callable[[Sequence[str], str], Sequence[str]],
    config: NearDupConfig,
    *,
    cache: EmbeddingCache | None = None,
    embedder: Embedder | None = None,
    timings: Timings | None = None,
) -> pa.Table:
    """The links table for ``ids`` (see LINKS_SCHEMA): embed, pair, confirm, components.

    ``text_batches`` yields ``(conversation ids, conversation texts)``; ``side_texts(ids, side)``
    gives the user-side or assistant-side texts of some conversations (candidates only).
    """
    ids = np.asarray(ids, dtype=object)
    if not config.enabled or len(ids) == 0:
        return unlinked_table(ids)
    timings = timings if timings is not None else Timings()
    started = time.perf_counter()
    embedder = embedder or get_embedder(config.backend)
    timings.record("load_model", started)
    started = time.perf_counter()
    vectors, fresh = embed_conversations(
        embedder,
        list(ids),
        text_batches,
        cache=cache if cache is not None else EmbeddingCache(),
        batch_size=config.batch_size,
        progress=config.progress,
    )
    timings.record("embed", started)
    timings.steps["embedded_fresh"] = fresh

    def side_vectors(row_index: np.ndarray, side: str) -> np.ndarray:
        texts = side_texts(list(ids[row_index]), side)
        return embedder.encode(list(texts), batch_size=config.batch_size)

    table, _ = link_table(
        ids,
        vectors,
        config.thresholds_for(embedder.model_id),
        embedder.model_id,
        config,
        side_vectors,
        timings,
    )
    return table
