"""Preference pairs built from edge-case and roleplay conversations, their replies scored.

Thin: rules in python_models/preference_builder.py (docs/curriculum.md). Rejected replies come
from documented failure-mode templates or retrieval of a low-scoring reply of another
conversation in the same category, never from a network model. Each reply is scored against the
prompt's last user turn by var `preference_pair_score`: `counselling_quality`
(python_models/scoring/behaviour.py `reply_counselling_quality`: the mean of the reply's
MI-consistent behaviour and its EPITOME empathy intensity) or `empathy_intensity` (EPITOME alone,
python_models/scoring/empathy.py). Which conversations are used is
int_preference_pairs_build_sources; whether a pair passes (chosen outscores rejected by the
seed's margin) is int_preference_pairs_gated. Each (prompt, reply) score is cached by its text,
the score's name and the scorers' version (var result_cache, docs/incremental.md): a rebuild
scores only replies it has not scored.
"""

from python_models.preference_builder import BuilderConfig, built_pairs_table
from python_models.result_cache import CacheStats, ResultCache, cached_values, content_key

PAIR_SCORES = ("counselling_quality", "empathy_intensity")


def _reply_score_function(score_name: str, cache: ResultCache | None, stats: CacheStats):
    """The pair score of (seeker, reply) pairs, cached by their text and the scorers' version."""
    import pyarrow as pa

    from python_models.embeddings.backends import get_embedder
    from python_models.scoring.behaviour import BehaviourScorer, reply_counselling_quality
    from python_models.scoring.empathy import EmpathyScorer
    from python_models.scoring.versions import group_version

    if score_name not in PAIR_SCORES:
        raise ValueError(f"preference_pair_score {score_name!r} is not one of {PAIR_SCORES}")
    embedder, scorer = get_embedder("default"), EmpathyScorer()
    behaviour = BehaviourScorer() if score_name == "counselling_quality" else None
    for fitted_on in (scorer.embedding_model, behaviour and behaviour.embedding_model):
        if fitted_on and fitted_on != embedder.model_id:
            raise ValueError(
                f"the scorer weights were fitted on {fitted_on} embeddings, not {embedder.model_id}"
            )

    def compute(seekers: list[str], replies: list[str]) -> list[float]:
        seeker_vectors = embedder.encode(seekers)
        results = scorer.score(seekers, replies, seeker_vectors, embedder.encode(replies))
        if behaviour is None:
            return [result.score for result in results]
        behaviours = behaviour.score(replies, seeker_vectors, embedder.encode)
        return [
            reply_counselling_quality(b, e.score) for b, e in zip(behaviours, results, strict=True)
        ]

    version = group_version("empathy", embedder.model_id)
    kind = "pair_empathy" if behaviour is None else "pair_counselling_quality"

    def reply_score(seekers: list[str], replies: list[str]) -> list[float]:
        keys = [content_key(s, r) for s, r in zip(seekers, replies, strict=True)]
        return cached_values(
            cache,
            kind,
            version,
            keys,
            lambda rows: compute([seekers[i] for i in rows], [replies[i] for i in rows]),
            pa.float64(),
            stats,
        )

    return reply_score


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
    score = _reply_score_function(str(dbt.config.get("pair_score")), cache, stats)
    table = built_pairs_table(
        conversations,
        empathy=score if conversations.num_rows else lambda s, r: [],
        config=config,
    )
    print(stats.summary(), flush=True)
    return table
