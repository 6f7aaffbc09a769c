"""RSS/Atom feeds -> article links to watch, with feedparser.

Like robots.txt this stage never fetches: the pipeline fetches the feed through the fetch stage
(conditional GET included, so an unchanged feed costs a 304) and passes the bytes here. What
comes back is plain values; deciding which items are *new* is a set difference against the
URLs the store already knows (:func:`new_items`), so a re-read feed never duplicates watches.

An item's "last changed" time (``FeedItem.updated``, a polling signal) is Atom's
``<updated>``, RSS's ``<atom:updated>`` or ``<dcterms:modified>`` (feedparser reads all three
as ``updated``), or a JSON Feed item's ``date_modified``: JSON Feed 1.x, which feedparser does
not read, is parsed here with the standard library.
"""

from __future__ import annotations

import calendar
import json
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast
from urllib.parse import urldefrag, urljoin, urlsplit

from worker.errors import ExtractError
from worker.models import Watch
from worker.urls import WEB_SCHEMES, identity_key

DATE_FIELDS = ("published_parsed", "updated_parsed", "created_parsed")
JSON_DATES = ("date_published", "date_modified")  # JSON Feed's RFC 3339 times


@dataclass(frozen=True, slots=True)
class FeedItem:
    """One feed entry that points at an article."""

    url: str
    title: str = ""
    published: datetime | None = None  # UTC; None when the feed gives no date
    tags: tuple[str, ...] = ()
    updated: datetime | None = None  # when the source says it last changed (a polling signal)


def parse_feed(
    content: bytes, base_url: str, *, max_age: float | None, now: datetime
) -> list[FeedItem]:
    """The feed's items, newest-first order kept, links absolute, duplicates and old ones out.

    ``max_age`` (seconds) drops items published longer ago than that; items without a date are
    kept (a feed that dates nothing must still work). Raises ``ExtractError`` when ``content``
    is not a feed at all.
    """
    if content.lstrip()[:1] == b"{":
        entries = _json_feed(content, base_url)
        return _keep(entries, max_age, now)
    import feedparser  # ~4.6 MB: on the first RSS/Atom feed read, not in every pool process

    parsed = feedparser.parse(content, response_headers={"content-location": base_url})
    if not parsed.get("version") and not parsed.entries:
        reason = parsed.get("bozo_exception") or "no RSS or Atom structure"
        raise ExtractError(f"{base_url}: not an RSS/Atom feed ({reason})")
    return _keep((_item(entry, base_url) for entry in parsed.entries), max_age, now)


def _keep(found: Iterable[FeedItem | None], max_age: float | None, now: datetime) -> list[FeedItem]:
    """The items in feed order, each URL once, none published more than ``max_age`` ago."""
    cutoff = None if max_age is None else now - timedelta(seconds=max_age)
    items: dict[str, FeedItem] = {}
    for item in found:
        if item is None or item.url in items:
            continue
        if cutoff is not None and item.published is not None and item.published < cutoff:
            continue
        items[item.url] = item
    return list(items.values())


def _json_feed(content: bytes, base_url: str) -> list[FeedItem | None]:
    """The items of a JSON Feed (jsonfeed.org, 1.0 and 1.1): url, title, tags and dates."""
    try:
        data = json.loads(content)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ExtractError(f"{base_url}: not a JSON Feed ({exc})") from None
    version = data.get("version") if isinstance(data, dict) else None
    if not isinstance(version, str) or "jsonfeed.org" not in version:
        raise ExtractError(f"{base_url}: not an RSS/Atom feed or a JSON Feed (no version)")
    entries = data.get("items")
    return (
        [_json_item(e, base_url) for e in entries if isinstance(e, dict)]
        if isinstance(entries, list)
        else []
    )


def _json_item(entry: Mapping[str, Any], base_url: str) -> FeedItem | None:
    link = entry.get("url") or entry.get("external_url") or ""
    if not isinstance(link, str) or not link.strip():
        return None
    url = urldefrag(urljoin(base_url, link.strip())).url
    if urlsplit(url).scheme not in WEB_SCHEMES:
        return None
    tags = tuple(
        dict.fromkeys(
            t.strip() for t in _listed(entry.get("tags")) if isinstance(t, str) and t.strip()
        )
    )
    title = " ".join(str(entry.get("title") or "").split())
    published, updated = (parse_w3c_date(str(entry.get(k) or "")) for k in JSON_DATES)
    return FeedItem(url, title, published or updated, tags, updated)


def _item(entry: Mapping[str, Any], base_url: str) -> FeedItem | None:
    link = _link(entry)
    if not link:
        return None
    url = urldefrag(urljoin(base_url, link.strip())).url
    if urlsplit(url).scheme not in WEB_SCHEMES:
        return None
    tags = tuple(dict.fromkeys(t["term"].strip() for t in entry.get("tags", ()) if t.get("term")))
    title = " ".join(str(entry.get("title", "")).split())
    return FeedItem(url, title, _date(entry), tags, _updated(entry))


def _link(entry: Mapping[str, Any]) -> str:
    """The entry's article link: ``link``, else the first alternate link, else a URL guid."""
    if entry.get("link"):
        return str(entry["link"])
    for link in entry.get("links", ()):
        if link.get("rel", "alternate") == "alternate" and link.get("href"):
            return str(link["href"])
    guid = str(entry.get("id", ""))
    return guid if urlsplit(guid.strip()).scheme in WEB_SCHEMES else ""


def _date(entry: Mapping[str, Any]) -> datetime | None:
    for name in DATE_FIELDS:
        value = entry.get(name)
        if isinstance(value, time.struct_time):
            return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
    return None


def _updated(entry: Mapping[str, Any]) -> datetime | None:
    """The entry's own ``updated`` time; feedparser's fallback to ``published`` is not one."""
    value = dict.get(cast(dict[str, Any], entry), "updated_parsed")  # no fallback, no warning
    if not isinstance(value, time.struct_time):
        return None
    return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)


def new_items(
    items: Iterable[FeedItem], known_urls: Iterable[str], known_keys: Iterable[str] = ()
) -> list[FeedItem]:
    """The items whose article is not watched yet: re-reading a feed adds only what is new.

    Addresses are compared by :func:`worker.urls.identity_key`, so ``?utm_source=``, ``www.``,
    ``/amp`` or http/https spellings of a watched article (or of an address it moved to, when
    ``known_urls`` holds those, or ``known_keys`` their keys) start no second watch; an item
    listed twice is taken once.
    """
    known = {identity_key(url) for url in known_urls} | set(known_keys)
    fresh: list[FeedItem] = []
    for item in items:
        key = identity_key(item.url)
        if key and key not in known:
            known.add(key)
            fresh.append(item)
    return fresh


def item_watch(item: FeedItem, *, feed: Watch, interval: float | None = None) -> Watch:
    """The article watch a feed item becomes: the feed's name as prefix, its channels."""
    title = item.title or item.url
    return Watch(
        url=item.url,
        name=f"{feed.name}: {title}",
        interval=feed.interval if interval is None else interval,
        channels=feed.channels,
    )


def parse_w3c_date(text: str) -> datetime | None:
    """A W3C / RFC 3339 datetime (``2026-12-01``, ``2026-12-01T09:30:00+01:00``, ``...Z``) in
    UTC (sitemaps' ``lastmod``, JSON Feed dates, a page's ``dateModified``); else ``None``."""
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _listed(value: object) -> list[object]:
    """A JSON Feed list field as a list: a lone string is one item, not one per character."""
    if isinstance(value, list):
        return value
    return [value] if isinstance(value, str) else []
