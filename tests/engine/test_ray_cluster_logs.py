"""A `LocalRayCluster`'s node logs: kept when a start fails (its error names them), else removed."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from python_models.ray_cluster import LocalRayCluster, RayUnavailable


def test_a_failed_start_keeps_the_log_its_error_names(tmp_path, monkeypatch):
    # a `ray` beside the interpreter that exits at once, as a broken install would
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake_ray = bin_dir / "ray"
    fake_ray.write_text("#!/bin/sh\necho 'no runtime here'\nexit 3\n")
    fake_ray.chmod(0o755)
    monkeypatch.setattr(sys, "executable", str(bin_dir / "python"))
    monkeypatch.setenv("RAY_AUTH_TOKEN", "test-token")  # no token generation by the fake `ray`
    cluster = LocalRayCluster()
    with pytest.raises(RayUnavailable, match="exited with 3") as failure:
        cluster.start()
    named = Path(re.search(r"\(log (.+)\)", str(failure.value)).group(1))
    assert named.read_bytes() == b"no runtime here\n"
    assert cluster.processes == []
    # a later stop (with nothing running) removes what the failed start kept
    cluster.stop()
    assert not named.parent.exists()
