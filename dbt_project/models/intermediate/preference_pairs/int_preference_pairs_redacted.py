"""The PII-redacted text of every exported preference pair (curated and built): prompt turns,
chosen and rejected with PII replaced by typed placeholders, and the count per pair.

Thin: python_models/scoring/warehouse.py (`redact_pairs_table`) over int_preference_pairs_unioned.
The preference_pairs mart takes its text from here, so no structured PII reaches a non-edge-case
export (assert_no_structured_pii_in_non_edge_exports; assert_every_exported_pair_is_redacted
checks no pair is missing here). Redaction is a safety step, not a score: it follows its own switch
(pii_redaction_enabled, default on), not scoring_enabled; with it off the text passes through.
With var engine `ray` the pairs are redacted by Ray Data (python_models/ray_stages.py) in
batches of ray_batch_rows, with the same function.
"""

from pixel_config.values import flag
from python_models.scoring.warehouse import (
    REDACTED_PAIRS_SCHEMA,
    PairRedactStage,
    redact_pairs_table,
)


def model(dbt, session):
    dbt.config(materialized="table")
    pairs = dbt.ref("int_preference_pairs_unioned").order("pair_origin, pair_id").to_arrow_table()
    if not flag(dbt.config.get("pii_redaction_enabled")):
        return redact_pairs_table(pairs, detector=None)
    engine = str(dbt.config.get("engine"))
    if engine == "ray":
        from python_models.ray_stages import connect, run_stage, table_batches

        with connect():
            return run_stage(
                PairRedactStage,
                table_batches(pairs, int(dbt.config.get("ray_batch_rows"))),
                REDACTED_PAIRS_SCHEMA,
                name="redact_pairs",
                workers=int(dbt.config.get("scoring_workers")),
            )
    if engine != "local":
        raise ValueError(f"var engine must be local or ray, not {engine!r}")

    from python_models.scoring.pii import PiiDetector

    return redact_pairs_table(pairs, PiiDetector())
