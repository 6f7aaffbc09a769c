"""A real Celery worker (with embedded beat) against a real Redis delivers one webhook per edit."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.configs import write_config
from tests.httpserver import LocalHTTPServer
from tests.pages import BODY, article_page
from tests.waiting import wait_for

HTML = {"Content-Type": "text/html; charset=utf-8"}
pytestmark = pytest.mark.slow


@pytest.fixture
def worker_process(
    tmp_path: Path, http_server: LocalHTTPServer, redis_url: str
) -> Iterator[subprocess.Popen[bytes]]:
    """`celery -A worker.app worker --beat` on a 1-second watch, alerting a local webhook."""
    http_server.route("/story", body=article_page("Council approves budget", BODY), headers=HTML)
    http_server.route("/hook", status=204)
    config = write_config(
        tmp_path / "config",
        [{"url": http_server.url("/story"), "name": "story", "interval": "1s"}],
        channels={"hook": {"type": "webhook", "url": http_server.url("/hook")}},
        defaults={"interval": "1h", "channels": ["hook"]},
        extra={"schedule": {"tick": "0.5s"}},
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
    with (tmp_path / "worker.log").open("wb") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    yield process
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def test_edit_reaches_the_webhook_exactly_once(
    worker_process: subprocess.Popen[bytes], http_server: LocalHTTPServer, tmp_path: Path
) -> None:
    """The worker checks on schedule; after a headline edit the receiver gets one alert."""
    wait_for(lambda: http_server.count("/story") >= 2, timeout=60)  # v1 stored, rechecked
    assert http_server.count("/hook") == 0
    edited = article_page("Council passes budget", BODY, noise=4)
    http_server.route("/story", body=edited, headers=HTML)
    wait_for(lambda: http_server.count("/hook") >= 1, timeout=60)
    seen = http_server.count("/story")
    wait_for(lambda: http_server.count("/story") >= seen + 3, timeout=60)  # keeps checking
    (request,) = http_server.requests("/hook")
    payload = json.loads(request.body)
    assert payload["old_headline"] == "Council approves budget"
    assert payload["new_headline"] == "Council passes budget"
    assert "headline" in payload["kinds"]
    assert payload["old_version"] == 1 and payload["new_version"] == 2
    assert request.headers["Idempotency-Key"] == f"editwatch-{payload['event_id']}"
    assert worker_process.poll() is None, (tmp_path / "worker.log").read_text()


def test_watches_added_to_yaml_join_without_restart(
    worker_process: subprocess.Popen[bytes], http_server: LocalHTTPServer, tmp_path: Path
) -> None:
    """Editing watches.yaml while the worker runs: the new watch is checked, no restart."""
    wait_for(lambda: http_server.count("/story") >= 1, timeout=60)
    http_server.route("/second", body=article_page("Second story", BODY), headers=HTML)
    watches = tmp_path / "config" / "watches.yaml"
    entries = yaml.safe_load(watches.read_text())
    entries["watches"].append(
        {"url": http_server.url("/second"), "name": "second", "interval": "1s"}
    )
    watches.write_text(yaml.safe_dump(entries))
    wait_for(lambda: http_server.count("/second") >= 2, timeout=60)
    entries["watches"] = entries["watches"][:1]  # and removed again: it leaves the queue
    watches.write_text(yaml.safe_dump(entries))
    wait_for(lambda: http_server.count("/story") >= 3, timeout=60)  # config re-read by now
    settled = http_server.count("/second")
    seen = http_server.count("/story")
    wait_for(lambda: http_server.count("/story") >= seen + 3, timeout=60)
    assert http_server.count("/second") <= settled + 1  # at most one check already in flight
    assert worker_process.poll() is None, (tmp_path / "worker.log").read_text()
