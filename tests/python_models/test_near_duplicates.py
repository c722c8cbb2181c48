"""The near-duplicate library: pairs, clusters, representatives, the side check, determinism."""

from __future__ import annotations

import numpy as np
import pytest

from python_models.near_duplicates import (
    ClusterInput,
    NearDupConfig,
    Neighbours,
    assign_clusters,
    choose_representatives,
    cluster_table,
    confirm_pairs,
    neighbour_pairs,
)


def unit_rows(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def corpus(n_distinct: int = 300, n_copies: int = 40, seed: int = 0) -> np.ndarray:
    """Random distinct vectors, then slightly perturbed copies of the first n_copies."""
    rng = np.random.default_rng(seed)
    base = rng.standard_normal((n_distinct, 32))
    copies = base[:n_copies] + 0.02 * rng.standard_normal((n_copies, 32))
    return unit_rows(np.vstack([base, copies]))


def rows_for(n: int, **overrides) -> ClusterInput:
    values = {
        "conversation_id": np.array([f"id{i:04d}" for i in range(n)], dtype=object),
        "tier": np.full(n, 3),
        "is_edge_case": np.zeros(n, dtype=bool),
        "source_file": np.array(["lake/a.jsonl"] * n, dtype=object),
        "source_line": np.arange(1, n + 1),
    }
    values.update(overrides)
    return ClusterInput(**values)


@pytest.mark.parametrize("exact_below", [10**6, 0])  # exact matrix product, then the ANN index
def test_every_planted_copy_is_paired_with_its_original(exact_below):
    vectors = corpus()
    pairs = neighbour_pairs(vectors, 0.95, NearDupConfig(exact_below=exact_below))
    found = set(zip(pairs.left.tolist(), pairs.right.tolist(), strict=True))
    assert found == {(i, 300 + i) for i in range(40)}
    assert np.all(pairs.similarity >= 0.95)
    assert np.array_equal(pairs.nearest[:40], np.arange(300, 340))


def test_the_index_path_is_reproducible():
    vectors = corpus(n_distinct=2000, seed=3)
    config = NearDupConfig(exact_below=0)
    first = neighbour_pairs(vectors, 0.95, config)
    again = neighbour_pairs(vectors, 0.95, config)
    assert np.array_equal(first.left, again.left) and np.array_equal(first.right, again.right)
    assert np.array_equal(first.nearest, again.nearest)


def test_representative_is_edge_case_then_tier_then_file_and_line():
    labels = np.array([0, 0, 0, 1, 1, 1, 2])
    ids = np.array(["e", "c", "a", "z", "y", "x", "solo"], dtype=object)
    tiers = np.array([1, 1, 4, 2, 2, 2, 5])
    edge = np.array([False, False, True, False, False, False, False])
    files = np.array(["f", "f", "f", "b", "a", "a", "f"], dtype=object)
    lines = np.array([1, 2, 3, 1, 9, 5, 1])
    representative, cluster_id = choose_representatives(labels, ids, tiers, edge, files, lines)
    # cluster 0: the tier-4 edge case wins over tier-1 non-edge members
    # cluster 1: same tier, so the earliest file, then line: ("a", 5) -> row 5
    assert representative.tolist() == [2, 2, 2, 5, 5, 5, 6]
    # the cluster id is the smallest conversation id in it, whoever is kept
    assert cluster_id.tolist() == ["a", "a", "a", "x", "x", "x", "solo"]


def test_the_side_check_keeps_two_answers_to_one_question_apart():
    pairs = Neighbours(
        left=np.array([0, 2]),
        right=np.array([1, 3]),
        similarity=np.array([0.99, 0.99], dtype=np.float32),
        nearest=np.array([1, 0, 3, 2]),
        nearest_similarity=np.full(4, 0.99, dtype=np.float32),
    )
    same = unit_rows(np.array([[1.0, 0.0]] * 4))
    # 0 and 1 share the question but answer differently; 2 and 3 agree on both sides
    answers = unit_rows(np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.1], [1.0, 0.12]]))

    def side_vectors(rows, side):
        return (same if side == "user" else answers)[rows]

    assert confirm_pairs(pairs, side_vectors, 0.9) == 1
    assert (pairs.left.tolist(), pairs.right.tolist()) == ([2], [3])


def test_cluster_table_removes_copies_and_records_who_replaced_them():
    vectors = corpus(n_distinct=20, n_copies=5)
    n = len(vectors)
    rows = rows_for(n, tier=np.array([3] * 20 + [1] * 5))  # the copies are tier 1
    table, _ = cluster_table(rows, vectors, (0.95, 0.0), "fake-model", NearDupConfig())
    data = table.to_pydict()
    removed = [i for i in range(n) if not data["is_representative"][i]]
    assert removed == list(range(5))  # the tier-3 originals lose to their tier-1 copies
    for i in removed:
        assert data["representative_id"][i] == f"id{20 + i:04d}"
        assert data["cluster_id"][i] == f"id{i:04d}"  # smallest id in the cluster
        assert data["neighbour_ids"][i] == [f"id{20 + i:04d}"]
        assert data["similarity_to_representative"][i] > 0.95
    assert data["cluster_size"][:5] == [2] * 5 and data["cluster_size"][5:20] == [1] * 15


def test_switched_off_every_conversation_is_its_own_cluster():
    rows = rows_for(3)
    table = assign_clusters(rows, iter(()), lambda ids, side: [], NearDupConfig(enabled=False))
    data = table.to_pydict()
    assert data["cluster_id"] == data["conversation_id"] == data["representative_id"]
    assert all(data["is_representative"]) and data["cluster_size"] == [1, 1, 1]


class FakeEmbedder:
    """Texts that share their first word embed identically: a deterministic stand-in model."""

    model_id = "fake-first-word"
    dim = 8

    def encode(self, texts, *, batch_size=256, progress=False):
        rows = [np.random.default_rng(len(t.split()[0]) if t else 0).random(8) for t in texts]
        return unit_rows(np.array(rows).reshape(len(texts), 8))


def test_assign_clusters_embeds_through_the_cache(tmp_path):
    from python_models.embeddings.cache import EmbeddingCache

    texts = ["alpha one", "alpha two", "longer word", "mid text"]
    rows = rows_for(4)
    ids = list(rows.conversation_id)
    cache = EmbeddingCache(tmp_path)

    def batches():
        yield ids, texts

    def sides(wanted, side):
        return [texts[ids.index(w)] for w in wanted]

    config = NearDupConfig(threshold=0.99, side_threshold=0.99, progress=False)
    table = assign_clusters(rows, batches(), sides, config, cache=cache, embedder=FakeEmbedder())
    assert table.column("representative_id").to_pylist() == [ids[0], ids[0], ids[2], ids[3]]
    assert cache.count("fake-first-word") == 4
