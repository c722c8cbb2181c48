"""Embeddings cached in Parquet, keyed by ``(content_hash, model_id)``.

A rebuild embeds only texts it has not seen, and the scoring models reuse the near-duplicate
stage's vectors instead of embedding the same text twice: call :func:`embed_with_cache` with the
conversation ids and :func:`~python_models.embeddings.texts.conversation_text` of the messages.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pixel_config import settings
from python_models.embeddings.backends import Embedder
from python_models.parquet_keys import stored_among

READ_BATCH_ROWS = 65_536  # rows per read step of get_many
SCAN_BUFFER_BYTES = 1 << 20  # read buffer of a column chunk in scan


def cache_root() -> Path:
    """``$PIXEL_EMBEDDING_CACHE`` or ``build/embeddings``."""
    env = os.environ.get("PIXEL_EMBEDDING_CACHE")
    return Path(env).expanduser().resolve() if env else settings.BUILD_DIR / "embeddings"


class EmbeddingCache:
    """Embeddings on disk, keyed by ``(content_hash, model_id)``.

    One folder per model id holds immutable Parquet parts (``content_hash`` string,
    ``embedding`` fixed-size list of float32); :meth:`put_many` writes a new part with the rows
    not already there, atomically (temp file, then rename), so concurrent writers never corrupt
    it and a killed run loses only its own part. :meth:`compact` merges parts. Vectors come back
    bit for bit as they were computed, so a cached build equals a fresh one.
    """

    def __init__(self, root: Path | None = None) -> None:
        self.root = Path(root) if root is not None else cache_root()

    def _dir(self, model_id: str) -> Path:
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in model_id)
        return self.root / f"model_id={safe}"

    def _parts(self, model_id: str) -> list[Path]:
        directory = self._dir(model_id)
        return sorted(directory.glob("part-*.parquet")) if directory.is_dir() else []

    def _read(self, model_id: str, columns: list[str] | None = None) -> pa.Table | None:
        parts = self._parts(model_id)
        if not parts:
            return None
        return pa.concat_tables(pq.read_table(p, columns=columns) for p in parts)

    def __len__(self) -> int:  # rows over all models
        if not self.root.is_dir():
            return 0
        return sum(pq.ParquetFile(p).metadata.num_rows for p in self.root.glob("*/part-*.parquet"))

    def count(self, model_id: str) -> int:
        return sum(pq.ParquetFile(p).metadata.num_rows for p in self._parts(model_id))

    def get_many(
        self, content_hashes: Sequence[str], model_id: str, dim: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """``(found, vectors)``: a boolean mask and a float32 matrix (zero rows where missing)."""
        vectors = np.zeros((len(content_hashes), dim), dtype=np.float32)
        found = np.zeros(len(content_hashes), dtype=bool)
        parts = self._parts(model_id)
        if not parts or not len(content_hashes):
            return found, vectors
        unique, inverse = np.unique(np.asarray(content_hashes, dtype=object), return_inverse=True)
        if len(unique) < len(content_hashes):  # a hash asked for twice: look each up once
            found, vectors = self.get_many(list(unique), model_id, dim)
            return found[inverse], vectors[inverse]
        keys = pa.array(content_hashes, type=pa.string())
        # part by part, one row group at a time, keeping only the wanted rows: memory holds the
        # answer and one row group, however big the cache is
        for part in parts:
            reader = pq.ParquetFile(part)
            columns = ["content_hash", "embedding"]
            for batch in reader.iter_batches(batch_size=READ_BATCH_ROWS, columns=columns):
                stored_keys = batch.column(0)
                position = pc.index_in(stored_keys, value_set=keys)
                hit = position.is_valid().to_numpy(zero_copy_only=False)
                if not hit.any():
                    continue
                stored = batch.column(1)
                if stored.type.list_size != dim:
                    raise ValueError(f"cached {model_id} vectors have dim {stored.type.list_size}")
                matrix = stored.flatten().to_numpy(zero_copy_only=False).reshape(-1, dim)
                rows = position.to_numpy(zero_copy_only=False)[hit].astype(np.int64)
                vectors[rows] = matrix[hit]
                found[rows] = True
        return found, vectors

    def scan(
        self, model_id: str, dim: int, batch_rows: int = READ_BATCH_ROWS
    ) -> Iterator[tuple[pa.Array, np.ndarray]]:
        """Every cached ``(content hashes, vectors)`` of ``model_id``, ``batch_rows`` at a time:
        one pass over the cache whatever the number of ids wanted (the near-dup stage past its
        memory budget matches them against its sorted ids). Column chunks are read in 1 MiB
        buffers, not pre-buffered whole, so memory holds one row group's decoded column and
        one batch (a 65,536-row batch with pre-buffering peaked ~360 MiB over the start on
        88k cached rows; 8,192 rows unbuffered, ~180 MiB: docs/benchmarks.md, session 6)."""
        for part in self._parts(model_id):
            reader = pq.ParquetFile(part, pre_buffer=False, buffer_size=SCAN_BUFFER_BYTES)
            columns = ["content_hash", "embedding"]
            for batch in reader.iter_batches(batch_size=batch_rows, columns=columns):
                stored = batch.column(1)
                if stored.type.list_size != dim:
                    raise ValueError(f"cached {model_id} vectors have dim {stored.type.list_size}")
                matrix = stored.flatten().to_numpy(zero_copy_only=False).reshape(-1, dim)
                yield batch.column(0), matrix

    def put_many(self, content_hashes: Sequence[str], vectors: np.ndarray, model_id: str) -> int:
        """Store vectors for hashes not yet cached; returns how many rows were written."""
        if not len(content_hashes):
            return 0
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        keys = pa.array(content_hashes, type=pa.string())
        keep = ~self._cached(keys, model_id)
        # the same hash twice in one call: keep the first
        _, first = np.unique(np.asarray(content_hashes, dtype=object), return_index=True)
        unique_mask = np.zeros(len(keys), dtype=bool)
        unique_mask[first] = True
        keep &= unique_mask
        if not keep.any():
            return 0
        rows = np.flatnonzero(keep)
        dim = vectors.shape[1]
        table = pa.table(
            {
                "content_hash": keys.take(pa.array(rows)),
                "embedding": pa.FixedSizeListArray.from_arrays(
                    pa.array(vectors[rows].reshape(-1)), dim
                ),
            }
        )
        self._write(model_id, table)
        return len(rows)

    def _cached(self, keys: pa.Array, model_id: str) -> np.ndarray:
        """Which of ``keys`` are in the cache, the stored keys streamed (:func:`stored_among`)."""
        return stored_among(self._parts(model_id), "content_hash", keys)

    def _write(self, model_id: str, table: pa.Table) -> Path:
        directory = self._dir(model_id)
        directory.mkdir(parents=True, exist_ok=True)
        name = f"part-{time.time_ns():020d}-{uuid.uuid4().hex[:8]}.parquet"
        tmp = directory / f".{name}.tmp"
        # no dictionary for the vectors: float32 values barely repeat, and trying one cost 40%
        # of the write's CPU and made the file larger (docs/benchmarks.md, session 10)
        pq.write_table(
            table, tmp, compression="zstd", row_group_size=65_536, use_dictionary=["content_hash"]
        )
        final = directory / name
        tmp.rename(final)
        return final

    def compact(self, model_id: str) -> None:
        """Merge a model's parts into one (run when no other process writes)."""
        parts = self._parts(model_id)
        if len(parts) < 2:
            return
        table = self._read(model_id)
        assert table is not None
        self._write(model_id, table)
        for part in parts:
            part.unlink()


def embed_with_cache(
    embedder: Embedder,
    ids: Sequence[str],
    texts: Sequence[str],
    *,
    cache: EmbeddingCache | None = None,
    batch_size: int | None = None,
    progress: bool = False,
) -> np.ndarray:
    """Vectors for ``texts`` (row i for texts[i]); only texts whose id is not cached are embedded.

    ``ids`` are content hashes that determine the text (a conversation id with
    :func:`conversation_text`, or :func:`text_hash`). New vectors are written back to the cache.
    """
    if len(ids) != len(texts):
        raise ValueError("ids and texts differ in length")
    cache = cache if cache is not None else EmbeddingCache()
    found, vectors = cache.get_many(ids, embedder.model_id, embedder.dim)
    missing = np.flatnonzero(~found)
    if missing.size:
        todo = [texts[i] for i in missing]
        kwargs = {"batch_size": batch_size} if batch_size else {}
        fresh = embedder.encode(todo, progress=progress, **kwargs)
        vectors[missing] = fresh
        cache.put_many([ids[i] for i in missing], fresh, embedder.model_id)
    return vectors
