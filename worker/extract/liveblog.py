"""Live blogs: the page's timestamped entries, read from JSON-LD or from the DOM.

A live blog grows by entries. Compared as one body, every new entry would be "paragraph added"
and an edit to an entry from the morning would hide among them; read as entries (time, title,
text, a stable identity) the diff can tell an update from an edit (:mod:`worker.diff.liveblog`).

Whether a page is a live blog is decided on every read, from three signs, the structured first:
a JSON-LD ``LiveBlogPosting`` (its ``liveBlogUpdate`` entries are used as they are), a live-blog
path (``/live/``, ``/live-``, ``liveblog``), and many sibling blocks that each carry a
``<time datetime>``. A hint (JSON-LD or the path) lets two such blocks count; without one it
takes five, each with real prose, so a "latest news" rail never turns an article into a live
blog. Pages without entries get none: their extraction is untouched.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from html import unescape
from urllib.parse import urlsplit

from selectolax.lexbor import LexborNode

from worker.extract.classes import names_comments
from worker.extract.rules import (
    LIVE_CHROME_TAGS,
    LIVE_CLIMB_LEVELS,
    LIVE_ID_ATTRIBUTES,
    LIVE_KEY_WORDS,
    LIVE_LD_UPDATES,
    LIVE_MAX_LINK_SHARE,
    LIVE_MIN_BODY_SHARE,
    LIVE_MIN_ENTRIES,
    LIVE_MIN_ENTRIES_HINTED,
    LIVE_MIN_ENTRY_WORDS,
    LIVE_PATH,
    LIVE_TEXT_QUERY,
    LIVE_TITLE_QUERY,
)
from worker.extract.signals import Signals
from worker.extract.text import clean_text, node_text, repair
from worker.models import LiveEntry

__all__ = ["entry_time", "live_entries"]

_MARKUP = re.compile(r"<[^>]{0,500}>")


def live_entries(
    signals: Signals, url: str | None, paragraphs: tuple[str, ...]
) -> tuple[LiveEntry, ...]:
    """The page's live-blog entries, in the page's order (newest first or last); () for other
    pages. ``paragraphs`` is the extracted body: unless the JSON-LD says the page is a live
    blog, the entries must hold most of it, so a page's comments or a list of related stories
    never read as its entries (a live path only lowers how many entries it takes)."""
    ld_live = bool(signals.live_ld)
    if ld_live:
        entries = tuple(_ld_entries(signals.live_ld.get(LIVE_LD_UPDATES)))
        if entries:
            return entries
    hinted = ld_live or bool(LIVE_PATH.search(urlsplit(url or "").path))
    least = LIVE_MIN_ENTRIES_HINTED if hinted else LIVE_MIN_ENTRIES
    if len(signals.times) < least:
        return ()
    blocks = _entry_blocks(signals.times)
    entries = tuple(entry for block in blocks if (entry := _dom_entry(block)) is not None)
    if len(entries) < least:
        return ()
    if not ld_live and not (_all_prose(blocks, entries) and _holds_body(entries, paragraphs)):
        return ()  # a live path alone ("/live-music-venues-close") proves no stream: the
    # entries must still be prose that holds most of the body
    return entries


def entry_time(value: str) -> str:
    """An entry's time as ISO 8601 UTC (``2026-12-01T10:05:00Z``), or the page's text when it
    does not parse: one spelling, so a site switching ``+00:00`` for ``Z`` changes nothing."""
    text = clean_text(value)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return text
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- JSON-LD ------------------------------------------------------------------------------------


def _ld_entries(updates: object) -> Iterator[LiveEntry]:
    """``liveBlogUpdate`` items (one object or a list) with a time and some text."""
    items = updates if isinstance(updates, list) else [updates]
    for item in items:
        if not isinstance(item, dict):
            continue
        time = entry_time(_ld_text(item.get("datePublished") or item.get("dateModified")))
        title = _ld_text(item.get("headline"))
        text = _ld_text(item.get("articleBody") or item.get("text"))
        if not time or not (text or title):
            continue
        ident = _ld_text(item.get("@id") or item.get("url"))
        yield LiveEntry(ident or _fallback_key(time, text or title), time, title, text)


def _ld_text(value: object) -> str:
    """A JSON-LD string as text: entities decoded, markup a CMS left in it dropped."""
    if isinstance(value, list) and value:
        value = value[0]
    if not isinstance(value, str):
        return ""
    return repair(clean_text(_MARKUP.sub(" ", unescape(value))))


# --- the DOM ------------------------------------------------------------------------------------


def _entry_blocks(times: Iterable[LexborNode]) -> list[LexborNode]:
    """The children of the one element that holds the most timestamped children: the entries.

    Each ``<time>`` votes for every (parent, child) pair on its way up; the parent with the most
    distinct children holding a time is the stream, and two times in one entry (posted and
    updated) still make one entry.
    """
    children: dict[int, dict[int, LexborNode]] = {}
    for time in times:
        node, parent, levels = time, time.parent, 0
        while (
            parent is not None and parent.tag not in ("body", "html") and levels < LIVE_CLIMB_LEVELS
        ):
            if parent.tag in LIVE_CHROME_TAGS or names_comments(parent.attributes):
                break
            children.setdefault(parent.mem_id, {}).setdefault(node.mem_id, node)
            node, parent, levels = parent, parent.parent, levels + 1
    if not children:
        return []
    best = max(children.values(), key=len)
    return list(best.values())


def _dom_entry(block: LexborNode) -> LiveEntry | None:
    """One block as an entry: its first time, its heading, its text; None without a time."""
    stamp = block if block.tag == "time" else block.css_first("time[datetime]")
    if stamp is None:
        return None
    time = entry_time(stamp.attributes.get("datetime") or "")
    heading = block.css_first(LIVE_TITLE_QUERY)
    title = node_text(heading) if heading is not None else ""
    parts = [text for node in block.css(LIVE_TEXT_QUERY) if (text := node_text(node))]
    text = "\n\n".join(_outermost(parts))
    if not time or not (text or title):
        return None
    ident = next(
        (value for name in LIVE_ID_ATTRIBUTES if (value := block.attributes.get(name))), ""
    )
    return LiveEntry(clean_text(ident) or _fallback_key(time, text or title), time, title, text)


def _outermost(parts: list[str]) -> list[str]:
    """Texts of nested matches (a ``<p>`` in an ``<li>``) once: drop a part its predecessor
    already holds."""
    kept: list[str] = []
    for part in parts:
        if kept and part in kept[-1]:
            continue
        kept.append(part)
    return kept


def _all_prose(blocks: list[LexborNode], entries: tuple[LiveEntry, ...]) -> bool:
    """Without a hint, entries must read as posts: enough words, not mostly links."""
    if any(len(entry.text.split()) < LIVE_MIN_ENTRY_WORDS for entry in entries):
        return False
    text = sum(len(entry.text) for entry in entries)
    links = sum(len(node_text(a)) for block in blocks for a in block.css("a"))
    return links <= LIVE_MAX_LINK_SHARE * max(text, 1)


def _holds_body(entries: tuple[LiveEntry, ...], paragraphs: tuple[str, ...]) -> bool:
    """Most of the extracted body's text lies inside the entries: the stream is the article."""
    inside = "\n".join(entry.text for entry in entries)
    held = sum(len(p) for p in paragraphs if p in inside)
    return held >= LIVE_MIN_BODY_SHARE * max(sum(len(p) for p in paragraphs), 1)


def _fallback_key(time: str, text: str) -> str:
    """An entry without an id is known by its time and its first words."""
    return f"{time} {' '.join(text.split()[:LIVE_KEY_WORDS])}"
