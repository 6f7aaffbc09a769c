"""`editwatch run` supervises its children: signals stop everything, one run per data dir."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from tests.configs import write_config
from tests.processes import alive, alive_any, command_line, descendants
from tests.waiting import wait_for

pytestmark = pytest.mark.slow


def _start_run(config: Path, data: Path) -> subprocess.Popen[bytes]:
    """`editwatch run` in a session of its own (as if started from a terminal)."""
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "EDITWATCH_BROKER_URL")}
    with (data.parent / "run.log").open("ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "worker", "--config", str(config), "--data", str(data), "run",
             "--concurrency", "1"],
            env={**env, "EDITWATCH_LOG_FORMAT": "json"}, stdout=subprocess.DEVNULL,
            stderr=log, start_new_session=True,
        )  # fmt: skip


def _wait_until_working(data: Path) -> None:
    """The embedded Redis answers and the worker has written its heartbeat."""

    def working() -> bool:
        try:
            client = redis.Redis(unix_socket_path=str(data / "redis.sock"))
            return bool(client.keys("editwatch:heartbeat:worker:*"))
        except (redis.RedisError, OSError):
            return False

    wait_for(working, timeout=90, interval=0.2)


@pytest.fixture
def running(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], Path, Path]]:
    """A working `editwatch run` on an empty watch list; killed at the end whatever happens."""
    config = write_config(tmp_path / "config", [])
    data = tmp_path / "data"
    data.mkdir()
    process = _start_run(config, data)
    _wait_until_working(data)
    yield process, config, data
    for pid in descendants(process.pid) | {process.pid}:
        if alive(pid):
            os.kill(pid, signal.SIGKILL)
    process.wait(timeout=10)


@pytest.mark.parametrize("signum", [signal.SIGHUP, signal.SIGINT, signal.SIGTERM])
def test_a_stop_signal_stops_worker_beat_and_redis_and_exits_0(
    running: tuple[subprocess.Popen[bytes], Path, Path], signum: int
) -> None:
    """SIGHUP (terminal closed), Ctrl-C and SIGTERM leave no child running; exit code 0."""
    process, _, data = running
    children = descendants(process.pid)
    assert any("redis-server" in command_line(p) for p in children)
    assert any("celery" in command_line(p) for p in children)
    process.send_signal(signum)
    assert process.wait(timeout=90) == 0, (data.parent / "run.log").read_text()
    wait_for(lambda: not alive_any(children), timeout=30)
    assert not (data / "editwatch.pid").exists()


def test_a_second_run_on_the_same_data_dir_refuses(
    running: tuple[subprocess.Popen[bytes], Path, Path],
) -> None:
    """While one run holds the data dir, another exits 2 naming the first one's pid."""
    process, config, data = running
    second = subprocess.run(
        [sys.executable, "-m", "worker", "--config", str(config), "--data", str(data), "run"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert second.returncode == 2
    assert f"pid {process.pid}" in second.stderr and "another `editwatch run`" in second.stderr
    assert (data / "editwatch.pid").read_text().strip() == str(process.pid)


def test_children_die_when_run_is_killed_outright(
    running: tuple[subprocess.Popen[bytes], Path, Path],
) -> None:
    """SIGKILL of `run` (no chance to clean up): the kernel stops Redis and the worker too."""
    process, config, data = running
    children = descendants(process.pid)
    process.kill()
    process.wait(timeout=10)
    wait_for(lambda: not alive_any(children), timeout=60)
    again = _start_run(config, data)  # the lock died with its holder
    try:
        _wait_until_working(data)
    finally:
        again.send_signal(signal.SIGTERM)
        assert again.wait(timeout=90) == 0
