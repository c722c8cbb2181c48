"""Arrow glue for the warehouse: one flat row of scores per conversation, same order."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

pytest.importorskip("model2vec", reason="the embedding stack (pip install -e '.[dev]') is needed")

from python_models.scoring.pipeline import Scorers
from python_models.scoring.warehouse import (
    MESSAGE_TYPE,
    SCORES_SCHEMA,
    fit_build_category_model,
    score_table,
)


def _table(rows: list[tuple[str, list[tuple[str, str]], str | None]]) -> pa.Table:
    return pa.table(
        {
            "conversation_id": [r[0] for r in rows],
            "messages": pa.array(
                [[{"role": role, "content": text} for role, text in r[1]] for r in rows],
                type=MESSAGE_TYPE,
            ),
            "category": [r[2] for r in rows],
        }
    )


def test_scores_every_row_in_order_with_the_schema() -> None:
    table = _table(
        [
            (
                "a",
                [("user", "I want to end my life."), ("assistant", "I'm here. Are you safe?")],
                None,
            ),
            ("b", [("user", "Email me at jo@example.org"), ("assistant", "Sure.")], "anxiety"),
        ]
    )
    scored = score_table(table, Scorers())
    assert scored.schema == SCORES_SCHEMA
    assert scored.column("conversation_id").to_pylist() == ["a", "b"]
    assert scored.column("crisis_flag").to_pylist() == [True, False]
    assert scored.column("pii_email").to_pylist() == [0, 1]
    assert "[EMAIL]" in scored.column("redacted_messages")[1][0]["content"].as_py()
    assert scored.column("category_source").to_pylist() == ["none", "source"]
    for name in ("empathy_score", "empathy_intensity", "safety_score", "completeness_score"):
        assert all(0.0 <= v <= 1.0 for v in scored.column(name).to_pylist()), name
    assert scored.column("bias_score").to_pylist() == [0.0, 0.0]
    assert scored.column("safety_score").to_pylist()[0] >= 0.7  # asked about safety
    assert scored.column("completeness_score").to_pylist() == [1.0, 1.0]


def test_gate_columns_catch_an_unsafe_biased_unfinished_reply() -> None:
    table = _table(
        [
            (
                "bad",
                [
                    ("user", "I want to end my life."),
                    ("assistant", "Everyone feels like that. Snap out of it and don't tell"),
                ],
                None,
            )
        ]
    )
    row = score_table(table, Scorers()).to_pylist()[0]
    assert row["safety_score"] < 0.7 and row["bias_score"] > 0.2
    assert row["completeness_score"] < 1.0


def test_category_model_learns_from_the_build_sample() -> None:
    ids = [f"c{i}" for i in range(40)]
    sample = pa.table({"conversation_id": ids, "category": ["x"] * 20 + ["y"] * 20})
    vectors = np.array([[1.0, 0.0]] * 20 + [[0.0, 1.0]] * 20, dtype=np.float32)
    model = fit_build_category_model(sample, vectors, "test")
    assert model is not None and model.categories == ["x", "y"]
    assert model.metadata["fitted_on"] == "this build"


def _conversations(n: int) -> pa.Table:
    topics = ("sleep", "grief", "work stress", "panic attacks", "loneliness")
    rows = []
    for i in range(n):
        topic = topics[i % len(topics)]
        rows.append(
            (
                f"{i:064x}",
                [
                    ("user", f"I have been struggling with {topic} for {i % 7 + 2} weeks."),
                    ("assistant", f"That sounds hard. What has {topic} been like for you lately?"),
                ],
                topic if i % 3 else None,
            )
        )
    return _table(rows)


@pytest.mark.slow  # spawns worker processes that load every scorer
def test_a_pool_of_workers_scores_exactly_what_one_process_does(tmp_path) -> None:
    from python_models.embeddings.cache import EmbeddingCache
    from python_models.embeddings.texts import conversation_text
    from python_models.scoring.warehouse import ScoringRun, score_conversations

    table = _conversations(120)
    texts = pa.table(
        {
            "conversation_id": table.column("conversation_id"),
            "category": table.column("category"),
            "embedding_text": [conversation_text(m) for m in table.column("messages").to_pylist()],
        }
    )
    categorized = texts.filter(pc.is_valid(texts.column("category")))
    uncategorized = texts.filter(pc.is_null(texts.column("category")))

    def run(workers: int) -> tuple[pa.Table, ScoringRun]:
        report = ScoringRun()
        scored = score_conversations(
            table.to_batches(max_chunksize=25),
            categorized,
            uncategorized,
            cache=EmbeddingCache(tmp_path / f"cache-{workers}"),
            run=report,
            total_rows=table.num_rows,
            workers=workers,
            min_rows_per_worker=10,
        )
        return scored, report

    alone, alone_report = run(1)
    pooled, pooled_report = run(2)
    assert (alone_report.workers, pooled_report.workers) == (1, 2)
    assert pooled.num_rows == alone.num_rows == 120
    assert pooled.equals(alone)
    assert pooled_report.conversation_vectors_embedded == len(texts)


def test_a_stream_that_ends_early_fails_instead_of_dropping_rows(tmp_path) -> None:
    from python_models.embeddings.cache import EmbeddingCache
    from python_models.scoring.warehouse import score_conversations

    table = _conversations(10)
    empty = pa.table({"conversation_id": [], "category": [], "embedding_text": []})
    with pytest.raises(RuntimeError, match="scored 10 conversations but 12 were expected"):
        score_conversations(
            table.to_batches(),
            empty,
            empty,
            cache=EmbeddingCache(tmp_path / "cache"),
            total_rows=12,
        )


def test_preference_pairs_are_redacted_in_prompt_chosen_and_rejected() -> None:
    from python_models.scoring.pii import PiiDetector
    from python_models.scoring.warehouse import redact_pairs_table

    pairs = pa.table(
        {
            "pair_origin": ["source", "built"],
            "pair_id": ["p1", "p2"],
            "prompt_messages": pa.array(
                [
                    [{"role": "user", "content": "Write to me at jo.ray@example.com please."}],
                    [{"role": "user", "content": "I feel low."}],
                ],
                type=MESSAGE_TYPE,
            ),
            "chosen": ["I'm glad you reached out.", "Call me on (415) 555-0137."],
            "rejected": ["My SSN is 536-22-8714.", "Call 1-800-273-8255 any time."],
        }
    )
    redacted = redact_pairs_table(pairs, PiiDetector()).to_pylist()
    assert redacted[0]["prompt_messages"][0]["content"] == "Write to me at [EMAIL] please."
    assert redacted[0]["rejected"] == "My SSN is [SSN]."
    assert redacted[1]["chosen"] == "Call me on [PHONE]."
    assert redacted[1]["rejected"] == "Call 1-800-273-8255 any time."  # a helpline stays
    assert [r["pii_total"] for r in redacted] == [2, 1]
    untouched = redact_pairs_table(pairs, detector=None).to_pylist()
    assert untouched[0]["rejected"] == "My SSN is 536-22-8714."
    assert untouched[0]["pii_total"] is None


def test_a_batch_with_every_group_cached_scores_what_the_full_path_does() -> None:
    """The shortcut for a batch read whole from the result cache gives every column the cache
    does not fill (id, category by this build's model, language, scorers nulled) exactly as
    scoring the batch does; the cached columns are left null for the cache to fill."""
    from python_models.scoring.pipeline import SCORED_GROUPS
    from python_models.scoring.warehouse import GROUP_COLUMNS

    spanish = [
        ("user", "Me siento muy triste y no puedo dormir por las noches."),
        ("assistant", "Lamento que te sientas así. ¿Desde cuándo pasa?"),
    ]
    table = pa.concat_tables([_conversations(12), _table([("es", spanish, "")])])
    rng = np.random.default_rng(3)
    vectors = rng.normal(size=(table.num_rows, 256)).astype(np.float32)
    sample = pa.table(
        {"conversation_id": [f"s{i}" for i in range(40)], "category": ["x", "y"] * 20}
    )
    model = fit_build_category_model(sample, rng.normal(size=(40, 256)).astype(np.float32), "test")
    scorers = Scorers(category_model=model)
    full = score_table(table, scorers, vectors)
    languages = full.column("language").to_pylist()
    assert languages[-1] == "es" and "category" in full.column("unsupported_scorers")[-1].as_py()
    short = score_table(table, scorers, vectors, [frozenset()] * table.num_rows, languages)
    cached = {name for group in SCORED_GROUPS for name in GROUP_COLUMNS[group]} - {"language"}
    assert short.schema == SCORES_SCHEMA
    for name in SCORES_SCHEMA.names:
        if name in cached:
            assert short.column(name).null_count == table.num_rows, name
        else:
            assert short.column(name).equals(full.column(name)), name
    sources = full.column("category_source").to_pylist()
    assert {"source", "predicted"} <= set(sources) and sources[-1] == "none"
