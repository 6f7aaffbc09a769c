"""Alerts are never lost and never sent twice: claims, idempotency keys, backoff, dead rows,
and a real Celery worker killed mid-delivery against a real Redis."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.configs import write_config
from tests.httpserver import LocalHTTPServer, RecordedRequest, Response
from tests.integration.test_digest import queue_change
from tests.processes import start_worker as start_celery_worker
from tests.processes import stop_group, worker_env
from tests.waiting import wait_for
from worker.config import ChannelSettings, NotifySettings
from worker.notify import Channel, ChannelContext, build_channels
from worker.pipeline import delivery
from worker.store import Store

NOTIFY = NotifySettings(max_attempts=3, backoff=0.0, backoff_max=0.0)


class DedupingReceiver:
    """A webhook receiver that honours ``Idempotency-Key``: a repeated key is acknowledged but
    not accepted again. ``script`` gives the response to each request in turn (then 200)."""

    def __init__(self, script: list[Response] | None = None) -> None:
        self.script = list(script or [])
        self.keys: list[str] = []
        self.accepted: dict[str, dict[str, object]] = {}
        self.lock = threading.Lock()

    def __call__(self, request: RecordedRequest) -> Response:
        key = str(request.headers["Idempotency-Key"])
        with self.lock:
            self.keys.append(key)
            response = self.script.pop(0) if self.script else Response(200)
            if response.status < 300 or response.delay:  # processed, maybe answered late
                self.accepted.setdefault(key, json.loads(request.body))
        return response


def webhook(tmp_path: Path, url: str) -> dict[str, Channel]:
    context = ChannelContext(tmp_path, allow_private_networks=True, timeout=5.0)
    return build_channels({"h": ChannelSettings(type="webhook", url=url)}, context)


def test_concurrent_workers_send_a_row_once(
    store: Store, tmp_path: Path, http_server: LocalHTTPServer
) -> None:
    """Eight workers handed the same row at once: exactly one claims and sends it."""
    http_server.route("/hook", status=204)
    channels = webhook(tmp_path, http_server.url("/hook"))
    (nid,) = queue_change(store, "https://example.org/a", ["h"])
    start = threading.Barrier(8)
    states: list[str] = []

    def worker() -> None:
        start.wait()
        states.append(delivery.deliver(store, channels, nid, NOTIFY).state)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(states) == ["sent"] + ["skipped"] * 7
    assert http_server.count("/hook") == 1


def test_redelivered_task_and_sweeper_never_resend_a_sent_row(
    store: Store, tmp_path: Path, http_server: LocalHTTPServer
) -> None:
    """After `sent`, a redelivered task, a stale-claim sweep and a pending sweep send nothing."""
    http_server.route("/hook", status=204)
    channels = webhook(tmp_path, http_server.url("/hook"))
    (nid,) = queue_change(store, "https://example.org/a", ["h"])
    assert delivery.deliver(store, channels, nid, NOTIFY).state == "sent"
    assert store.requeue_stale(datetime.now(UTC) + timedelta(hours=1)) == 0
    assert delivery.deliver(store, channels, nid, NOTIFY).state == "skipped"
    assert delivery.deliver_pending(store, channels, NOTIFY) == []
    (request,) = http_server.requests("/hook")
    assert request.headers["Idempotency-Key"] == f"editwatch-{nid}"
    assert json.loads(request.body)["event_id"] == nid


def test_429_retry_after_is_respected(
    store: Store, tmp_path: Path, http_server: LocalHTTPServer
) -> None:
    """A 429 with `Retry-After: 90` waits 90 s (not the computed backoff) before the next try."""
    http_server.route("/hook", status=429, headers={"Retry-After": "90"})
    channels = webhook(tmp_path, http_server.url("/hook"))
    (nid,) = queue_change(store, "https://example.org/a", ["h"])
    outcome = delivery.deliver(store, channels, nid, NotifySettings())
    assert (outcome.state, outcome.delay) == ("retry", 90.0)
    assert store.due_notifications(datetime.now(UTC) + timedelta(seconds=85)) == []
    assert store.due_notifications(datetime.now(UTC) + timedelta(seconds=91)) == [nid]


@pytest.mark.parametrize("status", [400, 401, 404, 410, 422])
def test_client_errors_go_straight_to_dead(
    store: Store, tmp_path: Path, http_server: LocalHTTPServer, status: int
) -> None:
    """A 4xx other than 408/429 is dead after one attempt, with the status in the reason."""
    http_server.route("/hook", status=status)
    channels = webhook(tmp_path, http_server.url("/hook"))
    (nid,) = queue_change(store, "https://example.org/a", ["h"])
    assert delivery.deliver(store, channels, nid, NotifySettings()).state == "dead"
    (row,) = store.notifications("dead")
    assert row.attempts == 1 and str(status) in str(row.last_error)


@pytest.mark.parametrize("status", [408, 425, 429, 500, 503])
def test_retryable_statuses_are_retried(
    store: Store, tmp_path: Path, http_server: LocalHTTPServer, status: int
) -> None:
    """408, 425, 429 and 5xx are transient (the fetch stage's list): tried again later."""
    http_server.route("/hook", status=status)
    channels = webhook(tmp_path, http_server.url("/hook"))
    (nid,) = queue_change(store, "https://example.org/a", ["h"])
    assert delivery.deliver(store, channels, nid, NotifySettings()).state == "retry"


# --- a real Celery worker against real Redis --------------------------------------------------


@pytest.fixture
def start_worker(
    tmp_path: Path, http_server: LocalHTTPServer, redis_url: str
) -> Iterator[Callable[[str], subprocess.Popen[bytes]]]:
    """Start `celery worker --beat` processes (each in its own process group) on a config that
    sweeps the outbox twice a second and treats a 2-second-old claim as abandoned."""
    config = write_config(
        tmp_path / "config",
        [],
        channels={"hook": {"type": "webhook", "url": http_server.url("/hook")}},
        defaults={"interval": "1h", "channels": ["hook"]},
        extra={
            "notify": {"backoff": "0.2s", "backoff_max": "0.5s", "timeout": "60s",
                       "stale_after": "2s", "sweep_interval": "0.5s"},
            "schedule": {"tick": "1s"},
        },
    )  # fmt: skip
    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    env = worker_env(config, data, redis_url)
    processes: list[subprocess.Popen[bytes]] = []

    def start(name: str) -> subprocess.Popen[bytes]:
        beat = data / f"{name}.beat"
        process = start_celery_worker(env, tmp_path / f"{name}.log", name=name, beat=beat)
        processes.append(process)
        return process

    yield start
    for process in processes:
        stop_group(process)


def row_state(data: Path, nid: int) -> str:
    with Store.open(data) as store:
        row = store.get_notification(nid)
    return row.state if row else "missing"


@pytest.mark.slow
def test_worker_killed_mid_delivery_delivers_exactly_once(
    start_worker: Callable[[str], subprocess.Popen[bytes]],
    http_server: LocalHTTPServer,
    tmp_path: Path,
) -> None:
    """SIGKILL during the POST: the sweeper revives the row, a new worker sends it again with
    the same idempotency key, and the receiver ends with exactly one accepted event."""
    receiver = DedupingReceiver([Response(200, delay=60.0)])  # the first answer never comes
    http_server.route("/hook", handler=receiver)
    with Store.open(tmp_path / "data") as store:
        (nid,) = queue_change(store, "https://example.org/a", ["hook"])
    first = start_worker("first")
    wait_for(lambda: receiver.keys, timeout=30)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait(timeout=10)
    assert row_state(tmp_path / "data", nid) == "sending"
    start_worker("second")
    wait_for(lambda: row_state(tmp_path / "data", nid) == "sent", timeout=30)
    assert receiver.keys == [f"editwatch-{nid}"] * 2  # at-least-once on the wire ...
    assert list(receiver.accepted) == [f"editwatch-{nid}"]  # ... exactly once in effect


@pytest.mark.slow
def test_endpoint_down_then_up_is_delivered_once_by_the_worker(
    start_worker: Callable[[str], subprocess.Popen[bytes]],
    http_server: LocalHTTPServer,
    tmp_path: Path,
) -> None:
    """Two 503s then a 200: the worker retries with backoff and sends the alert once."""
    receiver = DedupingReceiver([Response(503), Response(503)])
    http_server.route("/hook", handler=receiver)
    with Store.open(tmp_path / "data") as store:
        (nid,) = queue_change(store, "https://example.org/a", ["hook"])
    start_worker("only")
    wait_for(lambda: row_state(tmp_path / "data", nid) == "sent", timeout=30)
    with Store.open(tmp_path / "data") as store:
        row = store.get_notification(nid)
    assert row is not None and row.attempts == 3
    assert receiver.keys == [f"editwatch-{nid}"] * 3
    assert list(receiver.accepted) == [f"editwatch-{nid}"]
