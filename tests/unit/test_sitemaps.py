"""News sitemaps: urlsets, indexes, Google News fields, gzip, and hostile XML refused."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime

import pytest

from worker.errors import ExtractError
from worker.schedule.sitemaps import (
    ChildSitemap,
    newest_children,
    parse_sitemap,
    parse_w3c_date,
)

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
BASE = "https://news.example.com/sitemaps/news.xml"
NEWS = """<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
  <url>
    <loc>https://news.example.com/world/2026/12/01/summit-ends</loc>
    <lastmod>2026-12-01T11:30:00Z</lastmod>
    <news:news>
      <news:publication><news:name>Example News</news:name><news:language>en</news:language>
      </news:publication>
      <news:publication_date>2026-12-01T08:00:00+01:00</news:publication_date>
      <news:title>Summit  ends without a deal</news:title>
      <news:keywords>summit, diplomacy,summit</news:keywords>
    </news:news>
  </url>
  <url><loc>/business/rates-hold#top</loc><lastmod>2026-11-30</lastmod></url>
  <url><loc>https://news.example.com/world/2026/12/01/summit-ends</loc></url>
  <url><loc>javascript:alert(1)</loc></url>
  <url><loc>https://news.example.com/archive/2019/old</loc>
       <news:news><news:publication_date>2019-01-01</news:publication_date></news:news></url>
</urlset>"""
INDEX = """<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap><loc>https://news.example.com/sitemaps/2026-11.xml</loc>
           <lastmod>2026-11-30T23:00:00Z</lastmod></sitemap>
  <sitemap><loc>news-latest.xml</loc><lastmod>2026-12-01T11:59:00Z</lastmod></sitemap>
  <sitemap><loc>https://news.example.com/sitemaps/undated.xml</loc></sitemap>
</sitemapindex>"""
WEEK = 7 * 86400.0


def test_news_sitemap_lists_articles_with_dates_titles_and_keywords() -> None:
    """loc, lastmod, news:publication_date, news:title and keywords become feed items."""
    items = parse_sitemap(NEWS.encode(), BASE, max_age=WEEK, now=NOW).items
    assert [i.url for i in items] == [
        "https://news.example.com/world/2026/12/01/summit-ends",
        "https://news.example.com/business/rates-hold",
    ]
    first, second = items
    assert first.title == "Summit ends without a deal"
    assert first.published == datetime(2026, 12, 1, 7, 0, tzinfo=UTC)
    assert first.updated == datetime(2026, 12, 1, 11, 30, tzinfo=UTC)
    assert first.tags == ("summit", "diplomacy")
    assert second.updated == datetime(2026, 11, 30, tzinfo=UTC) and second.published is None


def test_old_articles_are_left_out_like_old_feed_items() -> None:
    """Articles published longer ago than max_age do not become watches; None keeps all."""
    kept = parse_sitemap(NEWS.encode(), BASE, max_age=None, now=NOW).items
    assert "https://news.example.com/archive/2019/old" in [i.url for i in kept]


def test_sitemap_index_lists_child_sitemaps_newest_first() -> None:
    """An index yields its children (relative locs resolved); the newest are read first."""
    parsed = parse_sitemap(INDEX.encode(), BASE, max_age=WEEK, now=NOW)
    assert parsed.items == []
    urls = [c.url for c in newest_children(parsed.children, 2)]
    assert urls == [
        "https://news.example.com/sitemaps/undated.xml",
        "https://news.example.com/sitemaps/news-latest.xml",
    ]


def test_gzipped_sitemaps_are_read() -> None:
    """A .xml.gz sitemap served as application/gzip is inflated before parsing."""
    items = parse_sitemap(gzip.compress(NEWS.encode()), BASE, max_age=WEEK, now=NOW).items
    assert len(items) == 2


def test_gzip_bomb_stops_at_the_size_cap() -> None:
    """A small gzip that inflates past the cap is refused, having inflated at most the cap."""
    bomb = gzip.compress(b"<urlset>" + b" " * 5_000_000 + b"</urlset>")
    assert len(bomb) < 20_000
    with pytest.raises(ExtractError, match="larger than 1000000 bytes"):
        parse_sitemap(bomb, BASE, max_age=WEEK, now=NOW, max_bytes=1_000_000)


def test_entity_expansion_is_refused() -> None:
    """A 'billion laughs' document is refused before any entity is expanded."""
    laughs = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;">]>
<urlset><url><loc>https://e.example/&lol2;</loc></url></urlset>"""
    with pytest.raises(ExtractError, match="DTD or entities"):
        parse_sitemap(laughs.encode(), BASE, max_age=WEEK, now=NOW)


def test_external_entities_are_refused() -> None:
    """An external entity (a local file read) is refused, not resolved."""
    xxe = """<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY file SYSTEM "file:///etc/passwd">]>
<urlset><url><loc>&file;</loc></url></urlset>"""
    with pytest.raises(ExtractError, match="DTD or entities"):
        parse_sitemap(xxe.encode(), BASE, max_age=WEEK, now=NOW)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"<html><body>Not found</body></html>", "not a sitemap"),
        (b"<urlset><url><loc>x</url>", "not well-formed"),
    ],
)
def test_non_sitemaps_are_clear_errors(content: bytes, message: str) -> None:
    """An HTML error page or broken XML is an ExtractError naming the URL and the problem."""
    with pytest.raises(ExtractError, match=message) as caught:
        parse_sitemap(content, BASE, max_age=WEEK, now=NOW)
    assert BASE in str(caught.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-01", datetime(2026, 12, 1, tzinfo=UTC)),
        ("2026-12-01T09:30:00Z", datetime(2026, 12, 1, 9, 30, tzinfo=UTC)),
        ("2026-12-01T09:30:00+02:00", datetime(2026, 12, 1, 7, 30, tzinfo=UTC)),
        ("yesterday", None),
        ("", None),
    ],
)
def test_w3c_dates(text: str, expected: datetime | None) -> None:
    """Sitemap dates in every W3C form come back in UTC; junk is no date."""
    assert parse_w3c_date(text) == expected


def test_newest_children_caps_how_many_are_read() -> None:
    """At most ``limit`` children, the most recently modified first."""
    children = [
        ChildSitemap(f"https://e.example/{day}.xml", datetime(2026, 11, day, tzinfo=UTC))
        for day in range(1, 29)
    ]
    chosen = newest_children(children, 3)
    assert [c.url for c in chosen] == [f"https://e.example/{d}.xml" for d in (28, 27, 26)]
