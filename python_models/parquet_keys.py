"""Which keys a set of Parquet parts already holds, streamed: memory holds the keys asked about
and one read batch of one part, not every stored key (a cache's keys grow with the lake: ~70
bytes a row as Arrow strings, 3 GiB at 47.5 M). Shared by the embedding cache and the result
cache, whose writes drop the rows already stored."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

READ_BATCH_ROWS = 65_536  # stored keys compared at a time
SCAN_BUFFER_BYTES = 1 << 20  # read buffer of a column chunk: no whole-chunk pre-buffering


def stored_among(parts: Iterable[Path], column: str, keys: pa.Array) -> np.ndarray:
    """A mask over ``keys``: true where some part's ``column`` holds that key."""
    found = np.zeros(len(keys), dtype=bool)
    if not len(keys):
        return found
    for part in parts:
        reader = pq.ParquetFile(part, pre_buffer=False, buffer_size=SCAN_BUFFER_BYTES)
        for batch in reader.iter_batches(batch_size=READ_BATCH_ROWS, columns=[column]):
            at = pc.index_in(batch.column(0), value_set=keys).drop_null()  # rows of `keys`
            found[at.to_numpy(zero_copy_only=False)] = True
    return found
