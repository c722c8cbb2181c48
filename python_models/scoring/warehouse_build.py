"""Scoring inside the warehouse build: the library behind the dbt model int_conversations_scored.

Conversations stream in Arrow batches; every scorer runs over each batch (`score_table`). Two
kinds of vectors are needed and neither is embedded twice:

- conversation vectors (the category model): the near-duplicate stage has already embedded
  every conversation's text into the embedding cache, keyed by conversation id and model id;
  they are read back in one pass, and embedded only when missing (near-dup switched off, or run
  with another backend);
- turn vectors (crisis, empathy, coherence, safety): each distinct user or assistant turn of a
  batch is embedded once and shared by every scorer.

The category model is fitted on this build's categorized conversations (capped per category,
sampled by hash) and predicts a category for the uncategorized ones; a prediction below its
confidence cut stays `uncategorized`.

Scoring is pure Python and CPU-bound, so big builds score batches in `workers` processes
(spawned, each loading the scorers once); results come back in batch order, so the output does
not depend on the number of workers.
"""

from __future__ import annotations

import multiprocessing
import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from python_models.scoring.category import UNCATEGORIZED, CategoryModel, fit_category_model
from python_models.scoring.pipeline import Scorers
from python_models.scoring.warehouse import SCORES_SCHEMA, score_table


@dataclass
class ScoringRun:
    """What a warehouse scoring run did, for the build log (counts and seconds, no content)."""

    conversations: int = 0
    workers: int = 1
    conversation_vectors_cached: int = 0
    conversation_vectors_embedded: int = 0
    category_fit_rows: int = 0
    category_min_confidence: float | None = None
    seconds: dict[str, float] = field(default_factory=dict)

    def summary(self) -> str:
        timings = ", ".join(f"{k} {v:.1f}s" for k, v in sorted(self.seconds.items()))
        return (
            f"scored {self.conversations} conversations ({self.workers} worker"
            f"{'s' if self.workers > 1 else ''}); conversation vectors: "
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
    *,
    embedder=None,
    cache=None,
    run: ScoringRun | None = None,
    total_rows: int = 0,
    workers: int = 1,
    min_rows_per_worker: int = 20_000,
) -> pa.Table:
    """Scores of every conversation in `batches` (schema SCORES_SCHEMA), in batch order.

    `batches` carry `conversation_id`, `messages` and `category`. `category_sample` holds the
    categorized conversations the category model is fitted on and `uncategorized` the ones it
    predicts for, each with `conversation_id` and `embedding_text` (and `category` for the
    sample). With `workers` > 1 and `total_rows` (how many conversations `batches` hold) above
    `2 * min_rows_per_worker`, batches are scored in a pool of `workers` processes.
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
    category_model = fit_build_category_model(
        category_sample, vectors[: len(fit_ids)], embedder.model_id
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
    if run.workers == 1:
        scorers = Scorers(embedder=embedder, category_model=category_model)
        scored = [score_table(table, scorers, v) for table, v in with_vectors()]
        for name, seconds in scorers.timings.items():
            run.seconds[f"score.{name}"] = seconds
    else:
        scored = list(_score_in_pool(with_vectors(), category_model, run.workers))
    run.conversations = sum(t.num_rows for t in scored)
    run.seconds["score"] = time.perf_counter() - started
    if total_rows and run.conversations != total_rows:
        # a stream that ended early must fail the build, never drop conversations silently
        raise RuntimeError(
            f"scored {run.conversations} conversations but {total_rows} were expected"
        )
    if not scored:
        return SCORES_SCHEMA.empty_table()
    return pa.concat_tables(scored)


# one Scorers per worker process, built by the pool's initializer
_WORKER_SCORERS: Scorers | None = None


def _init_worker(category_model: CategoryModel | None) -> None:
    global _WORKER_SCORERS
    _WORKER_SCORERS = Scorers(category_model=category_model)


def _score_in_worker(table: pa.Table, vectors: np.ndarray) -> pa.Table:
    assert _WORKER_SCORERS is not None
    return score_table(table, _WORKER_SCORERS, vectors)


def _score_in_pool(
    work: Iterator[tuple[pa.Table, np.ndarray]],
    category_model: CategoryModel | None,
    workers: int,
) -> Iterator[pa.Table]:
    """Score batches in `workers` spawned processes, a bounded number in flight, in order."""
    context = multiprocessing.get_context("spawn")  # never fork a process holding DuckDB threads
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=_init_worker, initargs=(category_model,)
    ) as pool:
        pending: deque[Future[pa.Table]] = deque()
        for table, vectors in work:
            pending.append(pool.submit(_score_in_worker, table, vectors))
            if len(pending) >= 2 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
