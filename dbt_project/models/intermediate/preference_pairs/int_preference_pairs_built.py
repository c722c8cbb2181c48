"""Preference pairs built from edge-case and roleplay conversations, their replies scored.

Thin: rules in python_models/preference_builder.py (docs/curriculum.md). Rejected replies come
from documented failure-mode templates or retrieval of a low-empathy reply of another
conversation in the same category, never from a network model; the empathy scorer
(python_models/scoring/empathy.py) judges chosen and rejected against the prompt's last user
turn. Which conversations are used is int_preference_pairs_build_sources; whether a pair passes
(chosen outscores rejected by the seed's margin) is int_preference_pairs_gated. Each
(prompt, reply) empathy score is cached by its text and the empathy scorer's version (var
result_cache, docs/incremental.md): a rebuild scores only replies it has not scored.
"""

from python_models.preference_builder import BuilderConfig, built_pairs_table
from python_models.result_cache import CacheStats, ResultCache, cached_values, content_key


def _empathy_function(cache: ResultCache | None, stats: CacheStats):
    """Empathy of (seeker, reply) pairs, cached by their text and the empathy scorer version."""
    import pyarrow as pa

    from python_models.embeddings.backends import get_embedder
    from python_models.scoring.empathy import EmpathyScorer
    from python_models.scoring.versions import group_version

    embedder, scorer = get_embedder("default"), EmpathyScorer()
    if scorer.embedding_model != embedder.model_id:
        raise ValueError(
            f"the empathy weights were fitted on {scorer.embedding_model} embeddings, "
            f"not {embedder.model_id}"
        )

    def compute(seekers: list[str], replies: list[str]) -> list[float]:
        results = scorer.score(seekers, replies, embedder.encode(seekers), embedder.encode(replies))
        return [result.score for result in results]

    version = group_version("empathy", embedder.model_id)

    def empathy(seekers: list[str], replies: list[str]) -> list[float]:
        keys = [content_key(s, r) for s, r in zip(seekers, replies, strict=True)]
        return cached_values(
            cache,
            "pair_empathy",
            version,
            keys,
            lambda rows: compute([seekers[i] for i in rows], [replies[i] for i in rows]),
            pa.float64(),
            stats,
        )

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
    mode = str(dbt.config.get("result_cache"))
    stats = CacheStats()
    cache = None if mode == "off" else ResultCache(mode=mode)
    table = built_pairs_table(
        conversations,
        empathy=_empathy_function(cache, stats) if conversations.num_rows else lambda s, r: [],
        config=config,
    )
    print(stats.summary(), flush=True)
    return table
