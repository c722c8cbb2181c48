"""The near-duplicate index kept between builds: a rebuild searches only new conversations."""

from __future__ import annotations

import numpy as np
import pytest

from python_models.embeddings.cache import EmbeddingCache
from python_models.near_dup_index import IndexRun, IndexStore, link_with_index
from python_models.near_duplicates import NearDupConfig, link_conversations


class WordEmbedder:
    """A deterministic stand-in model: a text's vector is the normalised sum of its words'."""

    model_id = "fake-words"
    dim = 32

    def encode(self, texts, *, batch_size=256, progress=False):
        rows = []
        for text in texts:
            vector = np.zeros(self.dim)
            for word in text.split():
                seed = sum(ord(c) * 31**i for i, c in enumerate(word)) % 2**32
                vector += np.random.default_rng(seed).standard_normal(self.dim)
            rows.append(vector / (np.linalg.norm(vector) or 1.0))
        return np.asarray(rows, dtype=np.float32).reshape(len(texts), self.dim)


WORDS = [
    "anxious", "sleep", "mother", "work", "money", "exam", "panic", "friend", "lonely", "tired",
    "angry", "partner", "school", "doctor", "sister", "move", "job", "rent", "fear", "hope",
    "calm", "walk", "talk", "cry", "laugh",
]  # fmt: skip


def conversation(i: int) -> str:
    rng = np.random.default_rng(i)
    return " ".join(rng.choice(WORDS, size=40))


def near_copy(text: str) -> str:
    return "hello there " + text.replace(" ", "  ", 1)


def run(
    texts: dict[str, str], root, config: NearDupConfig, *, store: bool, refresh=False, output=None
):
    ids = sorted(texts)

    def batches():
        yield ids, [texts[i] for i in ids]

    def texts_of_ids(wanted, part):
        return [texts[w] for w in wanted]  # one side only: the test texts have no roles

    cache = EmbeddingCache(root / "embeddings")
    if not store:
        return link_conversations(
            ids,
            batches(),
            texts_of_ids,
            config,
            cache=cache,
            embedder=WordEmbedder(),
            output=output,
        ), None
    report = IndexRun()
    table = link_with_index(
        ids,
        batches(),
        texts_of_ids,
        config,
        store=IndexStore(root / "results"),
        refresh=refresh,
        cache=cache,
        embedder=WordEmbedder(),
        run=report,
        output=output,
    )
    return table, report


def lake(count: int, copies: range) -> dict[str, str]:
    texts = {f"c{i:05d}": conversation(i) for i in range(count)}
    texts.update({f"d{i:05d}": near_copy(conversation(i)) for i in copies})
    return texts


@pytest.mark.parametrize("exact_below", [10**6, 0])  # the exact search, then the HNSW index
def test_a_near_copy_in_a_new_file_is_found_against_the_kept_index(tmp_path, exact_below):
    config = NearDupConfig(progress=False, exact_below=exact_below)
    old = lake(300, range(0, 10))
    _, first = run(old, tmp_path, config, store=True)
    assert first.full and first.searched == 310
    grown = {**old, **{f"e{i:05d}": near_copy(conversation(i)) for i in range(100, 105)}}
    grown.update({f"f{i:05d}": conversation(10_000 + i) for i in range(20)})
    table, second = run(grown, tmp_path, config, store=True)
    assert not second.full and (second.reused, second.searched) == (310, 25)
    component = dict(
        zip(
            table.column("conversation_id").to_pylist(),
            table.column("component").to_pylist(),
            strict=True,
        )
    )
    for i in range(100, 105):  # each new near-copy joins its old original
        assert component[f"e{i:05d}"] == component[f"c{i:05d}"]
    for i in range(10):  # the old pairs are kept
        assert component[f"d{i:05d}"] == component[f"c{i:05d}"]
    assert second.new_pairs == 5
    # unchanged: nothing is searched
    again, third = run(grown, tmp_path, config, store=True)
    assert (third.reused, third.searched, third.full) == (335, 0, False)
    assert again.equals(table)


def test_below_exact_below_the_incremental_links_equal_a_full_build(tmp_path):
    config = NearDupConfig(progress=False)
    old = lake(200, range(0, 8))
    run(old, tmp_path, config, store=True)
    grown = {**old, **{f"e{i:05d}": near_copy(conversation(i)) for i in range(50, 60)}}
    grown.update({f"f{i:05d}": conversation(5_000 + i) for i in range(30)})
    incremental, report = run(grown, tmp_path, config, store=True)
    assert not report.full
    full, _ = run(grown, tmp_path / "cold", config, store=False)
    assert incremental.equals(full)
    refreshed, report = run(grown, tmp_path, config, store=True, refresh=True)
    assert report.full and refreshed.equals(full)


@pytest.mark.parametrize("exact_below", [10**6, 0])
def test_removed_conversations_leave_the_index_and_their_neighbours_find_another(
    tmp_path, exact_below
):
    config = NearDupConfig(progress=False, exact_below=exact_below)
    old = lake(60, range(0, 6))
    run(old, tmp_path, config, store=True)
    # c00001's copy d00001 loses its pair and its nearest row; a new conversation arrives too
    changed = {k: v for k, v in old.items() if k not in ("c00001", "c00030")}
    changed["g00000"] = near_copy(conversation(2))
    table, report = run(changed, tmp_path, config, store=True)
    assert not report.full and (report.reused, report.searched) == (64, 1)
    rows = table.to_pydict()
    at = {cid: i for i, cid in enumerate(rows["conversation_id"])}
    assert rows["neighbour_ids"][at["d00001"]] == []
    assert rows["nearest_id"][at["d00001"]] not in ("c00001", "c00030", None)
    assert rows["component"][at["g00000"]] == rows["component"][at["c00002"]]
    if exact_below:  # the exact search: the same table as a build from scratch
        assert table.equals(run(changed, tmp_path / "cold", config, store=False)[0])
    again, report = run(changed, tmp_path, config, store=True)
    assert (report.reused, report.searched) == (65, 0) and again.equals(table)
