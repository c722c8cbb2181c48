"""The PII-redacted text of every exported preference pair (curated and built): prompt turns,
chosen and rejected with PII replaced by typed placeholders, and the count per pair.

Thin: python_models/scoring/warehouse.py (`redact_pairs_table`) over int_preference_pairs_unioned.
The preference_pairs mart takes its text from here, so no structured PII reaches a non-edge-case
export (assert_no_structured_pii_in_non_edge_exports; assert_every_exported_pair_is_redacted
checks no pair is missing here). Redaction is a safety step, not a score: it follows its own switch
(pii_redaction_enabled, default on), not scoring_enabled; with it off the text passes through.
Big inputs are redacted in scoring_workers processes; a pair redacted by the same PII version
before is read from the result cache (var result_cache, docs/incremental.md).
With var engine `ray` the pairs not in the cache are redacted by Ray Data
(python_models/ray_stages.py) with the same function.
"""

import os

from pixel_config.values import flag
from python_models.ray_stages import engine_connection
from python_models.result_cache import CacheStats, ResultCache
from python_models.scoring.warehouse import LazyPiiDetector, redact_pairs_table


def model(dbt, session):
    dbt.config(materialized="table")
    pairs = dbt.ref("int_preference_pairs_unioned").order("pair_origin, pair_id").to_arrow_table()
    if not flag(dbt.config.get("pii_redaction_enabled")):
        return redact_pairs_table(pairs, detector=None)
    engine = str(dbt.config.get("engine"))
    # read outside any `or`, which dbt's parser does not look into
    scoring_workers = int(dbt.config.get("scoring_workers"))
    mode = str(dbt.config.get("result_cache"))
    stats = CacheStats()
    with engine_connection(engine):
        table = redact_pairs_table(
            pairs,
            LazyPiiDetector(),  # built only when a pair is not cached
            workers=scoring_workers
            if engine == "ray"
            else (scoring_workers or os.cpu_count() or 1),
            cache=None if mode == "off" else ResultCache(mode=mode),
            stats=stats,
            engine=engine,
        )
    print(stats.summary(), flush=True)
    return table
