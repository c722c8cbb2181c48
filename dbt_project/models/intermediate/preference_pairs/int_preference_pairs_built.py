"""Preference pairs built from edge-case and roleplay conversations, scored and gated.

Thin: rules in python_models/preference_builder.py (docs/curriculum.md). Rejected replies come
from documented failure-mode templates or retrieval of a low-empathy reply of another
conversation in the same category, never from a network model; the empathy scorer
(python_models/scoring/empathy.py) judges chosen and rejected against the prompt's last user
turn, and a pair passes when chosen outscores rejected by more than `min_margin`.
"""

import json

from pixel_config.values import string_list
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
    families = json.loads(dbt.config.get("roleplay_families") or "[]")
    family_list = string_list(families)
    conversations = (
        dbt.ref("int_conversations_split")
        .filter(f"is_training_edge_case or source_family in ({family_list})")
        .project("conversation_id, messages, category, is_training_edge_case")
        .order("conversation_id")
        .fetch_arrow_table()
    )
    config = BuilderConfig(
        max_pairs_per_conversation=int(dbt.config.get("pairs_per_conversation")),
        retrieval_share=float(dbt.config.get("retrieval_share")),
    )
    return built_pairs_table(
        conversations,
        empathy=_empathy_function() if conversations.num_rows else lambda s, r: [],
        config=config,
        min_margin=float(dbt.config.get("min_margin")),
    )
