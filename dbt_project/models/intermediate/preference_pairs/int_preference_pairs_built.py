"""Preference pairs built from edge-case and roleplay conversations, their replies scored.

Thin: rules in python_models/preference_builder.py (docs/curriculum.md). Rejected replies come
from documented failure-mode templates or retrieval of a low-empathy reply of another
conversation in the same category, never from a network model. Each reply's counselling quality
(`reply_counselling_quality`: MI-consistent behaviour and EPITOME empathy intensity,
docs/scoring.md) is scored against the prompt's last user turn into chosen_empathy /
rejected_empathy. Which conversations are used is int_preference_pairs_build_sources; whether a
pair passes (chosen outscores rejected by the seed's margin) is int_preference_pairs_gated.
"""

from python_models.preference_builder import BuilderConfig, built_pairs_table


def _counselling_quality_function():
    from python_models.embeddings.backends import get_embedder
    from python_models.scoring.behaviour import BehaviourScorer, reply_counselling_quality
    from python_models.scoring.empathy import EmpathyScorer

    embedder, scorer, behaviour = get_embedder("default"), EmpathyScorer(), BehaviourScorer()
    for fitted_with in (scorer.embedding_model, behaviour.embedding_model):
        if fitted_with is not None and fitted_with != embedder.model_id:
            raise ValueError(
                f"the scorer weights were fitted on {fitted_with} embeddings, "
                f"not {embedder.model_id}"
            )

    def quality(seekers: list[str], replies: list[str]) -> list[float]:
        seeker_vectors = embedder.encode(seekers)
        empathy = scorer.score(seekers, replies, seeker_vectors, embedder.encode(replies))
        behaviours = behaviour.score(replies, seeker_vectors, embedder.encode)
        return [
            reply_counselling_quality(b, e.score) for b, e in zip(behaviours, empathy, strict=True)
        ]

    return quality


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
        empathy=_counselling_quality_function() if conversations.num_rows else lambda s, r: [],
        config=config,
    )
