"""A real two-node Ray cluster on one host: `ray start --head` and `ray start --address` on their
own loopback ports, a stage's batches shared out over both nodes, every process stopped by PID.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pyarrow as pa
import pytest

from python_models.ray_cluster import LocalRayCluster

# not importorskip: Ray reads its settings (RAY_AUTH_MODE) when first imported, in connect()
pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("ray") is None, reason="Ray is not installed (pip install -e '.[ray]')"
)


def conversations(n: int) -> pa.Table:
    messages = [
        [
            {"role": "user", "content": f"I'm Dana, my number is 555-010-{i:04d}."},
            {"role": "assistant", "content": "Thank you for telling me."},
        ]
        for i in range(n)
    ]
    return pa.table({"conversation_id": [f"c{i:04d}" for i in range(n)], "messages": messages})


def test_a_stage_runs_on_both_nodes_and_matches_the_local_pool(tmp_path, monkeypatch):
    from python_models.ray_stages import RayRun, connect, run_stage
    from python_models.scoring.pii import PiiDetector
    from python_models.scoring.warehouse import SCORES_SCHEMA, RedactStage, unscored_table

    monkeypatch.setenv("PIXEL_RAY_RUN_DIR", str(tmp_path))
    table = conversations(240)
    local = unscored_table(table.to_batches(max_chunksize=20), PiiDetector())
    with LocalRayCluster(num_cpus=1, extra_nodes=1) as cluster:
        head, worker = cluster.node_pids()
        logs = cluster.log_dir()
        assert logs is not None and (logs / "node-0.log").exists()
        with connect(cluster.address):
            run = RayRun(stage="redact")
            on_ray = run_stage(
                RedactStage,
                (pa.Table.from_batches([b]) for b in table.to_batches(max_chunksize=20)),
                SCORES_SCHEMA,
                name="redact",
                workers=2,
                run=run,
            )
            # the workers run at the build's own priority (Ray's default is niceness +15)
            workers = {pid for pid, _ in run.done_by.values()}
            own = os.getpriority(os.PRIO_PROCESS, 0)
            assert {os.getpriority(os.PRIO_PROCESS, pid) for pid in workers} == {own}
    assert run.nodes == 2 and run.cpus == 2
    assert len(run.done_by) == 12
    # the batches were done on both nodes (by Ray's node ids), by two worker processes
    assert len(run.nodes_used()) == 2
    assert len({pid for pid, _ in run.done_by.values()}) == 2
    assert on_ray.equals(local)
    assert not any(Path(f"/proc/{pid}").exists() for pid in (head, worker))
    # the nodes' `ray start` logs went with them (nothing left in the temp folder)
    assert not logs.exists()
