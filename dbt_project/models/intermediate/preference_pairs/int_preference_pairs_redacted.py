"""The PII-redacted text of every exported preference pair (curated and built): prompt turns,
chosen and rejected with PII replaced by typed placeholders, and the count per pair.

Thin: python_models/scoring/warehouse.py (`write_redacted_pairs`) over int_preference_pairs_unioned.
The preference_pairs mart takes its text from here, so no structured PII reaches a non-edge-case
export (assert_no_structured_pii_in_non_edge_exports; assert_every_exported_pair_is_redacted
checks no pair is missing here). Redaction is a safety step, not a score: it follows its own switch
(pii_redaction_enabled, default on), not scoring_enabled; with it off the text passes through.
Big inputs are redacted in scoring_workers processes; a pair redacted by the same PII version
before is read from the result cache (var result_cache, docs/incremental.md).
With var engine `ray` the pairs not in the cache are redacted by Ray Data
(python_models/ray_stages.py) with the same function. The pairs stream in batches and each
redacted batch goes to a Parquet run folder as it is done (python_models/model_output.py).
"""

import os

from pixel_config.values import flag
from python_models.model_output import input_batches, model_output
from python_models.ray_stages import engine_connection
from python_models.result_cache import CacheStats, ResultCache
from python_models.scoring.warehouse import (
    PAIR_BATCH_ROWS,
    REDACTED_PAIRS_SCHEMA,
    LazyPiiDetector,
    write_redacted_pairs,
)


def model(dbt, session):
    dbt.config(materialized="table")
    pairs = dbt.ref("int_preference_pairs_unioned").order("pair_origin, pair_id")
    columns = "pair_origin, pair_id, prompt_messages, chosen, rejected"
    redact = flag(dbt.config.get("pii_redaction_enabled"))
    engine = str(dbt.config.get("engine"))
    # read outside any `or`, which dbt's parser does not look into
    scoring_workers = int(dbt.config.get("scoring_workers"))
    mode = str(dbt.config.get("result_cache"))
    stats = CacheStats()
    total_rows = pairs.count("*").fetchone()[0]
    # each batch is written to a run folder as it is done; the model returns a relation over
    # the file (python_models/model_output.py), so memory does not grow with the pairs. The
    # input is written there first and read back: no DuckDB result stays open meanwhile
    with (
        engine_connection(engine if redact else "local"),
        model_output(session, REDACTED_PAIRS_SCHEMA, "redacted_pairs") as output,
    ):
        write_redacted_pairs(
            input_batches(pairs.project(columns), output.folder / "input.parquet", PAIR_BATCH_ROWS),
            LazyPiiDetector() if redact else None,  # built only when a pair is not cached
            sink=output.sink,
            total_rows=total_rows,
            workers=scoring_workers
            if engine == "ray"
            else (scoring_workers or os.cpu_count() or 1),
            cache=None if mode == "off" or not redact else ResultCache(mode=mode),
            stats=stats,
            engine=engine,
        )
    if redact:
        print(stats.summary(), flush=True)
    return output.relation
