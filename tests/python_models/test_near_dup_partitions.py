"""Near-dup search under a memory budget: the partitioned search finds what one index finds."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from python_models import near_dup_partitions
from python_models.embeddings.cache import EmbeddingCache
from python_models.lexical_overlap import lsh_pairs
from python_models.near_dup_evidence import DiskShingles
from python_models.near_dup_index import IndexStore, link_with_index
from python_models.near_dup_partitions import (
    Budget,
    DiskRows,
    arrow_ids,
    compact_ids,
    create_rows,
    id_strings,
    partitioned,
    put_rows,
    text_batches,
    text_slices,
)
from python_models.near_duplicates import NearDupConfig
from tests.python_models.test_near_dup_index import WordEmbedder, conversation, lake, near_copy, run

TINY = 1  # MiB: the smallest partitions (64 KiB of working memory): a few hundred rows a shard


def pairs_of(table) -> set[tuple[str, str]]:
    rows = table.to_pydict()
    return {
        (a, b)
        for a, neighbours in zip(rows["conversation_id"], rows["neighbour_ids"], strict=True)
        for b in neighbours
        if a < b
    }


def clusters_of(table) -> set[frozenset[str]]:
    rows = table.to_pydict()
    members: dict[int, set[str]] = {}
    for cid, component in zip(rows["conversation_id"], rows["component"], strict=True):
        members.setdefault(component, set()).add(cid)
    return {frozenset(m) for m in members.values()}


def live_state(root):
    store = IndexStore(root / "results")
    folder = next(store.root.glob("version=*"))
    state = store.load(folder.name.removeprefix("version="))
    assert state is not None
    return state


def shard_size(config: NearDupConfig) -> int:
    return Budget(config.memory_budget_mib).shard_rows(WordEmbedder.dim, config.connectivity)


@pytest.mark.parametrize("lexical", [True, False])
def test_partitioned_search_finds_the_pairs_of_the_single_index(tmp_path, lexical):
    texts = lake(500, range(0, 40))
    # same HNSW settings; only the budget differs
    whole = NearDupConfig(progress=False, exact_below=0, lexical=lexical)
    tiny = NearDupConfig(progress=False, exact_below=0, lexical=lexical, memory_budget_mib=TINY)
    assert not partitioned(len(texts), WordEmbedder.dim, whole)
    assert partitioned(len(texts), WordEmbedder.dim, tiny)
    size = shard_size(tiny)
    assert len(texts) > 2 * size  # three shards or more

    reference, _ = run(texts, tmp_path / "whole", whole, store=True)
    table, report = run(texts, tmp_path / "tiny", tiny, store=True)
    assert report.full
    expected = pairs_of(reference)
    assert len(expected) >= 40  # every planted near-copy, at least
    assert pairs_of(table) == expected
    assert clusters_of(table) == clusters_of(reference)
    # planted copies d* sort after every c*: each pair straddles shards (rows 0-39 vs 500-539)
    ids = sorted(texts)
    straddling = [p for p in expected if ids.index(p[0]) // size != ids.index(p[1]) // size]
    assert len(straddling) >= 40
    # the state holds shards, not one index, and the exact path agrees too
    loaded = live_state(tmp_path / "tiny")
    assert len(loaded.shards) >= 3 and loaded.index_path is None
    exact, _ = run(texts, tmp_path / "exact", NearDupConfig(progress=False), store=True)
    assert pairs_of(exact) == expected


def test_partitioned_incremental_build_finds_new_copies_against_the_kept_shards(tmp_path):
    config = NearDupConfig(progress=False, exact_below=0, memory_budget_mib=TINY)
    old = lake(450, range(0, 10))
    _, first = run(old, tmp_path, config, store=True)
    assert first.full
    shards_before = len(live_state(tmp_path).shards)
    assert shards_before >= 2
    grown = {**old, **{f"e{i:05d}": near_copy(conversation(i)) for i in range(200, 215)}}
    grown.update({f"f{i:05d}": conversation(20_000 + i) for i in range(30)})
    grown.pop("c00003")  # a removed conversation: its copy d00003 loses its pair
    table, second = run(grown, tmp_path, config, store=True)
    assert not second.full and (second.reused, second.searched) == (459, 45)
    assert len(live_state(tmp_path).shards) == shards_before + 1  # the new rows' shard
    pairs = pairs_of(table)
    for i in range(200, 215):  # each new near-copy joins its old original (in an old shard)
        assert (f"c{i:05d}", f"e{i:05d}") in pairs
    for i in (0, 1, 2, 4, 5):  # the old pairs are kept
        assert (f"c{i:05d}", f"d{i:05d}") in pairs
    assert not any("c00003" in p for p in pairs)
    rows = table.to_pydict()
    at = {cid: i for i, cid in enumerate(rows["conversation_id"])}
    assert rows["nearest_id"][at["d00003"]] not in ("c00003", None)
    # the same verified pairs as a partitioned full build of the grown lake
    full, _ = run(grown, tmp_path / "cold", config, store=True)
    assert pairs_of(full) == pairs
    assert clusters_of(full) == clusters_of(table)
    # unchanged: nothing searched, the same table
    again, third = run(grown, tmp_path, config, store=True)
    assert (third.full, third.searched) == (False, 0) and again.equals(table)


def test_incremental_build_crossing_the_budget_turns_the_single_index_into_shards(
    tmp_path, monkeypatch
):
    """A lake that grows past the budget keeps its single index as one shard among new ones."""
    # the crossing of the index's size is the subject; the test texts are a few words, so the
    # in-memory path's measured bytes a real conversation would move the switch below 120 rows
    monkeypatch.setattr(near_dup_partitions, "IN_MEMORY_ROW_BYTES", 1)
    small = lake(120, range(0, 5))
    config = NearDupConfig(progress=False, exact_below=0, memory_budget_mib=TINY)
    assert not partitioned(len(small), WordEmbedder.dim, config)
    run(small, tmp_path, config, store=True)
    assert live_state(tmp_path).index_path is not None and not live_state(tmp_path).shards
    grown = {**small, **{f"g{i:05d}": conversation(30_000 + i) for i in range(400)}}
    grown.update({f"e{i:05d}": near_copy(conversation(i)) for i in range(50, 60)})
    table, report = run(grown, tmp_path, config, store=True)
    assert not report.full and report.searched == 410
    assert len(live_state(tmp_path).shards) >= 3  # the old index, then the new rows' shards
    pairs = pairs_of(table)
    for i in range(50, 60):
        assert (f"c{i:05d}", f"e{i:05d}") in pairs
    for i in range(5):
        assert (f"c{i:05d}", f"d{i:05d}") in pairs
    full, _ = run(grown, tmp_path / "cold", config, store=True)
    assert pairs_of(full) == pairs


def test_lsh_banding_in_passes_and_on_disk_gives_the_same_pairs(tmp_path):
    rng = np.random.default_rng(3)
    signatures = rng.integers(0, 2**32 - 1, size=(6_000, 128), dtype=np.uint32)
    for i in range(0, 6_000, 7):  # near-copies: most of a row's values shared with the next
        signatures[i + 1 if i + 1 < 6_000 else i, :100] = signatures[i, :100]
    signatures[::50] = np.iinfo(np.uint32).max  # empty texts match nothing
    reference = lsh_pairs(signatures)
    assert len(reference[0]) > 500
    on_disk = create_rows(tmp_path / "sig.npy", *signatures.shape, np.uint32)
    put_rows(on_disk, slice(None), signatures)
    chunked = lsh_pairs(DiskRows(tmp_path / "sig.npy"), budget_mib=TINY)
    assert np.array_equal(chunked[0], reference[0]) and np.array_equal(chunked[1], reference[1])


@pytest.mark.parametrize(
    "ids",
    [
        ["b" * 64, "a" * 64, "c" * 64],  # content hashes: one width, read straight from Arrow
        ["conv-10", "conv-9", "x", "", "ça-été", "zz" * 40],  # widths differ, non-ASCII
    ],
)
def test_ids_as_bytes_keep_the_strings_and_their_order(ids):
    for given in (ids, np.asarray(ids, dtype=object), pa.chunked_array([ids[:1], ids[1:]])):
        compact = compact_ids(given)
        assert compact.dtype.kind == "S"
        assert id_strings(compact) == ids
        assert arrow_ids(compact).to_pylist() == ids
        assert id_strings(np.sort(compact)) == sorted(ids)  # rows in id order, as DuckDB sorts


@pytest.mark.parametrize("bad", [["a", None], ["a", "b\x00"]])
def test_ids_that_bytes_cannot_hold_are_a_clear_error(bad):
    with pytest.raises(ValueError, match="conversation id"):
        compact_ids(bad)


@pytest.mark.parametrize("max_chars", [1, 5, 12, 1_000])
def test_signing_slices_cover_every_text_once_within_the_characters(max_chars):
    texts = ["abcd", "", "efghijk", "l", "mnopqrstuvwxyz", "ab"]
    slices = list(text_slices(texts, max_chars))
    assert [t for part in slices for t in texts[part]] == texts
    for part in slices:  # a slice is over the limit only when it is one long text
        chars = sum(map(len, texts[part]))
        assert chars <= max_chars or part.stop - part.start == 1
    assert list(text_slices([], 10)) == []


@pytest.mark.parametrize(
    ("max_chars", "max_rows"), [(1, 100), (6, 100), (12, 3), (1_000, 2), (10**6, 10**6)]
)
@pytest.mark.parametrize("read_rows", [1, 4, 100])
def test_text_batches_keep_every_row_in_order_within_the_characters(max_chars, max_rows, read_rows):
    texts = ["abcd", "", "efghijk", None, "l", "mnopqrstuvwxyz", "ab", "ü" * 5]
    ids = [f"c{i}" for i in range(len(texts))]
    table = pa.table({"conversation_id": ids, "embedding_text": pa.array(texts, pa.string())})
    batches = list(text_batches(table.to_batches(max_chunksize=read_rows), max_chars, max_rows))
    assert [i for b, _ in batches for i in b] == ids
    assert [t for _, b in batches for t in b] == texts  # nulls stay None
    for batch_ids, batch_texts in batches:
        assert 1 <= len(batch_ids) <= max_rows
        chars = sum(len(t or "") for t in batch_texts)  # characters, not bytes ("ü")
        assert chars <= max_chars or len(batch_ids) == 1
    assert list(text_batches(iter([]), 10, 10)) == []


@pytest.mark.parametrize("step", [1, 7, 65_536])
def test_cosines_from_disk_are_the_same_in_any_step(tmp_path, step):
    from python_models.near_duplicates import _cosines

    rng = np.random.default_rng(3)
    vectors = rng.standard_normal((50, 16)).astype(np.float32)
    np.save(tmp_path / "v.npy", vectors)
    left, right = rng.integers(0, 50, 200), rng.integers(0, 50, 200)
    expected = np.einsum("ij,ij->i", vectors[left], vectors[right])
    disk = DiskRows(tmp_path / "v.npy")
    assert np.array_equal(_cosines(disk, disk, left, right, step), expected.astype(np.float64))


def test_budget_sizes_its_disk_cosine_steps_and_text_batches():
    small, default = Budget(600), Budget(4096)
    # 44 MiB of working memory: ~1,100 pairs of 256-dim rows (10 KiB a pair with their pages)
    assert 1_024 <= small.cosine_pairs(256) < default.cosine_pairs(256) <= 65_536
    assert small.text_chars() < default.text_chars()
    assert small.text_chars() * 3 <= small.working_bytes  # a batch held as Arrow and str


def test_pair_spill_buckets_in_order_are_the_sorted_union(tmp_path):
    from python_models.near_dup_partitions import PairSpill

    rng = np.random.default_rng(5)
    n = 1_000
    spill = PairSpill(tmp_path / "pairs", n, 64, ("embedding", "lexical"))
    added = {"embedding": [], "lexical": []}
    for source in ("embedding", "lexical", "embedding"):  # a pair twice, within and across
        a, b = rng.integers(0, n, 3_000), rng.integers(0, n, 3_000)
        left, right = np.minimum(a, b)[a != b], np.maximum(a, b)[a != b]
        spill.sink(source)(left, right)
        added[source].append(left * n + right)
    buckets = list(spill.buckets())
    assert len(buckets) == spill.count == 16
    union = np.concatenate([b["all"] for b in buckets])
    everything = np.concatenate(added["embedding"] + added["lexical"])
    assert np.array_equal(union, np.unique(everything))  # sorted, each pair once
    for source in ("embedding", "lexical"):
        got = np.concatenate([b[source] for b in buckets])
        assert np.array_equal(got, np.unique(np.concatenate(added[source])))
    for number, bucket in enumerate(buckets):  # a bucket holds its own left rows only
        left, right = spill.pairs(bucket["all"])
        assert ((left // 64) == number).all() and (left < right).all()
    assert not list((tmp_path / "pairs").iterdir())  # each bucket's files go once read


@pytest.mark.parametrize("bucket_rows", [7, 100])
def test_spilled_candidates_verified_by_bucket_keep_the_pairs_of_one_bucket(
    tmp_path, monkeypatch, bucket_rows
):
    """Candidates on disk, verified a bucket of left rows at a time, are the same candidates
    and kept pairs as one bucket holding them all (the in-memory union)."""
    from python_models.near_duplicates import Timings, link_conversations

    texts = lake(500, range(0, 40))
    texts.update({f"e{i:05d}": near_copy(conversation(i)) for i in range(100, 130)})
    for i in range(200, 260):  # 28 of 40 words shared: an LSH candidate that verification rejects
        words = conversation(i).split()[:28] + conversation(50_000 + i).split()[:12]
        texts[f"h{i:05d}"] = " ".join(words)
    config = NearDupConfig(progress=False, exact_below=0, memory_budget_mib=TINY)
    ids = sorted(texts)

    def build(root, rows):
        monkeypatch.setattr(Budget, "pair_bucket_rows", lambda self, neighbours: rows)
        timings = Timings()
        table = link_conversations(
            ids,
            iter([(ids, [texts[i] for i in ids])]),
            lambda wanted, part: [texts[w] for w in wanted],
            config,
            cache=EmbeddingCache(root),
            embedder=WordEmbedder(),
            timings=timings,
        )
        return table, timings.steps

    one, one_steps = build(tmp_path / "one", 10**6)
    many, many_steps = build(tmp_path / "many", bucket_rows)
    assert one_steps["index_spill_buckets"] == 1
    assert many_steps["index_spill_buckets"] == -(-len(ids) // bucket_rows) > 5
    for step in ("candidate_pairs", "lexical_candidate_pairs", "pairs_rejected_by_verification"):
        assert many_steps[step] == one_steps[step]
    assert one_steps["candidate_pairs"] > one_steps["pairs"] >= 70  # some rejected, copies kept
    assert many.equals(one)


def test_keys_that_are_rows_map_as_the_sorted_keys_do():
    from python_models.near_dup_partitions import KeysAreRows, RowsOfKeys

    n = 50
    keys = np.array([0, 7, 49, 50, 1000, 2**64 - 1, 3], dtype=np.uint64)
    expected = RowsOfKeys(np.arange(n, dtype=np.uint64))(keys)
    assert expected.tolist() == [0, 7, 49, -1, -1, -1, 3]
    assert KeysAreRows(n)(keys).tolist() == expected.tolist()
    assert KeysAreRows(0)(keys).tolist() == [-1] * len(keys)


def test_the_in_memory_path_is_left_before_it_would_pass_the_budget():
    """At the default 4 GiB the index alone would fit 1.28 M rows, but the in-memory path holds
    ~8.5 KiB a conversation (measured at 880k: 7.7 GiB); the switch counts that too."""
    config = NearDupConfig(progress=False)
    budget = Budget(config.memory_budget_mib)
    assert budget.shard_rows(256, config.connectivity) > 1_200_000
    fits = 2 * budget.working_bytes // near_dup_partitions.IN_MEMORY_ROW_BYTES
    assert 400_000 < fits < 450_000
    assert not partitioned(fits, 256, config)
    assert partitioned(fits + 1, 256, config)
    assert partitioned(880_000, 256, config)
    bigger = NearDupConfig(progress=False, memory_budget_mib=16_384)
    assert not partitioned(880_000, 256, bigger)  # a user with the memory keeps the fast path


def test_one_shard_finds_the_candidates_of_the_in_memory_index(tmp_path):
    """A shard saved and searched again uses the config's expansion, as the in-memory index
    does: usearch's restore alone searched with its default (64, against 32), so the partitioned
    path found candidates the in-memory path did not (608 more verified pairs at 880k)."""
    from python_models.near_duplicates import Timings, _ann_pairs

    rng = np.random.default_rng(5)
    vectors = rng.standard_normal((4_000, 32)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    config = NearDupConfig(progress=False, exact_below=0, memory_budget_mib=600)
    assert shard_size(config) > len(vectors)  # one shard: the same graph as the single index
    threshold = 0.3  # every neighbour the search returns is a candidate
    single = _ann_pairs(vectors, threshold, config, Timings())
    found, _, _, shards = near_dup_partitions.sharded_pairs(vectors, threshold, config, tmp_path)
    assert len(shards) == 1
    assert len(single.left) > 10_000
    assert np.array_equal(found.left, single.left)
    assert np.array_equal(found.right, single.right)
    restored = near_dup_partitions.restore_index(shards[0].index, config, view=True)
    assert (restored.expansion_search, restored.expansion_add) == (32, 32)


def test_partitioned_verification_fetches_each_text_once_a_part(tmp_path):
    """Past the budget the candidates are verified a chunk of 1,024 pairs at a time; a row in
    pairs of several chunks (here 70 copies of one conversation: 2,415 pairs) had its texts
    fetched and cut again in every chunk, and a side fetched again for its vector. Now each
    (row, part) is fetched once, and the verified pairs are the in-memory path's."""
    from collections import Counter

    from python_models.near_duplicates import link_conversations
    from tests.python_models.test_near_dup_index import WordEmbedder

    texts = lake(300, range(0, 10))
    texts.update({f"x{k:03d}": f"hi number {k} " + conversation(7) for k in range(70)})
    ids = sorted(texts)
    fetched: Counter = Counter()

    def texts_of_ids(wanted, part):
        fetched.update((w, "side" if part != "whole" else part) for w in wanted)
        return [texts[w] for w in wanted]

    def linked(config, root):
        return link_conversations(
            ids,
            iter([(ids, [texts[i] for i in ids])]),
            texts_of_ids,
            config,
            cache=EmbeddingCache(root),
            embedder=WordEmbedder(),
        )

    whole = NearDupConfig(progress=False, exact_below=0)
    reference = linked(whole, tmp_path / "whole")
    fetched.clear()
    tiny = NearDupConfig(progress=False, exact_below=0, memory_budget_mib=TINY)
    assert partitioned(len(ids), WordEmbedder.dim, tiny)
    assert Budget(TINY).pair_chunk() == 1_024
    table = linked(tiny, tmp_path / "tiny")
    expected = pairs_of(reference)
    assert len(expected) > 2_000
    assert pairs_of(table) == expected
    assert clusters_of(table) == clusters_of(reference)
    assert fetched[("x000", "whole")] == 1
    assert max(n for (_, part), n in fetched.items() if part == "whole") == 1
    # two sides (one key here), each fetched once: cut and encoded from the same fetch
    assert max(fetched.values()) <= 2
    # a full build with the persisted index keeps the signing's whole-text sets on disk: the
    # verification fetches no whole text at all, and finds the same pairs
    fetched.clear()
    stored = link_with_index(
        ids,
        iter([(ids, [texts[i] for i in ids])]),
        texts_of_ids,
        tiny,
        store=IndexStore(tmp_path / "results"),
        cache=EmbeddingCache(tmp_path / "stored"),
        embedder=WordEmbedder(),
    )
    assert pairs_of(stored) == expected
    assert not [key for key in fetched if key[1] == "whole"]
    assert fetched[("x000", "side")] >= 1 and max(fetched.values()) <= 2  # as above
    assert not list((tmp_path / "results").rglob("near-dup-sets-*"))  # the sets are removed


@pytest.mark.parametrize("window", [1, 7, 1 << 20])
def test_shingle_sets_on_disk_read_back_as_put(tmp_path, window):
    """Sets put in any order of rows and blocks are read back, any rows in any order, as the
    in-memory sets give them, whatever the read window (a set longer than it on its own)."""
    from python_models.lexical_overlap import shingle_sets

    texts = [conversation(i)[: (i * 37) % 200] for i in range(60)]  # empty and short ones too
    sets = shingle_sets(texts)
    store = DiskShingles(tmp_path, len(texts), window=window)
    for block in (np.arange(40, 60), np.array([3, 1, 2]), np.arange(4, 40), np.array([0])):
        store.put(block, sets.take(block))
    rows = np.array([59, 0, 7, 7, 33, 2, 58, 1])
    got = store.take(rows)
    assert got.offsets.tolist() == sets.take(rows).offsets.tolist()
    assert got.values.tolist() == sets.take(rows).values.tolist()
    assert len(store.take(np.zeros(0, dtype=np.int64))) == 0
    fresh = DiskShingles(tmp_path / "fresh", 5)
    with pytest.raises(KeyError):
        fresh.take(np.array([1]))
