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

Bot channels (``bot: {max_per_hour: N}``): a claimed change row of a channel that already sent
N posts in the last hour is *deferred*, not dropped: it goes back to ``pending``, due when the
oldest of those N posts is an hour old, without spending an attempt, and ``last_error`` says
why. Deferred rows keep their order (due time, then id), so a burst of headline changes goes
out N per hour, oldest first. A channel that threads (:class:`worker.notify.ThreadedChannel`)
is handed the id of its last post about the same article and the new post's id is kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from worker.clock import utcnow
from worker.config import ChannelSettings, NotifySettings, Settings
from worker.errors import NotifyError
from worker.logs import bound, get_logger
from worker.models import Notification
from worker.notify import Channel, ChannelContext, ThreadedChannel
from worker.notify.events import digest_payload, operator_payload
from worker.retry import retry_delay
from worker.store import Store

log = get_logger(__name__)

DeliveryState = Literal["sent", "retry", "dead", "held", "skipped", "deferred"]
HOUR = timedelta(hours=1)


def channel_context(settings: Settings) -> ChannelContext:
    """What the channels get from the settings: workers and ``editwatch`` build them alike."""
    return ChannelContext(
        data_dir=settings.data_dir,
        allow_private_networks=settings.fetch.allow_private_networks,
        user_agent=settings.fetch.user_agent,
        timeout=settings.notify.timeout,
        draw_card=_draw_card,
    )


def _draw_card(payload: Mapping[str, Any]) -> bytes | None:
    """The alert's card, with the drawing stack (Pillow, fontTools: some 8 MB) imported on the
    first card drawn, not at start: every pool process inherits the worker's imports and most
    never draw a card, and an ``editwatch check`` run pays its imports at every start."""
    from worker.cards import card_for_payload

    return card_for_payload(payload)


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
    caps: Mapping[str, int] = field(default_factory=dict)  # bot channel -> posts per hour

    @classmethod
    def from_settings(cls, settings: Settings) -> Routing:
        caps = {name: c.bot.max_per_hour for name, c in settings.channels.items() if c.bot}
        return cls(settings.operator, digest_windows(settings.channels), caps)


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
        deferred = _over_cap(store, notification, routing, now)
        if deferred is not None:
            return deferred
        try:
            _send(store, channels, notification)
        except NotifyError as exc:
            return _after_failure(store, notification, exc, settings, routing)
        store.mark_sent(notification.id, utcnow())
        log.info("notification_sent", attempts=notification.attempts + 1, kind=notification.kind)
        return Delivery(notification_id, "sent")


def _over_cap(
    store: Store, notification: Notification, routing: Routing, now: datetime
) -> Delivery | None:
    """Defer a change row of a bot channel that used up its hour; ``None`` when it may go."""
    cap = routing.caps.get(notification.channel)
    if not cap or notification.kind != "change":
        return None
    sent = store.sent_since(notification.channel, now - HOUR)
    if len(sent) < cap:
        return None
    until = sent[len(sent) - cap] + HOUR  # when the oldest post of the full hour ages out
    reason = f"rate cap: {cap} posts per hour reached; due again at {until:%H:%M:%S} UTC"
    store.defer_notification(notification.id, reason, until)
    log.info("notification_deferred", reason="rate_cap", until=until.isoformat())
    delay = max((until - now).total_seconds(), 0.0)
    return Delivery(notification.id, "deferred", delay=delay, error=reason)


def _send(store: Store, channels: Mapping[str, Channel], notification: Notification) -> None:
    """Send through the row's channel; a threading channel replies to the article's last post."""
    channel = channels.get(notification.channel)
    if channel is None:
        raise NotifyError(
            f"channel {notification.channel!r} is not configured any more", permanent=True
        )
    change_id = notification.payload.get("change_id")
    if not isinstance(channel, ThreadedChannel) or not isinstance(change_id, int):
        channel.send(notification)
        return
    post_id = channel.post(notification, store.thread_post(notification.channel, change_id))
    if post_id:
        store.remember_post(notification.channel, change_id, post_id)


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
