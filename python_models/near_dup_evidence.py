"""The verification's evidence past the memory budget, made once a row and kept on disk.

The partitioned near-dup path verifies its candidate pairs a bucket of left rows and a chunk of
pairs at a time (:func:`near_duplicates._spilled_pairs`). Each pair's verdict needs its two
rows' word 3-gram sets (whole text and each side) and side vectors; a row is in pairs of many
chunks (as the right member of many left rows), so they are made the first time a chunk asks
and kept in files here (:class:`RowEvidence`, :class:`DiskShingles`), read back a chunk at a
time: a text is fetched from the warehouse once a part, never once a chunk.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np

from python_models.lexical_overlap import ShingleSets, shingle_sets
from python_models.near_dup_partitions import Budget, DiskRows, create_rows, put_rows


class DiskShingles:
    """Rows' shingle sets on disk: every set's values appended to one ``uint32`` file as it is
    put, each row's (start, length) in a ``.npy`` (:class:`DiskRows`), so the verification past
    the budget cuts a text into 3-grams once and reads back only the sets of one chunk of
    pairs. A read maps a window of the file at a time (``window`` values), so the pages it
    touches leave the process with the window."""

    def __init__(self, folder: Path, rows: int, window: int = 1 << 22) -> None:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        self.values_path = folder / "values.u32"
        self.values_path.write_bytes(b"")
        self.index = create_rows(folder / "index.npy", rows, 2, np.int64, fill=-1)
        self.has = np.zeros(rows, dtype=bool)
        self.size = 0  # values written
        self.window = max(1, int(window))

    def put(self, rows: np.ndarray, sets) -> None:
        """Store ``sets`` (a :class:`~python_models.lexical_overlap.ShingleSets`, one a row)."""
        rows = np.asarray(rows, dtype=np.int64)
        if not len(rows):
            return
        values = np.ascontiguousarray(sets.values, dtype=np.uint32)
        with open(self.values_path, "ab") as out:
            values.tofile(out)
        at = np.empty((len(rows), 2), dtype=np.int64)
        at[:, 0] = self.size + np.asarray(sets.offsets[:-1], dtype=np.int64)
        at[:, 1] = np.diff(sets.offsets)
        put_rows(self.index, rows, at)
        self.has[rows] = True
        self.size += len(values)

    def take(self, rows: np.ndarray):
        """The sets of ``rows`` (every one stored), in that order, as one ``ShingleSets``."""
        rows = np.asarray(rows, dtype=np.int64)
        if not self.has[rows].all():
            raise KeyError(f"{int((~self.has[rows]).sum())} rows have no stored shingle set")
        at = self.index[rows] if len(rows) else np.zeros((0, 2), dtype=np.int64)
        starts, lengths = at[:, 0], at[:, 1]
        offsets = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        values = np.empty(int(offsets[-1]), dtype=np.uint32)
        order = np.argsort(starts, kind="stable")  # the file in order, a window at a time
        ends = starts[order] + lengths[order]
        first = 0
        while first < len(order):
            low = int(starts[order[first]])
            # the sets that end within this window (at least one, however long)
            last = max(first + 1, int(np.searchsorted(ends, low + self.window, side="right")))
            high = int(ends[first:last].max())
            if high > low:
                mapped = np.memmap(
                    self.values_path, dtype=np.uint32, mode="r", offset=4 * low, shape=(high - low,)
                )
                part = order[first:last]
                count = lengths[part]
                within = np.arange(int(count.sum()), dtype=np.int64)  # a value's place in the part
                within -= np.repeat(np.cumsum(count) - count, count)  # ... in its set
                source = np.repeat(starts[part] - low, count) + within
                within += np.repeat(offsets[part], count)  # ... in the output
                values[within] = mapped[source]
                del mapped, source, within
            first = last
        return ShingleSets(offsets, values)


class RowEvidence:
    """What the verification past the budget needs of each row, made once and kept on disk:
    the 3-gram sets of its whole text and of each side, and each side's vector. A row's part is
    fetched (``texts_of(rows, part)``) the first time a chunk of pairs asks for it, in blocks
    of sorted rows, cut into 3-grams and (a side) encoded at once, and never fetched again: the
    verification fetched and cut every chunk's texts anew (a row in pairs of many chunks, as the
    right member of many left rows, once a chunk) and fetched a side a second time to encode
    it. A block holds about :meth:`Budget.fetch_chars` characters (its rows follow the lengths
    of the texts fetched so far; :meth:`Budget.fetch_rows` to start), so a fetch is one query
    for many rows (a query costs about a scan of the texts table, whatever it returns), and is
    cut into 3-grams in two slices (~13 bytes a character while cut). ``whole``: the whole
    texts' sets made while signing, when the caller kept them."""

    MAX_BLOCK = 131_072

    def __init__(
        self,
        folder: Path,
        rows: int,
        texts_of,
        encode,
        budget: Budget,
        whole: DiskShingles | None = None,
    ) -> None:
        self.folder = Path(folder)
        self.rows = rows
        self.texts_of, self.encode, self.budget = texts_of, encode, budget
        self.block = budget.fetch_rows()
        self._sets: dict[str, DiskShingles] = {} if whole is None else {"whole": whole}
        self._vectors: dict[str, DiskRows] = {}
        self.fetched = 0  # texts fetched, every part (a row's part at most once)
        self.fetch_calls = 0

    def _store(self, part: str) -> DiskShingles:
        if part not in self._sets:
            self._sets[part] = DiskShingles(
                self.folder / f"sets-{part}", self.rows, self.budget.read_window_values()
            )
        return self._sets[part]

    def _blocks(self, missing: np.ndarray) -> Iterator[np.ndarray]:
        start = 0
        while start < len(missing):  # self.block follows the texts fetched
            block = missing[start : start + self.block]
            start += len(block)
            yield block

    def _texts(self, rows: np.ndarray, part: str) -> list[str]:
        texts = list(self.texts_of(rows, part))
        self.fetch_calls += 1
        self.fetched += len(rows)
        chars = sum(len(t) for t in texts if t is not None)
        per_row = max(1.0, chars / max(1, len(texts)))
        self.block = int(min(self.MAX_BLOCK, max(1_024, self.budget.fetch_chars() / per_row)))
        return texts

    def sets(self, part: str, rows: np.ndarray):
        """The ``part`` ("whole", "user", "assistant") 3-gram sets of ``rows``; a side's texts
        are encoded as they are cut (:meth:`vectors`)."""
        store = self._store(part)
        rows = np.asarray(rows, dtype=np.int64)
        for block in self._blocks(np.unique(rows[~store.has[rows]])):
            texts = self._texts(block, part)
            store.put(block, shingle_sets(texts, max_chars=self.budget.fetch_chars() // 2))
            if part != "whole":
                encoded = np.asarray(self.encode(texts), dtype=np.float32)
                if part not in self._vectors:  # the encoder's width: known from its output
                    path = self.folder / f"vectors-{part}.npy"
                    self._vectors[part] = create_rows(path, self.rows, encoded.shape[1], np.float32)
                put_rows(self._vectors[part], block, encoded)
                del encoded
            del texts
        return store.take(rows)

    def vectors(self, side: str) -> DiskRows:
        """The ``side`` vectors (rows :meth:`sets` has made that side's sets of; zeros else)."""
        return self._vectors[side]
