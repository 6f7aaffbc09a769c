"""The notification outbox: SQL for queueing, claiming, merging and settling deliveries.

A row moves ``pending -> sending -> sent``, or back to ``pending`` for a retry, or to ``dead``
for good (kept with its last error, never deleted). Coalescing is one detour with two group
sizes: a row is ``held`` until its ``next_attempt_at``, then the held rows of its group are
``merged`` into one row that travels the ordinary path (their ``digest_id`` names it; they
become ``sent`` in the same UPDATE that settles it). A burst of edits to one article is
grouped by (watch, channel) and becomes one cumulative alert (:func:`release_burst`); a
digest channel groups all its held rows into one new ``digest`` row (:func:`merge_held`).
Operator health events are rows of kind ``operator`` with no change.

A change row stores only its payload's envelope: the diff lives once in the change's own row
and is handed out with the notification, with the version numbers (:func:`_with_change`).

Workers agree through the database, not through Python locks: a claim, a hold and a merge are
conditional UPDATEs whose row count says who won, so two workers never deliver one row
(healthchecks' ``sendalerts`` does the same). A worker that dies mid-delivery leaves a row in
``sending``; :func:`requeue_stale` hands it back after a grace period.

Each function takes an open connection, so the caller decides the transaction: queueing happens
inside the same transaction as the change it announces.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from worker.errors import StoreError
from worker.models import Notification, NotificationKind, NotificationState
from worker.store.engine import conflict_insert, inserted_id
from worker.store.rows import dumps
from worker.store.schema import NOTIFICATION_STATES, changes, notifications, posts, versions

# a requeued row that got through is still sent
SETTLEABLE_AS_SENT: tuple[NotificationState, ...] = ("sending", "pending")
DigestBuilder = Callable[[list[Notification]], dict[str, Any]]
"""Merges the held rows of one channel into the payload of their digest."""


class MergeRaced(StoreError):
    """Another worker merged some of the same held rows first; this merge is rolled back."""


INSERT_NOTIFICATION = notifications.insert()  # built once: every alerting change runs it


def queue(
    connection: Connection,
    change_id: int | None,
    payloads: Iterable[tuple[str, dict[str, Any]]],
    now: datetime,
    *,
    kind: NotificationKind = "change",
    dedupe_key: str | None = None,
    hold_until: datetime | None = None,
) -> tuple[int, ...]:
    """Insert one pending row per ``(channel, payload)``, due at once; return their ids.

    With ``hold_until`` the rows wait as ``held`` until then (a burst of edits to one
    article becomes one cumulative alert, see :func:`release_burst`).
    """
    ids: list[int] = []
    for channel, payload in payloads:
        values = {
            "change_id": change_id,
            "kind": kind,
            "dedupe_key": dedupe_key,
            "channel": channel,
            "payload": dumps(payload, f"the {channel} notification payload", sort_keys=False),
            "state": "held" if hold_until else "pending",
            "attempts": 0,
            "next_attempt_at": hold_until or now,
            "created_at": now,
            "updated_at": now,
        }
        ids.append(inserted_id(connection.execute(INSERT_NOTIFICATION, values)))
    return tuple(ids)


def queue_event(
    connection: Connection,
    dedupe_key: str | None,
    payloads: Iterable[tuple[str, dict[str, Any]]],
    now: datetime,
) -> tuple[int, ...]:
    """Queue an operator event on each channel that has not had this ``dedupe_key`` yet."""
    fresh = list(payloads)
    if dedupe_key is not None:
        known = set(
            connection.scalars(
                sa.select(notifications.c.channel).where(notifications.c.dedupe_key == dedupe_key)
            )
        )
        fresh = [(channel, payload) for channel, payload in fresh if channel not in known]
    return queue(connection, None, fresh, now, kind="operator", dedupe_key=dedupe_key)


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


def hold(connection: Connection, notification_id: int, now: datetime) -> bool:
    """Park a claimed change row of a digest channel until the channel's window closes."""
    return _settle(connection, notification_id, ("sending",), state="held", updated_at=now)


def mark_sent(connection: Connection, notification_id: int, now: datetime) -> bool:
    """Record a delivery (and of every row merged into it); ``False`` if already settled."""
    settled = _settle(
        connection,
        notification_id,
        SETTLEABLE_AS_SENT,
        state="sent",
        attempts=notifications.c.attempts + 1,
        sent_at=now,
        updated_at=now,
        last_error=None,
    )
    if settled:
        connection.execute(
            notifications.update()
            .where(notifications.c.digest_id == notification_id, notifications.c.state == "merged")
            .values(state="sent", sent_at=now, updated_at=now)
        )
    return settled


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


def mark_dead(connection: Connection, notification_id: int, error: str, now: datetime) -> bool:
    """Give up on a claimed row: retrying will not help or the attempts are spent."""
    return _settle(
        connection,
        notification_id,
        ("sending",),
        state="dead",
        attempts=notifications.c.attempts + 1,
        last_error=error,
        updated_at=now,
    )


def defer(connection: Connection, notification_id: int, reason: str, until: datetime,
          now: datetime) -> bool:  # fmt: skip
    """Give a claimed row back, due at ``until``, without counting an attempt (a rate cap
    said "not yet": nothing failed)."""
    return _settle(
        connection,
        notification_id,
        ("sending",),
        state="pending",
        last_error=reason,
        next_attempt_at=until,
        updated_at=now,
    )


def sent_since(connection: Connection, channel: str, since: datetime) -> list[datetime]:
    """When each row of ``channel`` sent after ``since`` went out, oldest first."""
    query = (
        sa.select(notifications.c.sent_at)
        .where(
            notifications.c.channel == channel,
            notifications.c.state == "sent",
            notifications.c.sent_at > since,
            notifications.c.digest_id.is_(None),  # rows merged into another were not posts
        )
        .order_by(notifications.c.sent_at)
    )
    return list(connection.scalars(query))


def thread_post(connection: Connection, channel: str, change_id: int) -> str | None:
    """The id of the last post ``channel`` made about the article ``change_id`` belongs to."""
    query = (
        sa.select(posts.c.post_id)
        .select_from(posts.join(changes, changes.c.watch_id == posts.c.watch_id))
        .where(posts.c.channel == channel, changes.c.id == change_id)
    )
    found: str | None = connection.scalars(query).first()
    return found


def remember_post(
    connection: Connection, channel: str, change_id: int, post_id: str, now: datetime
) -> None:
    """Keep ``post_id`` as the article's latest post on ``channel`` (the next one replies)."""
    watch_id = connection.scalar(sa.select(changes.c.watch_id).where(changes.c.id == change_id))
    if watch_id is None:
        return
    row = {"channel": channel, "watch_id": watch_id, "post_id": post_id, "posted_at": now}
    statement = conflict_insert(connection, posts).values(**row)
    connection.execute(  # one statement: two deliveries about one article may finish together
        statement.on_conflict_do_update(
            index_elements=["channel", "watch_id"],
            set_={"post_id": statement.excluded.post_id, "posted_at": statement.excluded.posted_at},
        )
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


def held_channels(connection: Connection) -> dict[str, datetime]:
    """Channel -> when its oldest still-held row was queued (the start of a digest window)."""
    query = (
        sa.select(notifications.c.channel, sa.func.min(notifications.c.created_at))
        .where(notifications.c.state == "held")
        .group_by(notifications.c.channel)
    )
    return {row[0]: row[1] for row in connection.execute(query)}


def merge_held(
    connection: Connection, channel: str, build: DigestBuilder, now: datetime
) -> int | None:
    """Merge every held row of ``channel`` into one new pending digest row; return its id.

    The members move ``held -> merged`` with a conditional UPDATE: if another worker merged
    any of them first, the row count falls short and :class:`MergeRaced` rolls this back.
    """
    query = (
        _with_change()
        .where(notifications.c.channel == channel, notifications.c.state == "held")
        .order_by(notifications.c.id)
    )
    members = [_notification(row) for row in connection.execute(query).mappings()]
    if not members:
        return None
    (digest_id,) = queue(connection, None, [(channel, build(members))], now, kind="digest")
    result = connection.execute(
        notifications.update()
        .where(notifications.c.id.in_([m.id for m in members]), notifications.c.state == "held")
        .values(state="merged", digest_id=digest_id, updated_at=now)
    )
    if result.rowcount != len(members):
        raise MergeRaced(f"held rows of channel {channel!r} were merged by another worker")
    return digest_id


ALERTED_STATES: tuple[NotificationState, ...] = ("pending", "held", "sending", "sent", "dead")


def burst_marks(
    connection: Connection, watch_id: int, now: datetime
) -> tuple[datetime | None, datetime | None]:
    """(When this watch's latest alert was queued, when its held burst goes out).

    Only a release still ahead counts as a burst: a row held for a digest waits for its
    channel's window, which is not the watch's.
    """
    joined = notifications.join(changes, notifications.c.change_id == changes.c.id)
    mine = (changes.c.watch_id == watch_id, notifications.c.kind == "change")
    last = connection.execute(
        sa.select(sa.func.max(notifications.c.created_at))
        .select_from(joined)
        .where(*mine, notifications.c.state.in_(ALERTED_STATES))
    ).scalar()
    release = connection.execute(
        sa.select(sa.func.min(notifications.c.next_attempt_at))
        .select_from(joined)
        .where(*mine, notifications.c.state == "held", notifications.c.next_attempt_at > now)
    ).scalar()
    return last, release


def due_bursts(
    connection: Connection, now: datetime, skip_channels: Sequence[str]
) -> list[tuple[int, str, list[int]]]:
    """Held rows whose window closed, as (watch id, channel, row ids oldest first); the rows
    of ``skip_channels`` (digest channels) are merged per channel instead."""
    query = (
        sa.select(notifications.c.id, notifications.c.channel, changes.c.watch_id)
        .select_from(notifications.join(changes, notifications.c.change_id == changes.c.id))
        .where(
            notifications.c.state == "held",
            notifications.c.next_attempt_at <= now,
            notifications.c.channel.not_in(list(skip_channels)),
        )
        .order_by(notifications.c.id)
    )
    groups: dict[tuple[int, str], list[int]] = {}
    for row in connection.execute(query).mappings():
        groups.setdefault((row["watch_id"], row["channel"]), []).append(row["id"])
    return [(watch_id, channel, ids) for (watch_id, channel), ids in groups.items()]


def release_burst(
    connection: Connection,
    keep: int | None,
    payload: dict[str, Any] | None,
    merged: Sequence[int],
    now: datetime,
) -> None:
    """Send one cumulative alert for a burst: ``keep`` becomes pending with ``payload``.

    The other rows of the burst are ``merged`` into it (settled ``sent`` with it). With
    ``keep=None`` the burst cancelled itself out (the article is back where it was): every
    row is merged and nothing is sent. Conditional UPDATEs: a race rolls everything back.
    """
    if keep is not None:
        kept = connection.execute(
            notifications.update()
            .where(notifications.c.id == keep, notifications.c.state == "held")
            .values(
                state="pending",
                payload=dumps(payload or {}, "a cumulative notification payload", sort_keys=False),
                next_attempt_at=now,
                created_at=now,
                updated_at=now,
            )
        ).rowcount
        if kept != 1:
            raise MergeRaced("a held row was released by another worker")
    if merged:
        count = connection.execute(
            notifications.update()
            .where(notifications.c.id.in_(list(merged)), notifications.c.state == "held")
            .values(state="merged", digest_id=keep, updated_at=now)
        ).rowcount
        if count != len(merged):
            raise MergeRaced("held rows were released by another worker")


def requeue_stale(connection: Connection, older_than: datetime, now: datetime) -> int:
    """Hand rows stuck in ``sending`` since before ``older_than`` back to ``pending``."""
    result = connection.execute(
        notifications.update()
        .where(notifications.c.state == "sending", notifications.c.updated_at < older_than)
        .values(state="pending", next_attempt_at=now, updated_at=now)
    )
    return result.rowcount


def reset_dead(connection: Connection, ids: Sequence[int] | None, now: datetime) -> int:
    """Give dead rows a fresh start (after fixing a webhook URL, say); ``None`` means all."""
    query = notifications.update().where(notifications.c.state == "dead")
    if ids is not None:
        query = query.where(notifications.c.id.in_(list(ids)))
    result = connection.execute(
        query.values(
            state="pending", attempts=0, last_error=None, next_attempt_at=now, updated_at=now
        )
    )
    return result.rowcount


def get(connection: Connection, notification_id: int) -> Notification | None:
    query = _with_change().where(notifications.c.id == notification_id)
    row = connection.execute(query).mappings().first()
    return None if row is None else _notification(row)


def listing(
    connection: Connection, state: str | None, limit: int | None = None, newest_first: bool = False
) -> list[Notification]:
    """Every row (or the ``limit`` latest), or those in one ``state``, oldest first by default."""
    order = notifications.c.id.desc() if newest_first else notifications.c.id
    query = _with_change().order_by(order).limit(limit)
    if state is not None:
        if state not in NOTIFICATION_STATES:
            raise StoreError(f"unknown notification state {state!r}; one of {NOTIFICATION_STATES}")
        query = query.where(notifications.c.state == state)
    return [_notification(row) for row in connection.execute(query).mappings()]


def _settle(
    connection: Connection,
    notification_id: int,
    from_states: Sequence[NotificationState],
    **values: Any,
) -> bool:
    result = connection.execute(
        notifications.update()
        .where(notifications.c.id == notification_id, notifications.c.state.in_(from_states))
        .values(**values)
    )
    return result.rowcount == 1


_OLD = versions.alias("old_version")
_NEW = versions.alias("new_version")


def _with_change() -> sa.Select[Any]:
    """Notification rows with the diff and version numbers of the change they announce."""
    return sa.select(
        notifications,
        changes.c.diff.label("change_diff"),
        _OLD.c.number.label("change_old_version"),
        _NEW.c.number.label("change_new_version"),
    ).select_from(
        notifications.outerjoin(changes, changes.c.id == notifications.c.change_id)
        .outerjoin(_OLD, _OLD.c.id == changes.c.old_version_id)
        .outerjoin(_NEW, _NEW.c.id == changes.c.new_version_id)
    )


def _payload(row: RowMapping) -> dict[str, Any]:
    """The stored envelope plus the change it announces (its id, versions and diff), unless the
    row carries its own (a cumulative burst alert does; its id is then the newest change's)."""
    payload: dict[str, Any] = json.loads(row["payload"])
    if row["change_diff"] is None or row["kind"] != "change":
        return payload
    change = {
        "change_id": row["change_id"],  # `editwatch card <change_id>` draws it
        "old_version": row["change_old_version"],
        "new_version": row["change_new_version"],
        "diff": json.loads(row["change_diff"]),
    }
    return {**payload, **{k: v for k, v in change.items() if k not in payload}}


def _notification(row: RowMapping) -> Notification:
    state: NotificationState = row["state"]
    kind: NotificationKind = row["kind"]
    return Notification(
        id=row["id"],
        channel=row["channel"],
        payload=_payload(row),
        state=state,
        attempts=row["attempts"],
        last_error=row["last_error"],
        kind=kind,
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        digest_id=row["digest_id"],
    )
