"""Feeds -> article links: RSS and Atom, relative links, duplicates, age limit, new items."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from worker.errors import ExtractError
from worker.models import Watch
from worker.schedule import feeds
from worker.schedule.feeds import FeedItem

NOW = datetime(2024, 5, 10, 12, 0, tzinfo=UTC)
BASE = "https://news.example/rss.xml"
DAY = 86400.0


def rss(*items: tuple[str, str, str]) -> bytes:
    """An RSS 2.0 document with (link, title, pubDate) items."""
    body = "".join(
        f"<item><title>{title}</title><link>{link}</link>"
        + (f"<pubDate>{date}</pubDate>" if date else "")
        + "<category>Politics</category><category>Europe</category></item>"
        for link, title, date in items
    )
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Example News</title>'
        f"<link>https://news.example/</link>{body}</channel></rss>"
    ).encode()


THREE = (
    ("https://news.example/a", "Budget approved", "Fri, 10 May 2024 10:00:00 GMT"),
    ("/b", "Storm  warning", "Thu, 09 May 2024 08:00:00 +0200"),
    ("https://news.example/c#comments", "Election", ""),
)

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Atom News</title><id>urn:x</id><updated>2024-05-10T10:00:00Z</updated>
  <entry>
    <title>First</title><id>urn:1</id>
    <link rel="alternate" href="https://atom.example/1"/>
    <updated>2024-05-10T09:00:00Z</updated>
    <category term="World"/>
  </entry>
  <entry>
    <title>Old one</title><id>urn:2</id>
    <link href="https://atom.example/2"/>
    <published>2023-01-01T00:00:00Z</published>
  </entry>
</feed>"""


def test_three_rss_items_become_three_absolute_links() -> None:
    """Every item of an RSS feed yields one article URL, relative links made absolute."""
    items = feeds.parse_feed(rss(*THREE), BASE, max_age=None, now=NOW)
    assert [i.url for i in items] == [
        "https://news.example/a",
        "https://news.example/b",
        "https://news.example/c",
    ]
    assert items[0] == FeedItem(
        "https://news.example/a",
        "Budget approved",
        datetime(2024, 5, 10, 10, 0, tzinfo=UTC),
        ("Politics", "Europe"),
    )
    assert items[1].title == "Storm warning"
    assert items[1].published == datetime(2024, 5, 9, 6, 0, tzinfo=UTC)
    assert items[2].published is None


def test_a_fourth_item_later_adds_exactly_one_watch() -> None:
    """Re-reading a feed with one new item yields that item only."""
    first = feeds.parse_feed(rss(*THREE), BASE, max_age=None, now=NOW)
    known = [i.url for i in feeds.new_items(first, [])]
    assert len(known) == 3
    fourth = ("https://news.example/d", "Breaking", "Fri, 10 May 2024 11:00:00 GMT")
    second = feeds.parse_feed(rss(fourth, *THREE), BASE, max_age=None, now=NOW)
    assert [i.url for i in feeds.new_items(second, known)] == ["https://news.example/d"]


def test_old_items_are_skipped_undated_ones_kept() -> None:
    """Items older than the configured age are not watched; items without a date are."""
    items = feeds.parse_feed(rss(*THREE), BASE, max_age=1 * DAY, now=NOW)
    assert [i.url for i in items] == ["https://news.example/a", "https://news.example/c"]


def test_atom_feed_with_alternate_links() -> None:
    """Atom entries are read through their alternate link and dated by updated/published."""
    items = feeds.parse_feed(ATOM, "https://atom.example/feed", max_age=30 * DAY, now=NOW)
    assert items == [
        FeedItem(
            "https://atom.example/1",
            "First",
            datetime(2024, 5, 10, 9, 0, tzinfo=UTC),
            ("World",),
            updated=datetime(2024, 5, 10, 9, 0, tzinfo=UTC),
        )
    ]


def test_duplicates_and_non_web_links_are_dropped() -> None:
    """The same article listed twice, or a mailto: link, does not make extra watches."""
    content = rss(
        ("https://news.example/a", "One", ""),
        ("https://news.example/a#top", "Again", ""),
        ("mailto:desk@news.example", "Mail", ""),
    )
    items = feeds.parse_feed(content, BASE, max_age=None, now=NOW)
    assert [(i.url, i.title) for i in items] == [("https://news.example/a", "One")]


@pytest.mark.parametrize("content", [b"<html><body>Not a feed</body></html>", b"", b"\x00\xff"])
def test_non_feed_content_is_an_extract_error(content: bytes) -> None:
    """An HTML page or garbage at a feed URL is reported, not silently read as zero items."""
    with pytest.raises(ExtractError, match="not an RSS/Atom feed"):
        feeds.parse_feed(content, BASE, max_age=None, now=NOW)


def test_item_watch_inherits_the_feed_name_and_channels() -> None:
    """A discovered article is named after its feed and alerts the feed's channels."""
    feed = Watch("https://news.example/rss.xml", "Example", 900.0, channels=("hook",))
    item = FeedItem("https://news.example/a", "Budget approved")
    watch = feeds.item_watch(item, feed=feed)
    assert watch == Watch(
        "https://news.example/a", "Example: Budget approved", 900.0, channels=("hook",)
    )
    assert feeds.item_watch(FeedItem("https://x.example/z"), feed=feed, interval=60).name == (
        "Example: https://x.example/z"
    )


def test_atom_updated_is_kept_as_a_polling_signal() -> None:
    """An Atom entry's <updated> is the item's `updated`, separate from its publication date."""
    atom = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><id>urn:x</id>
<updated>2026-12-01T11:00:00Z</updated>
<entry><title>Story</title><link href="https://e.example/story"/><id>urn:1</id>
<published>2026-12-01T08:00:00Z</published><updated>2026-12-01T10:30:00Z</updated></entry>
</feed>"""
    now = datetime(2026, 12, 1, 12, tzinfo=UTC)
    (item,) = feeds.parse_feed(atom, "https://e.example/feed", max_age=None, now=now)
    assert item.published == datetime(2026, 12, 1, 8, tzinfo=UTC)
    assert item.updated == datetime(2026, 12, 1, 10, 30, tzinfo=UTC)


def test_a_json_feed_tag_given_as_one_string_is_one_tag() -> None:
    """JSON Feed ``tags`` is a list; a feed that writes one string gets that one tag, not one
    tag per character (tags route alerts and group the viewer's watches)."""
    feed = (
        b'{"version": "https://jsonfeed.org/version/1.1", "items": ['
        b'{"id": "1", "url": "https://news.example/a", "tags": "politics"},'
        b'{"id": "2", "url": "https://news.example/b", "tags": ["politics", "council"]}]}'
    )
    now = datetime(2026, 12, 1, tzinfo=UTC)
    items = feeds.parse_feed(feed, "https://news.example/feed.json", max_age=None, now=now)
    assert [item.tags for item in items] == [("politics",), ("politics", "council")]
