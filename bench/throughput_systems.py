"""The systems the throughput benchmark runs, and how their CPU, memory and checks are read.

Each runner takes the site's URLs and returns :class:`Phase` figures for one pass over them:

- :func:`bare_loop`: a bare aiohttp or httpx GET loop (no parsing) in a forked process, with
  the politeness the product gets (per-host in-flight limit, the same total concurrency);
- :class:`CheckRunner`: ``editwatch check`` as a subprocess of the active venv, one run a pass;
- :class:`WorkerRunner`: ``celery worker --concurrency 2`` + beat on a private Redis and
  SQLite; a pass makes every watch due at once in the due-queue and waits until each has a
  new row in the store's ``checks`` table.

CPU is user + system time of every process involved (psutil over the process tree, and
``wait4`` rusage for a subprocess that exits), Redis included for the product paths.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import resource
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import httpx
import psutil
import redis
import yaml

from bench.soak_fleet import Fleet, PrivateRedis
from bench.throughput_profile import profiling, report

MB = 2**20
POLL_S = 0.05
SAMPLE_S = 0.2


@dataclass
class Phase:
    """One pass of one system over the URLs."""

    system: str
    mode: str  # first (first sight) | noisy (fresh noise, planted edits) | 304
    urls: int
    checked: int
    wall_s: float
    cpu_s: float
    rss_mb: dict[str, float]
    latencies_ms: list[float] = field(default_factory=list, repr=False)
    outcomes: dict[str, int] = field(default_factory=dict)
    slot_utilisation: float | None = None
    cpu_by_process: dict[str, float] = field(default_factory=dict)
    profile: dict[str, float] = field(default_factory=dict)  # ms of CPU per URL by stage

    @property
    def url_per_s(self) -> float:
        return self.checked / self.wall_s if self.wall_s > 0 else 0.0

    @property
    def cpu_ms_per_url(self) -> float:
        return self.cpu_s / self.checked * 1000 if self.checked else float("nan")

    def percentile(self, q: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# --- CPU and memory of process trees ----------------------------------------------------------


class Meter:
    """CPU (user + sys) and peak RSS of named processes and all their descendants."""

    def __init__(self, roots: dict[str, int]) -> None:
        self.roots = {role: psutil.Process(pid) for role, pid in roots.items()}
        self.peak: dict[int, tuple[str, float]] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def processes(self) -> Iterator[tuple[str, psutil.Process]]:
        for role, root in self.roots.items():
            try:
                yield role, root
                for child in root.children(recursive=True):
                    yield ("pool" if role == "worker" else role), child
            except psutil.NoSuchProcess:
                continue

    def cpu(self) -> dict[int, tuple[str, float]]:
        found = {}
        for role, process in self.processes():
            try:
                times = process.cpu_times()
            except psutil.NoSuchProcess:
                continue
            found[process.pid] = (role, times.user + times.system)
        return found

    def sample(self) -> None:
        for role, process in self.processes():
            try:
                rss = process.memory_info().rss / MB
            except psutil.NoSuchProcess:
                continue
            self.peak[process.pid] = (role, max(rss, self.peak.get(process.pid, (role, 0.0))[1]))

    def peak_by_role(self) -> dict[str, float]:
        """The highest peak RSS among the processes of each role, in MB."""
        roles: dict[str, float] = {}
        for role, rss in self.peak.values():
            roles[role] = max(roles.get(role, 0.0), rss)
        return roles

    @contextmanager
    def sampling(self) -> Iterator[None]:
        self.peak, self._stop = {}, threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()
        try:
            yield
        finally:
            self._stop.set()
            self._thread.join()
            self.sample()

    def _loop(self) -> None:
        while not self._stop.wait(SAMPLE_S):
            self.sample()


def cpu_delta(
    before: dict[int, tuple[str, float]], after: dict[int, tuple[str, float]]
) -> dict[str, float]:
    """CPU seconds per role between two :meth:`Meter.cpu` readings (new processes count whole)."""
    by_role: dict[str, float] = defaultdict(float)
    for pid, (role, total) in after.items():
        by_role[role] += total - before.get(pid, (role, 0.0))[1]
    return dict(by_role)


# --- the bare loops ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Politeness:
    """What every system gets: requests in flight per host, and in all."""

    per_host: int = 2
    total: int = 16


def bare_loop(kind: str, urls: Sequence[str], polite: Politeness, mode: str = "noisy") -> Phase:
    """GET every URL once with aiohttp or httpx in a forked process; read bodies, parse nothing."""
    context = multiprocessing.get_context("fork")
    ours, theirs = context.Pipe()
    process = context.Process(target=_bare_child, args=(kind, list(urls), polite, theirs))
    process.start()
    figures: dict[str, Any] = ours.recv()
    process.join()
    return Phase(
        system=f"bare {kind}",
        mode=mode,
        urls=len(urls),
        checked=figures["ok"],
        wall_s=figures["wall"],
        cpu_s=figures["cpu"],
        rss_mb={"client": figures["rss"]},
        latencies_ms=figures["latencies"],
        outcomes=figures["statuses"],
    )


def _bare_child(kind: str, urls: list[str], polite: Politeness, pipe: Any) -> None:
    loop = _aiohttp_loop if kind == "aiohttp" else _httpx_loop
    cpu, wall = time.process_time(), time.perf_counter()
    results = asyncio.run(loop(urls, polite))
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    statuses = Counter(str(status) for status, _ in results)
    pipe.send(
        {
            "ok": sum(1 for status, _ in results if status == 200),
            "wall": wall,
            "cpu": cpu,
            "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "latencies": [ms for _, ms in results],
            "statuses": dict(statuses),
        }
    )


Getter = Callable[[str], Any]


async def _polite_gets(urls: list[str], polite: Politeness, get: Getter) -> list[tuple[int, float]]:
    """Every URL once: at most ``per_host`` in flight per host and ``total`` in all."""
    total = asyncio.Semaphore(polite.total)
    hosts: dict[str, asyncio.Semaphore] = defaultdict(lambda: asyncio.Semaphore(polite.per_host))

    async def one(url: str) -> tuple[int, float]:
        async with total:
            started = time.perf_counter()
            async with hosts[urlsplit(url).hostname or ""]:
                try:
                    status = int(await get(url))
                except (aiohttp.ClientError, httpx.HTTPError, OSError):
                    status = 0
            return status, (time.perf_counter() - started) * 1000

    return list(await asyncio.gather(*(one(u) for u in urls)))


async def _aiohttp_loop(urls: list[str], polite: Politeness) -> list[tuple[int, float]]:
    connector = aiohttp.TCPConnector(limit=polite.total, limit_per_host=polite.per_host)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def get(url: str) -> int:
            async with session.get(url) as response:
                await response.read()
                return response.status

        return await _polite_gets(urls, polite, get)


async def _httpx_loop(urls: list[str], polite: Politeness) -> list[tuple[int, float]]:
    limits = httpx.Limits(max_connections=polite.total, max_keepalive_connections=polite.total)
    async with httpx.AsyncClient(limits=limits) as client:

        async def get(url: str) -> int:
            response = await client.get(url)
            return response.status_code

        return await _polite_gets(urls, polite, get)


# --- the product: configuration, store ---------------------------------------------------------


def editwatch_bin() -> Path:
    """The ``editwatch`` command of the venv this benchmark runs in (the worktree measured)."""
    return Path(sys.executable).parent / "editwatch"


def write_config(directory: Path, urls: Sequence[str], prefix: str, polite: Politeness) -> None:
    """editwatch.yaml + watches.yaml: politeness ``per_host`` in flight and no gap, no alerts."""
    directory.mkdir(parents=True, exist_ok=True)
    settings = {
        "redis_prefix": prefix,
        "fetch": {"allow_private_networks": True, "concurrency": polite.total},
        "schedule": {"mode": "fixed"},
        "politeness": {"max_in_flight": polite.per_host, "min_gap": "0s"},
        "defaults": {"interval": "6h", "channels": []},
        "log": {"format": "json", "level": "info"},
    }
    watches = [{"url": url, "name": f"page-{i}"} for i, url in enumerate(urls)]
    (directory / "editwatch.yaml").write_text(yaml.safe_dump(settings))
    (directory / "watches.yaml").write_text(yaml.safe_dump({"watches": watches}))


class StoreReader:
    """Read-only SQL on the SQLite store the product writes (no product code needed)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def query(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        if not self.path.exists():
            return []
        with sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=30) as connection:
            return connection.execute(sql, args).fetchall()

    def mark(self, table: str) -> int:
        rows = self.query(f"SELECT max(id) FROM {table}")
        return int(rows[0][0] or 0) if rows else 0

    def checked_since(self, mark: int) -> int:
        rows = self.query("SELECT count(DISTINCT watch_id) FROM checks WHERE id > ?", mark)
        return int(rows[0][0]) if rows else 0

    def checks_since(self, mark: int) -> list[tuple[float, float, str]]:
        """(start epoch seconds, duration ms, outcome) of every check row after ``mark``."""
        rows = self.query("SELECT started_at, duration_ms, outcome FROM checks WHERE id > ?", mark)
        return [(_epoch(s), float(d), str(o)) for s, d, o in rows]

    def changes_since(self, mark: int) -> list[tuple[str, frozenset[str], str]]:
        """(watch URL, kinds, significance) of every change recorded after ``mark``."""
        rows = self.query(
            "SELECT w.url, c.kinds, c.significance FROM changes c "
            "JOIN watches w ON w.id = c.watch_id WHERE c.id > ?",
            mark,
        )
        return [(str(u), frozenset(json.loads(k)), str(s)) for u, k, s in rows]


def _epoch(value: Any) -> float:
    stamp = datetime.fromisoformat(str(value))
    return stamp.timestamp() if stamp.tzinfo else stamp.replace(tzinfo=UTC).timestamp()


def window_phase(
    system: str, mode: str, urls: int, checks: list[tuple[float, float, str]]
) -> Phase:
    """A phase from check rows: wall is first check start to last check end."""
    if not checks:
        return Phase(system, mode, urls, 0, 0.0, 0.0, {})
    start = min(s for s, _, _ in checks)
    end = max(s + d / 1000 for s, d, _ in checks)
    phase = Phase(system, mode, urls, len(checks), end - start, 0.0, {})
    phase.latencies_ms = [d for _, d, _ in checks]
    phase.outcomes = dict(Counter(o for _, _, o in checks))
    return phase


# --- editwatch check ---------------------------------------------------------------------------


class CheckRunner:
    """``editwatch check --json`` once per pass, on its own config, data dir and Redis prefix."""

    def __init__(self, work: Path, urls: Sequence[str], redis_: PrivateRedis, polite: Politeness):
        self.work, self.urls, self.redis = work, list(urls), redis_
        self.config, self.data = work / "config", work / "data"
        write_config(self.config, self.urls, "bench-check", polite)
        self.store = StoreReader(self.data / "editwatch.db")
        self.env = {**os.environ, "REDIS_URL": redis_.url, "EDITWATCH_LOG_FORMAT": "json"}
        self.passes = 0

    def run_pass(self, mode: str, timeout: float, subset: int | None = None) -> Phase:
        """One ``check`` run: every watch, or the first ``subset`` (``--watch page-N``)."""
        mark = self.store.mark("checks")
        self.passes += 1
        redis_pid = self.redis.process.pid if self.redis.process else os.getpid()
        meter = Meter({"redis": redis_pid})
        before = meter.cpu()
        command = [str(editwatch_bin()), "--config", str(self.config), "--data", str(self.data)]
        command += ["check", "--json", "--no-notify"]
        for index in range(subset or 0):
            command += ["--watch", f"page-{index}"]
        out = self.work / f"check-{self.passes}.jsonl"
        with out.open("wb") as stdout, (self.work / "check.log").open("ab") as stderr:
            process = subprocess.Popen(command, env=self.env, stdout=stdout, stderr=stderr)
        with meter.sampling():
            meter.roots["check"] = psutil.Process(process.pid)
            usage = _wait(process, timeout)
        redis_cpu = cpu_delta(before, meter.cpu()).get("redis", 0.0)
        urls = subset or len(self.urls)
        phase = window_phase("editwatch check", mode, urls, self.store.checks_since(mark))
        check_cpu = usage.ru_utime + usage.ru_stime
        phase.cpu_s = check_cpu + redis_cpu
        phase.cpu_by_process = {"check": check_cpu, "redis": redis_cpu}
        phase.rss_mb = {
            "check": usage.ru_maxrss / 1024,
            "redis": meter.peak_by_role().get("redis", 0),
        }
        return phase


def _wait(process: subprocess.Popen[bytes], timeout: float) -> Any:
    """Reap ``process`` with its rusage; kill it after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            process.returncode = os.waitstatus_to_exitcode(status)
            return usage
        time.sleep(POLL_S)
    process.kill()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return usage


# --- the worker path ---------------------------------------------------------------------------


class WorkerRunner:
    """A real ``celery worker --concurrency 2`` and beat; a pass makes every watch due at once."""

    def __init__(self, work: Path, urls: Sequence[str], redis_: PrivateRedis, polite: Politeness):
        self.work, self.urls, self.redis = work, list(urls), redis_
        self.config, self.data = work / "config", work / "data"
        # a prefix of its own: the host cases share one Redis, and the due-queue (same watch
        # ids, due in 6 h) or host slots a previous case left must not be this one's
        self.prefix = f"bench-worker-{work.name}"
        write_config(self.config, self.urls, self.prefix, polite)
        self.store = StoreReader(self.data / "editwatch.db")
        env = {
            **os.environ,
            "EDITWATCH_CONFIG_DIR": str(self.config),
            "EDITWATCH_DATA_DIR": str(self.data),
            "REDIS_URL": redis_.url,
            "EDITWATCH_LOG_FORMAT": "json",
        }
        self.fleet = Fleet(env, work, workers=1, concurrency=2)
        self.client = redis.Redis.from_url(redis_.url)
        self.meter: Meter | None = None
        self.profile: Path | None = None  # py-spy one pass into this directory
        self.profile_pass = "noisy"  # the pass py-spy samples

    def start(self) -> None:
        """Create the schema (as ``editwatch db upgrade`` does), then the worker and beat."""
        self.data.mkdir(parents=True, exist_ok=True)
        command = [str(editwatch_bin()), "--config", str(self.config), "--data", str(self.data)]
        subprocess.run([*command, "db", "upgrade"], check=True, capture_output=True)
        self.fleet.start()
        main = psutil.Process(self.fleet.workers[0].pid)
        deadline = time.monotonic() + 60
        while len(main.children()) < self.fleet.concurrency and time.monotonic() < deadline:
            time.sleep(POLL_S)  # the pool forks after the app is loaded
        roots = {"worker": main.pid}
        if self.fleet.beat is not None:
            roots["beat"] = self.fleet.beat.pid
        if self.redis.process is not None:
            roots["redis"] = self.redis.process.pid
        self.meter = Meter(roots)

    def make_all_due(self, subset: int | None = None) -> None:
        """Every queued watch (or pages 0..subset-1) due now: the next beat tick claims them."""
        key = f"{self.prefix}:due"
        members = self.client.zrange(key, 0, -1)
        if subset is not None:
            wanted = {f"page-{i}" for i in range(subset)}
            rows = self.store.query("SELECT id, name FROM watches")
            members = [str(i).encode() for i, name in rows if name in wanted]
        if members:
            self.client.zadd(key, dict.fromkeys(members, 0.0), xx=True)

    def run_pass(self, mode: str, timeout: float, subset: int | None = None) -> Phase:
        """The first pass starts the fleet (new watches are due at once, so it leaves the
        queue alone); later ones make every watch (or the first ``subset``) due again at once."""
        mark = self.store.mark("checks")
        first = self.meter is None
        if first:
            self.start()
        assert self.meter is not None
        before = self.meter.cpu()
        spied = self.profile is not None and mode == self.profile_pass
        pids = {p.pid: role for role, p in self.meter.processes() if role != "redis"}
        with (
            self.meter.sampling(),
            profiling(pids, self.profile) if spied and self.profile else nullcontext([]) as files,
        ):
            if not first:  # new watches are due at once; zeroing them again would race the
                self.make_all_due(subset)  # first tick and have its claims checked twice
            self._wait_checked(mark, subset or len(self.urls), timeout)
        by_role = cpu_delta(before, self.meter.cpu())
        phase = window_phase(
            "worker + beat + redis", mode, subset or len(self.urls), self.store.checks_since(mark)
        )
        phase.cpu_s = sum(by_role.values())
        phase.cpu_by_process = by_role
        phase.rss_mb = self.meter.peak_by_role()
        if files:
            phase.mode = f"{mode}, profiled"
            python_cpu = phase.cpu_s - by_role.get("redis", 0.0)
            phase.profile = report(files, phase.checked, python_cpu)
        return phase

    def _wait_checked(self, mark: int, count: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.store.checked_since(mark) >= count:
                return
            crashed = self.fleet.crashed()
            if crashed:
                raise RuntimeError(f"{crashed} exited; logs in {self.work}")
            time.sleep(POLL_S)

    def stop(self) -> None:
        self.fleet.stop()
        self.client.close()


# --- the memory probe --------------------------------------------------------------------------


@dataclass
class MemoryFigures:
    """RSS per process with many watches registered; startup and reload times."""

    watches: int
    startup_s: float  # fleet spawned -> every watch in the due-queue (first tick synced)
    first_checks_s: float  # fleet spawned -> a check batch done (a pool process loaded them)
    reload_s: float  # one watch appended to watches.yaml -> it is in the due-queue
    rss_mb: dict[str, float]
    cpu_s: dict[str, float]


def memory_probe(work: Path, watches: int, redis_: PrivateRedis, timeout: float) -> MemoryFigures:
    """Start worker + beat on ``watches`` watches, let a tick run, then reload the config once.

    The URLs point at a closed loopback port: checks fail fast (the host's breaker soon pauses
    it), so the probe measures loading, registering and scheduling, not fetching.
    """
    port = _closed_port()
    urls = [f"http://127.0.0.2:{port}/news/{i}" for i in range(watches)]
    runner = WorkerRunner(work, urls, redis_, Politeness())
    key = f"{runner.prefix}:due"
    started = time.monotonic()
    runner.start()
    assert runner.meter is not None
    try:
        with runner.meter.sampling():
            synced = _until(lambda: runner.client.zcard(key) >= watches, timeout) - started
            checked = _until(lambda: runner.store.mark("checks") > 0, timeout) - started
            edited = time.monotonic()
            write_config(runner.config, [*urls, urls[0] + "-extra"], runner.prefix, Politeness())
            reloaded = _until(lambda: runner.client.zcard(key) > watches, timeout) - edited
        cpu = cpu_delta({}, runner.meter.cpu())
        return MemoryFigures(watches, synced, checked, reloaded, runner.meter.peak_by_role(), cpu)
    finally:
        runner.stop()


def _until(condition: Callable[[], bool], timeout: float) -> float:
    """Wait for ``condition``; the monotonic time it held (raises after ``timeout``)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return time.monotonic()
        time.sleep(POLL_S)
    raise TimeoutError(f"memory probe: condition not met in {timeout:.0f} s")


def _closed_port() -> int:
    """A loopback port nobody listens on (bound, then closed)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.2", 0))
        port: int = probe.getsockname()[1]
    return port
