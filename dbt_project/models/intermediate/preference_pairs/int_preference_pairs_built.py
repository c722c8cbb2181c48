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
scores only replies it has not scored. With var engine `ray` the replies not in the cache are
scored by Ray Data (`PairScoreStage`, stage `pair_empathy`), with `local` above 40,000 of them
in a pool of var scoring_workers processes (0 = one per core), as conversations are; the pairs
are built here (retrieval draws from every reply of the build), the cache read and written here
(docs/scaling.md).
"""

import os

from python_models.preference_builder import (
    BuilderConfig,
    built_pairs_table,
    reply_scorer,
    reply_scores_in_pool,
    reply_scores_on_ray,
)
from python_models.ray_stages import engine_connection
from python_models.result_cache import CacheStats, ResultCache, cached_values, content_key


def _reply_score_function(
    score_name: str,
    cache: ResultCache | None,
    stats: CacheStats,
    engine: str,
    batch_rows: int,
    workers: int,
):
    """The pair score of (seeker, reply) pairs, cached by their text and the scorers' version;
    the uncached ones scored here or on Ray."""
    import pyarrow as pa

    from python_models.scoring.versions import group_version

    scorer = reply_scorer(score_name)

    def compute(seekers: list[str], replies: list[str]) -> list[float]:
        if engine == "ray":
            return reply_scores_on_ray(
                seekers, replies, score_name=score_name, batch_rows=batch_rows, workers=workers
            )
        return reply_scores_in_pool(
            scorer, seekers, replies, score_name=score_name, workers=workers or os.cpu_count() or 1
        )

    # the empathy group's version covers behaviour.py and its weights too
    version = group_version("empathy", scorer.embedder.model_id)
    kind = "pair_empathy" if scorer.behaviour is None else "pair_counselling_quality"

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
    # every config read on its own line: dbt's parser does not look inside a conditional
    score_name = str(dbt.config.get("pair_score"))
    engine = str(dbt.config.get("engine"))
    batch_rows = int(dbt.config.get("ray_batch_rows"))
    workers = int(dbt.config.get("scoring_workers"))
    mode = str(dbt.config.get("result_cache"))
    stats = CacheStats()
    cache = None if mode == "off" else ResultCache(mode=mode)
    with engine_connection(engine):
        table = built_pairs_table(
            conversations,
            empathy=_reply_score_function(score_name, cache, stats, engine, batch_rows, workers)
            if conversations.num_rows
            else lambda s, r: [],
            config=config,
        )
    print(stats.summary(), flush=True)
    return table
