"""A card from what was recorded: the ``editwatch.change/1`` document stored with each change.

Drawing from the stored document (the ``diff`` of a change row and of every alert payload)
rather than re-running the diff means a card shows what was detected at the time, even after
the diff engine changes, and a channel can draw it from the payload alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from worker.cards.draw import CardMeta, render_card
from worker.errors import CardError
from worker.models import Change
from worker.render import SCHEMA, change_from_json


def change_from_document(document: Mapping[str, Any]) -> Change:
    """The :class:`Change` an ``editwatch.change/1`` document describes (read by the one
    reader, :func:`worker.render.change_from_json`)."""
    if document.get("schema") != SCHEMA:
        raise ValueError(f"not an {SCHEMA} document (schema {document.get('schema')!r})")
    change, _old, _new = change_from_json(document)
    return change


def meta_from_document(
    document: Mapping[str, Any],
    *,
    url: str,
    detected_at: datetime,
    old_version: int | None,
    new_version: int | None,
) -> CardMeta:
    """The card's facts: the site is the host of ``url`` without ``www.``."""
    headline = document.get("headline", {})
    host = urlsplit(url).hostname or url
    return CardMeta(
        site=host.removeprefix("www."),
        url=url,
        detected_at=detected_at,
        old_headline=str(headline.get("old", "")),
        new_headline=str(headline.get("new", "")),
        old_version=old_version,
        new_version=new_version,
    )


def card_for_payload(payload: Mapping[str, Any]) -> bytes | None:
    """The card of an alert payload (its ``diff`` document); None for digests, operator events
    and anything that cannot be drawn, so a card never stops an alert from going out."""
    document = payload.get("diff")
    if not isinstance(document, Mapping) or document.get("schema") != SCHEMA:
        return None
    try:
        detected = datetime.fromisoformat(str(payload.get("detected_at", "")))
        meta = meta_from_document(
            document,
            url=str(payload.get("url", "")),
            detected_at=detected,
            old_version=_number(payload.get("old_version")),
            new_version=_number(payload.get("new_version")),
        )
        return render_card(change_from_document(document), meta)
    except (ValueError, TypeError, CardError):
        return None


def _number(value: Any) -> int | None:
    return value if isinstance(value, int) else None
