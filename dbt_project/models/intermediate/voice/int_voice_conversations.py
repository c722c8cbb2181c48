"""Voice-stage conversations: transcript passages as dialogue pairs, sessions as windows.

Thin: the rules live in python_models/transcript_passages.py,
sessions.py and session_windows.py (documented in docs/curriculum.md); this
model reads the two staging tables and the role aliases and returns one row per derived
conversation or unusable input record (python_models/voice_dialogues.py).
"""

from python_models.session_windows import WindowConfig
from python_models.transcript_passages import PassageConfig
from python_models.voice_dialogues import voice_conversations


def model(dbt, session):
    dbt.config(materialized="table")
    role_aliases = dict(dbt.ref("role_aliases").project("role_alias, canonical_role").fetchall())
    passage_config = PassageConfig(max_words=int(dbt.config.get("passage_max_words")))
    window_config = WindowConfig(
        max_words=int(dbt.config.get("window_max_words")),
        overlap_words=int(dbt.config.get("window_overlap_words")),
        opening_max_words=int(dbt.config.get("window_opening_max_words")),
    )
    return voice_conversations(
        dbt.ref("stg_lake__transcript_documents").order("source_file").fetch_arrow_table(),
        dbt.ref("stg_lake__utterance_rows").order("source_file, source_line").fetch_arrow_table(),
        role_aliases=role_aliases,
        passage_config=passage_config,
        window_config=window_config,
    )
