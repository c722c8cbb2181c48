"""Incremental results: cached by content hash and scorer version, recomputed only when missing."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from python_models.result_cache import CacheStats, ResultCache, cached_values, content_key

pytest.importorskip("model2vec", reason="the embedding stack (pip install -e '.[dev]') is needed")

from python_models.scoring import pipeline, versions
from python_models.scoring.pipeline import SCORED_GROUPS
from python_models.scoring.warehouse import (
    MESSAGE_TYPE,
    CachedGroups,
    redact_pairs_table,
    score_conversations,
    unscored_table,
)


def _conversations(start: int, count: int) -> pa.Table:
    rows = [
        [
            {"role": "user", "content": f"I feel anxious about exam {i}, email me at a{i}@ex.org"},
            {"role": "assistant", "content": f"That sounds hard ({i}). What worries you most?"},
            {"role": "user", "content": f"Mostly failing number {i}. I can't sleep."},
            {"role": "assistant", "content": "It makes sense you feel that way. Let's plan."},
        ]
        for i in range(start, start + count)
    ]
    return pa.table(
        {
            "conversation_id": [f"c{i:05d}" for i in range(start, start + count)],
            "messages": pa.array(rows, MESSAGE_TYPE),
            "category": ["anxiety"] * count,
        }
    )


def _score(table: pa.Table, root, versions_of: dict[str, str] | None = None, mode: str = "use"):
    from python_models.embeddings.cache import EmbeddingCache

    empty = pa.table(
        {
            "conversation_id": pa.array([], pa.string()),
            "category": pa.array([], pa.string()),
            "embedding_text": pa.array([], pa.string()),
        }
    )
    results = CachedGroups(
        ResultCache(root / "results", mode=mode),
        versions_of or versions.group_versions("test-model"),
    )
    scored = score_conversations(
        table.to_batches(max_chunksize=16),
        empty,
        empty,
        cache=EmbeddingCache(root / "embeddings"),
        total_rows=table.num_rows,
        results=results,
    )
    stats = results.stats  # the scoring groups only (the category model is counted too)
    stats.computed = {g: n for g, n in stats.computed.items() if g in SCORED_GROUPS}
    stats.reused = {g: n for g, n in stats.reused.items() if g in SCORED_GROUPS}
    return scored, stats


def test_a_value_is_computed_once_then_read_back(tmp_path) -> None:
    cache, stats, computed = ResultCache(tmp_path), CacheStats(), []

    def run(keys: list[str], version: str = "v1") -> list[float]:
        def compute(rows: np.ndarray) -> list[float]:
            computed.extend(keys[i] for i in rows)
            return [ord(keys[i]) / 3 for i in rows]

        return cached_values(cache, "x", version, keys, compute, pa.float64(), stats)

    assert run(["a", "b"]) == [ord("a") / 3, ord("b") / 3]
    assert run(["b", "c", "a"]) == [ord("b") / 3, ord("c") / 3, ord("a") / 3]
    assert computed == ["a", "b", "c"]
    assert stats.computed == {"x": 3} and stats.reused == {"x": 2}
    assert run(["a"], version="v2") == [ord("a") / 3]  # another version finds nothing
    assert computed[-1] == "a" and len(computed) == 4


def test_refresh_recomputes_and_off_neither_reads_nor_writes(tmp_path) -> None:
    keys, rows = ["a", "b"], pa.table({"value": [1, 2]})
    ResultCache(tmp_path).put_many("x", "v", keys, rows)
    schema = pa.schema([("value", pa.int64())])
    found, table = ResultCache(tmp_path).get_many("x", "v", ["b", "z", "a"], schema)
    assert found.tolist() == [True, False, True]
    assert table.column("value").to_pylist() == [2, None, 1]
    assert not ResultCache(tmp_path, mode="refresh").get_many("x", "v", keys, schema)[0].any()
    assert ResultCache(tmp_path, mode="off").put_many("x", "w", keys, rows) == 0
    assert ResultCache(tmp_path).count("x", "w") == 0
    with pytest.raises(ValueError, match="not one of"):
        ResultCache(tmp_path, mode="sometimes")


def test_put_many_checks_new_keys_against_every_part_a_batch_at_a_time(tmp_path, monkeypatch):
    from python_models import parquet_keys

    monkeypatch.setattr(parquet_keys, "READ_BATCH_ROWS", 2)  # the stored keys in many batches
    cache = ResultCache(tmp_path)
    assert cache.put_many("x", "v", ["k0", "k1", "k2", "k3"], pa.table({"value": [0, 1, 2, 3]}))
    assert cache.put_many("x", "v", ["k4", "k5", "k6"], pa.table({"value": [4, 5, 6]})) == 3
    # k1 in the first part's first batch, k6 in the second part's last; k7 new twice
    again = pa.table({"value": [60, 70, 10, 71, 80]})
    assert cache.put_many("x", "v", ["k6", "k7", "k1", "k7", "k8"], again) == 2
    assert cache.count("x", "v") == 9
    schema = pa.schema([("value", pa.int64())])
    found, table = cache.get_many("x", "v", ["k1", "k6", "k7", "k8"], schema)
    assert found.all()
    assert table.column("value").to_pylist() == [1, 6, 70, 80]  # the first write stands


@pytest.mark.slow  # loads every scorer
def test_an_unchanged_rescore_computes_nothing_and_equals_the_first(tmp_path) -> None:
    table = _conversations(0, 40)
    first, first_stats = _score(table, tmp_path)
    assert set(first_stats.computed.values()) == {40}
    again, again_stats = _score(table, tmp_path)
    assert set(again_stats.computed.values()) == {0}
    assert set(again_stats.reused.values()) == {40}
    assert again.equals(first)
    fresh, _ = _score(table, tmp_path, mode="refresh")
    assert fresh.equals(first)


@pytest.mark.slow  # loads every scorer
def test_new_rows_and_a_bumped_scorer_recompute_only_themselves(tmp_path) -> None:
    _score(_conversations(0, 40), tmp_path)
    grown = pa.concat_tables([_conversations(0, 40), _conversations(40, 8)])
    scored, stats = _score(grown, tmp_path)
    assert set(stats.computed.values()) == {8} and set(stats.reused.values()) == {40}
    assert pc.all(pc.is_valid(scored.column("crisis_score"))).as_py()

    bumped = {**versions.group_versions("test-model"), "crisis": "crisis-v2"}
    rescored, stats = _score(grown, tmp_path, bumped)
    assert stats.computed == {
        "bias": 0,
        "coherence": 0,
        "completeness": 0,
        "crisis": 48,
        "empathy": 0,
        "language": 0,
        "pii": 0,
        "safety": 0,
    }
    assert rescored.equals(scored)  # the same code under a new version: the same numbers


def test_a_group_version_changes_with_its_own_files_only(tmp_path, monkeypatch) -> None:
    before = versions.group_versions("m")
    crisis_copy = tmp_path / "crisis.py"
    crisis_copy.write_text(versions.SCORING.joinpath("crisis.py").read_text() + "\n# edited\n")
    sources = dict(versions.SOURCES)
    files, packages = sources["bias"]
    sources["bias"] = ((*files, crisis_copy), packages)
    monkeypatch.setattr(versions, "SOURCES", sources)
    versions.group_version.cache_clear()
    after = versions.group_versions("m")
    versions.group_version.cache_clear()
    assert {g for g in before if before[g] != after[g]} == {"bias"}
    assert versions.group_versions("m") != versions.group_versions("other-model")


def test_a_cache_filled_with_scoring_off_gives_a_scored_build_what_a_cold_one_gets(
    tmp_path,
) -> None:
    """The cache holds what the content determines (the language), not what a run derives from
    it: a build with scoring off leaves `unsupported_scorers` null, and a scored build that
    reuses its rows still lists the scorers nulled for each conversation's language."""
    spanish = [
        {"role": "user", "content": "Me siento muy triste y no puedo dormir por las noches."},
        {"role": "assistant", "content": "Lamento que te sientas así. ¿Desde cuándo pasa?"},
    ]
    english = _conversations(0, 6)
    table = pa.concat_tables(
        [
            english,
            pa.table(
                {
                    "conversation_id": ["c99999"],
                    "messages": pa.array([spanish], MESSAGE_TYPE),
                    "category": ["anxiety"],
                }
            ),
        ]
    )
    cold, _ = _score(table, tmp_path / "cold")

    unscored = CachedGroups(
        ResultCache(tmp_path / "warm" / "results"),
        {"language": versions.group_versions("")["language"]},
    )
    off = unscored_table(
        table.select(["conversation_id", "messages"]).to_batches(), None, results=unscored
    )
    assert off.column("unsupported_scorers").null_count == table.num_rows
    warm, stats = _score(table, tmp_path / "warm")

    assert stats.reused["language"] == table.num_rows  # the language came from the cache
    assert warm.column("language").to_pylist() == cold.column("language").to_pylist()
    assert cold.column("language").to_pylist()[-1] == "es"
    unsupported = cold.column("unsupported_scorers").to_pylist()
    assert unsupported[:-1] == [[]] * 6 and unsupported[-1]  # Spanish: some scorers nulled
    assert warm.column("unsupported_scorers").to_pylist() == unsupported


@pytest.mark.slow  # loads the PII detector
def test_unscored_redaction_reuses_cached_rows(tmp_path) -> None:
    from python_models.scoring.pii import PiiDetector

    table = _conversations(0, 20).select(["conversation_id", "messages"])
    detector = PiiDetector()

    def run() -> tuple[pa.Table, CacheStats]:
        results = CachedGroups(
            ResultCache(tmp_path), versions.group_versions("", True) | {}, CacheStats()
        )
        results.versions = {g: results.versions[g] for g in ("language", "pii")}
        return unscored_table(table.to_batches(max_chunksize=8), detector, results=results), (
            results.stats
        )

    first, first_stats = run()
    second, second_stats = run()
    assert first_stats.computed == {"language": 20, "pii": 20}
    assert second_stats.computed == {"language": 0, "pii": 0}
    assert second.equals(first)
    assert "[EMAIL]" in second.column("redacted_messages")[0][0]["content"].as_py()


@pytest.mark.slow  # loads the PII detector
def test_pair_redaction_in_a_pool_and_from_the_cache_equals_one_process(tmp_path) -> None:
    from python_models.scoring.pii import PiiDetector

    count = 30
    pairs = pa.table(
        {
            "pair_origin": ["built"] * count,
            "pair_id": [f"p{i}" for i in range(count)],
            "prompt_messages": pa.array(
                [
                    [{"role": "user", "content": f"Mail jo{i}@example.com now"}]
                    for i in range(count)
                ],
                MESSAGE_TYPE,
            ),
            "chosen": [f"Call me on (415) 555-01{i:02d}." for i in range(count)],
            "rejected": ["Snap out of it."] * count,
        }
    )
    detector = PiiDetector()
    alone = redact_pairs_table(pairs, detector)
    pooled = redact_pairs_table(pairs, detector, workers=2, min_rows_per_worker=5)
    assert pooled.equals(alone)
    cache, stats = ResultCache(tmp_path), CacheStats()
    redact_pairs_table(pairs.slice(0, 10), detector, cache=cache, stats=stats)
    cached = redact_pairs_table(pairs, detector, cache=cache, stats=stats)
    assert stats.computed == {"pair_redaction": 10 + 20}
    assert stats.reused == {"pair_redaction": 10}
    assert cached.equals(alone)


def test_the_category_model_is_fitted_once_per_sample_and_read_back_exactly(tmp_path) -> None:
    from python_models.scoring.category_cache import cached_category_model
    from python_models.scoring.warehouse import fit_build_category_model

    rng = np.random.default_rng(0)
    ids = [f"c{i}" for i in range(60)]
    categories = ["anxiety"] * 30 + ["grief"] * 30
    vectors = np.vstack([rng.normal(1, 0.3, (30, 8)), rng.normal(-1, 0.3, (30, 8))]).astype(
        np.float32
    )
    sample = pa.table({"conversation_id": ids, "category": categories})
    fits: list[int] = []

    def fit():
        fits.append(1)
        return fit_build_category_model(sample, vectors, "m")

    cache, stats = ResultCache(tmp_path), CacheStats()
    first = cached_category_model(ids, categories, "m", fit, cache, stats)
    again = cached_category_model(ids, categories, "m", fit, cache, stats)
    assert len(fits) == 1 and stats.computed == {"category_model": 1}
    assert first is not None and again is not None
    assert np.array_equal(first.coef, again.coef) and first.metadata == again.metadata
    assert first.min_confidence == again.min_confidence
    assert first.predict(vectors)[0] == again.predict(vectors)[0]
    cached_category_model(ids, [*categories[:-1], "anxiety"], "m", fit, cache, stats)
    assert len(fits) == 2  # another sample: fitted again


def test_coherence_keys_digest_the_references_the_scorers_draw() -> None:
    """The driver's key digests the very references `Scorers.score` ranks against (the
    `MAX_REFERENCES` smallest sha256 per side), from the Arrow batch alone."""
    from python_models.scoring.coherence import (
        MAX_REFERENCES,
        reference_rows,
        references_digest,
    )
    from python_models.scoring.warehouse import coherence_keys

    table = _conversations(0, 100)  # 200 distinct user turns: past the 128 a side
    conversations = table.column("messages").to_pylist()
    index: dict[str, int] = {}
    for messages in conversations:
        for m in messages:
            index.setdefault(m["content"], len(index))
    texts = list(index)
    users = [index[m["content"]] for c in conversations for m in c if m["role"] == "user"]
    replies = [index[m["content"]] for c in conversations for m in c if m["role"] == "assistant"]
    chosen_users = [texts[r] for r in reference_rows(texts, users)]
    chosen_replies = [texts[r] for r in reference_rows(texts, replies)]
    assert len(chosen_users) == MAX_REFERENCES
    digest = references_digest(chosen_users, chosen_replies)
    keys = coherence_keys(table)
    assert keys == [content_key(i, digest) for i in table.column("conversation_id").to_pylist()]
    assert len(set(keys)) == table.num_rows
    # the same batch in another order: the same keys; a user turn drawn as a reference
    # changed: every key changes
    assert coherence_keys(table.take(list(range(99, -1, -1)))) == keys[::-1]
    edited = table.column("messages").to_pylist()
    drawn = next(i for i, c in enumerate(edited) if c[0]["content"] in chosen_users)
    edited[drawn][0]["content"] += " (edited)"
    other = table.set_column(1, "messages", pa.array(edited, MESSAGE_TYPE))
    assert not set(coherence_keys(other)) & set(keys)


@pytest.mark.slow  # loads every scorer
def test_coherence_is_read_back_only_for_a_batch_with_the_same_references(tmp_path) -> None:
    table = _conversations(0, 48)  # three batches of 16
    first, stats = _score(table, tmp_path / "warm")
    assert stats.computed["coherence"] == 48
    assert pc.all(pc.is_valid(first.column("coherence_relevance"))).as_py()
    again, stats = _score(table, tmp_path / "warm")
    assert stats.computed["coherence"] == 0 and again.equals(first)

    # one user turn of the second batch edited: its conversation is new, and the batch's
    # references change, so the whole batch is ranked again; the others are read back
    rows = table.column("messages").to_pylist()
    rows[20][0]["content"] = "I feel anxious about the move, and my flat is cold."
    ids = table.column("conversation_id").to_pylist()
    ids[20] = "c99999"
    edited = table.set_column(1, "messages", pa.array(rows, MESSAGE_TYPE)).set_column(
        0, "conversation_id", pa.array(ids)
    )
    warm, stats = _score(edited, tmp_path / "warm")
    assert stats.computed["coherence"] == 16 and stats.reused["coherence"] == 32
    assert stats.computed["crisis"] == 1
    cold, _ = _score(edited, tmp_path / "cold")
    assert warm.equals(cold)


@pytest.mark.slow  # loads every scorer once
def test_a_rescore_with_everything_cached_loads_no_scorer_and_embeds_no_turn(
    tmp_path, monkeypatch
) -> None:
    table = _conversations(0, 24)
    first, _ = _score(table, tmp_path)

    def loaded(*args, **kwargs):
        raise AssertionError("a scorer was loaded or a turn embedded with everything cached")

    for name in (
        "CrisisScorer",
        "EmpathyScorer",
        "BehaviourScorer",
        "SafetyScorer",
        "PiiDetector",
        "load_projection",
        "load_references",
        "conversation_language",
    ):
        monkeypatch.setattr(pipeline, name, loaded)
    monkeypatch.setattr(pipeline.Scorers, "embed_turns", loaded)
    again, stats = _score(table, tmp_path)
    assert set(stats.computed.values()) == {0}
    assert again.equals(first)
