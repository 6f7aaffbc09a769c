"""Delivery of queued alerts: claim one outbox row, send it through its channel, settle it.

Why a claim: the outbox row moves pending -> sending with a conditional UPDATE, so two workers
handed the same id (a redelivered task, the sweeper racing a retry) never both send it, and a
row already ``sent`` is never claimed again. A failure is either retried later with exponential
backoff and jitter (honouring ``Retry-After``) or, when permanent or out of attempts, settled
as ``dead`` with its reason; nothing is ever deleted, and a dead alert is itself reported to the
operator channels (unless it was an operator event: no loops).

Digest channels: a claimed change row of such a channel is parked as ``held`` instead of sent;
:func:`flush_digests` merges a channel's held rows into one digest row once the oldest has
waited the channel's window, and that row is delivered like any other. Holding and merging is
the same coalescing as a watch's burst debounce (:mod:`worker.pipeline.debounce`), with the
channel as the group.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from worker.clock import utcnow
from worker.config import ChannelSettings, NotifySettings, Settings
from worker.errors import NotifyError
from worker.logs import bound, get_logger
from worker.models import Notification
from worker.notify import Channel
from worker.notify.events import digest_payload, operator_payload
from worker.retry import retry_delay
from worker.store import Store

log = get_logger(__name__)

DeliveryState = Literal["sent", "retry", "dead", "held", "skipped"]


@dataclass(frozen=True, slots=True)
class Delivery:
    """What one delivery attempt did; ``delay`` is the wait before the next try on retry."""

    notification_id: int
    state: DeliveryState
    delay: float = 0.0
    error: str | None = None


@dataclass(frozen=True, slots=True)
class Routing:
    """Where alerts go beyond their own channel: operator channels and digest windows."""

    operator: tuple[str, ...] = ()
    digests: Mapping[str, float] = field(default_factory=dict)  # channel -> window, seconds

    @classmethod
    def from_settings(cls, settings: Settings) -> Routing:
        return cls(settings.operator, digest_windows(settings.channels))


def digest_windows(channels: Mapping[str, ChannelSettings]) -> dict[str, float]:
    """Channel name -> digest window in seconds, for channels with ``digest:`` set."""
    return {name: item.digest for name, item in channels.items() if item.digest}


def deliver(
    store: Store,
    channels: Mapping[str, Channel],
    notification_id: int,
    settings: NotifySettings,
    routing: Routing | None = None,
) -> Delivery:
    """Claim one outbox row and send it (or hold it for a digest); settle it by the outcome.

    The claim is a conditional UPDATE, so two workers handed the same id never both send.
    """
    routing = routing or Routing()
    now = utcnow()
    notification = store.claim_notification(notification_id, now)
    if notification is None:
        return Delivery(notification_id, "skipped")
    with bound(notification_id=notification_id, channel=notification.channel):
        if notification.kind == "change" and routing.digests.get(notification.channel):
            store.hold_notification(notification_id, now)
            log.info("notification_held_for_digest")
            return Delivery(notification_id, "held")
        try:
            _send(channels, notification)
        except NotifyError as exc:
            return _after_failure(store, notification, exc, settings, routing)
        store.mark_sent(notification.id, utcnow())
        log.info("notification_sent", attempts=notification.attempts + 1, kind=notification.kind)
        return Delivery(notification_id, "sent")


def _send(channels: Mapping[str, Channel], notification: Notification) -> None:
    channel = channels.get(notification.channel)
    if channel is None:
        raise NotifyError(
            f"channel {notification.channel!r} is not configured any more", permanent=True
        )
    channel.send(notification)


def _after_failure(
    store: Store,
    notification: Notification,
    exc: NotifyError,
    settings: NotifySettings,
    routing: Routing,
) -> Delivery:
    attempt, error = notification.attempts + 1, str(exc)
    if exc.permanent or attempt >= settings.max_attempts:
        store.mark_dead(notification.id, error, _dead_events(notification, error, routing))
        log.error("notification_dead", attempts=attempt, error=error, permanent=exc.permanent)
        return Delivery(notification.id, "dead", error=error)
    delay = retry_delay(
        attempt, base=settings.backoff, cap=settings.backoff_max, retry_after=exc.retry_after
    )
    store.mark_retry(notification.id, error, utcnow() + timedelta(seconds=delay))
    log.warning("notification_retry", attempts=attempt, delay=round(delay, 1), error=error)
    return Delivery(notification.id, "retry", delay=delay, error=error)


def _dead_events(
    notification: Notification, error: str, routing: Routing
) -> list[tuple[str, dict[str, object]]]:
    """The operator alert for a dead row; none for operator rows (a dead alert about a dead
    alert could loop forever)."""
    if notification.kind == "operator":
        return []
    payload = notification.payload
    subject = payload.get("watch") or (
        f"digest of {payload.get('count')}" if "digest" in payload else ""
    )
    details = {
        "notification_id": notification.id,
        "channel": notification.channel,
        "watch": subject,
        "error": error,
        "attempts": notification.attempts + 1,
    }
    title = f"Alert #{notification.id} to {notification.channel!r} is dead: {error}"
    event = operator_payload("notification_dead", title, details)
    return [(channel, event) for channel in routing.operator]


def flush_digests(store: Store, routing: Routing, now: datetime | None = None) -> list[int]:
    """Merge each digest channel whose window has closed into one digest row; their ids.

    Held rows of a channel that no longer has a digest window (config changed) are released
    as bursts of their watch (:func:`worker.pipeline.debounce.release_debounced`), so nothing
    stays held forever.
    """
    now = now or utcnow()
    ids = []
    for channel, oldest in store.held_channels().items():
        window = routing.digests.get(channel)
        if window is None or oldest + timedelta(seconds=window) > now:
            continue
        digest_id = store.merge_held(channel, digest_payload)
        if digest_id is not None:
            log.info("digest_merged", channel=channel, digest_id=digest_id)
            ids.append(digest_id)
    return ids


def deliver_pending(
    store: Store,
    channels: Mapping[str, Channel],
    settings: NotifySettings,
    routing: Routing | None = None,
    limit: int = 1000,
) -> list[Delivery]:
    """Flush due digests, then send every outbox row that is due now (``editwatch check``)."""
    routing = routing or Routing()
    flush_digests(store, routing)
    due = store.due_notifications(utcnow(), limit)
    return [deliver(store, channels, i, settings, routing) for i in due]
