"""Per-record results cached in Parquet, keyed by ``(key, version)``: the incremental build.

A key is a content hash (a conversation id is the hash of its normalized messages; a preference
pair or a text is hashed with :func:`content_key`); a version is a hash of everything that
produced the result: the scorer's source files, its weights, the embedding model and the config
(:func:`version_of`). Each named result (``crisis``, ``pii``, ``pair_redaction`` ...) keeps one
folder per version with immutable Parquet parts, written atomically like the embedding cache
(python_models/embeddings/cache.py): a changed version simply finds nothing and recomputes, so a
change invalidates only the results it produced. What is cached, where and how to clear it:
docs/incremental.md.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from python_models.parquet_keys import stored_among

MODES = ("use", "refresh", "off")  # the result_cache dbt var
ROW_GROUP_ROWS = 8_192  # small: a batch lookup reads about one row group per part


def result_cache_root() -> Path:
    """``$PIXEL_RESULT_CACHE``, else ``results`` beside the embedding cache (build/results)."""
    env = os.environ.get("PIXEL_RESULT_CACHE")
    if env:
        return Path(env).expanduser().resolve()
    from python_models.embeddings.cache import cache_root

    return cache_root().parent / "results"


def content_key(*parts: object) -> str:
    """A SHA-256 hex key of JSON-serialisable parts (pairs, texts)."""
    payload = json.dumps(parts, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def version_of(
    files: Iterable[Path | str] = (),
    *,
    packages: Iterable[str] = (),
    config: object = None,
) -> str:
    """A short hash of the bytes of ``files``, the versions of ``packages`` and ``config``."""
    digest = hashlib.sha256()
    for path in sorted(Path(f) for f in files):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    for package in sorted(packages):
        digest.update(f"{package}=={importlib.metadata.version(package)}".encode())
    digest.update(json.dumps(config, sort_keys=True, default=str).encode())
    return digest.hexdigest()[:16]


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)


@dataclass
class CacheStats:
    """Rows computed and reused per result name in one run (counts only, for the build log)."""

    computed: dict[str, int] = field(default_factory=dict)
    reused: dict[str, int] = field(default_factory=dict)

    def add(self, name: str, computed: int, reused: int) -> None:
        self.computed[name] = self.computed.get(name, 0) + computed
        self.reused[name] = self.reused.get(name, 0) + reused

    def summary(self) -> str:
        names = sorted(set(self.computed) | set(self.reused))
        return "result cache: " + ", ".join(
            f"{n} computed {self.computed.get(n, 0)} reused {self.reused.get(n, 0)}" for n in names
        )


class ResultCache:
    """Results on disk: ``<root>/<name>/version=<version>/part-*.parquet`` with a ``key`` column.

    ``mode`` is ``use`` (read and write), ``refresh`` (never read, write: ``--full-refresh``)
    or ``off`` (neither). Rows come back exactly as stored, so a cached build equals a fresh one.
    """

    def __init__(self, root: Path | None = None, mode: str = "use") -> None:
        if mode not in MODES:
            raise ValueError(f"result cache mode {mode!r} is not one of {MODES}")
        self.root = Path(root) if root is not None else result_cache_root()
        self.mode = mode

    def _dir(self, name: str, version: str) -> Path:
        return self.root / _safe(name) / f"version={_safe(version)}"

    def _parts(self, name: str, version: str) -> list[Path]:
        directory = self._dir(name, version)
        return sorted(directory.glob("part-*.parquet")) if directory.is_dir() else []

    def count(self, name: str, version: str) -> int:
        return sum(pq.ParquetFile(p).metadata.num_rows for p in self._parts(name, version))

    def get_many(
        self, name: str, version: str, keys: Sequence[str], schema: pa.Schema
    ) -> tuple[np.ndarray, pa.Table]:
        """``(found, table)``: a mask over ``keys`` and their rows in ``schema`` (nulls where
        missing), in the order of ``keys``."""
        found = np.zeros(len(keys), dtype=bool)
        parts = self._parts(name, version) if self.mode == "use" else []
        if not parts or not len(keys):
            return found, _nulls(schema, len(keys))
        wanted = pa.array(keys, type=pa.string())
        # only the wanted rows, part by part: parts are written in key order in small row
        # groups, so the key range skips every row group outside the request
        low, high = min(keys), max(keys)
        key = pc.field("key")
        wanted_rows = (key >= low) & (key <= high) & key.isin(wanted)
        table = pa.concat_tables(pq.read_table(part, filters=wanted_rows) for part in parts)
        if not table.num_rows:
            return found, _nulls(schema, len(keys))
        # a null position takes a null row: the missing keys come back as nulls
        position = pc.index_in(wanted, value_set=table.column("key"))
        found[:] = position.is_valid().to_numpy(zero_copy_only=False)
        rows = table.select(schema.names).cast(schema).take(position)
        return found, rows.combine_chunks()

    def put_many(
        self,
        name: str,
        version: str,
        keys: Sequence[str],
        rows: pa.Table,
        *,
        known_missing: bool = False,
    ) -> int:
        """Store ``rows`` (aligned with ``keys``) not yet cached; returns how many were written.
        ``known_missing``: the caller has just looked the keys up and found none (skips the
        re-read of every stored key)."""
        if self.mode == "off" or not len(keys):
            return 0
        keys_array = pa.array(keys, type=pa.string())
        keep = np.zeros(len(keys), dtype=bool)
        _, first = np.unique(np.asarray(keys, dtype=object), return_index=True)
        keep[first] = True  # the same key twice in one call: keep the first
        if not known_missing:  # the stored keys streamed, not all read into memory
            keep &= ~stored_among(self._parts(name, version), "key", keys_array)
        if not keep.any():
            return 0
        index = pa.array(np.flatnonzero(keep))
        table = rows.take(index)
        table = table.add_column(0, "key", keys_array.take(index))
        table = table.sort_by("key")  # key order: a lookup's key range prunes row groups
        directory = self._dir(name, version)
        directory.mkdir(parents=True, exist_ok=True)
        part = f"part-{time.time_ns():020d}-{uuid.uuid4().hex[:8]}.parquet"
        tmp = directory / f".{part}.tmp"
        pq.write_table(table, tmp, compression="zstd", row_group_size=ROW_GROUP_ROWS)
        tmp.rename(directory / part)
        return int(keep.sum())

    def part_writer(self, name: str, version: str, schema: pa.Schema) -> PartWriter:
        """A new part of ``name`` at ``version`` written a chunk at a time
        (:class:`PartWriter`): a run that computes its rows batch by batch keeps none of them."""
        return PartWriter(self, name, version, schema)

    def clear(self, name: str | None = None) -> None:
        """Delete every version of ``name`` (all results when None)."""
        shutil.rmtree(self.root / _safe(name) if name else self.root, ignore_errors=True)


class PartWriter:
    """One part of a result cache written chunk by chunk, as a run computes its rows.

    :meth:`add` takes what :meth:`ResultCache.put_many` takes and writes the rows not cached
    (each chunk sorted by key, as one row group or more) to a temporary file; :meth:`close`
    renames it into the cache, :meth:`abort` removes it (a failed run leaves nothing). Until
    then no lookup sees the rows. With ``known_missing`` the caller has just looked the keys up
    and found none; otherwise each chunk's keys are checked against the parts stored when the
    writer was opened, reading only the row groups in the chunk's key range. A key repeated in
    one chunk is written once; keys are expected to be unique over a run (conversation ids)."""

    def __init__(self, cache: ResultCache, name: str, version: str, schema: pa.Schema) -> None:
        self.cache, self.name, self.version = cache, name, version
        self.schema = pa.schema([pa.field("key", pa.string()), *schema])
        self.rows = 0
        self._stored = cache._parts(name, version)  # the parts before this run's
        self._writer: pq.ParquetWriter | None = None
        self._tmp: Path | None = None
        self._final: Path | None = None

    def add(self, keys: Sequence[str], rows: pa.Table, *, known_missing: bool = False) -> int:
        """Write ``rows`` (aligned with ``keys``) not yet cached; returns how many."""
        if self.cache.mode == "off" or not len(keys):
            return 0
        keys_array = pa.array(keys, type=pa.string())
        keep = np.zeros(len(keys), dtype=bool)
        _, first = np.unique(np.asarray(keys, dtype=object), return_index=True)
        keep[first] = True
        if not known_missing:
            keep &= ~_stored_in_range(self._stored, keys_array)
        if not keep.any():
            return 0
        index = pa.array(np.flatnonzero(keep))
        table = rows.take(index).add_column(0, "key", keys_array.take(index))
        table = table.sort_by("key").select(self.schema.names).cast(self.schema)
        if self._writer is None:
            directory = self.cache._dir(self.name, self.version)
            directory.mkdir(parents=True, exist_ok=True)
            part = f"part-{time.time_ns():020d}-{uuid.uuid4().hex[:8]}.parquet"
            self._tmp, self._final = directory / f".{part}.tmp", directory / part
            self._writer = pq.ParquetWriter(self._tmp, self.schema, compression="zstd")
        self._writer.write_table(table, row_group_size=ROW_GROUP_ROWS)
        self.rows += table.num_rows
        return table.num_rows

    def close(self) -> Path | None:
        """The part, now in the cache (None when no row was written)."""
        if self._writer is None:
            return None
        self._writer.close()
        self._writer = None
        assert self._tmp is not None and self._final is not None
        self._tmp.rename(self._final)
        return self._final

    def abort(self) -> None:
        """Drop what was written: no part reaches the cache."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        if self._tmp is not None:
            self._tmp.unlink(missing_ok=True)


def _stored_in_range(parts: Sequence[Path], keys: pa.Array) -> np.ndarray:
    """A mask over ``keys``: true where a part holds the key. Only the row groups whose key
    range meets ``keys``' are read (parts are key-sorted in small row groups)."""
    found = np.zeros(len(keys), dtype=bool)
    if not parts or not len(keys):
        return found
    key = pc.field("key")
    wanted = (key >= pc.min(keys).as_py()) & (key <= pc.max(keys).as_py()) & key.isin(keys)
    for part in parts:
        stored = pq.read_table(part, columns=["key"], filters=wanted).column("key")
        at = pc.index_in(stored, value_set=keys).drop_null()
        found[at.to_numpy(zero_copy_only=False)] = True
    return found


def _nulls(schema: pa.Schema, rows: int) -> pa.Table:
    return pa.table([pa.nulls(rows, f.type) for f in schema], schema=schema)


def cached_values(
    cache: ResultCache | None,
    name: str,
    version: str,
    keys: Sequence[str],
    compute: Callable[[np.ndarray], list],
    value_type: pa.DataType,
    stats: CacheStats | None = None,
) -> list:
    """One value per key: read from the cache, ``compute(missing_rows)`` for the rest (values in
    the order of those rows), which are then stored."""
    if cache is None:
        values = compute(np.arange(len(keys)))
        if stats is not None:
            stats.add(name, len(keys), 0)
        return list(values)
    schema = pa.schema([("value", value_type)])
    found, table = cache.get_many(name, version, keys, schema)
    values = table.column("value").to_pylist()
    missing = np.flatnonzero(~found)
    if missing.size:
        fresh = compute(missing)
        for row, value in zip(missing, fresh, strict=True):
            values[row] = value
        cache.put_many(
            name,
            version,
            [keys[i] for i in missing],
            pa.table({"value": pa.array(fresh, value_type)}),
            known_missing=cache.mode == "use",
        )
    if stats is not None:
        stats.add(name, int(missing.size), int(found.sum()))
    return values
