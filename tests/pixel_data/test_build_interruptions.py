"""A failed, killed or concurrent `pixel-data build`: nothing is exported from it, dbt stops."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sample_lake import generate_lake
from tests.conftest import build, run_cli


@pytest.fixture(scope="module")
def lakes(tmp_path_factory) -> tuple[Path, Path]:
    """Two small, different lakes."""
    root = tmp_path_factory.mktemp("lakes")
    generate_lake(root / "a", records=120, seed=1)
    generate_lake(root / "b", records=120, seed=2)
    return root / "a", root / "b"


@pytest.fixture
def passing_warehouse(small_warehouse, tmp_path) -> Path:
    """A private copy of a passing build (the session's small lake built with the defaults, once
    for the whole suite): the tests below build another lake over it. (The small lake's build,
    not the sample lake's: these tests then share a worker with the small lake's tests instead
    of the sample-lake builds, the longest worker's load: docs/benchmarks.md, "The test suite's
    time (issue 20, session 9)".)"""
    warehouse = tmp_path / "w.duckdb"
    shutil.copyfile(small_warehouse[0], warehouse)
    return warehouse


def children(pid: int) -> list[int]:
    """Direct child processes of ``pid`` (Linux /proc)."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found += [int(child) for child in text]
    return found


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/status")
    return status.exists() and "zombie" not in status.read_text()


def export_refusal(warehouse: Path, out: Path) -> str:
    """Run `pixel-data export`; assert a one-line refusal (exit 1) and return it."""
    result = run_cli("export", "--out", str(out), "--warehouse", str(warehouse))
    assert result.returncode == 1, result.stdout[-2000:] + result.stderr[-2000:]
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: export to"), result.stderr
    assert not out.exists()
    return lines[0]


def test_a_build_whose_gate_failed_is_not_exported(lakes, passing_warehouse, tmp_path):
    lake, _ = lakes
    warehouse = passing_warehouse  # a passing build
    # redaction off on a lake with PII: the structured-PII gate fails by design (runbook)
    failed = build(
        lake, warehouse, "--vars", '{"scoring_enabled": false, "pii_redaction_enabled": false}'
    )
    assert failed.returncode == 1
    assert "the last build failed" in export_refusal(warehouse, tmp_path / "out")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_killed_build_stops_dbt_and_blocks_export_and_a_second_build(
    lakes, passing_warehouse, tmp_path
):
    _, lake_b = lakes
    warehouse = passing_warehouse  # a passing build (of the small lake)
    cli = subprocess.Popen(
        [sys.executable, "-m", "pixel_data.cli", "build", "--lake", str(lake_b),
         "--warehouse", str(warehouse)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "DO_NOT_TRACK": "1"},
    )  # fmt: skip
    assert cli.stdout is not None
    for line in cli.stdout:  # wait until dbt has replaced some tables with lake b's
        if "OK created python table model main.stg_lake__records" in line:
            break
    else:
        pytest.fail("the build ended before it read the lake")
    dbt_children = children(cli.pid)
    assert dbt_children, "the build runs dbt in a child process"

    second = build(lake_b, warehouse)
    assert second.returncode == 2
    assert second.stderr.strip().splitlines() == [
        f"error: another build holds the warehouse {warehouse}: wait for it to finish"
    ]

    cli.send_signal(signal.SIGTERM)
    cli.stdout.read()
    assert cli.wait(timeout=60) == 1
    deadline = time.monotonic() + 30
    while any(alive(pid) for pid in dbt_children) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(alive(pid) for pid in dbt_children), "dbt outlived the killed build"
    assert "did not finish: it was interrupted" in export_refusal(warehouse, tmp_path / "out")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_kill_9_of_the_build_still_stops_dbt(lakes, tmp_path):
    lake, _ = lakes
    cli = subprocess.Popen(
        [sys.executable, "-m", "pixel_data.cli", "build", "--lake", str(lake),
         "--warehouse", str(tmp_path / "w.duckdb")],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "DO_NOT_TRACK": "1"},
    )  # fmt: skip
    assert cli.stdout is not None
    for line in cli.stdout:
        if "START seed file" in line:
            break
    dbt_children = children(cli.pid)
    cli.kill()
    cli.wait(timeout=30)
    deadline = time.monotonic() + 30
    while any(alive(pid) for pid in dbt_children) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert dbt_children and not any(alive(pid) for pid in dbt_children)
