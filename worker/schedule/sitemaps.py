"""XML sitemaps and Google News sitemaps -> article links to watch (and child sitemaps to read).

News sites publish ``news-sitemap.xml`` files (often behind a sitemap index) listing what
they published in the last two days, with ``<news:publication_date>`` and ``<lastmod>``; a
``lastmod`` that moves is the site saying "this article changed" (the signal-driven polling
in :mod:`worker.schedule.signals` acts on it).

XML from the web is hostile: it is parsed with defusedxml (no DTDs, so no entity expansion
"billion laughs" and no external entities), after a size cap on the (decompressed) bytes.
A gzipped sitemap (``sitemap.xml.gz`` served as ``application/gzip``) is inflated with the
same cap. Like :mod:`worker.schedule.feeds` this module never fetches; entries come back as
the same :class:`FeedItem` values feeds produce, so watches are made from them one way.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urldefrag, urljoin, urlsplit
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from worker.errors import ExtractError
from worker.schedule.feeds import FeedItem, parse_w3c_date
from worker.urls import WEB_SCHEMES

MAX_SITEMAP_BYTES = 50 * 1024 * 1024  # the sitemaps.org limit for one uncompressed file
MAX_ENTRIES = 50_000  # ... and for the number of URLs in it
GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True, slots=True)
class ChildSitemap:
    """A sitemap listed by a sitemap index, with the time the index says it last changed."""

    url: str
    lastmod: datetime | None = None


@dataclass(frozen=True, slots=True)
class Sitemap:
    """What one sitemap file lists: articles (``urlset``) or other sitemaps (an index)."""

    items: list[FeedItem] = field(default_factory=list)
    children: list[ChildSitemap] = field(default_factory=list)


def parse_sitemap(
    content: bytes,
    base_url: str,
    *,
    max_age: float | None,
    now: datetime,
    max_bytes: int = MAX_SITEMAP_BYTES,
) -> Sitemap:
    """The articles or child sitemaps ``content`` lists; ``ExtractError`` if it is no sitemap.

    Articles published (or, without a publication date, last modified) more than ``max_age``
    seconds ago are left out, as feeds do.
    """
    root = _parse_xml(_inflate(content, base_url, max_bytes), base_url)
    kind = _local(root.tag)
    if kind == "sitemapindex":
        return Sitemap(children=_children(root, base_url))
    if kind != "urlset":
        raise ExtractError(f"{base_url}: not a sitemap (root element <{kind}>)")
    cutoff = None if max_age is None else now - timedelta(seconds=max_age)
    items: dict[str, FeedItem] = {}
    for entry in _entries(root, "url"):
        item = _item(entry, base_url)
        if item is None or item.url in items:
            continue
        when = item.published or item.updated
        if cutoff is not None and when is not None and when < cutoff:
            continue
        items[item.url] = item
    return Sitemap(items=list(items.values()))


def newest_children(children: list[ChildSitemap], limit: int) -> list[ChildSitemap]:
    """The ``limit`` most recently modified child sitemaps (undated ones count as newest)."""
    oldest = datetime.min.replace(tzinfo=UTC)
    ranked = sorted(children, key=lambda c: (c.lastmod is None, c.lastmod or oldest), reverse=True)
    return ranked[:limit]


def _inflate(content: bytes, base_url: str, max_bytes: int) -> bytes:
    """Gunzip a gzipped sitemap, never holding more than ``max_bytes`` of output."""
    if not content.startswith(GZIP_MAGIC):
        data = content
    else:
        inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
        try:
            data = inflater.decompress(content, max_bytes + 1)
        except zlib.error as exc:
            raise ExtractError(f"{base_url}: broken gzip in the sitemap: {exc}") from exc
    if len(data) > max_bytes:
        raise ExtractError(f"{base_url}: sitemap larger than {max_bytes} bytes; not read")
    return data


def _parse_xml(data: bytes, base_url: str) -> Element:
    try:
        root: Element = SafeET.fromstring(data, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise ExtractError(f"{base_url}: sitemap refused: it declares a DTD or entities") from exc
    except SafeET.ParseError as exc:
        raise ExtractError(f"{base_url}: not well-formed XML: {exc}") from exc
    return root


def _local(tag: str) -> str:
    """``{namespace}name`` -> ``name``: sitemaps in the wild mix and misspell namespaces."""
    return tag.rsplit("}", 1)[-1].lower()


def _entries(root: Element, name: str) -> list[Element]:
    return [child for child in root if _local(child.tag) == name][:MAX_ENTRIES]


def _find(element: Element, *path: str) -> Element | None:
    """The first descendant following ``path`` by local names (``news``, ``title``)."""
    current: Element | None = element
    for name in path:
        if current is None:
            return None
        current = next((c for c in current if _local(c.tag) == name), None)
    return current


def _text(element: Element, *path: str) -> str:
    found = _find(element, *path)
    return " ".join((found.text or "").split()) if found is not None else ""


def _absolute(location: str, base_url: str) -> str | None:
    url = urldefrag(urljoin(base_url, location.strip())).url
    return url if location and urlsplit(url).scheme in WEB_SCHEMES else None


def _children(root: Element, base_url: str) -> list[ChildSitemap]:
    found: dict[str, ChildSitemap] = {}
    for entry in _entries(root, "sitemap"):
        url = _absolute(_text(entry, "loc"), base_url)
        if url and url not in found:
            found[url] = ChildSitemap(url, parse_w3c_date(_text(entry, "lastmod")))
    return list(found.values())


def _item(entry: Element, base_url: str) -> FeedItem | None:
    url = _absolute(_text(entry, "loc"), base_url)
    if url is None:
        return None
    keywords = _text(entry, "news", "keywords")
    tags = tuple(dict.fromkeys(k.strip() for k in keywords.split(",") if k.strip()))
    return FeedItem(
        url=url,
        title=_text(entry, "news", "title"),
        published=parse_w3c_date(_text(entry, "news", "publication_date")),
        tags=tags,
        updated=parse_w3c_date(_text(entry, "lastmod")),
    )
