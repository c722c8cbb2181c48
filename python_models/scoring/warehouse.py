"""The scorers as Arrow in, Arrow out: what the warehouse's dbt Python model calls.

`score_table` takes conversations (`conversation_id`, `messages` list<struct<role, content>>,
`category`) and, when the near-duplicate stage has them, their conversation vectors in the same
row order; it returns one row per conversation with flat score columns (schema `SCORES_SCHEMA`)
and the redacted messages. `fit_category_from_table` learns the category model from the rows
that have a category. Batches keep memory flat on big builds (`score_batches`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np
import pyarrow as pa

from python_models.scoring.category import UNCATEGORIZED, CategoryModel, fit_category_model
from python_models.scoring.empathy import MECHANISMS
from python_models.scoring.pii import KINDS
from python_models.scoring.pipeline import Scorers

MESSAGE_TYPE = pa.list_(pa.struct([("role", pa.string()), ("content", pa.string())]))
SCORES_SCHEMA = pa.schema(
    [
        ("conversation_id", pa.string()),
        ("crisis_score", pa.float32()),
        ("crisis_flag", pa.bool_()),
        ("crisis_evidence", pa.string()),
        (
            "crisis_user_turns",
            pa.list_(
                pa.struct(
                    [("score", pa.float32()), ("flag", pa.bool_()), ("evidence", pa.string())]
                )
            ),
        ),
        ("empathy_score", pa.float32()),
        ("empathy_intensity", pa.float32()),
        *[(f"empathy_{m}", pa.float32()) for m in MECHANISMS],
        ("safety_score", pa.float32()),
        ("bias_score", pa.float32()),
        ("completeness_score", pa.float32()),
        ("coherence_score", pa.float32()),
        ("coherence_structure", pa.float32()),
        ("coherence_relevance", pa.float32()),
        ("scored_category", pa.string()),
        ("category_confidence", pa.float32()),
        ("category_source", pa.string()),
        *[(f"pii_{kind.lower()}", pa.int32()) for kind in KINDS],
        ("pii_total", pa.int32()),
        ("redacted_messages", MESSAGE_TYPE),
    ]
)


def _messages(table: pa.Table) -> list[list[dict[str, str]]]:
    return [
        [{"role": m["role"], "content": m["content"] or ""} for m in (row or [])]
        for row in table.column("messages").to_pylist()
    ]


def fit_category_from_table(
    table: pa.Table, vectors: np.ndarray, embedding_model: str
) -> CategoryModel | None:
    """Learn categories from the rows that carry one (not null, not `uncategorized`)."""
    categories = table.column("category").to_pylist()
    ids = table.column("conversation_id").to_pylist()
    rows = [i for i, c in enumerate(categories) if c and c != UNCATEGORIZED]
    model = fit_category_model([ids[i] for i in rows], vectors[rows], [categories[i] for i in rows])
    if model is not None:
        model.metadata.update(embedding_model=embedding_model, fitted_on="this build")
    return model


def score_table(
    table: pa.Table, scorers: Scorers, conversation_vectors: np.ndarray | None = None
) -> pa.Table:
    conversations = _messages(table)
    results = scorers.score(
        conversations,
        conversation_embeddings=conversation_vectors,
        categories=table.column("category").to_pylist()
        if "category" in table.schema.names
        else None,
    )
    columns: dict[str, list] = {name: [] for name in SCORES_SCHEMA.names}
    columns["conversation_id"] = table.column("conversation_id").to_pylist()
    for result in results:
        columns["crisis_score"].append(result.crisis_score)
        columns["crisis_flag"].append(result.crisis_flag)
        columns["crisis_evidence"].append(result.crisis_evidence)
        columns["crisis_user_turns"].append(result.crisis_turns)
        columns["empathy_score"].append(result.empathy_score)
        columns["empathy_intensity"].append(result.empathy_intensity)
        for mechanism in MECHANISMS:
            columns[f"empathy_{mechanism}"].append(result.empathy_levels[mechanism])
        columns["safety_score"].append(result.safety_score)
        columns["bias_score"].append(result.bias_score)
        columns["completeness_score"].append(result.completeness_score)
        columns["coherence_score"].append(result.coherence_score)
        columns["coherence_structure"].append(result.coherence_structure)
        columns["coherence_relevance"].append(result.coherence_relevance)
        columns["scored_category"].append(result.category)
        columns["category_confidence"].append(result.category_confidence)
        columns["category_source"].append(result.category_source)
        for kind in KINDS:
            columns[f"pii_{kind.lower()}"].append(result.pii_counts.get(kind, 0))
        columns["pii_total"].append(sum(result.pii_counts.values()))
        columns["redacted_messages"].append(result.redacted_messages)
    return pa.table(columns, schema=SCORES_SCHEMA)


def score_batches(
    batches: Iterable[pa.RecordBatch],
    scorers: Scorers,
    vectors_for: callable | None = None,
) -> Iterator[pa.RecordBatch]:
    """Score record batches one at a time; `vectors_for(batch)` returns that batch's vectors."""
    for batch in batches:
        table = pa.Table.from_batches([batch])
        vectors = vectors_for(batch) if vectors_for is not None else None
        yield from score_table(table, scorers, vectors).to_batches()


REDACTED_PAIRS_SCHEMA = pa.schema(
    [
        ("pair_origin", pa.string()),
        ("pair_id", pa.string()),
        ("prompt_messages", MESSAGE_TYPE),
        ("chosen", pa.string()),
        ("rejected", pa.string()),
        ("pii_total", pa.int32()),
    ]
)


def redact_pairs_table(pairs: pa.Table, detector=None) -> pa.Table:
    """Preference pairs (`pair_origin`, `pair_id`, `prompt_messages`, `chosen`, `rejected`)
    with PII replaced in every text, and the PII count per pair (REDACTED_PAIRS_SCHEMA).
    `detector=None` passes the text through (scoring switched off) with null counts."""
    if detector is None:
        return pa.table(
            {
                **{n: pairs.column(n) for n in REDACTED_PAIRS_SCHEMA.names if n != "pii_total"},
                "pii_total": pa.nulls(pairs.num_rows, pa.int32()),
            }
        ).cast(REDACTED_PAIRS_SCHEMA)
    prompts, chosen, rejected, totals = [], [], [], []
    for prompt, good, bad in zip(
        pairs.column("prompt_messages").to_pylist(),
        pairs.column("chosen").to_pylist(),
        pairs.column("rejected").to_pylist(),
        strict=True,
    ):
        redacted_prompt, counts = detector.redact_messages(prompt or [])
        good, good_counts = detector.redact(good or "")
        bad, bad_counts = detector.redact(bad or "")
        prompts.append(redacted_prompt)
        chosen.append(good)
        rejected.append(bad)
        totals.append(sum((counts + good_counts + bad_counts).values()))
    return pa.table(
        {
            "pair_origin": pairs.column("pair_origin"),
            "pair_id": pairs.column("pair_id"),
            "prompt_messages": pa.array(prompts, MESSAGE_TYPE),
            "chosen": pa.array(chosen, pa.string()),
            "rejected": pa.array(rejected, pa.string()),
            "pii_total": pa.array(totals, pa.int32()),
        },
        schema=REDACTED_PAIRS_SCHEMA,
    )
