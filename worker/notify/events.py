"""Payloads that are not one change: digests (several changes, one message) and operator events.

Both are plain data, like a change's payload: channels render them at send time through
:mod:`worker.notify.message`, so they need no special case.

A digest payload is ``{"digest": true, "count": N, "title", "items": [<machine payload of each
merged alert, with its own event_id>]}``; an operator event is ``{"event": "watch_failing" |
"extraction_empty" | "articles_walled" | "notification_dead", "title", ...details}`` (details in the
order given, listed one per line in every rendering).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from worker.models import Notification
from worker.notify.message import machine_payload, title

__all__ = ["OPERATOR_EVENTS", "digest_payload", "operator_payload"]

OPERATOR_EVENTS = (
    "watch_failing",
    "extraction_empty",
    "articles_walled",
    "notification_dead",
    "config_invalid",
)


def digest_payload(items: Sequence[Notification]) -> dict[str, Any]:
    """One message merging ``items`` (oldest first): each one's machine payload, in order."""
    members = [machine_payload(n) for n in items]
    payload: dict[str, Any] = {"digest": True, "count": len(items), "items": members}
    return {**payload, "title": title(payload)}


def operator_payload(event: str, title: str, details: Mapping[str, Any]) -> dict[str, Any]:
    """A health event for the operator channels, with ``details`` listed in every rendering."""
    if event not in OPERATOR_EVENTS:
        raise ValueError(f"unknown operator event {event!r}; one of {OPERATOR_EVENTS}")
    return {"event": event, "title": title, **details}
