"""Preference pairs built from edge-case and roleplay conversations, their replies scored.

Thin: rules in python_models/preference_builder.py (docs/curriculum.md). Rejected replies come
from documented failure-mode templates or retrieval of a low-empathy reply of another
conversation in the same category, never from a network model; the empathy scorer
(python_models/scoring/empathy.py) judges chosen and rejected against the prompt's last user
turn. Which conversations are used is int_preference_pairs_build_sources; whether a pair passes
(chosen outscores rejected by the seed's margin) is int_preference_pairs_gated.
"""

from python_models.preference_builder import BuilderConfig, built_pairs_table


def _empathy_function():
    from python_models.embeddings.backends import get_embedder
    from python_models.scoring.empathy import EmpathyScorer

    embedder, scorer = get_embedder("default"), EmpathyScorer()
    if scorer.embedding_model != embedder.model_id:
        raise ValueError(
            f"the empathy weights were fitted on {scorer.embedding_model} embeddings, "
            f"not {embedder.model_id}"
        )

    def empathy(seekers: list[str], replies: list[str]) -> list[float]:
        results = scorer.score(seekers, replies, embedder.encode(seekers), embedder.encode(replies))
        return [result.score for result in results]

    return empathy


def model(dbt, session):
    dbt.config(materialized="table")
    conversations = (
        dbt.ref("int_preference_pairs_build_sources").order("conversation_id").fetch_arrow_table()
    )
    config = BuilderConfig(
        max_pairs_per_conversation=int(dbt.config.get("pairs_per_conversation")),
        retrieval_share=float(dbt.config.get("retrieval_share")),
    )
    return built_pairs_table(
        conversations,
        empathy=_empathy_function() if conversations.num_rows else lambda s, r: [],
        config=config,
    )
