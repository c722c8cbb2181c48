"""The embedding layer: the text that is embedded, the Parquet cache, and both offline backends."""

from __future__ import annotations

import numpy as np
import pytest

from python_models.embeddings.backends import Embedder, get_embedder
from python_models.embeddings.cache import EmbeddingCache, embed_with_cache
from python_models.embeddings.static_model import STATIC_MODEL_ID, ensure_static_model
from python_models.embeddings.texts import conversation_text, text_hash


class CountingEmbedder:
    """A fake backend: deterministic vectors from the text, and a count of texts embedded."""

    model_id = "fake-v1"
    dim = 8

    def __init__(self) -> None:
        self.embedded = 0

    def encode(self, texts, *, batch_size=256, progress=False):
        self.embedded += len(texts)
        rows = [np.random.default_rng(list(t.encode()) or [0]).standard_normal(8) for t in texts]
        out = np.asarray(rows, dtype=np.float32).reshape(len(texts), 8)
        return out / np.linalg.norm(out, axis=1, keepdims=True)


def test_conversation_text_ignores_roles_system_prompts_and_whitespace():
    plain = [
        {"role": "user", "content": "I can't sleep."},
        {"role": "assistant", "content": "That sounds hard."},
    ]
    relabelled = [
        {"role": "system", "content": "You are a careful assistant."},
        {"role": "user", "content": "I can't\t sleep."},
        {"role": "assistant", "content": "That  sounds hard."},
    ]
    assert conversation_text(plain) == conversation_text(relabelled)
    assert conversation_text(plain) == "I can't sleep.\nThat sounds hard."


def test_cache_returns_what_was_put_bit_for_bit(tmp_path):
    cache = EmbeddingCache(tmp_path)
    vectors = np.random.default_rng(0).standard_normal((5, 8)).astype(np.float32)
    assert cache.put_many([f"h{i}" for i in range(5)], vectors, "m") == 5
    found, got = cache.get_many(["h3", "zz", "h0"], "m", 8)
    assert found.tolist() == [True, False, True]
    assert np.array_equal(got[0], vectors[3]) and np.array_equal(got[2], vectors[0])
    assert not got[1].any()
    # another model id is another key space
    assert not cache.get_many(["h3"], "other", 8)[0].any()


def test_cache_reads_in_batches_across_parts_and_repeated_keys(tmp_path, monkeypatch):
    from python_models.embeddings import cache as cache_module

    monkeypatch.setattr(cache_module, "READ_BATCH_ROWS", 3)  # many read steps per part
    cache = EmbeddingCache(tmp_path)
    vectors = np.random.default_rng(1).standard_normal((20, 4)).astype(np.float32)
    cache.put_many([f"h{i:02d}" for i in range(10)], vectors[:10], "m")
    cache.put_many([f"h{i:02d}" for i in range(10, 20)], vectors[10:], "m")
    wanted = ["h19", "h02", "nope", "h02", "h11"]
    found, got = cache.get_many(wanted, "m", 4)
    assert found.tolist() == [True, True, False, True, True]
    for row, key in enumerate(wanted):
        if key != "nope":
            assert np.array_equal(got[row], vectors[int(key[1:])])


def test_cache_writes_only_new_keys_and_compacts(tmp_path):
    cache = EmbeddingCache(tmp_path)
    v = np.ones((3, 4), dtype=np.float32)
    assert cache.put_many(["a", "b", "b"], v, "m") == 2
    assert cache.put_many(["a", "c"], v[:2], "m") == 1
    assert cache.count("m") == 3
    cache.compact("m")
    assert len(list((tmp_path).glob("*/part-*.parquet"))) == 1
    assert cache.get_many(["a", "b", "c"], "m", 4)[0].all()


def test_cache_checks_new_keys_against_every_part_a_batch_at_a_time(tmp_path, monkeypatch):
    from python_models import parquet_keys

    monkeypatch.setattr(parquet_keys, "READ_BATCH_ROWS", 2)  # the stored keys in many batches
    cache = EmbeddingCache(tmp_path)
    v = np.arange(40, dtype=np.float32).reshape(10, 4)
    assert cache.put_many(["k0", "k1", "k2", "k3", "k4"], v[:5], "m") == 5
    assert cache.put_many(["k5", "k6", "k7"], v[5:8], "m") == 3
    # k1 sits in the first part's first batch, k7 in the second part's last; k8 is new twice
    assert cache.put_many(["k7", "k8", "k1", "k8", "k9"], v[[0, 8, 0, 0, 9]], "m") == 2
    assert cache.count("m") == 10
    found, got = cache.get_many(["k1", "k7", "k8", "k9"], "m", 4)
    assert found.all()
    assert np.array_equal(got, v[[1, 7, 8, 9]])  # the first write of a key stands


@pytest.mark.parametrize("batch_rows", [1, 3, 65_536])
def test_cache_scan_yields_every_row_once_whatever_the_batch(tmp_path, batch_rows):
    cache = EmbeddingCache(tmp_path)
    v = np.random.default_rng(2).standard_normal((7, 4)).astype(np.float32)
    cache.put_many([f"s{i}" for i in range(4)], v[:4], "m")
    cache.put_many([f"s{i}" for i in range(4, 7)], v[4:], "m")
    seen = {}
    for hashes, vectors in cache.scan("m", 4, batch_rows):
        assert len(hashes) <= batch_rows
        for key, vector in zip(hashes.to_pylist(), vectors, strict=True):
            assert key not in seen
            seen[key] = vector
    assert sorted(seen) == [f"s{i}" for i in range(7)]
    assert all(np.array_equal(seen[f"s{i}"], v[i]) for i in range(7))


def test_embed_with_cache_embeds_only_unseen_texts(tmp_path):
    cache = EmbeddingCache(tmp_path)
    embedder = CountingEmbedder()
    assert isinstance(embedder, Embedder)
    texts = ["one", "two", "three"]
    ids = [text_hash(t) for t in texts]
    first = embed_with_cache(embedder, ids, texts, cache=cache)
    assert embedder.embedded == 3
    again = embed_with_cache(embedder, [*ids, text_hash("four")], [*texts, "four"], cache=cache)
    assert embedder.embedded == 4
    assert np.array_equal(again[:3], first)
    assert np.allclose(again[3], embedder.encode(["four"])[0])


# ---- the real backends (the static model is distilled once per machine, about a minute) ----


@pytest.fixture(scope="session")
def static_embedder():
    ensure_static_model()
    return get_embedder("static")


TEXTS = [
    "I've felt flat and empty for weeks, and even seeing my brother feels like a chore.",
    "I've felt flat and empty for weeks and even seeing my brother feels like a chore!!",
    "My manager doubled my workload; I've been working late since March.",
    "Café au lait, naïve résumé — Zürich & São Paulo… 😀 <3 $5 x^2 a_b",
    "",
    "hello " * 3000,
]


@pytest.mark.model
def test_static_fast_path_matches_token_by_token_reference(static_embedder):
    fast = static_embedder.encode(TEXTS, batch_size=2)
    reference = static_embedder.encode_reference(TEXTS[:4])
    assert fast.dtype == np.float32 and fast.shape == (len(TEXTS), static_embedder.dim)
    assert np.all((fast[:4] * reference).sum(axis=1) > 0.999)
    assert np.allclose(np.linalg.norm(fast[[0, 1, 2, 3, 5]], axis=1), 1, atol=1e-5)
    assert not fast[4].any()  # an empty text is similar to nothing
    assert np.array_equal(fast, static_embedder.encode(TEXTS))  # batch size does not matter


@pytest.mark.model
def test_static_model_matches_model2vec(static_embedder):
    from model2vec import StaticModel

    model = StaticModel.from_pretrained(str(static_embedder.model_dir), force_download=False)
    theirs = model.encode(TEXTS[:4], use_multiprocessing=False, max_length=None)
    theirs = theirs.astype(np.float32) / np.linalg.norm(theirs, axis=1, keepdims=True)
    assert np.all((static_embedder.encode(TEXTS[:4]) * theirs).sum(axis=1) > 0.999)


@pytest.mark.model
def test_static_model_is_versioned_and_not_distilled_twice(static_embedder):
    directory = ensure_static_model()
    assert directory.name == STATIC_MODEL_ID == static_embedder.model_id
    stamp = (directory / "model.safetensors").stat().st_mtime_ns
    assert ensure_static_model() == directory
    assert (directory / "model.safetensors").stat().st_mtime_ns == stamp


@pytest.mark.model
@pytest.mark.parametrize("backend", ["static", "minilm"])
def test_near_copies_are_closer_than_other_topics(backend, static_embedder):
    embedder = static_embedder if backend == "static" else get_embedder("minilm")
    vectors = embedder.encode(TEXTS[:3])
    assert vectors[0] @ vectors[1] > 0.9
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.1
