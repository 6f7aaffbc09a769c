"""Delivery of queued alerts: claim one outbox row, send it through its channel, settle it.

Why a claim: the outbox row moves pending -> sending with a conditional UPDATE, so two workers
handed the same id (a redelivered task, the sweeper racing a retry) never both send it. A
failure is either retried later with exponential backoff (honouring ``Retry-After``) or, when
permanent or out of attempts, settled as failed with its reason; nothing is ever deleted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from worker.config import NotifySettings
from worker.errors import NotifyError
from worker.logs import bound, get_logger
from worker.notify import Channel, backoff_delay
from worker.store import Store

log = get_logger(__name__)

DeliveryState = Literal["sent", "retry", "failed", "skipped"]


@dataclass(frozen=True, slots=True)
class Delivery:
    """What one delivery attempt did; ``delay`` is the wait before the next try on retry."""

    notification_id: int
    state: DeliveryState
    delay: float = 0.0
    error: str | None = None


def utcnow() -> datetime:
    return datetime.now(UTC)


def deliver(
    store: Store,
    channels: dict[str, Channel],
    notification_id: int,
    settings: NotifySettings,
) -> Delivery:
    """Claim one outbox row and send it; on failure schedule a retry or mark it failed.

    The claim is a conditional UPDATE, so two workers handed the same id never both send.
    """
    now = utcnow()
    notification = store.claim_notification(notification_id, now)
    if notification is None:
        return Delivery(notification_id, "skipped")
    with bound(notification_id=notification_id, channel=notification.channel):
        channel = channels.get(notification.channel)
        try:
            if channel is None:
                raise NotifyError(
                    f"channel {notification.channel!r} is not configured any more", permanent=True
                )
            channel.send(notification)
        except NotifyError as exc:
            return _after_failure(store, notification.id, notification.attempts + 1, exc, settings)
        store.mark_sent(notification.id, utcnow())
        log.info("notification_sent", attempts=notification.attempts + 1)
        return Delivery(notification_id, "sent")


def _after_failure(
    store: Store, notification_id: int, attempt: int, exc: NotifyError, settings: NotifySettings
) -> Delivery:
    if exc.permanent or attempt >= settings.max_attempts:
        store.mark_failed(notification_id, str(exc))
        log.error("notification_failed", attempts=attempt, error=str(exc))
        return Delivery(notification_id, "failed", error=str(exc))
    delay = backoff_delay(attempt, settings, exc.retry_after)
    store.mark_retry(notification_id, str(exc), utcnow() + timedelta(seconds=delay))
    log.warning("notification_retry", attempts=attempt, delay=round(delay, 1), error=str(exc))
    return Delivery(notification_id, "retry", delay=delay, error=str(exc))


def deliver_pending(
    store: Store, channels: dict[str, Channel], settings: NotifySettings, limit: int = 1000
) -> list[Delivery]:
    """Send every outbox row that is due now (used by ``editwatch check`` and the sweeper)."""
    return [deliver(store, channels, i, settings) for i in store.due_notifications(utcnow(), limit)]
