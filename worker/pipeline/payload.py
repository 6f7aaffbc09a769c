"""The alert payload: what every channel receives for one change (or one debounced burst).

Stored once, as data: the outbox row keeps this envelope (who, when, what kind, headlines) and
the store adds the change it announces (``diff``, schema ``editwatch.change/1``) and its version
numbers from the change's own row when it hands the row out, so the diff is written once per
change, not once per channel, and no rendering is ever stored. Channels render at send time
(:mod:`worker.notify.message` through :mod:`worker.render`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from worker.models import Article, Change
from worker.normalize import normalize_article

__all__ = ["build_payload"]


def build_payload(
    name: str, url: str, change: Change, old: Article, new: Article, detected: datetime
) -> dict[str, Any]:
    """The alert every channel receives for the watch ``name`` at ``url``: who, what kind,
    old/new headline (the diff and the version numbers come from the stored change).

    Headlines are the canonical ones, the same text the change itself holds.
    """
    old, new = normalize_article(old), normalize_article(new)
    return {
        "watch": name,
        "url": url,
        "detected_at": detected.isoformat(),
        "kinds": sorted(change.kinds),
        "significance": change.significance,
        "silent": change.silent,
        "old_headline": old.headline,
        "new_headline": new.headline,
    }
