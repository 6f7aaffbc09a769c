"""Burst coalescing: edits that come quickly after an alerted one wait, then go out as one alert.

Coalescing is one concept with one state: a row waits as ``held`` and is then ``merged`` into
the row that carries it. Here the group is one watch on one channel (a burst of edits becomes
one cumulative alert, oldest old -> newest new version); on a digest channel the group is the
whole channel (:func:`worker.pipeline.delivery.flush_digests`), which already coalesces, so
a digest channel's held rows are left to it.

The check decides whether a new alert waits (:func:`hold_until`); a periodic task (Celery beat,
or ``editwatch check`` at its end) releases the bursts whose window closed
(:func:`release_debounced`). Neither registers watches: everything a release needs is in the
held rows and the versions they name.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any

from worker import diff as diffing
from worker.clock import utcnow
from worker.config import Settings
from worker.models import Notification
from worker.normalize import normalize_article
from worker.pipeline.context import Target
from worker.pipeline.payload import build_payload
from worker.render import render_json
from worker.store import Store


def hold_until(target: Target, store: Store, now: datetime) -> datetime | None:
    """Burst debounce: the first edit alerts at once; edits within ``debounce`` of it wait.

    Waiting alerts go out together, as one cumulative alert, when the window closes
    (:func:`release_debounced`).
    """
    window = timedelta(seconds=target.watch.debounce)
    if not window:
        return None
    last, release = store.burst_marks(target.id, now)
    if release is not None:
        return release
    if last is not None and now < last + window:
        return last + window
    return None


def release_debounced(store: Store, settings: Settings, now: datetime | None = None) -> list[int]:
    """Turn every burst whose window closed into one alert; the digest channels of
    ``settings`` merge their held rows themselves. Ids of the alerts now pending."""
    digests = [name for name, channel in settings.channels.items() if channel.digest]
    return release_bursts(store, digests, now or utcnow())


def release_bursts(store: Store, digests: Collection[str], now: datetime) -> list[int]:
    """Turn every burst whose window closed into one alert (oldest old -> newest new version),
    except on the ``digests`` channels. Returns the ids of the alerts now pending."""
    released = []
    for watch_id, _channel, ids in store.due_bursts(now, list(digests)):
        rows = [n for n in (store.get_notification(i) for i in ids) if n is not None]
        if not rows:
            continue
        payload = _cumulative_payload(store, watch_id, rows, now)
        keep = ids[-1] if payload is not None else None
        if store.release_burst(keep, payload, ids[:-1] if keep else ids, now) and keep:
            released.append(keep)
    return released


def _cumulative_payload(
    store: Store, watch_id: int, rows: list[Notification], now: datetime
) -> dict[str, Any] | None:
    """The alert for a whole burst; None when the burst cancelled itself out."""
    newest = rows[-1].payload
    old = store.version(watch_id, int(rows[0].payload.get("old_version") or 0))
    new = store.version(watch_id, int(newest.get("new_version") or 0))
    if old is None or new is None or old.removed or new.removed:
        return {**newest, "debounced": len(rows)}  # nothing better to compare: newest as is
    change = diffing.compare(old.article, new.article)
    if change is None:
        return None
    name, url = str(newest.get("watch", "")), str(newest.get("url", ""))
    old_article, new_article = normalize_article(old.article), normalize_article(new.article)
    envelope = build_payload(name, url, change, old_article, new_article, now)
    rendered = render_json(change, old=old_article, new=new_article, meta={})
    versions = {"old_version": old.number, "new_version": new.number, "diff": rendered}
    return {**envelope, **versions, "debounced": len(rows)}
