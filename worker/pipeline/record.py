"""Storing what a check found: a new state, with a change its outbox rows, in one transaction.

A removal (a 404/410, or a redirect to a section front) is stored the same way, as one state
(``state="removed"``, an empty article) whatever status said it; the stored diff is rendered
from the canonical articles, like every alert.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from worker import diff as diffing
from worker.config import ChannelSettings
from worker.extract import EXTRACTOR_VERSION
from worker.models import Article, Capture, Change, CheckResult, Version, VersionState, Watch
from worker.normalize import normalize_article
from worker.pipeline.bot import alert_channels
from worker.pipeline.context import Target, result_for, utcnow
from worker.pipeline.debounce import hold_until
from worker.pipeline.history import REMOVED_FINGERPRINT
from worker.pipeline.payload import build_payload
from worker.render import render_json
from worker.store import NewAlert, NewChange, SavedState, Store


def record_removal(
    target: Target,
    current: Version,
    status: int,
    store: Store,
    final_url: str = "",
    channels: Mapping[str, ChannelSettings] | None = None,
) -> CheckResult:
    """Store the "removed" state once: a 404 after a 410 (or a redirect) is unchanged (its
    ``last_seen`` is bumped with the check's row)."""
    if current.removed:
        detail = f"still removed (HTTP {status})"
        return result_for(
            target.watch, "unchanged", version=current.number, status=status, detail=detail
        )
    change = diffing.removed_change(current.article, status, final_url=final_url)
    capture = Capture(target.watch.url, final_url or target.watch.url, status, utcnow())
    saved = save_state(
        target,
        b"",
        Article(),
        REMOVED_FINGERPRINT,
        current,
        change,
        store,
        state="removed",
        capture=capture,
        channels=channels,
    )
    return changed_result(target.watch, change, saved, status=status)


def changed_result(watch: Watch, change: Change, saved: SavedState, **values: Any) -> CheckResult:
    """The ``changed`` outcome, naming the change's kinds, the new version and queued alerts."""
    return result_for(
        watch,
        "changed",
        kinds=tuple(sorted(change.kinds)),
        version=saved.version_number,
        notifications=saved.notification_ids,
        **values,
    )


def save_state(
    target: Target,
    raw_html: bytes,
    article: Article,
    print_: str,
    current: Version | None,
    change: Change | None,
    store: Store,
    *,
    state: VersionState = "live",
    capture: Capture | None = None,
    channels: Mapping[str, ChannelSettings] | None = None,
) -> SavedState:
    """Store the new state, and with a change its outbox rows, in one transaction.

    Every change is stored; only those passing the watch's ``alert_on`` policy queue alerts.
    ``capture`` (how the page was fetched) becomes the new version's evidence record.
    ``channels`` (the configured channels) lets bot channels skip what they would not post.
    """
    detected = utcnow()
    new_change, alert = None, None
    if change is not None and current is not None:
        rendered = render_json(
            change, old=normalize_article(current.article), new=normalize_article(article), meta={}
        )
        new_change = NewChange(
            tuple(sorted(change.kinds)), change.significance, change.silent, rendered
        )
        alert = _alert(target, change, current.article, article, store, detected, channels)
    return store.save_state(
        target.id,
        article=article,
        fingerprint=print_,
        raw_html=raw_html,
        extractor_version=EXTRACTOR_VERSION,
        seen_at=detected,
        change=new_change,
        alert=alert,
        state=state,
        capture=capture,
    )


def _alert(
    target: Target,
    change: Change,
    old: Article,
    new: Article,
    store: Store,
    detected: datetime,
    channels: Mapping[str, ChannelSettings] | None,
) -> NewAlert | None:
    """The outbox rows a change queues, or None: not wanted by the watch's ``alert_on``, or
    no channel would post it. The payload and the burst window (a store read) are made only
    for an alert that goes somewhere: a watch with no channel (or only bot channels that
    skip this change) queues nothing, and costs nothing more than the stored change."""
    watch = target.watch
    if not diffing.should_alert(change, watch.alert_on):
        return None
    to = alert_channels(watch.channels, change.kinds, channels or {})
    if not to:
        return None
    payload = build_payload(watch.name, watch.url, change, old, new, detected)
    return NewAlert(payload, to, hold_until(target, store, detected))
