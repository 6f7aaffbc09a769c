"""Delivery bookkeeping on a real SQLite store: claim, retry with backoff, dead, operator alert."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import pytest

from tests.integration.test_digest import queue_change
from worker.config import NotifySettings
from worker.errors import NotifyError
from worker.models import Notification
from worker.pipeline import delivery
from worker.store import Store

SETTINGS = NotifySettings(max_attempts=3, backoff=10.0, backoff_max=60.0)


class FailingChannel:
    """A channel whose receiver keeps failing the same way (a real Channel, no mock)."""

    kind: ClassVar[str] = "failing"

    def __init__(self, error: NotifyError) -> None:
        self.error = error
        self.sent: list[int] = []

    def send(self, notification: Notification) -> None:
        self.sent.append(notification.id)
        raise self.error


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store.open(tmp_path)


def test_a_transient_failure_is_retried_later_within_the_backoff(store: Store) -> None:
    """A retryable failure puts the row back to pending, due within the first ceiling."""
    (nid,) = queue_change(store, "https://example.org/a", ["hook"])
    channels = {"hook": FailingChannel(NotifyError("503"))}
    outcome = delivery.deliver(store, channels, nid, SETTINGS)
    assert outcome.state == "retry" and 0.0 <= outcome.delay <= 10.0
    row = store.get_notification(nid)
    assert row is not None and (row.state, row.attempts, row.last_error) == ("pending", 1, "503")


def test_retry_after_sets_the_wait_up_to_the_cap(store: Store) -> None:
    """A receiver's Retry-After is the wait, but never beyond backoff_max."""
    (nid,) = queue_change(store, "https://example.org/a", ["hook"])
    channels = {"hook": FailingChannel(NotifyError("429", retry_after=3600.0))}
    assert delivery.deliver(store, channels, nid, SETTINGS).delay == 60.0


def test_spent_attempts_make_the_row_dead_and_tell_the_operators(store: Store) -> None:
    """After max_attempts the row is dead with its error, and each operator channel hears of it."""
    (nid,) = queue_change(store, "https://example.org/a", ["hook"])
    channels = {"hook": FailingChannel(NotifyError("503"))}
    routing = delivery.Routing(operator=("ops",))
    at_once = NotifySettings(max_attempts=3, backoff=0.0, backoff_max=0.0)  # due again at once
    states = [delivery.deliver(store, channels, nid, at_once, routing).state for _ in range(3)]
    assert states == ["retry", "retry", "dead"]
    (event,) = store.notifications("pending")
    assert event.kind == "operator" and event.channel == "ops"
    assert event.payload["event"] == "notification_dead" and event.payload["notification_id"] == nid


def test_an_unconfigured_channel_is_dead_at_once(store: Store) -> None:
    """A row for a channel removed from the config fails permanently, naming the channel."""
    (nid,) = queue_change(store, "https://example.org/a", ["gone"])
    outcome = delivery.deliver(store, {}, nid, SETTINGS)
    assert outcome.state == "dead" and "'gone' is not configured" in (outcome.error or "")
