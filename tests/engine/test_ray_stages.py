"""The stages ported to Ray in session 4 (near-dup embedding, voice style, built-pair empathy):
each gives the local result bit for bit, in input order, over several batches and two actors,
without Ray Data's deprecation warnings."""

from __future__ import annotations

import importlib.util
import logging
import warnings
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from python_models.ray_cluster import LocalRayCluster

# not importorskip: Ray reads its settings (RAY_AUTH_MODE) when first imported, in connect()
pytestmark = [
    pytest.mark.skipif(
        importlib.util.find_spec("ray") is None,
        reason="Ray is not installed (pip install -e '.[ray]')",
    ),
    pytest.mark.model,
]

BATCH_ROWS = 7  # several batches, the last one short: order must survive the split

FEELINGS = ("alone", "tired", "ashamed", "angry", "numb", "scared")
PLACES = ("work", "home", "school", "the clinic")


def seekers_and_replies(n: int) -> tuple[list[str], list[str]]:
    seekers = [
        f"I feel {FEELINGS[i % 6]} at {PLACES[i % 4]} and I can't say why ({i})." for i in range(n)
    ]
    replies = [
        "That sounds really hard. What happens when you feel that way?"
        if i % 3
        else "Just stop worrying, everyone has bad days."
        for i in range(n)
    ]
    return seekers, replies


@pytest.fixture(scope="module")
def ray_connected(tmp_path_factory):
    from python_models.ray_stages import connect

    runs = tmp_path_factory.mktemp("runs")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PIXEL_RAY_RUN_DIR", str(runs))
        with LocalRayCluster(num_cpus=2) as cluster, connect(cluster.address):
            yield runs
        nodes = cluster.node_pids()
    assert not any(Path(f"/proc/{pid}").exists() for pid in nodes)


class _Messages(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.fixture
def no_ray_deprecations():
    """Ray Data says "deprecated" two ways: a RayDeprecationWarning (`ray_remote_args`) and a
    log line (`concurrency`); neither may come from the project's calls."""
    logged = _Messages()
    logging.getLogger("ray.data").addHandler(logged)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield
    finally:
        logging.getLogger("ray.data").removeHandler(logged)
    from ray.util.annotations import RayDeprecationWarning

    deprecated = [str(w.message) for w in caught if issubclass(w.category, RayDeprecationWarning)]
    deprecated += [message for message in logged.messages if "deprecated" in message]
    assert deprecated == []


def test_texts_embedded_on_ray_are_the_local_vectors_in_order(ray_connected, no_ray_deprecations):
    from python_models.embeddings.backends import RayEmbedder, get_embedder

    seekers, replies = seekers_and_replies(30)
    texts = [f"{s}\n{r}" for s, r in zip(seekers, replies, strict=True)]
    remote = RayEmbedder("default", batch_rows=BATCH_ROWS, workers=2)
    assert (remote.model_id, remote.dim) == (get_embedder().model_id, get_embedder().dim)
    assert remote.call_rows >= 100_000  # a buffering caller hands it big calls
    on_ray = remote.encode(texts)
    assert on_ray.dtype == np.float32
    assert np.array_equal(on_ray, get_embedder().encode(texts))
    assert remote.encode([]).shape == (0, remote.dim)


def test_voice_scores_on_ray_equal_the_local_ones(ray_connected, no_ray_deprecations):
    from python_models.voice_consistency import score_voice_table

    seekers, replies = seekers_and_replies(24)
    records = pa.table(
        {
            "source_file": [f"talk-{i % 3}.md" for i in range(24)],
            "source_line": pa.array(range(24), pa.int64()),
            "speaker": [("ana", "ben", None)[i % 3] for i in range(24)],
            "messages": [
                [{"role": "user", "content": s}, {"role": "assistant", "content": r}]
                for s, r in zip(seekers, replies, strict=True)
            ],
        }
    )
    reference = [*replies[:5], "We often find, in the end, that it was never about the work."]
    local = score_voice_table(records, reference)
    on_ray = score_voice_table(records, reference, engine="ray", batch_rows=BATCH_ROWS, workers=2)
    assert on_ray.equals(local)
    assert local.column("voice_consistency").null_count == 8  # the speaker-less records


@pytest.mark.parametrize("score_name", ["empathy_intensity", "counselling_quality"])
def test_pair_scores_on_ray_equal_the_local_scores(ray_connected, no_ray_deprecations, score_name):
    from python_models.preference_builder import reply_scorer, reply_scores, reply_scores_on_ray

    seekers, replies = seekers_and_replies(30)
    local = reply_scores(reply_scorer(score_name), seekers, replies)
    on_ray = reply_scores_on_ray(
        seekers, replies, score_name=score_name, batch_rows=BATCH_ROWS, workers=2
    )
    assert on_ray == local
    assert len(set(local)) > 1  # the kind and the dismissive replies score apart
    report = (ray_connected / "stages.jsonl").read_text()
    assert '"stage": "pair_empathy", "rows": 30, "batches": 5, "actors": 2' in report


def test_a_worker_process_builds_a_stage_once_across_jobs(ray_connected, no_ray_deprecations):
    from python_models.ray_stages import RayRun, run_stage, table_batches
    from python_models.scoring.pii import PiiDetector
    from python_models.scoring.warehouse import (
        REDACTED_PAIRS_SCHEMA,
        PairRedactStage,
        _redact_pairs_batch,
    )

    seekers, replies = seekers_and_replies(28)
    pairs = pa.table(
        {
            "pair_origin": ["built"] * 28,
            "pair_id": [f"p{i}" for i in range(28)],
            "prompt_messages": [[{"role": "user", "content": s}] for s in seekers],
            "chosen": replies,
            "rejected": [f"Call me on 07700 900{i:03d}, Sam." for i in range(28)],
        }
    )
    local = _redact_pairs_batch(pairs, PiiDetector())
    runs = [RayRun(stage="redact_pairs") for _ in range(3)]
    for run in runs:  # three jobs of one stage on the same connection (as a build's)
        on_ray = run_stage(
            PairRedactStage,
            table_batches(pairs, BATCH_ROWS),
            REDACTED_PAIRS_SCHEMA,
            name="redact_pairs",
            workers=2,
            run=run,
        )
        assert on_ray.equals(local)
    processes = {pid for run in runs for pid, _ in run.done_by.values()}
    builds = sum(len(run.load_cpu) for run in runs)
    # each worker process built the stage at most once: fewer builds than one per job and
    # worker (3 x 2, what an actor pool per job builds)
    assert 1 <= builds <= len(processes)
    assert builds < len(runs) * 2
