"""Voice consistency of every voice conversation derived from transcripts and sessions.

Thin: python_models/voice_consistency.py (Cosine Delta against the speaker's other records,
features z-scored against int_voice_reference_turns, a reference of many voices). Whether a
score fails the voice gate is SQL: int_voice_conversations_gated. With var engine `ray` each
record's style vector is computed by Ray Data; the reference and the speakers' centroids (which
compare a record with the rest of the build) stay in this process (docs/scaling.md).
"""

from python_models.ray_stages import engine_connection
from python_models.voice_consistency import score_voice_table


def model(dbt, session):
    dbt.config(materialized="table")
    engine = str(dbt.config.get("engine"))
    records = (
        dbt.ref("int_voice_conversations")
        .filter("segment_kind is not null")
        .project("source_file, source_line, speaker, messages")
        .order("source_file, source_line")
        .fetch_arrow_table()
    )
    reference = dbt.ref("int_voice_reference_turns").order("reference_source, turn_rank")
    reference_texts = [row[0] for row in reference.project("content").fetchall()]
    with engine_connection(engine):
        table = score_voice_table(
            records,
            reference_texts,
            engine=engine,
            batch_rows=int(dbt.config.get("ray_batch_rows")),
            workers=int(dbt.config.get("scoring_workers")),
        )
    return table
