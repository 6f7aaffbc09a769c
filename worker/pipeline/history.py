"""Changes that need a watch's stored history: removal, restoration and headline A/B tests.

A removal is one stored state (``Version.state == "removed"``) however the site said it: 404,
410 and a redirect to a section front all land on the same version, so a site alternating
between them is one removal and one alert. The next live state after it is a restoration,
compared with the last live version before it. :func:`change_between` describes any two
stored versions the way the alert did, for ``editwatch diff``.
"""

from __future__ import annotations

from dataclasses import replace as dc_replace

from worker import diff as diffing
from worker.models import Article, Change, ChangeKind, Version
from worker.pipeline import reread
from worker.pipeline.context import Target
from worker.store import Store

# The removed state needs a fingerprint for the (watch, fingerprint) unique key; what it *is*
# is told by ``Version.state``, never by parsing this value.
REMOVED_FINGERPRINT = "removed"
LIVE_LOOKBACK = 20  # versions searched for the last live one before a removal


def change_from(
    target: Target,
    current: Version,
    article: Article,
    store: Store,
    read: reread.Reader | None = None,
) -> Change | None:
    """The change from the current state: a restoration after a removal, or a plain edit.

    ``read`` (the check's extraction) reads the last live state's page again when another
    extractor read it, so a restoration after an upgrade is not alerted for how it is read.
    """
    if current.removed:
        return _restoration(target, current, article, store, read)
    change = _edit_or_move(current.article, article)
    if change is not None and "headline" in change.kinds:
        return _mark_ab_test(target, change, article, store)
    return change


def _restoration(
    target: Target, removed: Version, article: Article, store: Store, read: reread.Reader | None
) -> Change:
    """The restored state compared with the last live one (read again when it is stale)."""
    live = last_live(store, target.id, before=removed.number)
    if live is None or read is None or not reread.stale(live):
        return diffing.restored_change(live.article if live else Article(), article)
    reading = reread.read_again(target, live, read, store)
    change = diffing.restored_change(reading.article or live.article, article)
    return dc_replace(change, details=(reading.note, *change.details)) if reading.note else change


def last_live(store: Store, watch_id: int, *, before: int | None = None) -> Version | None:
    """The newest live version (numbered below ``before``, when given)."""
    recent = store.recent_versions(watch_id, LIVE_LOOKBACK)
    return next(
        (v for v in recent if not v.removed and (before is None or v.number < before)), None
    )


def change_between(store: Store, watch_id: int, old: Version, new: Version) -> Change | None:
    """What changed from ``old`` to ``new``, described exactly as the alert described it.

    A removal reads "removed" (with the status the check recorded, when the stored change has
    it), a restoration "restored", never a field-by-field emptying of the article.
    """
    if new.removed and not old.removed:
        gone = diffing.removed_change(old.article, None)
        recorded = _recorded_details(store, watch_id, new)
        return dc_replace(gone, details=recorded) if recorded else gone
    if old.removed and not new.removed:
        live = last_live(store, watch_id, before=old.number)
        return diffing.restored_change(live.article if live else Article(), new.article)
    if old.removed and new.removed:
        return None
    return _edit_or_move(old.article, new.article)


def _edit_or_move(old: Article, new: Article) -> Change | None:
    """An edit (which names a moved URL too), else a move alone (kind ``url``), else None."""
    return diffing.compare(old, new) or diffing.moved_change(old, new)


def _recorded_details(store: Store, watch_id: int, removed: Version) -> tuple[str, ...]:
    """The details the alert gave when this removal was recorded ("article now answers 410")."""
    for record in reversed(store.changes(watch_id)):
        if record.new_version == removed.number and "removed" in record.kinds:
            return tuple(str(line) for line in record.diff.get("details") or ())
    return ()


def _mark_ab_test(target: Target, change: Change, article: Article, store: Store) -> Change:
    """Two headlines alternating (A, B, A, B) are one headline A/B test, reported once.

    The first time the pattern appears the change gets kind ``ab_test`` and both variants in
    its details; later flips of the same pair are stored with ``ab_test_repeat`` so the default
    policy does not alert on every swap.
    """
    history = store.headline_history(target.id)  # headlines only: no article is loaded
    variants = diffing.detect_ab_test([*history.headlines, article.headline])
    if variants is None:
        return change
    reported = history.ab_test_reported
    detail = f"headline A/B test: {variants[0]!r} / {variants[1]!r}"
    extra: ChangeKind = "ab_test_repeat" if reported else "ab_test"
    return dc_replace(
        change,
        kinds=change.kinds | {extra},
        significance="minor" if reported else change.significance,
        details=(detail, *change.details),
    )
