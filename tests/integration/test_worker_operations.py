"""A running worker and beat: bad config edits, liveness keys, and quiet logs (real Celery)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from tests.configs import write_config
from tests.httpserver import LocalHTTPServer
from tests.pages import BODY, article_page
from tests.waiting import wait_for

HTML = {"Content-Type": "text/html; charset=utf-8"}
pytestmark = pytest.mark.slow


@pytest.fixture
def worker(
    tmp_path: Path, http_server: LocalHTTPServer, redis_url: str
) -> Iterator[tuple[subprocess.Popen[bytes], Path]]:
    """`celery worker --beat` on a 1-second watch; operator events go to a file channel."""
    http_server.route("/story", body=article_page("Council approves budget", BODY), headers=HTML)
    config = write_config(
        tmp_path / "config",
        [{"url": http_server.url("/story"), "name": "story", "interval": "1s"}],
        channels={"ops": {"type": "file", "path": "operator.jsonl"}},
        defaults={"interval": "1h", "channels": []},
        extra={"schedule": {"tick": "0.5s", "reload": "1s"}, "operator": ["ops"]},
    )
    env = {
        **os.environ,
        "EDITWATCH_CONFIG_DIR": str(config),
        "EDITWATCH_DATA_DIR": str(tmp_path / "data"),
        "EDITWATCH_BROKER_URL": redis_url,
        "EDITWATCH_LOG_FORMAT": "json",
    }
    (tmp_path / "data").mkdir()
    command = [sys.executable, "-m", "celery", "-A", "worker.app", "worker", "--beat"]
    command += ["--concurrency=2", f"--schedule={tmp_path / 'data' / 'beat'}", "--loglevel=INFO"]
    log_path = tmp_path / "worker.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    yield process, log_path
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def _events(log_path: Path, event: str) -> list[dict[str, object]]:
    found = []
    for line in log_path.read_text(errors="replace").splitlines():
        if line.startswith("{") and f'"{event}"' in line:
            record = json.loads(line)
            if record.get("event") == event:
                found.append(record)
    return found


def test_a_bad_edit_keeps_the_last_good_config_and_says_so_once(
    worker: tuple[subprocess.Popen[bytes], Path],
    http_server: LocalHTTPServer,
    tmp_path: Path,
    redis_url: str,
) -> None:
    """`interval: 5 minutes` while running: one clear error (no traceback), one operator
    event, the error in Redis for `status`; checking goes on; the fixed file is picked up."""
    process, log_path = worker
    wait_for(lambda: http_server.count("/story") >= 2, timeout=60)
    watches = tmp_path / "config" / "watches.yaml"
    good = watches.read_text()
    watches.write_text(good.replace("interval: 1s", "interval: 5 minutes"))
    wait_for(lambda: _events(log_path, "config_invalid"), timeout=30)
    seen = http_server.count("/story")
    wait_for(lambda: http_server.count("/story") >= seen + 4, timeout=60)  # still checking
    (event,) = _events(log_path, "config_invalid")
    assert "watches[0].interval: '5 minutes' is not a duration" in str(event["error"])
    assert "Traceback" not in log_path.read_text(errors="replace")
    client = redis.Redis.from_url(redis_url)
    assert b"5 minutes" in (client.get("editwatch:config:error") or b"")
    operator = tmp_path / "data" / "operator.jsonl"
    wait_for(operator.exists, timeout=30)
    (alert,) = [json.loads(line) for line in operator.read_text().splitlines()]
    assert alert["event"] == "config_invalid"
    watches.write_text(good)
    wait_for(lambda: client.get("editwatch:config:error") is None, timeout=30)
    assert len(_events(log_path, "config_invalid")) == 1
    assert process.poll() is None


def test_liveness_keys_and_quiet_logs(
    worker: tuple[subprocess.Popen[bytes], Path], http_server: LocalHTTPServer, redis_url: str
) -> None:
    """Worker and beat refresh heartbeat keys, the canary runs, and Celery's per-tick INFO
    lines ("Sending due task", "received", "succeeded") stay out of the log."""
    _, log_path = worker
    client = redis.Redis.from_url(redis_url)
    wait_for(lambda: client.keys("editwatch:heartbeat:worker:*"), timeout=60)
    wait_for(lambda: client.keys("editwatch:heartbeat:beat:*"), timeout=60)
    wait_for(lambda: client.get("editwatch:canary"), timeout=60)
    wait_for(lambda: _events(log_path, "dispatch_summary"), timeout=60)
    wait_for(lambda: http_server.count("/story") >= 3, timeout=60)
    text = log_path.read_text(errors="replace")
    for chatty in ("Sending due task", "] received", "succeeded in"):
        assert chatty not in text


def _status(tmp_path: Path, redis_url: str, *args: str) -> tuple[int, str, str]:
    from typer.testing import CliRunner

    from worker.cli import cli

    result = CliRunner(env={"EDITWATCH_BROKER_URL": redis_url}).invoke(
        cli,
        ["--config", str(tmp_path / "config"), "--data", str(tmp_path / "data"), "status", *args],
    )
    return result.exit_code, result.stdout, result.stderr


def test_status_check_is_healthy_while_worker_and_beat_run(
    worker: tuple[subprocess.Popen[bytes], Path],
    http_server: LocalHTTPServer,
    tmp_path: Path,
    redis_url: str,
) -> None:
    """`status --check` exits 0 once the worker beats, the canary ran and the watch was
    checked; `status --json` reports workers, beat, canary age, backlog and recent checks."""
    wait_for(lambda: http_server.count("/story") >= 2, timeout=60)
    wait_for(lambda: _status(tmp_path, redis_url, "--check")[0] == 0, timeout=60, interval=1)
    code, stdout, _ = _status(tmp_path, redis_url, "--json")
    found = json.loads(stdout)
    assert code == 0 and found["workers"] and found["beats"] and found["problems"] == []
    assert found["canary_age"] < 60 and found["checked_last_hour"] == 1
    assert found["database"] == "ok" and found["redis"].startswith("ok")


def test_status_check_fails_without_workers_and_names_the_problem(
    tmp_path: Path, redis_url: str
) -> None:
    """With Redis up but no worker or beat, `status --check` exits 1 saying why."""
    write_config(tmp_path / "config", [])
    code, _, stderr = _status(tmp_path, redis_url, "--check")
    assert code == 1
    assert "no worker heartbeat" in stderr and "canary" in stderr and "beat" in stderr
    code, _, stderr = _status(tmp_path, redis_url, "--check", "--role", "beat")
    assert code == 1 and "no beat heartbeat" in stderr and "worker" not in stderr


def test_status_check_fails_while_the_config_is_broken(
    worker: tuple[subprocess.Popen[bytes], Path],
    http_server: LocalHTTPServer,
    tmp_path: Path,
    redis_url: str,
) -> None:
    """A bad watches.yaml shows in `status` (file and path) and fails `--check`."""
    wait_for(lambda: http_server.count("/story") >= 1, timeout=60)
    watches = tmp_path / "config" / "watches.yaml"
    watches.write_text(watches.read_text().replace("interval: 1s", "interval: 5 minutes"))
    code, _, stderr = _status(tmp_path, redis_url, "--check")
    assert code == 1 and "do not validate" in stderr
    found = json.loads(_status(tmp_path, redis_url, "--json")[1])
    assert "watches[0].interval" in found["config_error"]
