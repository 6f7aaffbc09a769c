"""Payloads that are not one change: digests (several changes, one message) and operator events.

Why here: both are built from outbox payloads alone and read by every channel, so they sit next
to :mod:`worker.notify.message`. Each carries a ``title`` (the one line chat and mail show) and
its own ``text``/``markdown``/``html`` renderings, so channels need no special case for them.

A digest payload is ``{"digest": true, "count": N, "title", "items": [<machine payload of each
merged alert, with its own event_id>]}``; an operator event is ``{"event": "watch_failing" |
"extraction_empty" | "notification_dead", "title", ...details}``.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

from worker.models import Notification
from worker.notify.message import escape_markdown, html_page, machine_payload, markdown, text

OPERATOR_EVENTS = ("watch_failing", "extraction_empty", "notification_dead", "config_invalid")
DIGEST_RULE = "-" * 40


def digest_payload(items: Sequence[Notification]) -> dict[str, Any]:
    """One message merging ``items`` (oldest first): their payloads plus joined renderings."""
    count = len(items)
    heading = f"{count} article change{'s' if count != 1 else ''}"
    titles = ", ".join(sorted({str(n.payload.get("watch", "?")) for n in items}))
    title = f"{heading}: {titles}"
    bodies = [n.payload for n in items]
    return {
        "digest": True,
        "count": count,
        "title": title,
        "items": [machine_payload(n) for n in items],
        "text": "\n\n".join([title, *(f"{DIGEST_RULE}\n{text(p)}" for p in bodies)]),
        "markdown": "\n\n---\n\n".join([f"**{escape_markdown(title)}**", *map(markdown, bodies)]),
        "html": _digest_html(title, bodies),
    }


def _digest_html(title: str, bodies: Sequence[Mapping[str, Any]]) -> str:
    """The items' HTML pages side by side would nest documents: embed each page's body."""
    sections = [f"<section>{_body_of(html_page(p))}</section>" for p in bodies]
    e = html.escape
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{e(title)}</title></head>'
        f"<body><h1>{e(title)}</h1>{'<hr>'.join(sections)}</body></html>"
    )


def _body_of(page: str) -> str:
    start, end = page.find("<body"), page.rfind("</body>")
    if start < 0 or end < 0:
        return page
    return page[page.index(">", start) + 1 : end]


def operator_payload(event: str, title: str, details: Mapping[str, Any]) -> dict[str, Any]:
    """A health event for the operator channels, with ``details`` listed in every rendering."""
    if event not in OPERATOR_EVENTS:
        raise ValueError(f"unknown operator event {event!r}; one of {OPERATOR_EVENTS}")
    lines = [f"{key}: {value}" for key, value in details.items()]
    e = html.escape
    return {
        "event": event,
        "title": title,
        **details,
        "text": "\n".join([title, *lines]),
        "markdown": "\n".join(
            [f"**{escape_markdown(title)}**", *(f"- {escape_markdown(x)}" for x in lines)]
        ),
        "html": (
            f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{e(title)}</title></head>'
            f"<body><h1>{e(title)}</h1><ul>{''.join(f'<li>{e(x)}</li>' for x in lines)}</ul>"
            "</body></html>"
        ),
    }
