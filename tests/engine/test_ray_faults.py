"""A Ray worker killed by its PID in the middle of scoring: Ray retries what it held in another
worker process (which builds the stage again), and the scores are the same as the local
engine's for the same batches."""

from __future__ import annotations

import importlib.util
import os
import signal
import threading
import time
from pathlib import Path

import pyarrow as pa
import pytest

from python_models.ray_cluster import LocalRayCluster, descendants

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("ray") is None, reason="Ray is not installed (pip install -e '.[ray]')"
)

BATCHES, ROWS = 6, 12


def conversations() -> pa.Table:
    rows = BATCHES * ROWS
    messages = [
        [
            {"role": "user", "content": f"I'm Sam ({i}), I feel so alone since the move."},
            {"role": "assistant", "content": "That sounds lonely. What has been hardest?"},
        ]
        for i in range(rows)
    ]
    return pa.table(
        {
            "conversation_id": [f"c{i:04d}" for i in range(rows)],
            "messages": messages,
            "category": ["general"] * rows,
        }
    )


def kill_first_worker_to_finish(runs: Path, cluster: LocalRayCluster, seen: dict) -> None:
    """Poll the run folders; SIGKILL the first Ray worker of `cluster` that finishes a batch."""
    while not seen.get("stop"):
        for done in runs.glob("pixel-score-*/pids/*"):
            try:
                pid = int(done.read_text().split()[0])
            except (OSError, ValueError, IndexError):
                continue
            seen.setdefault("finished_by", {})[done.name] = pid
            if "killed" in seen:
                continue
            ours = {p for node in cluster.node_pids() for p in descendants(node)}
            command = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
            if pid in ours and command.startswith("ray::"):  # a worker, never raylet or GCS
                os.kill(pid, signal.SIGKILL)
                seen["killed"] = pid
        time.sleep(0.02)


def test_a_killed_scoring_worker_is_retried_and_the_scores_do_not_change(tmp_path, monkeypatch):
    from python_models.ray_stages import connect
    from python_models.scoring.warehouse import score_conversations

    monkeypatch.setenv("PIXEL_RAY_RUN_DIR", str(tmp_path))
    monkeypatch.setenv("PIXEL_EMBEDDING_CACHE", str(tmp_path / "embeddings"))
    table = conversations()
    empty = pa.table({"conversation_id": pa.array([], pa.string()), "embedding_text": []})
    sample = empty.append_column("category", pa.array([], pa.string()))

    def score(engine: str) -> pa.Table:
        return score_conversations(
            table.to_batches(max_chunksize=ROWS),
            sample,
            empty,
            total_rows=table.num_rows,
            workers=1,  # one task at a time: after the kill, the batches left go on elsewhere
            engine=engine,
        )

    local = score("local")
    seen: dict = {}
    with LocalRayCluster(num_cpus=2) as cluster:
        watcher = threading.Thread(
            target=kill_first_worker_to_finish, args=(tmp_path, cluster, seen), daemon=True
        )
        watcher.start()
        try:
            with connect(cluster.address):
                on_ray = score("ray")
        finally:
            seen["stop"] = True
            watcher.join()
        nodes = cluster.node_pids()
    assert "killed" in seen, "no scoring worker finished a batch while watched"
    # batches finished after the kill were done by another process
    assert set(seen["finished_by"].values()) - {seen["killed"]}
    assert on_ray.equals(local)
    assert not any(Path(f"/proc/{pid}").exists() for pid in nodes)
