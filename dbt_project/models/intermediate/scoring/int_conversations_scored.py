"""Every scorer over every conversation kept after near-duplicate dedup: crisis, empathy,
safety, bias, completeness, coherence, category and PII (counts and redacted messages).

Thin: python_models/scoring/warehouse.py. The category model is fitted on
int_conversations_category_sample and predicts for int_conversations_uncategorized (both SQL).
Conversation vectors come from the embedding cache the near-duplicate stage filled (never
embedded twice); conversations stream in batches so memory stays flat; big builds score in
scoring_workers processes (0 = one per core). With scoring_enabled false every score is null and
messages are passed through unredacted (the PII gate test then judges the raw text); the
language is detected either way. `unsupported_scorers` lists the scorers nulled for a
conversation's language (python_models/language.py); int_conversations_gated applies the
unsupported_language_policy var to them.
"""

import os

import pyarrow as pa

from pixel_config.values import flag
from python_models.language import conversation_language
from python_models.scoring.warehouse import SCORES_SCHEMA

BATCH_ROWS = 4_096


def _unscored(conversations) -> pa.Table:
    table = conversations.project("conversation_id, messages").to_arrow_table()
    columns = {
        name: pa.nulls(table.num_rows, SCORES_SCHEMA.field(name).type)
        for name in SCORES_SCHEMA.names
    }
    columns["conversation_id"] = table.column("conversation_id")
    columns["redacted_messages"] = table.column("messages").cast(
        SCORES_SCHEMA.field("redacted_messages").type
    )
    # the language is known even when nothing is scored
    columns["language"] = pa.array(
        [conversation_language(m or []) for m in table.column("messages").to_pylist()],
        pa.string(),
    )
    return pa.table(columns, schema=SCORES_SCHEMA)


def model(dbt, session):
    dbt.config(materialized="table")
    conversations = dbt.ref("int_conversations_split")
    if not flag(dbt.config.get("scoring_enabled")):
        return _unscored(conversations)

    from python_models.scoring.warehouse import ScoringRun, score_conversations

    category_sample = (
        dbt.ref("int_conversations_category_sample")
        .project("conversation_id, category, embedding_text")
        .order("conversation_id")
        .to_arrow_table()
    )
    uncategorized = (
        dbt.ref("int_conversations_uncategorized")
        .project("conversation_id, embedding_text")
        .order("conversation_id")
        .to_arrow_table()
    )
    # count before opening the reader: another query on the connection would end its stream
    total_rows = conversations.count("*").fetchone()[0]
    batches = (
        conversations.project("conversation_id, messages, category")
        .order("conversation_id")
        .fetch_arrow_reader(BATCH_ROWS)
    )
    run = ScoringRun()
    workers = int(dbt.config.get("scoring_workers") or 0) or os.cpu_count() or 1
    table = score_conversations(
        batches,
        category_sample,
        uncategorized,
        run=run,
        total_rows=total_rows,
        workers=workers,
    )
    print(run.summary(), flush=True)
    return table
