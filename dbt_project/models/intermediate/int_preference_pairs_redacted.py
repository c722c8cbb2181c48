"""The PII-redacted text of every exported preference pair (curated and built): prompt turns,
chosen and rejected with PII replaced by typed placeholders, and the count per pair.

Thin: python_models/scoring/pii.py. The preference_pairs mart takes its text from here, so no
structured PII reaches a non-edge-case export (assert_no_structured_pii_in_non_edge_exports).
With scoring_enabled false the text passes through unredacted.
"""

import pyarrow as pa

MESSAGE_TYPE = pa.list_(pa.struct([("role", pa.string()), ("content", pa.string())]))
SCHEMA = pa.schema(
    [
        ("pair_origin", pa.string()),
        ("pair_id", pa.string()),
        ("prompt_messages", MESSAGE_TYPE),
        ("chosen", pa.string()),
        ("rejected", pa.string()),
        ("pii_total", pa.int32()),
    ]
)


def _flag(value) -> bool:
    return str(value).strip().lower() in ("true", "1", "yes")


def model(dbt, session):
    dbt.config(materialized="table")
    columns = "pair_id, prompt_messages, chosen, rejected"
    source = dbt.ref("int_preference_pairs_split").project(f"'source' as pair_origin, {columns}")
    built = (
        dbt.ref("int_preference_pairs_gated")
        .filter("gate_passed")
        .project(f"'built' as pair_origin, {columns}")
    )
    pairs = source.union(built).order("pair_origin, pair_id").to_arrow_table()
    if not _flag(dbt.config.get("scoring_enabled")):
        return pa.table(
            {
                **{name: pairs.column(name) for name in SCHEMA.names if name != "pii_total"},
                "pii_total": pa.nulls(pairs.num_rows, pa.int32()),
            }
        ).cast(SCHEMA)

    from python_models.scoring.pii import PiiDetector

    detector = PiiDetector()
    prompts, chosen, rejected, totals = [], [], [], []
    for prompt, good, bad in zip(
        pairs.column("prompt_messages").to_pylist(),
        pairs.column("chosen").to_pylist(),
        pairs.column("rejected").to_pylist(),
        strict=True,
    ):
        total = 0
        redacted_prompt = []
        for message in prompt or []:
            content, counts = detector.redact(message["content"] or "")
            total += sum(counts.values())
            redacted_prompt.append({"role": message["role"], "content": content})
        good, good_counts = detector.redact(good or "")
        bad, bad_counts = detector.redact(bad or "")
        prompts.append(redacted_prompt)
        chosen.append(good)
        rejected.append(bad)
        totals.append(total + sum(good_counts.values()) + sum(bad_counts.values()))
    return pa.table(
        {
            "pair_origin": pairs.column("pair_origin"),
            "pair_id": pairs.column("pair_id"),
            "prompt_messages": pa.array(prompts, MESSAGE_TYPE),
            "chosen": pa.array(chosen, pa.string()),
            "rejected": pa.array(rejected, pa.string()),
            "pii_total": pa.array(totals, pa.int32()),
        },
        schema=SCHEMA,
    )
