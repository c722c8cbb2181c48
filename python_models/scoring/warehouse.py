"""Scoring inside the warehouse build: the library behind the dbt models int_conversations_scored
(every scorer over every kept conversation) and int_preference_pairs_redacted (PII in pairs).

`score_table` takes conversations (`conversation_id`, `messages` list<struct<role, content>>,
`category`) and their conversation vectors in the same row order, and returns one row per
conversation with flat score columns (schema `SCORES_SCHEMA`) and the redacted messages.
`score_conversations` streams Arrow batches through it. Two kinds of vectors are needed and
neither is embedded twice:

- conversation vectors (the category model): the near-duplicate stage has already embedded
  every conversation's text into the embedding cache, keyed by conversation id and model id;
  they are read back in one pass, and embedded only when missing (near-dup switched off, or run
  with another backend);
- turn vectors (crisis, empathy, coherence, safety): each distinct user or assistant turn of a
  batch is embedded once and shared by every scorer.

The category model is fitted on this build's categorized conversations (the sample the
int_conversations_category_sample model draws) and predicts a category for the uncategorized
ones; a prediction below its confidence cut stays `uncategorized`.

Scoring is pure Python and CPU-bound, so big builds score batches in `workers` processes
(spawned, each loading the scorers once); results come back in batch order, so the output does
not depend on the number of workers. `redact_pairs_table` replaces PII in preference pairs.
`unscored_table` serves a build with model scoring off: no score, but PII still redacted
(redaction is a safety step with its own switch, var pii_redaction_enabled).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from python_models.language import conversation_language, unsupported_scorers
from python_models.progress import progress
from python_models.result_cache import CacheStats, PartWriter, ResultCache, content_key
from python_models.scoring.category import UNCATEGORIZED, CategoryModel, fit_category_model
from python_models.scoring.category_cache import cached_category_model
from python_models.scoring.coherence import references_digest
from python_models.scoring.empathy import MECHANISMS
from python_models.scoring.pii import KINDS
from python_models.scoring.pipeline import GROUPS, SCORED_GROUPS, Scorers
from python_models.spawn_pool import in_spawned_pool

MESSAGE_TYPE = pa.list_(pa.struct([("role", pa.string()), ("content", pa.string())]))
SCORES_SCHEMA = pa.schema(
    [
        ("conversation_id", pa.string()),
        ("crisis_score", pa.float32()),
        ("crisis_flag", pa.bool_()),
        ("crisis_evidence", pa.string()),
        (
            "crisis_user_turns",
            pa.list_(
                pa.struct(
                    [("score", pa.float32()), ("flag", pa.bool_()), ("evidence", pa.string())]
                )
            ),
        ),
        ("empathy_score", pa.float32()),
        ("empathy_present", pa.float32()),
        ("empathy_intensity", pa.float32()),
        ("reflection_to_question", pa.float32()),
        *[(f"empathy_{m}", pa.float32()) for m in MECHANISMS],
        ("safety_score", pa.float32()),
        ("bias_score", pa.float32()),
        ("completeness_score", pa.float32()),
        ("coherence_score", pa.float32()),
        ("coherence_structure", pa.float32()),
        ("coherence_relevance", pa.float32()),
        ("scored_category", pa.string()),
        ("category_confidence", pa.float32()),
        ("category_source", pa.string()),
        *[(f"pii_{kind.lower()}", pa.int32()) for kind in KINDS],
        ("pii_total", pa.int32()),
        ("language", pa.string()),
        ("unsupported_scorers", pa.list_(pa.string())),
        ("redacted_messages", MESSAGE_TYPE),
    ]
)


# the columns of each result group the build caches (python_models/scoring/versions.py): what
# the content determines (coherence: the content and its batch's references, `coherence_keys`).
# `unsupported_scorers` is derived from the language on every run (a run with scoring off nulls
# it, a scored run lists the scorers nulled), so it is never cached.
GROUP_COLUMNS: dict[str, tuple[str, ...]] = {
    "language": ("language",),
    "crisis": ("crisis_score", "crisis_flag", "crisis_evidence", "crisis_user_turns"),
    "empathy": (
        "empathy_score",
        "empathy_present",
        "empathy_intensity",
        "reflection_to_question",
        *[f"empathy_{m}" for m in MECHANISMS],
    ),
    "safety": ("safety_score",),
    "bias": ("bias_score",),
    "completeness": ("completeness_score",),
    "pii": (*[f"pii_{kind.lower()}" for kind in KINDS], "pii_total", "redacted_messages"),
    "coherence": ("coherence_score", "coherence_structure", "coherence_relevance"),
}
assert set(GROUP_COLUMNS) == SCORED_GROUPS


def coherence_keys(table: pa.Table) -> list[str]:
    """The key each conversation of one scoring batch caches its coherence under: its id (the
    content hash) with the digest of the references the batch gives it
    (`coherence.references_digest`, the same selection `Scorers.score` makes from the batch's
    distinct user and assistant turns, a missing content read as ""). Equal batches give equal
    keys; a batch that gains or loses a reference turn gives new ones."""
    ids = table.column("conversation_id").to_pylist()
    if not ids:
        return []
    messages = pc.list_flatten(table.column("messages"))
    roles, contents = pc.struct_field(messages, "role"), pc.struct_field(messages, "content")
    sides = [
        pc.unique(pc.filter(contents, pc.equal(roles, role))).to_pylist()
        for role in ("user", "assistant")
    ]
    digest = references_digest(*([t for t in side if t] for side in sides))
    return [content_key(conversation_id, digest) for conversation_id in ids]


def _group_schema(group: str) -> pa.Schema:
    return pa.schema([SCORES_SCHEMA.field(name) for name in GROUP_COLUMNS[group]])


# per cached group: (found mask, cached rows, the keys), aligned with a batch's rows
Lookup = dict[str, tuple[np.ndarray, pa.Table, list[str]]]


@dataclass
class CachedGroups:
    """The result cache as scoring uses it: which groups, at which versions, with counts."""

    cache: ResultCache
    versions: dict[str, str]  # group -> version (only the groups this run caches)
    stats: CacheStats = field(default_factory=CacheStats)
    # group -> the part its computed rows go to, batch by batch (none kept in memory)
    writers: dict[str, PartWriter] = field(default_factory=dict)

    def lookup(self, table: pa.Table) -> Lookup:
        """Per group: found mask, the cached columns and the keys, aligned with the rows of
        `table` (a scoring batch: `conversation_id`, and `messages` when coherence is cached)."""
        ids = table.column("conversation_id").to_pylist()
        found = {}
        for group, version in self.versions.items():
            keys = coherence_keys(table) if group == "coherence" else ids
            mask, cached = self.cache.get_many(group, version, keys, _group_schema(group))
            found[group] = (mask, cached, keys)
        return found

    @staticmethod
    def needed(found: Lookup, rows: int) -> list[frozenset[str]]:
        """Per row: the groups it is missing (every group not cached)."""
        missing = {group: ~mask for group, (mask, _, _) in found.items()}
        uncached = SCORED_GROUPS - set(found)
        return [frozenset(uncached | {g for g, m in missing.items() if m[i]}) for i in range(rows)]

    def merge(self, fresh: pa.Table, found: Lookup) -> pa.Table:
        """`fresh` with each group's cached rows put in; the computed rows written to the
        group's new part (stored by `store`)."""
        for group, (mask, cached, keys) in found.items():
            hit = pa.array(mask)
            for name in GROUP_COLUMNS[group]:
                merged = pc.if_else(hit, cached.column(name), fresh.column(name))
                fresh = fresh.set_column(fresh.schema.get_field_index(name), name, merged)
            computed = np.flatnonzero(~mask)
            self.stats.add(group, int(computed.size), int(mask.sum()))
            if computed.size:
                rows = fresh.select(list(GROUP_COLUMNS[group])).take(pa.array(computed))
                if group not in self.writers:
                    self.writers[group] = self.cache.part_writer(
                        group, self.versions[group], _group_schema(group)
                    )
                self.writers[group].add(
                    [keys[i] for i in computed], rows, known_missing=self.cache.mode == "use"
                )
        return fresh

    def store(self) -> None:
        """Put every group's computed rows in the cache (one part per group per run)."""
        for writer in self.writers.values():
            writer.close()
        self.writers.clear()

    def abort(self) -> None:
        """Drop the rows computed so far (a run that failed stores nothing)."""
        for writer in self.writers.values():
            writer.abort()
        self.writers.clear()


def cached_groups(
    embedding_model: str,
    *,
    redact: bool,
    mode: str = "use",
    groups: Iterable[str] = SCORED_GROUPS,
) -> CachedGroups | None:
    """The result cache for the scoring groups, or None when the cache is off."""
    if mode == "off":
        return None
    from python_models.scoring.versions import group_version

    versions = {g: group_version(g, embedding_model, redact) for g in sorted(groups)}
    return CachedGroups(ResultCache(mode=mode), versions)


def _messages(table: pa.Table) -> list[list[dict[str, str]]]:
    return [
        [{"role": m["role"], "content": m["content"] or ""} for m in (row or [])]
        for row in table.column("messages").to_pylist()
    ]


def score_table(
    table: pa.Table,
    scorers: Scorers,
    conversation_vectors: np.ndarray | None = None,
    needed: list[frozenset[str]] | None = None,
    languages: list[str | None] | None = None,
) -> pa.Table:
    """One row per conversation (SCORES_SCHEMA); `needed`/`languages` as in `Scorers.score`.
    A batch whose rows need no group computed (all read from the result cache) and whose
    conversation vectors are given takes `_cached_only_table`: the same row for every column
    the cache does not fill, without reading the messages into Python."""
    if (
        needed is not None
        and languages is not None
        and conversation_vectors is not None
        and not any(needed)
    ):
        return _cached_only_table(table, scorers, conversation_vectors, languages)
    conversations = _messages(table)
    results = scorers.score(
        conversations,
        conversation_embeddings=conversation_vectors,
        categories=table.column("category").to_pylist()
        if "category" in table.schema.names
        else None,
        needed=needed,
        languages=languages,
    )
    columns: dict[str, list] = {name: [] for name in SCORES_SCHEMA.names}
    columns["conversation_id"] = table.column("conversation_id").to_pylist()
    for result in results:
        columns["crisis_score"].append(result.crisis_score)
        columns["crisis_flag"].append(result.crisis_flag)
        columns["crisis_evidence"].append(result.crisis_evidence)
        columns["crisis_user_turns"].append(result.crisis_turns)
        columns["empathy_score"].append(result.empathy_score)
        columns["empathy_present"].append(result.empathy_present)
        columns["empathy_intensity"].append(result.empathy_intensity)
        columns["reflection_to_question"].append(
            None
            if result.counselling is None
            else result.counselling.summary["reflection_to_question"]
        )
        for mechanism in MECHANISMS:
            columns[f"empathy_{mechanism}"].append(result.empathy_levels[mechanism])
        columns["safety_score"].append(result.safety_score)
        columns["bias_score"].append(result.bias_score)
        columns["completeness_score"].append(result.completeness_score)
        columns["coherence_score"].append(result.coherence_score)
        columns["coherence_structure"].append(result.coherence_structure)
        columns["coherence_relevance"].append(result.coherence_relevance)
        columns["scored_category"].append(result.category)
        columns["category_confidence"].append(result.category_confidence)
        columns["category_source"].append(result.category_source)
        for kind in KINDS:
            columns[f"pii_{kind.lower()}"].append(result.pii_counts.get(kind, 0))
        columns["pii_total"].append(sum(result.pii_counts.values()))
        columns["language"].append(result.language)
        columns["unsupported_scorers"].append(result.unsupported)
        columns["redacted_messages"].append(result.redacted_messages)
    return pa.table(columns, schema=SCORES_SCHEMA)


def _cached_only_table(
    table: pa.Table, scorers: Scorers, conversation_vectors: np.ndarray, languages: list
) -> pa.Table:
    """`score_table` of a batch whose every group comes from the cache: the id, the category
    (`Scorers.categories`, this build's model), the language given and the scorers it nulls;
    every cached column a null placeholder for `CachedGroups.merge` to fill."""
    categories = (
        table.column("category").to_pylist()
        if "category" in table.schema.names
        else [None] * table.num_rows
    )
    category_of = scorers.categories(categories, languages, conversation_vectors)
    columns = {
        name: pa.nulls(table.num_rows, SCORES_SCHEMA.field(name).type)
        for name in SCORES_SCHEMA.names
    }
    columns["conversation_id"] = table.column("conversation_id")
    columns["scored_category"] = pa.array([c for c, _, _ in category_of], pa.string())
    columns["category_confidence"] = pa.array([c for _, c, _ in category_of], pa.float32())
    columns["category_source"] = pa.array([s for _, _, s in category_of], pa.string())
    columns["language"] = pa.array(languages, pa.string())
    columns["unsupported_scorers"] = pa.array(
        [unsupported_scorers(language) for language in languages], pa.list_(pa.string())
    )
    return pa.table(columns, schema=SCORES_SCHEMA)


@dataclass
class ScoringRun:
    """What a warehouse scoring run did, for the build log (counts and seconds, no content)."""

    conversations: int = 0
    workers: int = 1
    engine: str = "local"
    conversation_vectors_cached: int = 0
    conversation_vectors_embedded: int = 0
    category_fit_rows: int = 0
    category_min_confidence: float | None = None
    seconds: dict[str, float] = field(default_factory=dict)

    def summary(self) -> str:
        timings = ", ".join(f"{k} {v:.1f}s" for k, v in sorted(self.seconds.items()))
        return (
            f"scored {self.conversations} conversations ({self.engine} engine, {self.workers} "
            f"worker{'s' if self.workers > 1 else ''}); conversation vectors: "
            f"{self.conversation_vectors_cached} from the cache, "
            f"{self.conversation_vectors_embedded} embedded; category model fitted on "
            f"{self.category_fit_rows} rows (min confidence {self.category_min_confidence}); "
            f"{timings}"
        )


def conversation_vectors(
    ids: list[str], texts: list[str], embedder, cache, run: ScoringRun
) -> np.ndarray:
    """Vectors of `texts` (conversation texts keyed by conversation id), from the cache first."""
    if not ids:
        return np.zeros((0, embedder.dim), dtype=np.float32)
    found, vectors = cache.get_many(ids, embedder.model_id, embedder.dim)
    missing = np.flatnonzero(~found)
    if missing.size:
        fresh = embedder.encode([texts[i] for i in missing])
        vectors[missing] = fresh
        cache.put_many([ids[i] for i in missing], fresh, embedder.model_id)
    run.conversation_vectors_cached += int(found.sum())
    run.conversation_vectors_embedded += int(missing.size)
    return vectors


def fit_build_category_model(
    sample: pa.Table, vectors: np.ndarray, embedding_model: str
) -> CategoryModel | None:
    """The category model of this build, from a sample of categorized conversations."""
    model = fit_category_model(
        sample.column("conversation_id").to_pylist(),
        vectors,
        sample.column("category").to_pylist(),
    )
    if model is not None:
        model.metadata.update(embedding_model=embedding_model, fitted_on="this build")
    return model


def score_conversations(
    batches: Iterable[pa.RecordBatch],
    category_sample: pa.Table,
    uncategorized: pa.Table,
    **options,
) -> pa.Table:
    """`write_scores` gathered in one table (SCORES_SCHEMA), in batch order: for callers that
    want the scores in memory (tests, benchmarks); the build writes them on."""
    scored: list[pa.Table] = []
    write_scores(batches, category_sample, uncategorized, sink=scored.append, **options)
    return pa.concat_tables(scored) if scored else SCORES_SCHEMA.empty_table()


def write_scores(
    batches: Iterable[pa.RecordBatch],
    category_sample: pa.Table,
    uncategorized: pa.Table,
    *,
    sink: Callable[[pa.Table], object],
    embedder=None,
    cache=None,
    run: ScoringRun | None = None,
    total_rows: int = 0,
    workers: int = 1,
    min_rows_per_worker: int = 20_000,
    redact: bool = True,
    results: CachedGroups | None = None,
    engine: str = "local",
) -> int:
    """Scores of every conversation in `batches` (schema SCORES_SCHEMA), handed to `sink` a
    batch at a time, in batch order; returns how many conversations were scored. Nothing is
    kept here once `sink` has its batch (nor in the result cache's writers: each batch's
    computed rows go to disk as they come), so memory does not grow with the input.

    `batches` carry `conversation_id`, `messages` and `category`. `category_sample` holds the
    categorized conversations the category model is fitted on and `uncategorized` the ones it
    predicts for, each with `conversation_id` and `embedding_text` (and `category` for the
    sample). With `workers` > 1 and `total_rows` (how many conversations `batches` hold) above
    `2 * min_rows_per_worker`, batches are scored in a pool of `workers` processes. With
    `redact` false the messages come back as they went in (PII still counted). With `results`,
    each conversation's cached groups are read back and only the missing ones computed. With
    `engine` "ray" the batches are scored by Ray Data on the connected cluster
    (python_models/ray_stages.py, `workers` actors at most, 0 = one per cluster CPU), with the
    same function; the cache is read and written here, on the driver, for both engines.
    """
    from python_models.embeddings.backends import get_embedder
    from python_models.embeddings.cache import EmbeddingCache

    run = run if run is not None else ScoringRun()
    embedder = embedder if embedder is not None else get_embedder("default")
    cache = cache if cache is not None else EmbeddingCache()

    started = time.perf_counter()
    fit_ids = category_sample.column("conversation_id").to_pylist()
    todo_ids = uncategorized.column("conversation_id").to_pylist()
    vectors = conversation_vectors(
        fit_ids + todo_ids,
        category_sample.column("embedding_text").to_pylist()
        + uncategorized.column("embedding_text").to_pylist(),
        embedder,
        cache,
        run,
    )
    run.seconds["conversation_vectors"] = time.perf_counter() - started

    started = time.perf_counter()
    category_model = cached_category_model(  # fitted once per sample (docs/incremental.md)
        fit_ids,
        category_sample.column("category").to_pylist(),
        embedder.model_id,
        partial(
            fit_build_category_model, category_sample, vectors[: len(fit_ids)], embedder.model_id
        ),
        results.cache if results is not None else None,
        results.stats if results is not None else None,
    )
    run.category_fit_rows = len(fit_ids) if category_model is not None else 0
    run.category_min_confidence = category_model.min_confidence if category_model else None
    run.seconds["category_fit"] = time.perf_counter() - started

    todo_vectors = vectors[len(fit_ids) :]
    del vectors
    todo_row = {conversation_id: i for i, conversation_id in enumerate(todo_ids)}

    def with_vectors() -> Iterator[tuple[pa.Table, np.ndarray]]:
        for batch in batches:
            table = pa.Table.from_batches([batch])
            if batch.num_rows == 0:
                continue
            batch_vectors = np.zeros((table.num_rows, embedder.dim), dtype=np.float32)
            for i, (conversation_id, category) in enumerate(
                zip(
                    table.column("conversation_id").to_pylist(),
                    table.column("category").to_pylist(),
                    strict=True,
                )
            ):
                if (not category or category == UNCATEGORIZED) and conversation_id in todo_row:
                    batch_vectors[i] = todo_vectors[todo_row[conversation_id]]
            yield table, batch_vectors

    started = time.perf_counter()
    # a pool only pays when there is enough to share out (starting a worker takes seconds)
    run.workers = max(1, workers) if total_rows > 2 * min_rows_per_worker else 1
    if embedder is not get_embedder("default"):
        run.workers = 1  # workers load the default embedder; a caller's own stays in-process
    work = _with_cached(with_vectors(), results)
    bar = progress(total_rows or None, "scoring")
    run.conversations = 0

    def scored_batches() -> Iterator[pa.Table]:
        if engine == "ray":
            from python_models.ray_stages import RayRun, stage_results
            from python_models.ray_stages import with_vectors as attach_vectors

            ray_run = RayRun(stage="score")
            lookups: deque[Lookup] = deque()  # a batch's lookup, queued as Ray takes it

            def to_ray() -> Iterator[pa.Table]:
                for table, v, needed, languages, lookup in work:
                    lookups.append(lookup)
                    yield attach_vectors(_with_needs(table, needed, languages), v)

            for fresh in stage_results(
                ScoreStage,
                to_ray(),
                SCORES_SCHEMA,
                name="score",
                constructor_kwargs={"category_model": category_model, "redact": redact},
                workers=workers,
                run=ray_run,
            ):
                yield _merged(fresh, lookups.popleft(), results)
            run.workers, run.engine = ray_run.actors, "ray"
        elif run.workers == 1:
            scorers = Scorers(embedder=embedder, category_model=category_model, redact=redact)
            for table, v, needed, languages, lookup in work:
                yield _merged(score_table(table, scorers, v, needed, languages), lookup, results)
            for name, seconds in scorers.timings.items():
                run.seconds[f"score.{name}"] = seconds
        else:
            yield from _score_in_pool(work, category_model, run.workers, redact, results)

    try:
        for table in scored_batches():
            sink(table)  # written on (or kept) by the caller: this function holds no batch
            run.conversations += table.num_rows
            bar.update(table.num_rows)
    except BaseException:
        if results is not None:
            results.abort()  # a run that failed stores none of its results
        raise
    bar.close()
    if results is not None:
        results.store()
    run.seconds["score"] = time.perf_counter() - started
    if total_rows and run.conversations != total_rows:
        # a stream that ended early must fail the build, never drop conversations silently
        raise RuntimeError(
            f"scored {run.conversations} conversations but {total_rows} were expected"
        )
    return run.conversations


# one Scorers per worker process, built by the pool's initializer
_WORKER_SCORERS: Scorers | None = None


def _init_worker(category_model: CategoryModel | None, redact: bool = True) -> None:
    global _WORKER_SCORERS
    _WORKER_SCORERS = Scorers(category_model=category_model, redact=redact)


def _score_in_worker(
    table: pa.Table,
    vectors: np.ndarray,
    needed: list[frozenset[str]] | None = None,
    languages: list[str | None] | None = None,
) -> pa.Table:
    assert _WORKER_SCORERS is not None
    return score_table(table, _WORKER_SCORERS, vectors, needed, languages)


Work = tuple[pa.Table, np.ndarray, list[frozenset[str]] | None, list[str | None] | None, Lookup]


def _with_cached(
    work: Iterable[tuple[pa.Table, np.ndarray]], results: CachedGroups | None
) -> Iterator[Work]:
    """Each batch with what its rows need computed, their cached languages and the lookup."""
    for table, vectors in work:
        if results is None:
            yield table, vectors, None, None, {}
            continue
        lookup = results.lookup(table)
        languages = (
            lookup["language"][1].column("language").to_pylist() if "language" in lookup else None
        )
        yield table, vectors, CachedGroups.needed(lookup, table.num_rows), languages, lookup


def _merged(fresh: pa.Table, lookup: Lookup, results: CachedGroups | None) -> pa.Table:
    if results is None:
        return fresh
    return results.merge(fresh, lookup)


def _score_in_pool(
    work: Iterator[Work],
    category_model: CategoryModel | None,
    workers: int,
    redact: bool = True,
    results: CachedGroups | None = None,
) -> Iterator[pa.Table]:
    """Score batches in `workers` spawned processes, a bounded number in flight, in order."""
    lookups: deque[Lookup] = deque()  # a batch's lookup, queued as the pool takes the batch

    def arguments() -> Iterator[tuple]:
        for table, vectors, needed, languages, lookup in work:
            lookups.append(lookup)
            yield table, vectors, needed, languages

    for scored in in_spawned_pool(
        _score_in_worker,
        arguments(),
        workers=workers,
        initializer=_init_worker,
        initargs=(category_model, redact),
    ):
        yield _merged(scored, lookups.popleft(), results)


def _unscored_batch(
    table: pa.Table, detector, needed: list[frozenset[str]] | None = None
) -> pa.Table:
    """One batch with every score null; PII redacted and counted when `detector` is given.
    `needed[i]`: the groups ("language", "pii") row i needs computed (default both); the
    others stay placeholders for the caller's cache to fill."""
    columns = {
        name: pa.nulls(table.num_rows, SCORES_SCHEMA.field(name).type)
        for name in SCORES_SCHEMA.names
    }
    columns["conversation_id"] = table.column("conversation_id")
    needed = needed if needed is not None else [GROUPS] * table.num_rows
    # the language is known even when nothing is scored
    columns["language"] = pa.array(
        [
            conversation_language(m) if "language" in want else None
            for m, want in zip(_messages(table), needed, strict=True)
        ],
        pa.string(),
    )
    if detector is None:
        columns["redacted_messages"] = table.column("messages").cast(MESSAGE_TYPE)
    else:
        redactions: dict = {}  # each distinct text of the batch redacted once
        counted = [
            detector.redact_messages(row or [], redactions) if "pii" in want else ([], {})
            for row, want in zip(_messages(table), needed, strict=True)
        ]
        columns["redacted_messages"] = pa.array([m for m, _ in counted], MESSAGE_TYPE)
        for kind in KINDS:
            columns[f"pii_{kind.lower()}"] = pa.array(
                [c.get(kind, 0) for _, c in counted], pa.int32()
            )
        columns["pii_total"] = pa.array([sum(c.values()) for _, c in counted], pa.int32())
    return pa.table(columns, schema=SCORES_SCHEMA)


class LazyPiiDetector:
    """A `PiiDetector` built the first time it is used (about 1 CPU s): a build whose pairs or
    conversations all come from the result cache never builds one."""

    def __init__(self) -> None:
        self._detector = None

    def __getattr__(self, name: str):
        if self._detector is None:
            from python_models.scoring.pii import PiiDetector

            self._detector = PiiDetector()
        return getattr(self._detector, name)


# one PII detector per worker process, built by the pool's initializer
_WORKER_DETECTOR = None


def _init_redactor() -> None:
    global _WORKER_DETECTOR
    from python_models.scoring.pii import PiiDetector

    _WORKER_DETECTOR = PiiDetector()


def _redact_in_worker(table: pa.Table, needed: list[frozenset[str]] | None = None) -> pa.Table:
    assert _WORKER_DETECTOR is not None
    return _unscored_batch(table, _WORKER_DETECTOR, needed)


def unscored_table(batches: Iterable[pa.RecordBatch], detector=None, **options) -> pa.Table:
    """`write_unscored` gathered in one table (SCORES_SCHEMA), in batch order."""
    done: list[pa.Table] = []
    write_unscored(batches, detector, sink=done.append, **options)
    return pa.concat_tables(done) if done else SCORES_SCHEMA.empty_table()


def write_unscored(
    batches: Iterable[pa.RecordBatch],
    detector=None,
    *,
    sink: Callable[[pa.Table], object],
    workers: int = 1,
    results: CachedGroups | None = None,
    engine: str = "local",
) -> int:
    """Conversations (`conversation_id`, `messages`) with every score null (scoring switched
    off), in schema SCORES_SCHEMA, handed to `sink` a batch at a time in batch order (returns
    how many): with a PII `detector` the messages are redacted and the PII counted, in
    `workers` spawned processes (each with its own detector) when more than one; with
    `detector=None` they pass through and the counts are null. With `results` (groups
    "language" and, with a detector, "pii") cached rows are reused. With `engine` "ray" the
    batches go to Ray Data (RedactStage, the same function)."""
    tables = (pa.Table.from_batches([batch]) for batch in batches if batch.num_rows)
    work = (
        (table, None, CachedGroups.needed(lookup, table.num_rows) if results else None, lookup)
        for table in tables
        for lookup in [results.lookup(table) if results else {}]
    )
    bar = progress(None, "redacting conversations")

    def redacted_batches() -> Iterator[pa.Table]:
        queued: deque[Lookup] = deque()  # a batch's lookup, queued as the workers take it
        if engine == "ray":
            from python_models.ray_stages import RayRun, stage_results

            def to_ray() -> Iterator[pa.Table]:
                for table, _, needed, lookup in work:
                    queued.append(lookup)
                    yield _with_needs(table, needed, None)

            for fresh in stage_results(
                RedactStage,
                to_ray(),
                SCORES_SCHEMA,
                name="redact",
                constructor_kwargs={"redact": detector is not None},
                workers=workers,
                run=RayRun(stage="redact"),
            ):
                yield _merged(fresh, queued.popleft(), results)
        elif detector is None or workers <= 1:
            for table, _, needed, lookup in work:
                yield _merged(_unscored_batch(table, detector, needed), lookup, results)
        else:

            def arguments() -> Iterator[tuple]:
                for table, _, needed, lookup in work:
                    queued.append(lookup)
                    yield table, needed

            for redacted in in_spawned_pool(
                _redact_in_worker, arguments(), workers=workers, initializer=_init_redactor
            ):
                yield _merged(redacted, queued.popleft(), results)

    count = 0
    try:
        for table in redacted_batches():
            sink(table)
            count += table.num_rows
            bar.update(table.num_rows)
    except BaseException:
        if results is not None:
            results.abort()
        raise
    bar.close()
    if results is not None:
        results.store()
    return count


REDACTED_PAIRS_SCHEMA = pa.schema(
    [
        ("pair_origin", pa.string()),
        ("pair_id", pa.string()),
        ("prompt_messages", MESSAGE_TYPE),
        ("chosen", pa.string()),
        ("rejected", pa.string()),
        ("pii_total", pa.int32()),
    ]
)


PAIR_BATCH_ROWS = 4_096


def _redact_pairs_batch(pairs: pa.Table, detector) -> pa.Table:
    """Redacted text and PII count of every pair of one batch (REDACTED_PAIRS_SCHEMA)."""
    prompts, chosen, rejected, totals = [], [], [], []
    redactions: dict = {}  # each distinct text of the batch (prompts repeat) redacted once
    for prompt, good, bad in zip(
        pairs.column("prompt_messages").to_pylist(),
        pairs.column("chosen").to_pylist(),
        pairs.column("rejected").to_pylist(),
        strict=True,
    ):
        redacted_prompt, counts = detector.redact_messages(prompt or [], redactions)
        good, good_counts = detector.redact_seen(good or "", redactions)
        bad, bad_counts = detector.redact_seen(bad or "", redactions)
        prompts.append(redacted_prompt)
        chosen.append(good)
        rejected.append(bad)
        totals.append(sum((counts + good_counts + bad_counts).values()))
    return pa.table(
        {
            "pair_origin": pairs.column("pair_origin"),
            "pair_id": pairs.column("pair_id"),
            "prompt_messages": pa.array(prompts, MESSAGE_TYPE),
            "chosen": pa.array(chosen, pa.string()),
            "rejected": pa.array(rejected, pa.string()),
            "pii_total": pa.array(totals, pa.int32()),
        },
        schema=REDACTED_PAIRS_SCHEMA,
    )


def _redact_pairs_in_worker(pairs: pa.Table) -> pa.Table:
    assert _WORKER_DETECTOR is not None
    return _redact_pairs_batch(pairs, _WORKER_DETECTOR)


def pair_key(prompt: list | None, chosen: str | None, rejected: str | None) -> str:
    """The content hash a pair's redaction is cached under."""
    return content_key(prompt or [], chosen or "", rejected or "")


_PAIR_TEXT_COLUMNS = ["prompt_messages", "chosen", "rejected", "pii_total"]


def redact_pairs_table(pairs: pa.Table, detector=None, **options) -> pa.Table:
    """`write_redacted_pairs` of `pairs` (cut in batches of PAIR_BATCH_ROWS) gathered in one
    table (REDACTED_PAIRS_SCHEMA), in the order of `pairs`."""
    done: list[pa.Table] = []
    batches = (pairs.slice(i, PAIR_BATCH_ROWS) for i in range(0, pairs.num_rows, PAIR_BATCH_ROWS))
    write_redacted_pairs(batches, detector, sink=done.append, total_rows=pairs.num_rows, **options)
    return pa.concat_tables(done) if done else REDACTED_PAIRS_SCHEMA.empty_table()


@dataclass
class _PairBatch:
    """One batch of pairs on its way: its cached rows and which rows still need redacting."""

    pairs: pa.Table
    keys: list[str]
    found: np.ndarray
    cached: pa.Table | None

    def missing(self) -> pa.Table:
        return self.pairs.take(pa.array(np.flatnonzero(~self.found), pa.int64()))


def write_redacted_pairs(
    batches: Iterable[pa.Table | pa.RecordBatch],
    detector=None,
    *,
    sink: Callable[[pa.Table], object],
    total_rows: int,
    workers: int = 1,
    min_rows_per_worker: int = 20_000,
    cache: ResultCache | None = None,
    stats: CacheStats | None = None,
    engine: str = "local",
) -> int:
    """Preference pairs (`pair_origin`, `pair_id`, `prompt_messages`, `chosen`, `rejected`)
    with PII replaced in every text, and the PII count per pair (REDACTED_PAIRS_SCHEMA), handed
    to `sink` a batch at a time in batch order; returns how many pairs. `detector=None` passes
    the text through (redaction switched off) with null counts. With more than
    `2 * min_rows_per_worker` pairs (`total_rows`) they are redacted in `workers` processes (or
    by Ray Data with `engine` "ray"); with `cache`, a pair whose text was redacted by the same
    PII version before is read back (keyed by `pair_key`) on the driver, whichever engine
    redacts the rest, and the new ones are written to the cache batch by batch. Only the
    batches in flight are held (on Ray: every batch, until the job's results come back)."""
    tables = (
        batch if isinstance(batch, pa.Table) else pa.Table.from_batches([batch])
        for batch in batches
    )
    if detector is None:
        count = 0
        for table in tables:
            sink(
                pa.table(
                    {
                        **{
                            n: table.column(n)
                            for n in REDACTED_PAIRS_SCHEMA.names
                            if n != "pii_total"
                        },
                        "pii_total": pa.nulls(table.num_rows, pa.int32()),
                    }
                ).cast(REDACTED_PAIRS_SCHEMA)
            )
            count += table.num_rows
        return count
    from python_models.scoring.versions import group_version

    version = group_version("pii", "", True)
    schema = pa.schema([REDACTED_PAIRS_SCHEMA.field(n) for n in _PAIR_TEXT_COLUMNS])
    writer = cache.part_writer("pair_redaction", version, schema) if cache is not None else None

    def looked_up() -> Iterator[_PairBatch]:
        for table in tables:
            if not table.num_rows:
                continue
            keys = [
                pair_key(prompt, good, bad)
                for prompt, good, bad in zip(
                    table.column("prompt_messages").to_pylist(),
                    table.column("chosen").to_pylist(),
                    table.column("rejected").to_pylist(),
                    strict=True,
                )
            ]
            if cache is None:
                yield _PairBatch(table, keys, np.zeros(len(keys), dtype=bool), None)
            else:
                found, cached = cache.get_many("pair_redaction", version, keys, schema)
                yield _PairBatch(table, keys, found, cached)

    count = 0

    def finish(batch: _PairBatch, fresh: pa.Table | None) -> None:
        """The batch's rows, cached or freshly redacted, to the sink; the new ones cached."""
        nonlocal count
        missing = np.flatnonzero(~batch.found)
        fresh = fresh.select(_PAIR_TEXT_COLUMNS) if fresh is not None else schema.empty_table()
        if writer is not None and missing.size:
            writer.add([batch.keys[i] for i in missing], fresh, known_missing=cache.mode == "use")
        if stats is not None:
            stats.add("pair_redaction", int(missing.size), int(batch.found.sum()))
        if batch.cached is None:
            texts = fresh
        else:  # row i: its cached row, or its row among the freshly redacted ones
            rows = len(batch.keys)
            rank = np.cumsum(~batch.found) - 1
            position = np.where(batch.found, np.arange(rows), rows + rank)
            texts = pa.concat_tables([batch.cached, fresh]).take(pa.array(position, pa.int64()))
        sink(
            pa.table(
                {
                    "pair_origin": batch.pairs.column("pair_origin"),
                    "pair_id": batch.pairs.column("pair_id"),
                    **{n: texts.column(n) for n in _PAIR_TEXT_COLUMNS},
                },
                schema=REDACTED_PAIRS_SCHEMA,
            )
        )
        count += batch.pairs.num_rows

    # batches with nothing to redact go straight on when no batch before them is still being
    # redacted; otherwise they wait in `pending` for it, so the order stays the input's
    pending: deque[_PairBatch] = deque()

    def to_redact() -> Iterator[pa.Table]:
        for batch in looked_up():
            if batch.found.all() and not pending:
                finish(batch, None)
                continue
            pending.append(batch)
            if not batch.found.all():
                yield batch.missing()

    def redacted() -> Iterator[pa.Table]:
        if engine == "ray":
            from python_models.ray_stages import RayRun, stage_results

            yield from stage_results(
                PairRedactStage,
                to_redact(),
                REDACTED_PAIRS_SCHEMA,
                name="redact_pairs",
                workers=workers,
                run=RayRun(stage="redact_pairs"),
            )
        elif workers <= 1 or total_rows <= 2 * min_rows_per_worker:
            for missing in to_redact():
                yield _redact_pairs_batch(missing, detector)
        else:
            yield from in_spawned_pool(
                _redact_pairs_in_worker,
                ((missing,) for missing in to_redact()),
                workers=workers,
                initializer=_init_redactor,
            )

    bar = progress(total_rows, "redacting pairs", unit="pair")
    try:
        for fresh in redacted():
            while pending[0].found.all():  # waited for the batch now back
                finish(pending.popleft(), None)
            finish(pending.popleft(), fresh)
            bar.update(fresh.num_rows)
        while pending:
            finish(pending.popleft(), None)
    except BaseException:
        if writer is not None:
            writer.abort()
        raise
    bar.close()
    if writer is not None:
        writer.close()
    return count


# The stages the Ray engine runs (python_models/ray_stages.run_stage builds one per actor)


class ScoreStage:
    """Every scorer over a batch (python_models.scoring.warehouse.score_table), built once."""

    def __init__(self, category_model=None, redact: bool = True) -> None:
        self.scorers = Scorers(category_model=category_model, redact=redact)

    def __call__(self, table: pa.Table) -> pa.Table:
        from python_models.ray_stages import split_vectors

        conversations, vectors = split_vectors(table)
        conversations, needed, languages = _split_needs(conversations)
        return score_table(conversations, self.scorers, vectors, needed, languages)


class RedactStage:
    """PII redaction with every score null (scoring off): warehouse._unscored_batch."""

    def __init__(self, redact: bool = True) -> None:
        from python_models.scoring.pii import PiiDetector

        self.detector = PiiDetector() if redact else None

    def __call__(self, table: pa.Table) -> pa.Table:
        conversations, needed, _ = _split_needs(table)
        return _unscored_batch(conversations, self.detector, needed)


class PairRedactStage:
    """PII redaction of preference pairs: warehouse._redact_pairs_batch."""

    def __init__(self) -> None:
        from python_models.scoring.pii import PiiDetector

        self.detector = PiiDetector()

    def __call__(self, table: pa.Table) -> pa.Table:
        return _redact_pairs_batch(table, self.detector)


# What a row needs computed travels to a Ray actor as two columns of its batch (the cache is
# read on the driver): the groups still missing, and the cached language.
_NEEDED_COLUMN, _LANGUAGE_COLUMN = "__needed_groups", "__cached_language"


def _with_needs(
    table: pa.Table, needed: list[frozenset[str]] | None, languages: list[str | None] | None
) -> pa.Table:
    """`table` with `needed` and `languages` as columns (each only when given)."""
    if needed is not None:
        table = table.append_column(
            _NEEDED_COLUMN, pa.array([sorted(n) for n in needed], pa.list_(pa.string()))
        )
    if languages is not None:
        table = table.append_column(_LANGUAGE_COLUMN, pa.array(languages, pa.string()))
    return table


def _split_needs(
    table: pa.Table,
) -> tuple[pa.Table, list[frozenset[str]] | None, list[str | None] | None]:
    """The inverse of `_with_needs`."""
    names = table.schema.names
    needed = (
        [frozenset(n) for n in table.column(_NEEDED_COLUMN).to_pylist()]
        if _NEEDED_COLUMN in names
        else None
    )
    languages = table.column(_LANGUAGE_COLUMN).to_pylist() if _LANGUAGE_COLUMN in names else None
    extra = [n for n in (_NEEDED_COLUMN, _LANGUAGE_COLUMN) if n in names]
    return table.drop_columns(extra), needed, languages
