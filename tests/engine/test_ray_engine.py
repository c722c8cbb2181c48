"""`pixel-data build --engine ray`: the same exports as `--engine local`, a killed Ray worker
retried without a trace in the output, an unreachable cluster refused in bounded time.

One Ray build of the session's sample lake, on a Ray cluster this module starts on loopback (and
stops by PID), with small Ray batches and one scoring actor; while it scores, the actor's
process is killed by its PID. The local side is the session's `built_warehouse`.
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from python_models.ray_cluster import LocalRayCluster, descendants, free_port
from tests.conftest import build, run_cli

# not importorskip: Ray reads its settings (RAY_AUTH_MODE) when first imported, in connect()
pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("ray") is None, reason="Ray is not installed (pip install -e '.[ray]')"
)

RAY_BATCH_ROWS = 256  # many batches: the killed actor leaves work behind to retry


@dataclass
class Killer:
    """Watches a build's Ray run folders; kills the first scoring actor that finishes a batch."""

    runs: Path
    cluster: LocalRayCluster
    killed: int | None = None
    finished_by: dict[str, int] = field(default_factory=dict)  # batch file -> worker PID
    stop: threading.Event = field(default_factory=threading.Event)

    def watch(self) -> None:
        while not self.stop.is_set():
            for done in self.runs.glob("pixel-score-*/pids/*"):
                try:
                    pid = int(done.read_text().split()[0])
                except (OSError, ValueError, IndexError):
                    continue
                self.finished_by[done.name] = pid
                if self.killed is None and self._is_our_ray_worker(pid):
                    os.kill(pid, signal.SIGKILL)
                    self.killed = pid
            time.sleep(0.05)

    def _is_our_ray_worker(self, pid: int) -> bool:
        ours = {p for node in self.cluster.node_pids() for p in descendants(node)}
        command = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        return pid in ours and "MapWorker" in command


@pytest.fixture(scope="module")
def ray_cluster():
    with LocalRayCluster(num_cpus=2) as cluster:
        yield cluster
    # stopped by PID: nothing of it may outlive the module
    leftover = [pid for pid in cluster.node_pids() if Path(f"/proc/{pid}").exists()]
    assert leftover == []


@pytest.fixture(scope="module")
def ray_build(sample_lake, ray_cluster, tmp_path_factory):
    lake, _ = sample_lake
    warehouse = tmp_path_factory.mktemp("ray") / "warehouse.duckdb"
    killer = Killer(warehouse.with_name("warehouse.ray_runs"), ray_cluster)
    watcher = threading.Thread(target=killer.watch, daemon=True)
    watcher.start()
    try:
        result = build(
            lake,
            warehouse,
            "--engine",
            "ray",
            "--vars",
            json.dumps({"ray_batch_rows": RAY_BATCH_ROWS, "scoring_workers": 1}),
        )
    finally:
        killer.stop.set()
        watcher.join()
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-5000:]
    return warehouse, result.stdout + result.stderr, killer


@pytest.fixture(scope="module", autouse=True)
def ray_address(ray_cluster):
    """The builds of this module join the module's cluster."""
    previous = os.environ.get("RAY_ADDRESS")
    os.environ["RAY_ADDRESS"] = ray_cluster.address
    yield
    if previous is None:
        os.environ.pop("RAY_ADDRESS")
    else:
        os.environ["RAY_ADDRESS"] = previous


def export(warehouse: Path, out: Path) -> dict:
    result = run_cli("export", "--out", str(out), "--warehouse", str(warehouse))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return json.loads((out / "manifest.json").read_text())


def test_ray_and_local_builds_export_identical_bytes(built_warehouse, ray_build, tmp_path):
    ray_warehouse, _, _ = ray_build
    local = export(built_warehouse.warehouse, tmp_path / "local")
    on_ray = export(ray_warehouse, tmp_path / "ray")
    assert local["content_sha256"] == on_ray["content_sha256"]
    assert [(f["path"], f["sha256"]) for f in local["files"]] == [
        (f["path"], f["sha256"]) for f in on_ray["files"]
    ]


def test_a_scoring_worker_killed_mid_job_is_replaced_and_the_build_succeeds(ray_build):
    _, output, killer = ray_build
    assert killer.killed is not None, "no scoring actor finished a batch while watched"
    # batches finished after the kill were done by another worker process (Ray restarted the
    # actor and retried what the dead one held)
    assert set(killer.finished_by.values()) - {killer.killed}
    assert "ray score:" in output


def test_the_build_summary_names_the_engine_and_its_workers(ray_build):
    _, output, _ = ray_build
    line = next(line for line in output.splitlines() if line.startswith("Engine: ray;"))
    assert "score " in line and "1 actors" in line and "CPUs" in line
    assert "logging_progress" in output or "Dataset" in output  # Ray Data's progress, in the log


def test_an_unreachable_cluster_fails_the_build_in_bounded_time(sample_lake, tmp_path):
    lake, _ = sample_lake
    started = time.monotonic()
    result = run_cli(
        "build",
        "--lake",
        str(lake),
        "--warehouse",
        str(tmp_path / "w.duckdb"),
        "--engine",
        "ray",
        env={"RAY_ADDRESS": f"127.0.0.1:{free_port()}"},
    )
    assert time.monotonic() - started < 60
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "unreachable" in lines[0], result.stderr
    assert not (tmp_path / "w.duckdb").exists()
