"""Every scorer over every conversation kept after near-duplicate dedup: crisis, empathy,
safety, bias, completeness, coherence, category and PII (counts and redacted messages).

Thin: python_models/scoring/warehouse.py. The category model is fitted on
int_conversations_category_sample and predicts for int_conversations_uncategorized (both SQL).
Conversation vectors come from the embedding cache the near-duplicate stage filled (never
embedded twice); conversations stream in batches and each scored batch is written to a Parquet
run folder as it is done (python_models/model_output.py: the model returns a relation over it),
so memory stays flat; big builds score in scoring_workers processes (0 = one per core). With
scoring_enabled false every score is null and nothing is embedded; PII redaction is a safety
step with its own switch (pii_redaction_enabled, default on), so messages are still redacted and
PII counted unless that switch is off too. The language is detected either way.
`unsupported_scorers` lists the scorers nulled for a conversation's language
(python_models/language.py); int_conversations_gated applies the unsupported_language_policy var
to them.

Incremental: each conversation's language, crisis, empathy, safety, bias, completeness and PII
results are cached by conversation id (its content hash) and the version of the scorer that
made them (var result_cache: use / refresh / off; docs/incremental.md), so a rebuild computes
only what is new or what a changed scorer produced; coherence (ranked against its batch) is
cached by the conversation id and the digest of its batch's reference turns, so an unchanged lake
reads it back; the category (this build's model) is predicted on every build. Scorers are loaded
only when a conversation needs them. With var engine `ray` the
batches are scored (or redacted) by Ray Data with the same functions (python_models/ray_stages.py,
docs/scaling.md); the cache is read and written on the driver either way.
"""

import os

from pixel_config.values import flag
from python_models.model_output import input_batches, model_output
from python_models.ray_stages import engine_connection

BATCH_ROWS = 4_096
POOL_MIN_ROWS = 20_000  # rows per worker below which redaction stays in one process


def model(dbt, session):
    dbt.config(materialized="table")
    engine = str(dbt.config.get("engine"))
    batch_rows = int(dbt.config.get("ray_batch_rows")) if engine == "ray" else BATCH_ROWS
    from python_models.scoring.warehouse import SCORES_SCHEMA

    # each scored batch is written to a run folder as it is done; the model returns a relation
    # over the file (python_models/model_output.py): memory stays flat however many batches
    with engine_connection(engine), model_output(session, SCORES_SCHEMA, "scores") as output:
        _model(dbt, engine, batch_rows, output)
    return output.relation


def _model(dbt, engine: str, batch_rows: int, output) -> None:
    sink = output.sink
    conversations = dbt.ref("int_conversations_split")
    with_messages = dbt.ref("int_conversations_scoring_input")  # the messages joined in SQL
    redact = flag(dbt.config.get("pii_redaction_enabled"))
    cache_mode = str(dbt.config.get("result_cache"))
    # scoring_workers: the local pool's processes or the Ray workers at most (0: one per CPU);
    # read outside any `or`, which dbt's parser does not look into
    scoring_workers = int(dbt.config.get("scoring_workers"))
    workers = scoring_workers or os.cpu_count() or 1
    if not flag(dbt.config.get("scoring_enabled")):
        from python_models.scoring.warehouse import cached_groups, write_unscored

        detector = None
        if redact:  # built only when a conversation is not cached
            from python_models.scoring.warehouse import LazyPiiDetector

            detector = LazyPiiDetector()
        total_rows = conversations.count("*").fetchone()[0]
        # written to the run folder and read back: no DuckDB result stays open while scoring
        batches = input_batches(
            with_messages.project("conversation_id, messages").order("conversation_id"),
            output.folder / "input.parquet",
            batch_rows,
            ordered_by="conversation_id",
        )
        results = cached_groups(
            "",
            redact=redact,
            mode=cache_mode,
            groups=("language", "pii") if redact else ("language",),
        )
        # a pool only pays when there is enough to share out (starting a worker takes seconds)
        write_unscored(
            batches,
            detector,
            sink=sink,
            workers=(
                scoring_workers
                if engine == "ray"
                else (workers if total_rows > 2 * POOL_MIN_ROWS else 1)
            ),
            results=results,
            engine=engine,
        )
        if results is not None:
            print(results.stats.summary(), flush=True)
        return

    from python_models.embeddings.backends import get_embedder
    from python_models.scoring.warehouse import ScoringRun, cached_groups, write_scores

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
    total_rows = conversations.count("*").fetchone()[0]
    # written to the run folder and read back: no DuckDB result stays open while scoring (an
    # open one made another model's commit spin on its checkpoint lock: model_output.py)
    batches = input_batches(
        with_messages.project("conversation_id, messages, category").order("conversation_id"),
        output.folder / "input.parquet",
        batch_rows,
        ordered_by="conversation_id",
    )
    run = ScoringRun()
    results = cached_groups(get_embedder("default").model_id, redact=redact, mode=cache_mode)
    write_scores(
        batches,
        category_sample,
        uncategorized,
        sink=sink,
        run=run,
        total_rows=total_rows,
        workers=scoring_workers if engine == "ray" else workers,
        redact=redact,
        results=results,
        engine=engine,
    )
    print(run.summary(), flush=True)
    if results is not None:
        print(results.stats.summary(), flush=True)
