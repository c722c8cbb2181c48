"""The build's category model, cached by the sample it was fitted on (docs/incremental.md).

The model is fitted on this build's categorized conversations; the same sample (the same
conversation ids with the same categories) under the same fitting code and embedding model gives
the same model, so a rebuild reads it back instead of fitting again. Stored exactly (float32
weights, not the float16 of the shipped-weights format), so predictions equal a fresh fit's.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa

from python_models.result_cache import (
    CacheStats,
    ResultCache,
    cached_values,
    content_key,
    version_of,
)
from python_models.scoring.category import CategoryModel

SOURCES = (Path(__file__).parent / "category.py", Path(__file__).parent / "category_cache.py")
NAME = "category_model"


def _encode(model: CategoryModel | None) -> bytes:
    if model is None:
        return b""
    buffer = io.BytesIO()
    np.savez(
        buffer,
        categories=np.array(model.categories, dtype=np.str_),
        coef=np.asarray(model.coef, dtype=np.float32),
        intercept=np.asarray(model.intercept, dtype=np.float32),
        header=np.array(json.dumps({"min_confidence": model.min_confidence, **model.metadata})),
    )
    return buffer.getvalue()


def _decode(blob: bytes) -> CategoryModel | None:
    if not blob:
        return None
    with np.load(io.BytesIO(blob), allow_pickle=False) as data:
        header = json.loads(str(data["header"]))
        return CategoryModel(
            categories=[str(c) for c in data["categories"]],
            coef=data["coef"],
            intercept=data["intercept"],
            min_confidence=float(header.pop("min_confidence")),
            metadata=header,
        )


def cached_category_model(
    ids: Sequence[str],
    categories: Sequence[str],
    embedding_model: str,
    fit: Callable[[], CategoryModel | None],
    cache: ResultCache | None,
    stats: CacheStats | None = None,
) -> CategoryModel | None:
    """``fit()``'s model, or the one an earlier build fitted on the same sample."""
    key = content_key(list(ids), list(categories))
    version = version_of(SOURCES, packages=("scikit-learn",), config={"model": embedding_model})
    (blob,) = cached_values(
        cache, NAME, version, [key], lambda rows: [_encode(fit())], pa.binary(), stats
    )
    return _decode(blob)
