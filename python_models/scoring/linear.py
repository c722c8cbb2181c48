"""A small linear text model: TF-IDF n-grams (words, optionally characters too) plus a sentence
embedding, one logistic regression.

Fitting uses scikit-learn; the fitted model is a few arrays in one `.npz` (vocabulary, idf,
coefficients, metadata) so the package ships it small and loads it without pickles. Inference
is one sparse product plus one dense product: thousands of texts a second on one core.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import chain, repeat
from pathlib import Path
from typing import Any

import numpy as np

from python_models.imports import import_module

TOKEN_PATTERN = r"(?u)\b\w[\w']*\b|[?!]"
"""Words (keeping "don't") and the question and exclamation marks, which carry signal here."""


@dataclass(frozen=True)
class LinearTextConfig:
    """Features and regularisation; part of the saved metadata."""

    ngram_range: tuple[int, int] = (1, 2)
    min_df: int = 2
    max_features: int = 20_000
    embedding_weight: float = 1.0  # scale of the embedding block against the TF-IDF block
    # character n-grams within word boundaries (char_wb), a second TF-IDF block; None = none
    char_ngram_range: tuple[int, int] | None = None
    char_min_df: int = 3
    char_max_features: int = 30_000
    char_weight: float = 0.5  # scale of the character block against the word block
    c: float = 1.0  # inverse regularisation strength
    class_weight: str | None = "balanced"


def _tfidf(vocabulary: dict[str, int] | None, **options: Any) -> Any:
    TfidfVectorizer = import_module("sklearn.feature_extraction.text").TfidfVectorizer

    return TfidfVectorizer(
        lowercase=True, sublinear_tf=True, vocabulary=vocabulary, dtype=np.float32, **options
    )


def _vectorizer(config: LinearTextConfig, vocabulary: dict[str, int] | None = None) -> Any:
    return _tfidf(
        vocabulary,
        token_pattern=TOKEN_PATTERN,
        ngram_range=config.ngram_range,
        min_df=config.min_df,
        max_features=config.max_features,
    )


def _char_vectorizer(config: LinearTextConfig, vocabulary: dict[str, int] | None = None) -> Any:
    return _tfidf(
        vocabulary,
        analyzer="char_wb",
        ngram_range=config.char_ngram_range,
        min_df=config.char_min_df,
        max_features=config.char_max_features,
    )


class WordCounts:
    """The count matrix of scikit-learn's `CountVectorizer(vocabulary=..., lowercase=True,
    token_pattern=TOKEN_PATTERN, ngram_range=...).transform(texts)`, the same matrix (float32
    counts, int32 indices sorted within each row), counted with numpy instead of a Python loop
    per n-gram: each text is lowercased and tokenised by the same regular expression (in C),
    its tokens are mapped to ids with one dictionary lookup each, and the n-grams are matched
    against the vocabulary as integer codes. `TfidfTransformer` then weights it as
    `TfidfVectorizer.transform` would (`LinearTextModel.sparse_features`; tests compare both).
    """

    def __init__(self, vocabulary: Sequence[str], ngram_range: tuple[int, int]) -> None:
        self.size = len(vocabulary)
        self.min_n, self.max_n = ngram_range
        self.pattern = re.compile(TOKEN_PATTERN)
        # every token of every vocabulary term gets an id; an n-gram is a base-T number
        self.tokens: dict[str, int] = {}
        terms: dict[int, list[tuple[list[int], int]]] = {}
        for index, term in enumerate(vocabulary):
            parts = term.split(" ")
            if not self.min_n <= len(parts) <= self.max_n:
                continue  # the analyzer never makes it: never counted
            ids = [self.tokens.setdefault(part, len(self.tokens)) for part in parts]
            terms.setdefault(len(parts), []).append((ids, index))
        self.base = max(len(self.tokens), 1)
        # base ** max_n must stay an int64: about 2 million tokens for trigrams
        self.exact = self.base**self.max_n < 2**62
        self.codes: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        for n, entries in terms.items():
            codes = np.array([self._code_of(ids) for ids, _ in entries], dtype=np.int64)
            features = np.array([index for _, index in entries], dtype=np.int64)
            order = np.argsort(codes, kind="stable")
            self.codes[n] = (codes[order], features[order])

    def _code_of(self, ids: list[int]) -> int:
        code = 0
        for token in ids:
            code = code * self.base + token
        return code

    def counts(self, texts: Sequence[str]) -> Any:
        from scipy.sparse import csr_matrix

        rows = len(texts)
        tokenised = [self.pattern.findall(text.lower()) for text in texts]
        lengths = np.fromiter(map(len, tokenised), dtype=np.int64, count=rows)
        ids = np.fromiter(
            map(self.tokens.get, chain.from_iterable(tokenised), repeat(-1)),
            dtype=np.int64,
            count=int(lengths.sum()),
        )
        owner = np.repeat(np.arange(rows, dtype=np.int64), lengths)
        found_rows, found_features = [], []
        for n in range(self.min_n, self.max_n + 1):
            if n not in self.codes or ids.size < n:
                continue
            last = ids.size - n + 1  # n-grams start at 0 .. last - 1
            valid = owner[:last] == owner[n - 1 :]  # inside one text
            code = np.zeros(last, dtype=np.int64)
            for k in range(n):
                part = ids[k : k + last]
                valid &= part >= 0  # a token no vocabulary term holds
                code = code * self.base + part
            starts = np.flatnonzero(valid)
            code = code[starts]
            known, features = self.codes[n]
            at = np.minimum(np.searchsorted(known, code), known.size - 1)
            hit = known[at] == code
            found_rows.append(owner[starts[hit]])
            found_features.append(features[at[hit]])
        keys = (
            np.concatenate(found_rows) * self.size + np.concatenate(found_features)
            if found_rows
            else np.zeros(0, dtype=np.int64)
        )
        keys, values = np.unique(keys, return_counts=True)  # sorted: by row, then feature
        owners = keys // max(self.size, 1)
        indptr = np.searchsorted(owners, np.arange(rows + 1, dtype=np.int64)).astype(np.int32)
        indices = (keys - owners * self.size).astype(np.int32)
        matrix = csr_matrix(
            (values.astype(np.float32), indices, indptr), shape=(rows, self.size), dtype=np.float32
        )
        matrix.has_sorted_indices = True
        return matrix


@dataclass
class LinearTextModel:
    """Multinomial (or binary) logistic regression over
    [TF-IDF words(text) | c * TF-IDF characters(text) | w * embedding(text)]."""

    config: LinearTextConfig
    classes: np.ndarray
    vocabulary: list[str]
    idf: np.ndarray
    coef: np.ndarray  # (n_classes or 1, n_vocab + n_char_vocab + embedding_dim)
    intercept: np.ndarray
    embedding_dim: int
    metadata: dict[str, Any] = field(default_factory=dict)
    char_vocabulary: list[str] = field(default_factory=list)  # empty: no character block
    char_idf: np.ndarray | None = None
    _vectorizer: Any = field(default=None, init=False, repr=False)
    _char_vectorizer: Any = field(default=None, init=False, repr=False)
    _word_counts: WordCounts | None = field(default=None, init=False, repr=False)
    _word_tfidf: Any = field(default=None, init=False, repr=False)

    # -- fitting -----------------------------------------------------------------------------
    @classmethod
    def fit(
        cls,
        texts: Sequence[str],
        embeddings: np.ndarray | None,
        labels: Sequence[int],
        config: LinearTextConfig,
        metadata: dict[str, Any] | None = None,
        sample_weight: Sequence[float] | None = None,
        vocabulary_texts: Sequence[str] | None = None,
    ) -> LinearTextModel:
        """`vocabulary_texts`: fit the n-gram vocabulary and idf on these instead of `texts`
        (models fitted on extra examples keep the vocabulary of the base texts, so models of
        the same texts can share one TF-IDF pass); `sample_weight`: one weight per text."""
        LogisticRegression = import_module("sklearn.linear_model").LogisticRegression

        vectorizer = _vectorizer(config)
        vocabulary_source = texts if vocabulary_texts is None else vocabulary_texts
        vectorizer.fit(vocabulary_source)
        sparse = vectorizer.transform(texts)
        char_vectorizer = None
        if config.char_ngram_range is not None:
            char_vectorizer = _char_vectorizer(config).fit(vocabulary_source)
            sparse = _hstack([sparse, char_vectorizer.transform(texts) * config.char_weight])
        features = _stack(sparse, embeddings, config.embedding_weight)
        model = LogisticRegression(
            C=config.c, class_weight=config.class_weight, max_iter=3000, solver="lbfgs"
        )
        model.fit(
            features,
            np.asarray(labels),
            sample_weight=None if sample_weight is None else np.asarray(sample_weight),
        )
        vocabulary = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.get)
        return cls(
            config=config,
            classes=model.classes_.astype(np.int64),
            vocabulary=vocabulary,
            idf=vectorizer.idf_.astype(np.float32),
            coef=model.coef_.astype(np.float32),
            intercept=model.intercept_.astype(np.float32),
            embedding_dim=0
            if embeddings is None or not config.embedding_weight
            else int(embeddings.shape[1]),
            metadata=dict(metadata or {}),
            char_vocabulary=[]
            if char_vectorizer is None
            else sorted(char_vectorizer.vocabulary_, key=char_vectorizer.vocabulary_.get),
            char_idf=None if char_vectorizer is None else char_vectorizer.idf_.astype(np.float32),
        )

    # -- inference ---------------------------------------------------------------------------
    def prepare(self) -> LinearTextModel:
        """Build the feature extractors (scikit-learn's vectorizers, `WordCounts`' tables);
        the first `sparse_features` call does it otherwise."""
        if self._vectorizer is None:
            self._vectorizers()
        return self

    def _vectorizers(self) -> None:
        vocabulary = {term: index for index, term in enumerate(self.vocabulary)}
        vectorizer = _vectorizer(self.config, vocabulary)
        vectorizer.idf_ = self.idf.astype(np.float64)
        self._vectorizer = vectorizer
        if self.char_vocabulary:
            chars = {term: index for index, term in enumerate(self.char_vocabulary)}
            char_vectorizer = _char_vectorizer(self.config, chars)
            char_vectorizer.idf_ = np.asarray(self.char_idf, dtype=np.float64)
            self._char_vectorizer = char_vectorizer
        counts = WordCounts(self.vocabulary, self.config.ngram_range)
        if counts.exact:
            TfidfTransformer = import_module("sklearn.feature_extraction.text").TfidfTransformer
            tfidf = TfidfTransformer(norm="l2", use_idf=True, smooth_idf=True, sublinear_tf=True)
            tfidf.idf_ = self.idf.astype(np.float64)
            self._word_counts, self._word_tfidf = counts, tfidf

    def word_features(self, texts: Sequence[str]) -> Any:
        """The word TF-IDF block: `WordCounts` weighted by the fitted idf (scikit-learn's
        vectorizer when the vocabulary is too large for its integer codes)."""
        self.prepare()
        if self._word_counts is None or not len(texts):
            return self._vectorizer.transform(texts)
        return self._word_tfidf.transform(self._word_counts.counts(texts), copy=False)

    def sparse_features(self, texts: Sequence[str]) -> Any:
        """The TF-IDF blocks alone (models with the same vocabularies and idf can share them)."""
        words = self.word_features(texts)
        if self._char_vectorizer is None:
            return words
        chars = self._char_vectorizer.transform(texts) * self.config.char_weight
        return _hstack([words, chars])

    def sparse_features_reference(self, texts: Sequence[str]) -> Any:
        """`sparse_features` through scikit-learn's vectorizers alone (tests compare them)."""
        self.prepare()
        words = self._vectorizer.transform(texts)
        if self._char_vectorizer is None:
            return words
        chars = self._char_vectorizer.transform(texts) * self.config.char_weight
        return _hstack([words, chars])

    def same_features_as(self, other: LinearTextModel) -> bool:
        return (
            self.config.ngram_range == other.config.ngram_range
            and self.vocabulary == other.vocabulary
            and np.array_equal(self.idf, other.idf)
            and self.config.char_ngram_range == other.config.char_ngram_range
            and self.config.char_weight == other.config.char_weight
            and self.char_vocabulary == other.char_vocabulary
            and (
                self.char_idf is None
                if other.char_idf is None
                else np.array_equal(self.char_idf, other.char_idf)
            )
        )

    def _check_embeddings(self, embeddings: np.ndarray | None) -> None:
        if embeddings is None:
            raise ValueError("this model needs the texts' embeddings")
        if embeddings.shape[1] != self.embedding_dim:
            raise ValueError(
                f"embedding width {embeddings.shape[1]} != {self.embedding_dim} the model was "
                f"fitted with ({self.metadata.get('embedding_model')})"
            )

    def decision(
        self, texts: Sequence[str], embeddings: np.ndarray | None = None, sparse: Any = None
    ) -> np.ndarray:
        if sparse is None:
            sparse = self.sparse_features(texts)
        if not self.embedding_dim:
            return np.asarray(sparse @ self.coef.T, dtype=np.float32) + self.intercept
        self._check_embeddings(embeddings)
        # the two blocks multiplied apart: no sparse copy of the dense block (faster, smaller)
        width = len(self.vocabulary) + len(self.char_vocabulary)
        scores = np.asarray(sparse @ self.coef[:, :width].T, dtype=np.float32)
        dense = np.asarray(embeddings, dtype=np.float32) @ self.coef[:, width:].T
        return scores + self.config.embedding_weight * dense + self.intercept

    def predict_proba(
        self, texts: Sequence[str], embeddings: np.ndarray | None = None, sparse: Any = None
    ) -> np.ndarray:
        """(n, n_classes) probabilities; a binary model gives (n, 2). `sparse`: precomputed
        `sparse_features(texts)`, to share one TF-IDF pass between models."""
        scores = self.decision(texts, embeddings, sparse)
        if scores.shape[1] == 1:
            positive = 1.0 / (1.0 + np.exp(-scores[:, 0]))
            return np.stack([1.0 - positive, positive], axis=1)
        scores = scores - scores.max(axis=1, keepdims=True)
        exp = np.exp(scores)
        return exp / exp.sum(axis=1, keepdims=True)

    # -- storage -----------------------------------------------------------------------------
    def save(self, path: Path) -> None:
        config = {**self.config.__dict__, "ngram_range": list(self.config.ngram_range)}
        if self.config.char_ngram_range is not None:
            config["char_ngram_range"] = list(self.config.char_ngram_range)
        else:  # no character block and its defaults: the metadata of weights fitted before it
            defaults = LinearTextConfig().__dict__  # existed, byte for byte
            config = {
                k: v for k, v in config.items() if not k.startswith("char_") or v != defaults[k]
            }
        meta = {**self.metadata, "config": config, "embedding_dim": self.embedding_dim}
        chars = {}
        if self.char_vocabulary:
            chars = {
                "char_vocabulary": np.array(self.char_vocabulary, dtype=np.str_),
                "char_idf": np.asarray(self.char_idf).astype(np.float16),
            }
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:
            np.savez_compressed(
                handle,
                classes=self.classes,
                vocabulary=np.array(self.vocabulary, dtype=np.str_),
                idf=self.idf.astype(np.float16),
                coef=self.coef.astype(np.float16),
                intercept=self.intercept.astype(np.float32),
                metadata=np.array(json.dumps(meta, sort_keys=True)),
                **chars,
            )

    @classmethod
    def load(cls, path: Path) -> LinearTextModel:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["metadata"]))
            config_fields = dict(meta.pop("config"))
            config_fields["ngram_range"] = tuple(config_fields["ngram_range"])
            if config_fields.get("char_ngram_range") is not None:
                config_fields["char_ngram_range"] = tuple(config_fields["char_ngram_range"])
            has_chars = "char_vocabulary" in data.files
            return cls(
                config=LinearTextConfig(**config_fields),
                classes=data["classes"],
                vocabulary=[str(term) for term in data["vocabulary"]],
                idf=data["idf"].astype(np.float32),
                coef=data["coef"].astype(np.float32),
                intercept=data["intercept"].astype(np.float32),
                embedding_dim=int(meta.pop("embedding_dim")),
                metadata=meta,
                char_vocabulary=[str(t) for t in data["char_vocabulary"]] if has_chars else [],
                char_idf=data["char_idf"].astype(np.float32) if has_chars else None,
            )


def _hstack(blocks: list[Any]) -> Any:
    from scipy.sparse import hstack

    return hstack(blocks, format="csr")


def _stack(sparse: Any, embeddings: np.ndarray | None, weight: float) -> Any:
    from scipy.sparse import csr_matrix, hstack

    if embeddings is None or not weight:
        return sparse.tocsr()
    dense = csr_matrix(np.asarray(embeddings, dtype=np.float32) * weight)
    return hstack([sparse, dense], format="csr")
