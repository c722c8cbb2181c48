"""Arrow glue for the warehouse: one flat row of scores per conversation, same order."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

pytest.importorskip("model2vec", reason="the embedding stack (pip install -e '.[dev]') is needed")

from python_models.scoring.pipeline import Scorers
from python_models.scoring.warehouse import (
    MESSAGE_TYPE,
    SCORES_SCHEMA,
    fit_category_from_table,
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


def test_category_model_learns_from_the_categorized_rows() -> None:
    ids = [f"c{i}" for i in range(40)]
    table = pa.table({"conversation_id": ids, "category": ["x"] * 20 + ["y"] * 20})
    vectors = np.array([[1.0, 0.0]] * 20 + [[0.0, 1.0]] * 20, dtype=np.float32)
    model = fit_category_from_table(table, vectors, "test")
    assert model is not None and model.categories == ["x", "y"]
    assert model.metadata["fitted_on"] == "this build"
