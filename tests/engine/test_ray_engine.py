"""`pixel-data build --engine ray`: the same exports as `--engine local`, the engine in the
summary, an unreachable cluster refused in bounded time.

One Ray build of the session's sample lake, on a Ray cluster this module starts on loopback (and
stops by PID). The local side is the session's `built_warehouse`.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import time
from pathlib import Path

import pytest

from python_models.ray_cluster import LocalRayCluster, free_port
from tests.conftest import run_cli

# not importorskip: Ray reads its settings (RAY_AUTH_MODE) when first imported, in connect()
pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("ray") is None, reason="Ray is not installed (pip install -e '.[ray]')"
)

RAY_BATCH_ROWS = 256  # many batches: the killed actor leaves work behind to retry


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
    root = tmp_path_factory.mktemp("ray")
    warehouse = root / "warehouse.duckdb"
    # its own caches: every conversation is embedded and scored on Ray and every built pair's
    # empathy computed there, none read back from the local build's caches
    result = run_cli(
        "build", "--lake", str(lake), "--warehouse", str(warehouse), "--engine", "ray",
        env={
            "PIXEL_RESULT_CACHE": str(root / "results"),
            "PIXEL_EMBEDDING_CACHE": str(root / "embeddings"),
        },
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-5000:]
    return warehouse, result.stdout + result.stderr


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


def test_ray_and_local_builds_export_identical_bytes(built_export, ray_build, tmp_path):
    ray_warehouse, _ = ray_build
    local = json.loads((built_export / "manifest.json").read_text())  # the local build's export
    on_ray = export(ray_warehouse, tmp_path / "ray")
    assert local["content_sha256"] == on_ray["content_sha256"]
    assert [(f["path"], f["sha256"]) for f in local["files"]] == [
        (f["path"], f["sha256"]) for f in on_ray["files"]
    ]


def test_the_build_summary_names_the_engine_and_its_workers(ray_build):
    _, output = ray_build
    line = next(line for line in output.splitlines() if line.startswith("Engine: ray;"))
    assert "2 CPUs" in line
    # every per-conversation Python stage ran on Ray, each with work to do
    stages = dict(re.findall(r"(\w+) ([\d,]+) rows", line))
    assert set(stages) == {"embed", "score", "voice", "pair_empathy", "redact_pairs"}, line
    assert all(int(rows.replace(",", "")) > 0 for rows in stages.values()), line
    for stage in stages:
        assert f"ray {stage}:" in output
    # the near-duplicate stage embedded every conversation afresh (on Ray, as counted above)
    embedded = re.search(r"'embedded_fresh': (\d+)", output)
    assert embedded and int(embedded[1]) > 0
    assert int(stages["embed"].replace(",", "")) >= int(embedded[1])
    # a cold cache: the scorers ran on Ray for every conversation, nothing was reused
    cache = next(line for line in output.splitlines() if "crisis computed" in line)
    assert re.search(r"crisis computed [1-9]\d* reused 0", cache), cache
    # the reply pool's empathy was computed on Ray (a pair's chosen reply is a pool reply, so
    # the same build reuses some of it)
    assert re.search(r"pair_empathy computed [1-9]\d*", output)
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
