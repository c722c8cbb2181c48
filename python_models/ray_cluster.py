"""Ray clusters the project starts itself, and the reachability check of one it joins.

No `import ray` here: the local engine never needs Ray, and starting a node is `ray start` in a
child process. A `LocalRayCluster` is a head node (and optionally more nodes on the same host)
started with `ray start --block`; it is stopped by its own handle, by process id: every process
of its tree (GCS, raylet, Ray workers) is signalled by PID, never by name, so another Ray on the
same machine is never touched. `check_reachable` fails in bounded time with one line when
`RAY_ADDRESS` points nowhere (`ray.init` itself would wait for minutes).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

# Ray's own switches for every node and driver the project starts: no usage stats, token auth
RAY_ENVIRONMENT = {"RAY_USAGE_STATS_ENABLED": "0", "RAY_AUTH_MODE": "token"}
START_TIMEOUT_S = 90.0
CONNECT_TIMEOUT_S = 5.0


class RayUnavailable(RuntimeError):
    """The Ray cluster cannot be reached or started (a one-line reason)."""


def parse_address(address: str) -> tuple[str, int]:
    """(host, port) of a Ray address: `host:port` or `ray://host:port` (client port 10001)."""
    rest = address.strip()
    default_port = 6379
    if "://" in rest:
        scheme, rest = rest.split("://", 1)
        default_port = 10001 if scheme == "ray" else default_port
    host, _, port = rest.rstrip("/").rpartition(":")
    if not host:
        host, port = rest, ""
    if not host:
        raise RayUnavailable(f"RAY_ADDRESS {address!r} names no host")
    try:
        return host, int(port) if port else default_port
    except ValueError:
        raise RayUnavailable(f"RAY_ADDRESS {address!r} has no valid port") from None


def check_reachable(address: str, timeout: float = CONNECT_TIMEOUT_S) -> None:
    """Raise RayUnavailable (one line) unless a TCP connection to `address` opens in time."""
    host, port = parse_address(address)
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise RayUnavailable(
            f"the Ray cluster at {address} is unreachable ({reason} within {timeout:g}s): "
            "check RAY_ADDRESS or unset it to start a local Ray"
        ) from None


def free_port() -> int:
    """A TCP port on loopback that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def descendants(pid: int) -> list[int]:
    """Every process below `pid` (Linux /proc), children before their own children."""
    found: list[int] = []
    todo = [pid]
    while todo:
        parent = todo.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            try:
                children = [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                continue
            found += children
            todo += children
    return found


def stop_process_tree(pid: int, grace: float = 3.0) -> None:
    """SIGTERM `pid`, then SIGKILL it and every process it started (collected first), by PID."""
    tree = [pid, *descendants(pid)]
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and _alive(pid):
        time.sleep(0.1)
    tree += [p for p in descendants(pid) if p not in tree]
    for member in tree:
        with contextlib.suppress(ProcessLookupError):
            os.kill(member, signal.SIGKILL)
    for member in tree:
        _reap(member)


def ensure_auth_token() -> None:
    """Make sure the token Ray's token authentication needs exists: `ray start --head` refuses
    to start without one (unlike `ray.init`, which makes it). When neither RAY_AUTH_TOKEN,
    RAY_AUTH_TOKEN_PATH nor ~/.ray/auth_token gives one, Ray's own `ray get-auth-token
    --generate` writes ~/.ray/auth_token, as `ray.init` would; every node and driver of this
    user then reads it."""
    if os.environ.get("RAY_AUTH_TOKEN") or os.environ.get("RAY_AUTH_TOKEN_PATH"):
        return
    if (Path.home() / ".ray" / "auth_token").exists():
        return
    result = subprocess.run(
        [str(Path(sys.executable).with_name("ray")), "get-auth-token", "--generate"],
        capture_output=True,
        env={**os.environ, **RAY_ENVIRONMENT},
        timeout=START_TIMEOUT_S,
    )
    if result.returncode != 0:
        raise RayUnavailable(f"`ray get-auth-token --generate` exited with {result.returncode}")


def _die_with_parent() -> None:
    """In a node's `ray start`, before exec: SIGTERM when the process that started it dies, so a
    killed build or test never leaves a cluster behind (Linux; elsewhere a no-op)."""
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None).prctl(pr_set_pdeathsig, signal.SIGTERM)


def _alive(pid: int) -> bool:
    status = Path(f"/proc/{pid}/status")
    try:
        return "zombie" not in status.read_text()
    except OSError:
        return False


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


@dataclass
class LocalRayCluster:
    """A Ray head (and `extra_nodes` more nodes) on this host, started and stopped by PID."""

    num_cpus: int = 1
    extra_nodes: int = 0
    object_store_bytes: int = 256 * 1024**2
    temp_dir: Path | None = None
    address: str = ""
    processes: list[subprocess.Popen] = field(default_factory=list)
    _log_dir: Path | None = None

    def start(self) -> str:
        """Start the nodes; return the head's address (`127.0.0.1:PORT`)."""
        ensure_auth_token()
        self._log_dir = Path(tempfile.mkdtemp(prefix="pixel-ray-"))
        port = free_port()
        self.address = f"127.0.0.1:{port}"
        try:
            self._start_node(["--head", "--port", str(port), "--include-dashboard", "false"], 0)
            for index in range(1, self.extra_nodes + 1):
                self._start_node(["--address", self.address], index)
        except BaseException:
            self.stop(keep_logs=True)
            raise
        return self.address

    def _start_node(self, role: list[str], index: int) -> None:
        assert self._log_dir is not None
        log_path = self._log_dir / f"node-{index}.log"
        command = [
            str(Path(sys.executable).with_name("ray")),
            "start",
            *role,
            "--node-ip-address",
            "127.0.0.1",
            "--num-cpus",
            str(self.num_cpus),
            "--object-store-memory",
            str(self.object_store_bytes),
            "--disable-usage-stats",
            "--block",
        ]
        if index == 0 and self.temp_dir is not None:
            command += ["--temp-dir", str(self.temp_dir)]
        with open(log_path, "wb") as log:
            process = subprocess.Popen(
                command,
                stdout=log,
                stderr=subprocess.STDOUT,
                # Ray starts its workers at niceness +15 by default (so a driver wins the CPU
                # from them); here the workers do the build's work, so they run at the build's
                # own priority, as the local engine's pool does (a user's setting wins)
                env={"RAY_worker_niceness": "0", **os.environ, **RAY_ENVIRONMENT},
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )
        self.processes.append(process)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RayUnavailable(
                    f"`ray start` exited with {process.returncode} (log {log_path})"
                )
            if b"Ray runtime started" in log_path.read_bytes():
                return
            time.sleep(0.25)
        raise RayUnavailable(f"Ray did not start within {START_TIMEOUT_S:g}s (log {log_path})")

    def node_pids(self) -> list[int]:
        """The `ray start` process of each node, head first."""
        return [process.pid for process in self.processes]

    def log_dir(self) -> Path | None:
        """The folder of the nodes' `ray start` logs (removed by `stop` unless it keeps them)."""
        return self._log_dir

    def stop(self, keep_logs: bool = False) -> None:
        """Stop every node this cluster started (workers first, then the head), by PID.

        The nodes' `ray start` logs are removed with them, unless `keep_logs` (a failed start
        keeps them: its error names the log).
        """
        for process in reversed(self.processes):
            stop_process_tree(process.pid)
            process.wait()
        self.processes.clear()
        if self._log_dir is not None and not keep_logs:
            shutil.rmtree(self._log_dir, ignore_errors=True)

    def __enter__(self) -> LocalRayCluster:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
