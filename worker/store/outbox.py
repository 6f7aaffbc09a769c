"""The notification outbox: SQL for queueing, claiming and settling deliveries.

A row moves ``pending -> sending -> sent``, or back to ``pending`` for a retry, or to
``failed`` for good. Workers agree through the database, not through Python locks: a claim is
a conditional UPDATE whose row count says who won, so two workers never deliver one row
(healthchecks' ``sendalerts`` does the same). A worker that dies mid-delivery leaves a row in
``sending``; :func:`requeue_stale` hands it back after a grace period.

Each function takes an open connection, so the caller decides the transaction: queueing happens
inside the same transaction as the change it announces.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from worker.errors import StoreError
from worker.models import Notification, NotificationState
from worker.store.engine import inserted_id
from worker.store.rows import dumps
from worker.store.schema import NOTIFICATION_STATES, notifications

SETTLEABLE_AS_SENT = ("sending", "pending")  # a requeued row that got through is still sent


def queue(
    connection: Connection,
    change_id: int,
    payloads: Iterable[tuple[str, dict[str, Any]]],
    now: datetime,
) -> tuple[int, ...]:
    """Insert one pending row per ``(channel, payload)``, due at once; return their ids."""
    ids: list[int] = []
    for channel, payload in payloads:
        result = connection.execute(
            notifications.insert().values(
                change_id=change_id,
                channel=channel,
                payload=dumps(payload, f"the {channel} notification payload"),
                state="pending",
                attempts=0,
                next_attempt_at=now,
                created_at=now,
                updated_at=now,
            )
        )
        ids.append(inserted_id(result))
    return tuple(ids)


def claim(connection: Connection, notification_id: int, now: datetime) -> Notification | None:
    """Move a due pending row to sending; only the caller whose UPDATE hit the row gets it."""
    result = connection.execute(
        notifications.update()
        .where(
            notifications.c.id == notification_id,
            notifications.c.state == "pending",
            notifications.c.next_attempt_at <= now,
        )
        .values(state="sending", updated_at=now)
    )
    if result.rowcount != 1:
        return None
    return get(connection, notification_id)


def mark_sent(connection: Connection, notification_id: int, now: datetime) -> bool:
    """Record a delivery; ``False`` when the row was not in flight (already settled)."""
    return _settle(
        connection,
        notification_id,
        SETTLEABLE_AS_SENT,
        state="sent",
        sent_at=now,
        updated_at=now,
        last_error=None,
    )


def mark_retry(
    connection: Connection,
    notification_id: int,
    error: str,
    next_attempt_at: datetime,
    now: datetime,
) -> bool:
    """Give a claimed row back for another try at ``next_attempt_at``."""
    return _settle(
        connection,
        notification_id,
        ("sending",),
        state="pending",
        attempts=notifications.c.attempts + 1,
        last_error=error,
        next_attempt_at=next_attempt_at,
        updated_at=now,
    )


def mark_failed(connection: Connection, notification_id: int, error: str, now: datetime) -> bool:
    """Give up on a claimed row: retrying will not help or the attempts are spent."""
    return _settle(
        connection,
        notification_id,
        ("sending",),
        state="failed",
        attempts=notifications.c.attempts + 1,
        last_error=error,
        updated_at=now,
    )


def due(connection: Connection, now: datetime, limit: int) -> list[int]:
    """Ids of pending rows whose time has come, oldest first."""
    query = (
        sa.select(notifications.c.id)
        .where(notifications.c.state == "pending", notifications.c.next_attempt_at <= now)
        .order_by(notifications.c.next_attempt_at, notifications.c.id)
        .limit(limit)
    )
    return list(connection.scalars(query))


def requeue_stale(connection: Connection, older_than: datetime, now: datetime) -> int:
    """Hand rows stuck in ``sending`` since before ``older_than`` back to ``pending``."""
    result = connection.execute(
        notifications.update()
        .where(notifications.c.state == "sending", notifications.c.updated_at < older_than)
        .values(state="pending", next_attempt_at=now, updated_at=now)
    )
    return result.rowcount


def reset_failed(connection: Connection, ids: Sequence[int] | None, now: datetime) -> int:
    """Give failed rows a fresh start (after fixing a webhook URL, say); ``None`` means all."""
    query = notifications.update().where(notifications.c.state == "failed")
    if ids is not None:
        query = query.where(notifications.c.id.in_(list(ids)))
    result = connection.execute(
        query.values(
            state="pending", attempts=0, last_error=None, next_attempt_at=now, updated_at=now
        )
    )
    return result.rowcount


def get(connection: Connection, notification_id: int) -> Notification | None:
    row = (
        connection.execute(sa.select(notifications).where(notifications.c.id == notification_id))
        .mappings()
        .first()
    )
    return None if row is None else _notification(row)


def listing(connection: Connection, state: str | None) -> list[Notification]:
    """Every row, or those in one ``state``, oldest first."""
    query = sa.select(notifications).order_by(notifications.c.id)
    if state is not None:
        if state not in NOTIFICATION_STATES:
            raise StoreError(f"unknown notification state {state!r}; one of {NOTIFICATION_STATES}")
        query = query.where(notifications.c.state == state)
    return [_notification(row) for row in connection.execute(query).mappings()]


def _settle(
    connection: Connection, notification_id: int, from_states: Sequence[str], **values: Any
) -> bool:
    result = connection.execute(
        notifications.update()
        .where(notifications.c.id == notification_id, notifications.c.state.in_(from_states))
        .values(**values)
    )
    return result.rowcount == 1


def _notification(row: RowMapping) -> Notification:
    state: NotificationState = row["state"]
    return Notification(
        id=row["id"],
        channel=row["channel"],
        payload=json.loads(row["payload"]),
        state=state,
        attempts=row["attempts"],
        last_error=row["last_error"],
    )
