"""The near-duplicate index kept between builds: a rebuild searches only new conversations.

What a build leaves in the store (``<result cache>/near_dup/version=<v>/<state>/``): the sorted
conversation ids with a stable integer key each, their vectors and MinHash signatures (``.npy``,
memory-mapped when read back), the verified pairs, each row's nearest neighbour and, once the
build is past ``exact_below`` rows, the usearch HNSW index. The version hashes this module,
:mod:`near_duplicates`, :mod:`lexical_overlap`, the embedding model, the thresholds and the
config, so any change to how pairs are found starts a fresh state.

The next build with the same version:

- new conversations (ids not in the state) are embedded and signed, and only they are searched:
  exact cosine against every row below ``exact_below`` rows, else added to the persisted HNSW
  index and searched there; LSH pairs are those with at least one new member;
- their candidates are verified exactly as in a full build (:func:`verify_pairs`), and the old
  verified pairs are kept: a pair's verdict depends on its two conversations only;
- each old row's nearest neighbour is updated where a new row is nearer.

Conversations that are gone (a file removed or edited, a passage the voice gate now drops) leave
the state with their pairs; a row whose nearest neighbour left gets its nearest searched again.
Below ``exact_below`` rows this gives exactly the pairs of a full build (tested: the exports are
byte-identical); above it both are approximate searches of different HNSW graphs.
``--full-refresh`` (var result_cache = refresh) recomputes the stage. docs/incremental.md.
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from python_models.embeddings.backends import Embedder, get_embedder
from python_models.embeddings.cache import READ_BATCH_ROWS, EmbeddingCache
from python_models.lexical_overlap import (
    NUM_PERM,
    lsh_pairs,
    minhash_signatures,
    shingle_sets,
    sign_texts,
)
from python_models.near_dup_evidence import DiskShingles
from python_models.near_dup_partitions import (
    Budget,
    DiskRows,
    RowsOfKeys,
    Shard,
    arrow_ids,
    build_shards,
    compact_ids,
    create_rows,
    id_strings,
    new_index,
    partitioned,
    put_rows,
    restore_index,
    search_shards,
    text_slices,
)
from python_models.near_duplicates import (
    LINKS_SCHEMA,
    NearDupConfig,
    Neighbours,
    Thresholds,
    Timings,
    _cosines,
    budget_of,
    cosine_step,
    embed_conversations,
    embed_missing,
    kept_shingles,
    link_table,
    links_from_pairs,
    links_rows,
    pair_chunk,
    signing,
    unlinked_links,
    verify_pairs,
)
from python_models.result_cache import result_cache_root, version_of

HERE = Path(__file__).parent
SOURCES = (
    HERE / "near_dup_index.py",
    HERE / "near_duplicates.py",
    HERE / "lexical_overlap.py",
    HERE / "near_dup_partitions.py",
)
EMPTY_SIGNATURE = np.iinfo(np.uint32).max
ROWS_SCHEMA = pa.schema(
    [
        ("conversation_id", pa.string()),
        ("key", pa.uint64()),
        ("nearest", pa.int64()),
        ("nearest_similarity", pa.float32()),
    ]
)
STATE_ROWS = 65_536  # rows a row group of rows.parquet, written one at a time


def state_version(config: NearDupConfig, model_id: str, thresholds: Thresholds) -> str:
    """What the persisted pairs depend on (progress bars aside)."""
    settings = {k: v for k, v in config.as_dict().items() if k != "progress"}
    return version_of(
        SOURCES,
        packages=("usearch", "datasketch"),
        config={"config": settings, "model": model_id, "thresholds": thresholds.__dict__},
    )


@dataclass
class IndexState:
    """One build's near-duplicate state, rows in conversation-id order."""

    ids: np.ndarray  # bytes (compact_ids), sorted
    keys: np.ndarray  # uint64: the row's key in the HNSW index, stable across builds
    vectors: np.ndarray  # float32 (rows, dim)
    signatures: np.ndarray | None  # uint32 (rows, NUM_PERM)
    left: np.ndarray  # int64 rows of verified pairs, left < right
    right: np.ndarray
    similarity: np.ndarray
    nearest: np.ndarray  # int64 row, -1 for none
    nearest_similarity: np.ndarray  # float32
    index_path: Path | None = None  # the saved usearch index, when past exact_below
    next_key: int = 0  # never reuse a key, even one whose row was removed
    # past the memory budget: the index as shards (near_dup_partitions.py), and the folder the
    # state was read from (its vectors.npy / signatures.npy are read through DiskRows)
    shards: list[Shard] = field(default_factory=list)
    folder: Path | None = None

    def __post_init__(self) -> None:
        if len(self.keys):
            self.next_key = max(self.next_key, int(self.keys.max()) + 1)


class IndexStore:
    """States under ``<root>/near_dup/version=<v>/``; ``CURRENT`` names the live one."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = (Path(root) if root is not None else result_cache_root()) / "near_dup"

    def _dir(self, version: str) -> Path:
        return self.root / f"version={version}"

    def load(self, version: str) -> IndexState | None:
        """The live state of ``version``, memory-mapped; None when there is none."""
        pointer = self._dir(version) / "CURRENT"
        if not pointer.is_file():
            return None
        folder = self._dir(version) / pointer.read_text().strip()
        rows = pq.read_table(folder / "rows.parquet")
        pairs = pq.read_table(folder / "pairs.parquet")
        signatures = folder / "signatures.npy"
        index = folder / "index.usearch"
        next_key = folder / "next_key"
        shards = [Shard(p) for p in sorted((folder / "shards").glob("*.usearch"))]
        return IndexState(
            ids=compact_ids(rows.column("conversation_id")),
            keys=rows.column("key").to_numpy().astype(np.uint64),
            vectors=np.load(folder / "vectors.npy", mmap_mode="r"),
            signatures=np.load(signatures, mmap_mode="r") if signatures.exists() else None,
            left=pairs.column("left").to_numpy().astype(np.int64),
            right=pairs.column("right").to_numpy().astype(np.int64),
            similarity=pairs.column("similarity").to_numpy().astype(np.float32),
            nearest=rows.column("nearest").to_numpy().astype(np.int64),
            nearest_similarity=rows.column("nearest_similarity").to_numpy().astype(np.float32),
            index_path=index if index.exists() else None,
            next_key=int(next_key.read_text()) if next_key.exists() else 0,
            shards=shards,
            folder=folder,
        )

    def new_folder(self, version: str) -> Path:
        """A fresh state folder, for a build that writes its rows there before :meth:`save`."""
        folder = self._dir(version) / f"state-{time.time_ns():020d}-{uuid.uuid4().hex[:8]}"
        folder.mkdir(parents=True)
        return folder

    def save(self, version: str, state: IndexState, index=None, folder: Path | None = None) -> None:
        """Write ``state`` as the live one (a new folder, then ``CURRENT`` swapped atomically).

        ``folder`` (from :meth:`new_folder`) may already hold the rows' files and shards; shards
        kept from an earlier state are hard-linked in (copied where links are not possible).
        """
        base = self._dir(version)
        folder = folder if folder is not None else self.new_folder(version)
        name = folder.name
        with pq.ParquetWriter(folder / "rows.parquet", ROWS_SCHEMA) as writer:
            for start in range(0, len(state.ids), STATE_ROWS):  # not a second copy of every row
                part = slice(start, start + STATE_ROWS)
                writer.write_batch(
                    pa.RecordBatch.from_arrays(
                        [
                            arrow_ids(state.ids[part]).combine_chunks(),
                            pa.array(state.keys[part], pa.uint64()),
                            pa.array(state.nearest[part], pa.int64()),
                            pa.array(state.nearest_similarity[part], pa.float32()),
                        ],
                        schema=ROWS_SCHEMA,
                    )
                )
        pq.write_table(
            pa.table(
                {
                    "left": pa.array(state.left, pa.int64()),
                    "right": pa.array(state.right, pa.int64()),
                    "similarity": pa.array(state.similarity, pa.float32()),
                }
            ),
            folder / "pairs.parquet",
        )
        _write_rows(folder / "vectors.npy", state.vectors, np.float32)
        if state.signatures is not None:
            _write_rows(folder / "signatures.npy", state.signatures, np.uint32)
        if index is not None:
            index.save(str(folder / "index.usearch"))
        for shard in state.shards:
            for path in (shard.index, shard.keys_path):
                _link_into(path, folder / "shards" / path.name)
        (folder / "next_key").write_text(str(state.next_key))
        tmp = base / f".CURRENT-{uuid.uuid4().hex[:8]}"
        tmp.write_text(name)
        os.replace(tmp, base / "CURRENT")
        for old in base.glob("state-*"):  # earlier states (a reader holds its own mmap)
            if old.name != name:
                shutil.rmtree(old, ignore_errors=True)


def _write_rows(path: Path, rows, dtype) -> None:
    """Save a row matrix, unless it is already that file (a partitioned build wrote it there)."""
    if isinstance(rows, DiskRows):
        _link_into(rows.path, path)
        return
    np.save(path, np.asarray(rows, dtype=dtype))


def _link_into(source: Path, target: Path) -> None:
    if source.resolve() == target.resolve():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


@dataclass
class IndexRun:
    """What the stage did, for the build log (counts only)."""

    reused: int = 0
    searched: int = 0
    full: bool = False
    reason: str = ""
    new_pairs: int = 0

    def summary(self) -> str:
        how = f"full ({self.reason})" if self.full else "incremental"
        return (
            f"near-dup index: {how}; {self.reused} conversations reused, {self.searched} "
            f"searched, {self.new_pairs} new pairs"
        )


TextsOfIds = Callable[[Sequence[str], str], Sequence[str]]


def link_with_index(
    ids: np.ndarray,
    text_batches: Iterable[tuple[Sequence[str], Sequence[str]]],
    texts_of_ids: TextsOfIds,
    config: NearDupConfig,
    *,
    store: IndexStore | None = None,
    refresh: bool = False,
    cache: EmbeddingCache | None = None,
    embedder: Embedder | None = None,
    timings: Timings | None = None,
    run: IndexRun | None = None,
    output: Path | None = None,
) -> pa.Table | Path:
    """:func:`link_conversations` with the persisted index: only new conversations are searched.

    ``text_batches`` is read only by a full build; an incremental one fetches the new
    conversations' texts with ``texts_of_ids(ids, "whole")``. Past the memory budget
    (``config.memory_budget_mib``) the rows live in the new state's files and the index is in
    shards (:mod:`near_dup_partitions`). With ``output`` (a folder) the links table is written
    there as Parquet in row chunks, not held, and the file's path is returned
    (:func:`near_duplicates.write_links`).
    """
    ids = compact_ids(ids)  # bytes a row: no Python string per conversation
    if not config.enabled or len(ids) == 0:
        return unlinked_links(ids, output)
    embedder = embedder or get_embedder(config.backend)
    thresholds = config.thresholds_for(embedder.model_id)
    stage = _Stage(
        ids=ids,
        texts_of_ids=texts_of_ids,
        config=config,
        embedder=embedder,
        cache=cache if cache is not None else EmbeddingCache(),
        thresholds=thresholds,
        store=store if store is not None else IndexStore(),
        version=state_version(config, embedder.model_id, thresholds),
        timings=timings if timings is not None else Timings(),
        run=run if run is not None else IndexRun(),
        output=output,
    )
    state = None if refresh else stage.store.load(stage.version)
    if state is None:
        stage.run.reason = "--full-refresh" if refresh else "no index of this version"
        stage.run.full, stage.run.searched = True, len(ids)
        return _full(stage, text_batches)
    return _incremental(stage, state)


@dataclass
class _Stage:
    """What every step of one build of the stage shares."""

    ids: np.ndarray
    texts_of_ids: TextsOfIds
    config: NearDupConfig
    embedder: Embedder
    cache: EmbeddingCache
    thresholds: Thresholds
    store: IndexStore
    version: str
    timings: Timings
    run: IndexRun
    output: Path | None = None  # the links table's folder (Parquet), else returned in memory

    def texts_of(self, rows: np.ndarray, part: str) -> Sequence[str]:
        return self.texts_of_ids(id_strings(self.ids[rows]), part)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        return self.embedder.encode(list(texts), batch_size=self.config.batch_size)

    @property
    def partitioned(self) -> bool:
        return partitioned(len(self.ids), self.embedder.dim, self.config)

    def disk_rows(self, folder: Path, lexical: bool) -> tuple[DiskRows, DiskRows | None]:
        """Empty vector and signature files for every row, in ``folder``."""
        n = len(self.ids)
        vectors = create_rows(folder / "vectors.npy", n, self.embedder.dim, np.float32)
        if not lexical:
            return vectors, None
        signatures = create_rows(
            folder / "signatures.npy", n, NUM_PERM, np.uint32, fill=EMPTY_SIGNATURE
        )
        return vectors, signatures

    def links(self, vectors, pairs: Neighbours) -> pa.Table | Path:
        started = time.perf_counter()
        table = links_from_pairs(
            self.ids, vectors, pairs, self.thresholds, self.embedder.model_id, self.timings,
            output=self.output, rows=links_rows(vectors, self.config),
        )  # fmt: skip
        self.timings.record("components", started)
        return table


def _full(stage: _Stage, text_batches) -> pa.Table | Path:
    """Every row embedded, signed and searched; the state saved for the next build."""
    ids, config, timings = stage.ids, stage.config, stage.timings
    started = time.perf_counter()
    folder = workdir = kept = scratch = None
    if stage.partitioned:  # rows written to the new state's files, the index in shards there
        folder = stage.store.new_folder(stage.version)
        workdir = folder / "shards"
        vectors, signatures = stage.disk_rows(folder, config.lexical)
        if signatures is not None:  # the signing's 3-gram sets, for the verification
            import tempfile

            scratch = tempfile.TemporaryDirectory(prefix="near-dup-sets-", dir=folder.parent)
            kept = DiskShingles(Path(scratch.name), len(ids))
        fresh = _embed_to_disk(
            ids, np.arange(len(ids)), text_batches, stage, vectors, signatures, kept
        )
    else:
        signatures = None
        kept = kept_shingles(len(ids), stage.embedder.dim, config)
        if config.lexical:
            signatures = np.full((len(ids), NUM_PERM), EMPTY_SIGNATURE, dtype=np.uint32)
            text_batches = signing(id_strings(ids), text_batches, signatures, kept)
        text_batches = iter(text_batches)
        vectors, fresh = embed_conversations(
            stage.embedder,
            id_strings(ids),
            text_batches,
            cache=stage.cache,
            batch_size=config.batch_size,
            progress=config.progress,
        )
        for _ in text_batches:  # every vector cached: the texts still need signing
            pass
    timings.record("embed_and_sign", started)
    timings.steps["embedded_fresh"] = fresh
    built: list = []  # the HNSW index (or its shards) the search built, kept for the next build
    try:
        table, pairs = link_table(
            ids,
            vectors,
            stage.thresholds,
            stage.embedder.model_id,
            config,
            signatures=signatures,
            texts_of=stage.texts_of,
            encode=stage.encode,
            timings=timings,
            built=built,
            workdir=workdir,
            output=stage.output,
            kept=kept,
        )
    finally:
        if scratch is not None:
            scratch.cleanup()
    stage.run.new_pairs = len(pairs.left)
    shards = built[0] if built and isinstance(built[0], list) else []
    state = IndexState(
        ids,
        np.arange(len(ids), dtype=np.uint64),
        vectors,
        signatures,
        pairs.left,
        pairs.right,
        pairs.similarity,
        pairs.nearest,
        pairs.nearest_similarity.astype(np.float32),
        shards=shards,
    )
    index = built[0] if built and not shards else None
    stage.store.save(stage.version, state, index, folder=folder)
    return table


def _embed_to_disk(
    ids: np.ndarray,
    rows: np.ndarray,
    text_batches: Iterable[tuple[Sequence[str], Sequence[str]]],
    stage: _Stage,
    vectors: DiskRows,
    signatures: DiskRows | None,
    whole: DiskShingles | None = None,
) -> int:
    """Vectors of ``ids`` (sorted) into ``vectors[rows]``, signatures into ``signatures[rows]``,
    a budget-sized chunk at a time; returns how many were embedded fresh. ``whole``: where the
    texts' 3-gram sets go as they are signed (the verification's whole-text sets).

    The cache is read one chunk of ids at a time; ``text_batches`` (any order, ids among
    ``ids``) are signed as they pass and the texts of uncached ids embedded in chunks.
    """
    embedder, cache, config = stage.embedder, stage.cache, stage.config
    chunk = Budget(config.memory_budget_mib).chunk_rows(4 * embedder.dim)
    missing = np.ones(len(ids), dtype=bool)
    scan_rows = min(READ_BATCH_ROWS, chunk)
    for hashes, cached in cache.scan(embedder.model_id, embedder.dim, scan_rows):  # one pass
        wanted = compact_ids(hashes)
        at = np.minimum(np.searchsorted(ids, wanted), len(ids) - 1)
        hit = (ids[at] == wanted) & missing[at]
        if hit.any():
            put_rows(vectors, rows[at[hit]], cached[hit])
            missing[at[hit]] = False
    if not missing.any() and signatures is None:
        return 0

    def write(at: np.ndarray, fresh: np.ndarray) -> None:
        put_rows(vectors, rows[at], fresh)
        missing[at] = False

    def sign(at: np.ndarray, texts: Sequence[str]) -> None:
        if signatures is None or not len(at):
            return
        for part in text_slices(texts, Budget(config.memory_budget_mib).sign_chars()):
            sets = shingle_sets(texts[part])
            put_rows(signatures, rows[at[part]], minhash_signatures(sets))
            if whole is not None:
                whole.put(rows[at[part]], sets)

    embedded = embed_missing(
        embedder,
        _IdNames(ids),
        lambda batch_ids: _positions(ids, batch_ids),
        text_batches,
        missing,
        write,
        cache=cache,
        batch_size=config.batch_size,
        flush_rows=chunk,
        progress=config.progress,
        on_batch=sign,
    )
    if missing.any():
        raise ValueError(f"{int(missing.sum())} conversations had no text to embed")
    return embedded


class _IdNames(Sequence[str]):
    """Rows' ids as strings, decoded one at a time (the cache keys of embedded rows)."""

    def __init__(self, ids: np.ndarray) -> None:
        self.ids = ids

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, row):  # type: ignore[override]
        return self.ids[row].decode()


def _positions(ids: np.ndarray, wanted: Sequence[str]) -> np.ndarray:
    """The row of each of ``wanted`` in the sorted ``ids`` (binary search: no per-row dict)."""
    wanted_array = compact_ids(wanted)
    at = np.searchsorted(ids, wanted_array)
    if len(at) and (at.max() >= len(ids) or not (ids[at] == wanted_array).all()):
        raise ValueError("a text batch holds a conversation id not among the ids")
    return at.astype(np.int64)


def _build_index(vectors: np.ndarray, keys: np.ndarray, config: NearDupConfig):
    index = new_index(vectors.shape[1], config)
    index.add(keys, np.ascontiguousarray(vectors), threads=1)  # one thread: reproducible
    return index


@dataclass
class _Change:
    """How the current ids differ from the state's: which rows are old, new, stale, removed."""

    state: IndexState  # without the removed rows
    kept: np.ndarray  # stored rows of the state that stay, ascending
    old_rows: np.ndarray  # state row -> current row
    new_rows: np.ndarray
    is_new: np.ndarray
    stale: np.ndarray  # per state row: its nearest neighbour was removed
    keys: np.ndarray  # per current row, its stable key
    removed_keys: np.ndarray
    nearest: np.ndarray
    nearest_sim: np.ndarray

    @property
    def changed(self) -> bool:
        return bool(len(self.new_rows) or len(self.removed_keys))


def _change(ids: np.ndarray, state: IndexState) -> _Change:
    n = len(ids)
    keep = np.isin(state.ids, ids)
    removed_keys = state.keys[~keep]
    kept = np.flatnonzero(keep)
    stale = np.zeros(len(kept), dtype=bool)
    if not keep.all():  # conversations gone: their rows, pairs and nearest links go too
        state, stale = _without(state, keep)
    old_rows = np.searchsorted(ids, state.ids).astype(np.int64)
    is_new = np.ones(n, dtype=bool)
    is_new[old_rows] = False
    new_rows = np.flatnonzero(is_new)
    keys = np.zeros(n, dtype=np.uint64)
    keys[old_rows] = state.keys
    keys[new_rows] = np.arange(state.next_key, state.next_key + len(new_rows), dtype=np.uint64)
    nearest = np.full(n, -1, dtype=np.int64)
    nearest_sim = np.full(n, np.nan, dtype=np.float32)
    had = state.nearest >= 0
    nearest[old_rows[had]] = old_rows[state.nearest[had]]
    nearest_sim[old_rows] = state.nearest_similarity
    return _Change(
        state, kept, old_rows, new_rows, is_new, stale, keys, removed_keys, nearest, nearest_sim
    )


def _incremental(stage: _Stage, state: IndexState) -> pa.Table | Path:
    """Only the new rows embedded and searched (and the rows whose nearest left); the state's
    verified pairs kept."""
    change = _change(stage.ids, state)
    stage.run.reused, stage.run.searched = len(change.old_rows), len(change.new_rows)
    stage.timings.steps["embedded_fresh"] = 0
    on_disk = stage.partitioned and state.folder is not None
    if not change.changed:  # the same rows: nothing to copy, search or save
        vectors = DiskRows(state.folder / "vectors.npy") if on_disk else state.vectors
        old = change.state
        pairs = Neighbours(old.left, old.right, old.similarity, change.nearest, change.nearest_sim)
        return stage.links(vectors, pairs)
    started = time.perf_counter()
    folder = stage.store.new_folder(stage.version) if on_disk else None
    vectors, signatures = _assemble_rows(stage, change, folder)
    stage.timings.record("embed_and_sign", started)
    started = time.perf_counter()
    index, shards = None, []
    if folder is not None:
        left, right, shards = _search_shards(stage, change, vectors, folder / "shards")
    elif len(stage.ids) < stage.config.exact_below:
        left, right = _search_exact(stage, change, vectors)
    else:
        left, right, index = _search_index(stage, change, vectors)
    stage.timings.record("neighbours", started)
    fresh = _verified_new_pairs(stage, change, vectors, signatures, left, right)
    stage.run.new_pairs = len(fresh.left)
    pairs = _merged_pairs(len(stage.ids), change, fresh)
    table = stage.links(vectors, pairs)
    new_state = IndexState(
        stage.ids,
        change.keys,
        vectors,
        signatures,
        pairs.left,
        pairs.right,
        pairs.similarity,
        change.nearest,
        change.nearest_sim,
        next_key=change.state.next_key + len(change.new_rows),
        shards=shards,
    )
    # (the single index has the new rows already; shards were written into ``folder``)
    stage.store.save(stage.version, new_state, index, folder=folder)
    return table


def _assemble_rows(stage: _Stage, change: _Change, folder: Path | None):
    """Every current row's vector and signature: the state's, moved to their new rows, and the
    new rows' embedded and signed. In memory, or (``folder``) in its files a chunk at a time."""
    state, ids, config = change.state, stage.ids, stage.config
    n, dim = len(ids), state.vectors.shape[1]
    lexical = state.signatures is not None
    if folder is None:
        vectors = np.empty((n, dim), dtype=np.float32)
        vectors[change.old_rows] = state.vectors[change.kept]
        signatures = None
        if lexical:
            signatures = np.full((n, NUM_PERM), EMPTY_SIGNATURE, dtype=np.uint32)
            signatures[change.old_rows] = state.signatures[change.kept]
        if len(change.new_rows):
            new_ids = id_strings(ids[change.new_rows])
            texts = list(stage.texts_of_ids(new_ids, "whole"))
            fresh, embedded = embed_conversations(
                stage.embedder,
                new_ids,
                [(new_ids, texts)],
                cache=stage.cache,
                batch_size=config.batch_size,
                progress=config.progress,
            )
            vectors[change.new_rows] = fresh
            stage.timings.steps["embedded_fresh"] = embedded
            if signatures is not None:
                signatures[change.new_rows] = sign_texts(texts)
        return vectors, signatures
    vectors, signatures = stage.disk_rows(folder, lexical)
    old_vectors = DiskRows(state.folder / "vectors.npy")
    old_signatures = DiskRows(state.folder / "signatures.npy") if lexical else None
    chunk = Budget(config.memory_budget_mib).chunk_rows(4 * dim + 4 * NUM_PERM)
    for start in range(0, len(change.kept), chunk):
        part = slice(start, start + chunk)
        put_rows(vectors, change.old_rows[part], old_vectors[change.kept[part]])
        if signatures is not None:
            put_rows(signatures, change.old_rows[part], old_signatures[change.kept[part]])
    for start in range(0, len(change.new_rows), chunk):
        rows = change.new_rows[start : start + chunk]
        new_ids = id_strings(ids[rows])
        batch = [(new_ids, list(stage.texts_of_ids(new_ids, "whole")))]
        stage.timings.steps["embedded_fresh"] += _embed_to_disk(
            ids[rows], rows, batch, stage, vectors, signatures
        )
    return vectors, signatures


def _search_exact(stage: _Stage, change: _Change, vectors):
    """Below ``exact_below``: the new rows' pairs and nearest, the stale rows' nearest, exact."""
    left = right = np.zeros(0, dtype=np.int64)
    if len(change.new_rows):
        left, right = _exact_new_pairs(vectors, change, stage.thresholds.candidate)
    stale_rows = change.old_rows[change.stale]
    _exact_nearest(vectors, stale_rows, change.nearest, change.nearest_sim)
    return left, right


def _search_index(stage: _Stage, change: _Change, vectors):
    """The new rows added to the single HNSW index and searched there; the stale rows too."""
    state, config = change.state, stage.config
    if state.index_path is not None:
        index = restore_index(state.index_path, config)
        if len(change.removed_keys):
            index.remove(change.removed_keys)
    else:
        index = _build_index(vectors[change.old_rows], change.keys[change.old_rows], config)
    left = right = np.zeros(0, dtype=np.int64)
    if len(change.new_rows):
        left, right = _ann_new_pairs(vectors, change, index, stage.thresholds.candidate, config)
    stale_rows = change.old_rows[change.stale]
    _ann_nearest(
        vectors, stale_rows, change.keys, index, config, change.nearest, change.nearest_sim
    )
    return left, right, index


def _search_shards(stage: _Stage, change: _Change, vectors, shard_dir: Path):
    """Past the budget: the new rows indexed as new shards, then the new (and stale) rows
    searched against every shard, old and new (:mod:`near_dup_partitions`)."""
    state, config = change.state, stage.config
    shards = list(state.shards)
    if state.index_path is not None:  # a single index from a build under the budget
        legacy = Shard(shard_dir / f"shard-{len(shards):05d}.usearch")
        _link_into(state.index_path, legacy.index)
        np.save(legacy.keys_path, np.sort(np.concatenate([state.keys, change.removed_keys])))
        shards.append(legacy)
    elif not shards:  # the state was searched exactly: index its rows now
        shards = build_shards(vectors, change.old_rows, change.keys, config, shard_dir)
    shards += build_shards(
        vectors, change.new_rows, change.keys, config, shard_dir, first=len(shards)
    )
    rows_of_keys = RowsOfKeys(change.keys)
    threshold = stage.thresholds.candidate
    found = search_shards(
        vectors, change.new_rows, shards, rows_of_keys, threshold, config, change.nearest,
        change.nearest_sim, update_found=True,
    )  # fmt: skip
    stale_rows = change.old_rows[change.stale]
    if len(stale_rows):
        search_shards(
            vectors, stale_rows, shards, rows_of_keys, threshold, config, change.nearest,
            change.nearest_sim, pairs=False,
        )  # fmt: skip
    stage.timings.steps["index_shards"] = len(shards)
    return found.left, found.right, shards


def _verified_new_pairs(stage: _Stage, change: _Change, vectors, signatures, left, right):
    """The new rows' candidates (embedding ``left``/``right`` and LSH pairs touching a new
    row), with their exact cosines, verified."""
    n, config, timings = len(stage.ids), stage.config, stage.timings
    if signatures is not None and len(change.new_rows):
        started = time.perf_counter()
        lex_left, lex_right = lsh_pairs(signatures, budget_mib=budget_of(n, vectors, config))
        touches = change.is_new[lex_left] | change.is_new[lex_right]
        left = np.concatenate([left, lex_left[touches]])
        right = np.concatenate([right, lex_right[touches]])
        timings.record("lexical_candidates", started)
    unique = np.unique(left * n + right)
    fresh = Neighbours(
        unique // n, unique % n, np.zeros(0, np.float32), change.nearest, change.nearest_sim
    )
    step = cosine_step(vectors, config)
    fresh.similarity = _cosines(vectors, vectors, fresh.left, fresh.right, step).astype(np.float32)
    timings.steps["candidate_pairs"] = len(fresh.left)
    started = time.perf_counter()
    if len(fresh.left):
        chunk = pair_chunk(vectors, config)
        verify_pairs(fresh, stage.texts_of, stage.encode, stage.thresholds, signatures, chunk)
    timings.record("verify", started)
    return fresh


def _merged_pairs(n: int, change: _Change, fresh: Neighbours) -> Neighbours:
    """The state's verified pairs (renumbered to the current rows) and the fresh ones."""
    state, old_rows = change.state, change.old_rows
    old_left, old_right = old_rows[state.left], old_rows[state.right]
    key = np.concatenate([old_left * n + old_right, fresh.left * n + fresh.right])
    similarity = np.concatenate([state.similarity, fresh.similarity])
    key, first = np.unique(key, return_index=True)
    return Neighbours(key // n, key % n, similarity[first], change.nearest, change.nearest_sim)


def _without(state: IndexState, keep: np.ndarray) -> tuple[IndexState, np.ndarray]:
    """``state`` without the rows ``keep`` leaves out, and which kept rows lost their nearest."""
    position = np.cumsum(keep) - 1  # state row -> row among the kept
    pairs = keep[state.left] & keep[state.right]
    had = state.nearest >= 0
    lost = had & ~keep[np.maximum(state.nearest, 0)]
    nearest = np.where(had & ~lost, position[np.maximum(state.nearest, 0)], -1)
    similarity = np.where(had & ~lost, state.nearest_similarity, np.nan).astype(np.float32)
    pruned = IndexState(
        ids=state.ids[keep],
        keys=state.keys[keep],
        vectors=state.vectors,  # every stored row: the caller takes the kept ones
        signatures=state.signatures,
        left=position[state.left[pairs]],
        right=position[state.right[pairs]],
        similarity=state.similarity[pairs],
        nearest=nearest[keep],
        nearest_similarity=similarity[keep],
        index_path=state.index_path,
        next_key=state.next_key,
        shards=state.shards,
        folder=state.folder,
    )
    return pruned, lost[keep]


def _exact_nearest(vectors, rows, nearest, nearest_sim, block=2048) -> None:
    """The nearest other row of each of ``rows``, by exact cosine (ties: the lower row)."""
    for start in range(0, len(rows), block):
        chunk = rows[start : start + block]
        scores = vectors[chunk] @ vectors.T
        scores[np.arange(len(chunk)), chunk] = -np.inf
        if len(vectors) > 1:
            best = np.argmax(scores, axis=1)
            nearest[chunk] = best
            nearest_sim[chunk] = np.einsum("ij,ij->i", vectors[chunk], vectors[best])
        else:
            nearest[chunk], nearest_sim[chunk] = -1, np.nan


def _ann_nearest(vectors, rows, keys, index, config, nearest, nearest_sim) -> None:
    """The nearest other row of each of ``rows`` among its HNSW candidates, scored exactly."""
    if not len(rows):
        return
    row_of_key = dict(zip(keys.tolist(), range(len(vectors)), strict=True))
    k = min(config.neighbours + 1, len(vectors))
    found = index.search(np.ascontiguousarray(vectors[rows]), k, threads=config.search_threads)
    for i, row in enumerate(rows):
        best_row, best_sim = -1, -np.inf
        for key in found.keys.reshape(len(rows), k)[i].tolist():
            other = row_of_key.get(int(key))
            if other is None or other == row:
                continue
            exact = float(vectors[row] @ vectors[other])
            if exact > best_sim:
                best_row, best_sim = other, exact
        nearest[row] = best_row
        nearest_sim[row] = best_sim if best_row >= 0 else np.nan


def _exact_new_pairs(vectors, change: _Change, threshold: float, block: int = 2048):
    """Pairs (left < right) with a new member at or above ``threshold``, by exact cosine; the
    nearest of every new row, and of every old row a new row is nearer to (ties: lower row)."""
    new_rows, is_new = change.new_rows, change.is_new
    nearest, nearest_sim = change.nearest, change.nearest_sim
    n = len(vectors)
    lefts, rights = [], []
    for start in range(0, len(new_rows), block):
        rows = new_rows[start : start + block]
        scores = vectors[rows] @ vectors.T
        scores[np.arange(len(rows)), rows] = -np.inf
        if n > 1:
            best = np.argmax(scores, axis=1)
            nearest[rows] = best
            nearest_sim[rows] = np.einsum("ij,ij->i", vectors[rows], vectors[best])
        r, c = np.nonzero(scores >= threshold)
        keep = ~is_new[c] | (rows[r] < c)  # a new-new pair once
        lefts.append(np.minimum(rows[r[keep]], c[keep]))
        rights.append(np.maximum(rows[r[keep]], c[keep]))
        # old rows a new row of this block is nearer to (the lowest such row on a tie)
        old = np.flatnonzero(~is_new)
        if len(old) and len(rows):
            column = scores[:, old]
            top = np.argmax(column, axis=0)
            candidate = rows[top]
            sim = np.einsum("ij,ij->i", vectors[old], vectors[candidate])
            current = nearest_sim[old]
            better = (
                np.isnan(current)
                | (sim > current)
                | ((sim == current) & (candidate < nearest[old]))
            )
            nearest[old[better]] = candidate[better]
            nearest_sim[old[better]] = sim[better]
    if not lefts:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(lefts).astype(np.int64), np.concatenate(rights).astype(np.int64)


def _ann_new_pairs(vectors, change: _Change, index, threshold: float, config: NearDupConfig):
    """New rows added to the HNSW index and searched there; pairs re-scored exactly."""
    new_rows, keys = change.new_rows, change.keys
    nearest, nearest_sim = change.nearest, change.nearest_sim
    n = len(vectors)
    row_of_key = dict(zip(keys.tolist(), range(n), strict=True))
    index.add(keys[new_rows], np.ascontiguousarray(vectors[new_rows]), threads=1)
    k = min(config.neighbours + 1, n)
    floor = threshold - config.rescore_margin
    lefts, rights = [], []
    for start in range(0, len(new_rows), 32_768):
        rows = new_rows[start : start + 32_768]
        found = index.search(np.ascontiguousarray(vectors[rows]), k, threads=config.search_threads)
        found_keys = found.keys.reshape(len(rows), k)
        approx = 1.0 - found.distances.astype(np.float32).reshape(len(rows), k)
        for i, row in enumerate(rows):
            best_row, best_sim = -1, -np.inf
            for key, close in zip(found_keys[i].tolist(), approx[i].tolist(), strict=True):
                other = row_of_key.get(int(key))
                if other is None or other == row:
                    continue
                exact = float(vectors[row] @ vectors[other])
                if exact > best_sim:
                    best_row, best_sim = other, exact
                if close >= floor and exact >= threshold:
                    lefts.append(min(row, other))
                    rights.append(max(row, other))
                if np.isnan(nearest_sim[other]) or exact > nearest_sim[other]:
                    nearest[other], nearest_sim[other] = row, exact
            if best_row >= 0:
                nearest[row], nearest_sim[row] = best_row, best_sim
    return np.asarray(lefts, dtype=np.int64), np.asarray(rights, dtype=np.int64)


__all__ = ["LINKS_SCHEMA", "IndexRun", "IndexState", "IndexStore", "link_with_index"]
