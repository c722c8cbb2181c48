"""Where the CPU of a Ray job goes: every process of ours, and the machine, over one job.

`ProcessCpu` samples (psutil, every `interval` s, in a thread of the driver) the CPU seconds of
the driver, of its children (the local engine's process pool) and of every process below the
given roots (the `ray start` processes of a local
cluster: GCS, raylet, dashboard agent, runtime-env agent, log monitor, and every Ray worker:
the stage's actors, Write tasks, idle workers), keeping each process's last reading, so one that
exits during the job (an actor at the end of its job) is counted up to its last sample (at most
`interval` s lost). Processes are grouped by role, from their command line (Ray sets a worker's
to `ray::<what it runs>`). The machine's own counters (`psutil.cpu_times`) give its busy and
idle CPU and the steal time of the VM over the same wall time, so what is left, the busy CPU of
no process of ours, is other people's work. No record content is read or printed.
"""

from __future__ import annotations

import os
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field

import psutil

# (substring of the command line, role), first match wins; a worker's is `ray::<what it runs>`
# (before its first task, `default_worker.py`); the others are matched by program name first
ROLES = (
    ("ray::MapWorker", "stage workers"),  # an actor pool's actor
    ("ray::MapBatches", "stage workers"),  # a task of the stage (session 6: tasks)
    ("ray::Write", "write tasks"),
    ("ray::DashboardAgent", "dashboard agent"),
    ("ray::RuntimeEnvAgent", "runtime-env agent"),
    # Ray Data's own actors: its stats, actor locations, autoscaling
    ("ray::_StatsActor", "Ray Data's actors"),
    ("ray::ActorLocationTracker", "Ray Data's actors"),
    ("ray::_AutoscalingCoordinatorActor", "Ray Data's actors"),
    ("ray::", "other Ray workers"),
    ("default_worker.py", "idle workers"),
    ("dashboard/agent.py", "dashboard agent"),
    ("dashboard/dashboard.py", "dashboard"),
    ("runtime_env/agent", "runtime-env agent"),
    ("log_monitor.py", "log monitor"),
    ("monitor.py", "autoscaler monitor"),
    ("ray start", "ray start (CLI)"),
    ("multiprocessing.spawn", "local pool workers"),
    ("multiprocessing.resource_tracker", "local pool workers"),
)
PROGRAMS = {"raylet": "raylet", "gcs_server": "gcs_server"}
# a worker's title changes with what it runs: it keeps the most telling role it ever had
RANK = {"idle workers": 0, "other Ray workers": 1}  # (the rest rank 2)


def role_of(process: psutil.Process) -> str:
    """The role of one Ray process, from its command line (its title, for a worker)."""
    try:
        name = process.name()
        line = " ".join(process.cmdline()) or name
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return "gone"
    if name in PROGRAMS:
        return PROGRAMS[name]
    if "ray::IDLE" in line:
        return "idle workers"
    for needle, role in ROLES:
        if needle in line:
            return role
    return f"other ({process.name()})"


def _cpu(process: psutil.Process) -> float:
    times = process.cpu_times()
    return times.user + times.system


@dataclass
class ProcessCpu:
    """CPU seconds per process of ours and of the machine between `start()` and `stop()`."""

    roots: list[int]
    interval: float = 0.25
    wall: float = 0.0
    machine: dict[str, float] = field(default_factory=dict)
    _first: dict[int, float] = field(default_factory=dict)
    _last: dict[int, float] = field(default_factory=dict)
    _roles: dict[int, str] = field(default_factory=dict)
    _sampler_cpu: float = 0.0
    _baseline: bool = False  # while True, a process seen counts from its reading now
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def _processes(self) -> list[psutil.Process]:
        driver = psutil.Process(os.getpid())
        # the driver's own children too: the local engine's process pool
        found = [driver, *driver.children(recursive=True)]
        for root in self.roots:
            try:
                top = psutil.Process(root)
                found += [top, *top.children(recursive=True)]
            except psutil.NoSuchProcess:
                continue
        return found

    def _sample(self) -> None:
        for process in {process.pid: process for process in self._processes()}.values():
            try:
                cpu = _cpu(process)
            except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                continue
            pid = process.pid
            if pid not in self._first:
                # a process alive at the start counts from its reading then; one born later, from 0
                self._first[pid] = cpu if self._baseline else 0.0
                self._roles[pid] = "driver" if pid == os.getpid() else role_of(process)
            elif self._roles[pid] in RANK:  # a worker's title changes when it runs something
                role = role_of(process)
                if RANK.get(role, 2) > RANK[self._roles[pid]]:
                    self._roles[pid] = role
            self._last[pid] = cpu

    def _loop(self) -> None:
        cpu = time.thread_time()
        while not self._stop.wait(self.interval):
            self._sample()
        self._sampler_cpu = time.thread_time() - cpu

    def start(self) -> None:
        self._baseline = True
        self._sample()
        self._baseline = False
        self._machine_before = psutil.cpu_times()
        self._wall_before = time.perf_counter()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        assert self._thread is not None
        self._thread.join()
        self._sample()
        self.wall = time.perf_counter() - self._wall_before
        after = psutil.cpu_times()
        before = self._machine_before
        idle = (after.idle - before.idle) + (after.iowait - before.iowait)
        steal = getattr(after, "steal", 0.0) - getattr(before, "steal", 0.0)
        total = sum(after) - sum(before)
        self.machine = {"busy": total - idle - steal, "idle": idle, "steal": steal}

    def by_role(self) -> dict[str, tuple[float, int]]:
        """Role -> (CPU seconds over the job, processes)."""
        totals: dict[str, list] = defaultdict(lambda: [0.0, 0])
        for pid, last in self._last.items():
            used = last - self._first[pid]
            role = self._roles[pid]
            if used <= 0 and role == "idle workers":
                continue
            totals[role][0] += used
            totals[role][1] += 1
        return {role: (cpu, n) for role, (cpu, n) in totals.items()}

    def report(self, stage_cpu: float | None = None, start_cpu: float | None = None) -> str:
        """Lines: each role's CPU seconds and cores (CPU s / wall s), ours, the machine's."""
        wall = self.wall or 1e-9
        roles = sorted(self.by_role().items(), key=lambda item: -item[1][0])
        ours = sum(cpu for cpu, _ in self.by_role().values())
        lines = [f"  CPU by process over {self.wall:.1f} s wall (cores = CPU s / wall s):"]
        for role, (cpu, count) in roles:
            note = f" (of which the sampler {self._sampler_cpu:.1f} s)" if role == "driver" else ""
            if role == "stage workers" and stage_cpu is not None:
                start = start_cpu or 0.0
                note = (
                    f" (in the stage's calls {stage_cpu:.1f} s, building the stage {start:.1f} s,"
                    f" the rest {cpu - stage_cpu - start:.1f} s)"
                )
            lines.append(
                f"    {role:20s} {cpu:6.1f} s {cpu / wall:5.2f} cores, {count} process"
                f"{'es' if count != 1 else ''}{note}"
            )
        busy, idle, steal = (self.machine[key] for key in ("busy", "idle", "steal"))
        lines.append(
            f"    {'ours in all':20s} {ours:6.1f} s {ours / wall:5.2f} cores; machine busy "
            f"{busy / wall:.2f}, idle {idle / wall:.2f}, steal {steal / wall:.2f} cores; "
            f"others' {max(0.0, busy - ours) / wall:.2f} cores"
        )
        return "\n".join(lines)
