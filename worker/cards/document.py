"""A card from what was recorded: the ``editwatch.change/1`` document stored with each change.

Drawing from the stored document (the ``diff`` of a change row and of every alert payload)
rather than re-running the diff means a card shows what was detected at the time, even after
the diff engine changes, and a channel can draw it from the payload alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, cast, get_args
from urllib.parse import urlsplit

from worker.cards.draw import CardMeta, render_card
from worker.errors import CardError
from worker.models import (
    CHANGE_KINDS,
    SIGNIFICANCES,
    BlockOp,
    BlockTag,
    Change,
    DiffOp,
    DiffTag,
    FieldDiff,
    Significance,
)
from worker.render import SCHEMA

DIFF_TAGS = frozenset(get_args(DiffTag))
BLOCK_TAGS = frozenset(get_args(BlockTag))


def change_from_document(document: Mapping[str, Any]) -> Change:
    """The :class:`Change` an ``editwatch.change/1`` document describes (changed blocks only)."""
    if document.get("schema") != SCHEMA:
        raise ValueError(f"not an {SCHEMA} document (schema {document.get('schema')!r})")
    words = document.get("words", {})
    return Change(
        kinds=frozenset(k for k in document.get("kinds", ()) if k in CHANGE_KINDS),
        fields=tuple(_field(f) for f in document.get("fields", ())),
        significance=_significance(document.get("significance")),
        silent=bool(document.get("silent", False)),
        words_added=int(words.get("added", 0)),
        words_removed=int(words.get("removed", 0)),
        words_changed=int(words.get("changed", 0)),
        details=tuple(str(d) for d in document.get("details", ())),
    )


def _significance(value: object) -> Significance:
    """A stored significance, read back as the typed level (unknown levels weigh moderate)."""
    for level in SIGNIFICANCES:
        if value == level:
            return level
    return "moderate"


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


def _field(data: Mapping[str, Any]) -> FieldDiff:
    blocks = tuple(_block(b) for b in data.get("blocks", ()))
    ops = tuple(_op(o) for o in data.get("ops", ())) or tuple(w for b in blocks for w in b.words)
    return FieldDiff(str(data.get("field", "")), ops, blocks)


def _block(data: Mapping[str, Any]) -> BlockOp:
    return BlockOp(
        tag=cast(BlockTag, _tag(data, BLOCK_TAGS)),
        old_index=data.get("old_index"),
        new_index=data.get("new_index"),
        old=str(data.get("old", "")),
        new=str(data.get("new", "")),
        words=tuple(_op(o) for o in data.get("ops", ())),
    )


def _op(data: Mapping[str, Any]) -> DiffOp:
    tag = cast(DiffTag, _tag(data, DIFF_TAGS))
    return DiffOp(tag, str(data.get("old", "")), str(data.get("new", "")))


def _tag(data: Mapping[str, Any], allowed: frozenset[str]) -> str:
    tag = str(data.get("tag", ""))
    if tag not in allowed:
        raise ValueError(f"unknown diff tag {tag!r}; expected one of {sorted(allowed)}")
    return tag
