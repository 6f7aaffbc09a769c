"""The cap on a live blog's stored states: new entries wait for ``liveblog.min_interval``.

A live blog that posts every five minutes would store (and hash, and keep the page of) a state
at every check. An update that is only new entries (:func:`worker.diff.is_liveblog_update`)
found sooner than ``min_interval`` after the watch's last stored state is therefore not stored:
the check is ``unchanged`` and says why. Nothing is lost: the stored state stays the one the
next check compares with, so the waiting entries are still new then and land in the next
stored state, and the validators of the unstored page are not kept (a 304 to them would hide
the entries). An edit or deletion of an earlier entry is never held: it is stored at once,
with every entry that waited.
"""

from __future__ import annotations

import math

from worker import diff as diffing
from worker.config import LiveBlogSettings
from worker.models import Change, CheckResult, Version
from worker.pipeline.context import Target, result_for, utcnow
from worker.store import Store


def held_update(
    target: Target, current: Version, change: Change, store: Store, settings: LiveBlogSettings
) -> CheckResult | None:
    """The ``unchanged`` result of an update that must wait, or None to store it now."""
    if settings.min_interval <= 0 or not diffing.is_liveblog_update(change):
        return None
    record = store.get_watch(target.id)
    stored_at = record.last_changed_at if record is not None else None
    if stored_at is None:
        return None
    wait = settings.min_interval - (utcnow() - stored_at).total_seconds()
    if wait <= 0:
        return None
    added = sum(1 for fd in change.fields for block in fd.blocks if block.tag == "insert")
    detail = (
        f"live blog: {added} new {'entry' if added == 1 else 'entries'} not stored yet "
        f"(liveblog.min_interval {_minutes(settings.min_interval)}: stored at the next check "
        f"after {_minutes(wait)}); v{current.number} is still the state compared with"
    )
    return result_for(
        target.watch, "unchanged", version=current.number, detail=detail, keep_validators=True
    )


def _minutes(seconds: float) -> str:
    return f"{math.ceil(seconds / 60)} min" if seconds >= 60 else f"{math.ceil(seconds)} s"
