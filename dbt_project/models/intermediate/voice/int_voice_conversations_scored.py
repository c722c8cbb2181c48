"""Voice consistency of every voice conversation derived from transcripts and sessions, and
the voice gate's verdict (an outlier among its speaker's records fails).

Thin: python_models/voice_consistency.py (Cosine Delta against the speaker's other records,
features z-scored against a reference of many voices). The reference is a deterministic sample
of assistant turns of the chatml and ShareGPT datasets, read from staging so that it never
depends on the voice records it judges.
"""

from pixel_config.values import string_list
from python_models.voice_consistency import score_voice_table


def _reference_texts(dbt, size: int) -> list[str]:
    assistant_aliases = [
        alias
        for alias, role in dbt.ref("role_aliases").project("role_alias, canonical_role").fetchall()
        if role == "assistant"
    ]
    quoted = string_list(assistant_aliases)
    texts: list[str] = []
    # dbt reads refs statically: one literal dbt.ref per staging model
    staged = (
        dbt.ref("stg_lake__chatml_conversations"),
        dbt.ref("stg_lake__sharegpt_conversations"),
    )
    for conversations in staged:
        turns = (
            conversations.filter("parse_error is null")
            .project("unnest(messages) as m")
            .project("lower(trim(m.role)) as role, m.content as content")
            .filter(f"role in ({quoted}) and coalesce(trim(content), '') <> ''")
            .project("content")
            .order("md5(content)")
            .limit(size)
        )
        texts += [row[0] for row in turns.fetchall()]
    return texts


def model(dbt, session):
    dbt.config(materialized="table")
    records = (
        dbt.ref("int_voice_conversations")
        .filter("segment_kind is not null")
        .project("source_file, source_line, speaker, messages")
        .order("source_file, source_line")
        .fetch_arrow_table()
    )
    reference = _reference_texts(dbt, int(dbt.config.get("reference_size")))
    return score_voice_table(
        records,
        reference,
        min_records=int(dbt.config.get("min_records_per_speaker")),
        outlier_mads=float(dbt.config.get("outlier_mads")),
        min_score=float(dbt.config.get("min_score")),
    )
