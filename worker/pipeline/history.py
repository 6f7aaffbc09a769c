"""Changes that need a watch's stored history: removal, restoration and headline A/B tests.

A removal is stored as a version whose fingerprint is ``removed:<status>``; the next live
version after it is a restoration, compared with the last live version before it.
"""

from __future__ import annotations

from dataclasses import replace as dc_replace

from worker import diff as diffing
from worker.models import Article, Change, Version
from worker.pipeline.context import Target
from worker.store import Store

REMOVED_PREFIX = "removed:"


def removal_fingerprint(status: int) -> str:
    """The fingerprint of the "removed" state an HTTP status (404, 410, ...) stands for."""
    return f"{REMOVED_PREFIX}{status}"


def is_removal(version: Version) -> bool:
    return version.fingerprint.startswith(REMOVED_PREFIX)


def change_from(target: Target, current: Version, article: Article, store: Store) -> Change | None:
    """The change from the current state: a restoration after a removal, or a plain edit."""
    if is_removal(current):
        live = next((v for v in store.recent_versions(target.id, 20) if not is_removal(v)), None)
        return diffing.restored_change(live.article if live else Article(), article)
    change = diffing.compare(current.article, article)
    if change is not None and "headline" in change.kinds:
        return _mark_ab_test(target, change, article, store)
    return change


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
    kinds = change.kinds | {"ab_test_repeat" if reported else "ab_test"}
    significance = "minor" if reported else change.significance
    return dc_replace(
        change, kinds=kinds, significance=significance, details=(detail, *change.details)
    )
