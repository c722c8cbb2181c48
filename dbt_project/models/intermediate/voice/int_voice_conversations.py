"""Voice-stage conversations: transcript passages as dialogue pairs, sessions as windows.

Thin: the text work lives in python_models/transcript_passages.py (documents to passages) and
python_models/session_windows.py (sessions to windows by word budget); the session rules are
SQL (int_voice_utterances_placed, int_voice_session_turns). Documented in docs/curriculum.md.
Returns one row per derived conversation or unusable input record
(python_models/voice_dialogues.py).
"""

from python_models.session_windows import WindowConfig
from python_models.transcript_passages import PassageConfig
from python_models.voice_dialogues import voice_conversations


def model(dbt, session):
    dbt.config(materialized="table")
    passage_config = PassageConfig(max_words=int(dbt.config.get("passage_max_words")))
    window_config = WindowConfig(
        max_words=int(dbt.config.get("window_max_words")),
        overlap_words=int(dbt.config.get("window_overlap_words")),
        opening_max_words=int(dbt.config.get("window_opening_max_words")),
    )
    return voice_conversations(
        dbt.ref("stg_lake__transcript_documents").order("source_file").fetch_arrow_table(),
        dbt.ref("int_voice_utterances_placed")
        .order("source_file, source_line")
        .fetch_arrow_table(),
        dbt.ref("int_voice_session_turns")
        .order("source_file, session_id, turn_index")
        .fetch_arrow_table(),
        passage_config=passage_config,
        window_config=window_config,
    )
