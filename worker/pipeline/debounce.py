"""Burst debounce: edits that come quickly after an alerted one wait, then go out as one alert.

The check decides whether a new alert waits (:func:`hold_until`); a periodic task (Celery beat,
or ``editwatch check`` at its end) releases the bursts whose window closed
(:func:`release_debounced`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from worker import diff as diffing
from worker.config import Settings
from worker.models import Notification
from worker.normalize import normalize_article
from worker.pipeline.context import Target, targets_for, utcnow
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
    last, release = store.debounce_marks(target.id)
    if release is not None:
        return release
    if last is not None and now < last + window:
        return last + window
    return None


def release_debounced(store: Store, settings: Settings) -> list[int]:
    """Turn every burst whose window closed into one alert (oldest old -> newest new version).

    Returns the ids of the alerts now pending, for the caller to deliver.
    """
    now = utcnow()
    targets = {t.id: t for t in targets_for(store, settings.watches)}
    released = []
    for watch_id, _channel, ids in store.due_debounced(now):
        rows = [n for n in (store.get_notification(i) for i in ids) if n is not None]
        if not rows:
            continue
        payload = _cumulative_payload(store, targets.get(watch_id), watch_id, rows, now)
        keep = ids[-1] if payload is not None else None
        if store.release_debounced(keep, payload, ids[:-1] if keep else ids, now) and keep:
            released.append(keep)
    return released


def _cumulative_payload(
    store: Store, target: Target | None, watch_id: int, rows: list[Notification], now: datetime
) -> dict[str, Any] | None:
    """The alert for a whole burst; None when the burst cancelled itself out."""
    newest = rows[-1].payload
    old = store.version(watch_id, int(rows[0].payload.get("old_version") or 0))
    new = store.version(watch_id, int(newest.get("new_version") or 0))
    if target is None or old is None or new is None or old.removed or new.removed:
        return {**newest, "debounced": len(rows)}  # nothing better to compare: newest as is
    change = diffing.compare(old.article, new.article)
    if change is None:
        return None
    rendered = render_json(
        change, old=normalize_article(old.article), new=normalize_article(new.article), meta={}
    )
    payload = build_payload(target.watch, change, old, new.article, new.number, now, rendered)
    return {**payload, "debounced": len(rows)}
