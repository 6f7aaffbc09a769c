"""Atom feeds of changes, read by feedparser as a feed reader would, and their discovery links."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import feedparser
import httpx
import pytest

from tests.webdata import CHANGED_TO, VOX, XSS_EDITED, WebServer

pytestmark = pytest.mark.slow
ATOM = "{http://www.w3.org/2005/Atom}"


def fetch(server: WebServer, path: str) -> httpx.Response:
    response = httpx.get(server.base_url + path)
    assert response.status_code == 200, response.text
    return response


def parsed(server: WebServer, path: str) -> feedparser.FeedParserDict:
    response = fetch(server, path)
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return feed


def watch_id(server: WebServer, name: str) -> int:
    answer = httpx.get(server.base_url + "/api/v1/watches", params={"q": name}).json()
    return int(next(w["id"] for w in answer["watches"] if w["name"] == name))


def test_the_all_changes_feed_has_one_entry_per_change(web_server: WebServer) -> None:
    """Titled with headline and kinds, linked to the diff page, with the HTML diff."""
    feed = parsed(web_server, "/feeds/changes.atom")
    assert len(feed.entries) == 2
    budget = next(e for e in feed.entries if XSS_EDITED in e.title)
    assert "headline" in budget.title and "body" in budget.title
    assert budget.link.endswith(f"/w/{watch_id(web_server, 'budget')}/diff/1/2")
    assert fetch(web_server, budget.link.removeprefix(web_server.base_url)).status_code == 200
    content = budget.content[0]
    assert content.type == "text/html" and f"<ins>{CHANGED_TO}" in content.value
    vox = next(e for e in feed.entries if "caption" in e.title)
    assert "<del>" in vox.content[0].value


def test_entry_content_is_escaped_markup_without_scripts(web_server: WebServer) -> None:
    """The raw XML holds the diff as escaped text: no element a reader could run."""
    root = ET.fromstring(fetch(web_server, "/feeds/changes.atom").content)
    assert not [e for e in root.iter() if not e.tag.startswith(ATOM)]  # Atom elements only
    contents = list(root.iter(f"{ATOM}content"))
    assert contents
    for content in contents:
        assert list(content) == []  # text only, no child elements
        html = content.text or ""  # the HTML a reader renders: page text in it is escaped
        assert "<script" not in html and "<img" not in html
    titles = [t.text for t in root.iter(f"{ATOM}title")]
    assert any((t or "").startswith(XSS_EDITED + " [") for t in titles)  # the literal text


def test_entry_ids_are_stable_and_unique(web_server: WebServer) -> None:
    """Two fetches give the same ids; every id is a urn:uuid of its own."""
    first = [e.id for e in parsed(web_server, "/feeds/changes.atom").entries]
    again = [e.id for e in parsed(web_server, "/feeds/changes.atom").entries]
    assert first == again and len(set(first)) == len(first)
    assert all(re.fullmatch(r"urn:uuid:[0-9a-f-]{36}", entry_id) for entry_id in first)


def test_watch_and_tag_feeds_hold_only_their_changes(web_server: WebServer) -> None:
    """A watch's feed and a tag's feed filter the changes; an unknown tag is a 404."""
    vox = parsed(web_server, f"/feeds/watch/{watch_id(web_server, VOX)}.atom")
    assert [re.search(r"\[[^]]*\bcaption\b[^]]*\]$", e.title) is not None for e in vox.entries] == [
        True
    ]
    politics = parsed(web_server, "/feeds/tag/politics.atom")
    assert [XSS_EDITED in e.title for e in politics.entries] == [True]
    assert httpx.get(web_server.base_url + "/feeds/tag/nope.atom").status_code == 404


def test_every_page_announces_its_feeds(web_server: WebServer) -> None:
    """Pages carry <link rel=alternate type=application/atom+xml> that resolve to feeds."""
    budget = watch_id(web_server, "budget")
    for path in ("/", f"/w/{budget}", f"/w/{budget}/diff/1/2", f"/w/{budget}/v/1", "/alerts"):
        html = fetch(web_server, path).text
        links = re.findall(
            r'<link rel="alternate" type="application/atom\+xml"[^>]*href="([^"]+)"', html
        )
        assert links, path
        for href in links:
            assert not parsed(web_server, href).bozo
    timeline = fetch(web_server, f"/w/{budget}").text
    assert f'href="/feeds/watch/{budget}.atom"' in timeline
    assert f'href="/w/{budget}/diff/1/2"' in timeline  # each change links to its diff
