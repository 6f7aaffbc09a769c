"""One article across URL changes, through `editwatch check` against a local site: a slug
change (301 and/or a new canonical link) is a change of kind `url` on the same history; a feed
listing the old and the new address starts no second watch; a canonical link shared by
different articles (the front page, another article) merges nothing."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
from typer.testing import CliRunner

from tests.configs import write_config
from tests.httpserver import LocalHTTPServer
from tests.integration.test_sitemap_source import news_sitemap
from tests.pages import BODY, article_page
from tests.webdata import WebStore
from tests.webdata import serve as serve_viewer
from worker.cli import cli
from worker.config import load_settings
from worker.web import Access

HTML = {"Content-Type": "text/html; charset=utf-8"}
RSS = {"Content-Type": "application/rss+xml"}
OLD, NEW = "/2026/11/council-budget-vote", "/2026/11/council-passes-budget"


def run(
    config: Path, data: Path, *args: str, expect: int = 0
) -> tuple[list[dict[str, object]], str]:
    result = CliRunner().invoke(cli, ["--config", str(config), "--data", str(data), *args])
    assert result.exit_code == expect, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    return rows, result.stdout


def alerts(data: Path) -> list[dict[str, object]]:
    path = data / "alerts.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def serve(server: LocalHTTPServer, path: str, headline: str = "Budget passes", **page: str) -> None:
    server.route(path, body=article_page(headline, BODY, **page), headers=HTML)


def one_watch(server: LocalHTTPServer, tmp_path: Path, path: str = OLD) -> tuple[Path, Path]:
    config = write_config(tmp_path / "config", [{"url": server.url(path), "name": "budget"}])
    return config, tmp_path / "data"


def moved_by_a_301(server: LocalHTTPServer, tmp_path: Path) -> tuple[Path, Path]:
    """A watched article, checked, then moved: OLD answers 301 -> NEW, checked again."""
    serve(server, OLD, canonical=server.url(OLD))
    config, data = one_watch(server, tmp_path)
    run(config, data, "check", "--json")
    serve(server, NEW, canonical=server.url(NEW))
    server.redirect(OLD, NEW, status=301)
    run(config, data, "check", "--json")
    return config, data


def test_slug_change_with_a_301_keeps_one_history_and_is_kind_url(
    http_server: LocalHTTPServer, tmp_path: Path
) -> None:
    """OLD 301 -> NEW: version 2 of the same watch, kind `url`, one alert saying so."""
    serve(http_server, OLD, canonical=http_server.url(OLD))
    config, data = one_watch(http_server, tmp_path)
    (first,), _ = run(config, data, "check", "--json")
    assert first["outcome"] == "new"
    serve(http_server, NEW, canonical=http_server.url(NEW), noise=2)
    http_server.redirect(OLD, NEW, status=301)
    (moved,), _ = run(config, data, "check", "--json")
    assert (moved["outcome"], moved["kinds"], moved["version"]) == ("changed", ["url"], 2)
    (again,), _ = run(config, data, "check", "--json")
    assert again["outcome"] == "unchanged"
    (alert,) = alerts(data)
    assert alert["kinds"] == ["url"]
    _, text = run(config, data, "diff", "budget")
    assert f"URL changed: {http_server.url(OLD)} -> {http_server.url(NEW)}" in text
    assert http_server.count(NEW) == 2  # the configured URL is still asked; its 301 followed


def test_an_old_slug_that_stops_redirecting_is_no_removal(
    http_server: LocalHTTPServer, tmp_path: Path
) -> None:
    """After the move the site drops the old 301 (OLD answers 404): the article is fetched
    at its new address and is unchanged, not removed; gone there too, it is removed."""
    config, data = moved_by_a_301(http_server, tmp_path)
    http_server.route(OLD, status=404, body=b"<h1>Not found</h1>", headers=HTML)
    (kept,), _ = run(config, data, "check", "--json")
    assert (kept["outcome"], kept["version"]) == ("unchanged", 2)
    http_server.route(NEW, status=410, body=b"<h1>Gone</h1>", headers=HTML)
    (gone,), _ = run(config, data, "check", "--json")
    assert (gone["outcome"], gone["kinds"]) == ("changed", ["removed"])


def test_history_and_json_show_the_url_change(http_server: LocalHTTPServer, tmp_path: Path) -> None:
    """`history --json` gives each state's address and kind `url`; the table names both
    addresses; `watches --json` and `history NEW-URL` find the article at its new address."""
    config, data = moved_by_a_301(http_server, tmp_path)
    rows, _ = run(config, data, "history", "budget", "--json")
    assert [(r["version"], r["kinds"], r["url"]) for r in rows] == [
        (1, [], http_server.url(OLD)),
        (2, ["url"], http_server.url(NEW)),
    ]
    _, table = run(config, data, "history", "budget")
    assert f"addresses: {http_server.url(OLD)} -> {http_server.url(NEW)}" in " ".join(table.split())
    by_new_url, _ = run(config, data, "history", http_server.url(NEW), "--json")
    assert by_new_url == rows
    (listed,), _ = run(config, data, "watches", "--json")
    assert listed["canonical_url"] == http_server.url(NEW)


def test_canonical_change_alone_and_with_an_edit(
    http_server: LocalHTTPServer, tmp_path: Path
) -> None:
    """The page stays at its URL but its canonical link moves: kind `url`; a headline edit
    with a second move names both `headline` and `url`."""
    serve(http_server, OLD, canonical=http_server.url(OLD))
    config, data = one_watch(http_server, tmp_path)
    run(config, data, "check", "--json")
    serve(http_server, OLD, canonical=http_server.url(NEW))
    (moved,), _ = run(config, data, "check", "--json")
    assert (moved["outcome"], moved["kinds"]) == ("changed", ["url"])
    serve(http_server, OLD, "Budget passes after all", canonical=http_server.url("/2026/11/final"))
    (both,), _ = run(config, data, "check", "--json")
    assert {"headline", "url"} <= set(both["kinds"])  # type: ignore[arg-type]
    _, text = run(config, data, "diff", "budget")
    assert f"URL changed: {http_server.url(NEW)} -> {http_server.url('/2026/11/final')}" in text


def rss(server: LocalHTTPServer, paths: list[str]) -> bytes:
    items = "".join(
        f"<item><title>Budget {i}</title><link>{server.url(p)}</link>"
        f"<pubDate>Thu, 26 Nov 2026 10:0{i}:00 GMT</pubDate></item>"
        for i, p in enumerate(paths)
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>News</title>'
        f"<link>{server.url('/')}</link>{items}</channel></rss>"
    ).encode()


def feed_config(server: LocalHTTPServer, tmp_path: Path) -> tuple[Path, Path]:
    watch = {"url": server.url("/feed.xml"), "name": "news", "type": "feed", "interval": "5m"}
    config = write_config(tmp_path / "config", [watch], extra={"feeds": {"max_age": "3650d"}})
    return config, tmp_path / "data"


def found_in_a_feed_then_moved(server: LocalHTTPServer, tmp_path: Path) -> tuple[Path, Path]:
    """A feed lists OLD, which becomes a watch and is checked; then OLD answers 301 -> NEW."""
    serve(server, OLD, canonical=server.url(OLD))
    server.route("/feed.xml", body=rss(server, [OLD]), headers=RSS)
    config, data = feed_config(server, tmp_path)
    run(config, data, "check", "--json")
    serve(server, NEW, canonical=server.url(NEW))
    server.redirect(OLD, NEW, status=301)
    return config, data


def articles(config: Path, data: Path) -> list[dict[str, object]]:
    listed, _ = run(config, data, "watches", "--json")
    return [w for w in listed if w["type"] == "article"]


def test_feed_listing_the_old_and_the_new_url_creates_no_second_watch(
    http_server: LocalHTTPServer, tmp_path: Path
) -> None:
    """After the article moved, a feed listing OLD and NEW (and a tracking-tagged NEW) adds
    nothing: NEW is an address the watched article was seen at."""
    config, data = found_in_a_feed_then_moved(http_server, tmp_path)
    (feed, moved), _ = run(config, data, "check", "--json")
    assert moved["kinds"] == ["url"]
    listed = [OLD, NEW, f"{NEW}?utm_source=rss", f"{NEW}/amp"]
    http_server.route("/feed.xml", body=rss(http_server, listed), headers=RSS)
    (feed, article), _ = run(config, data, "check", "--json")
    assert feed["outcome"] == "unchanged" and not feed.get("discovered")
    assert article["outcome"] == "unchanged"
    assert [w["url"] for w in articles(config, data)] == [http_server.url(OLD)]


def test_a_watch_found_under_the_new_url_first_merges_into_the_old_one(
    http_server: LocalHTTPServer, tmp_path: Path
) -> None:
    """The feed lists NEW before the old watch saw the redirect: the two watches of one
    article become one (the older carries on), with one alert stream: the `url` change."""
    config, data = found_in_a_feed_then_moved(http_server, tmp_path)
    http_server.route("/feed.xml", body=rss(http_server, [OLD, NEW]), headers=RSS)
    run(config, data, "check", "--json")
    run(config, data, "check", "--json")
    assert [w["url"] for w in articles(config, data)] == [http_server.url(OLD)]
    assert [a["kinds"] for a in alerts(data)] == [["url"]]
    serve(http_server, NEW, "Budget passes, mayor signs", canonical=http_server.url(NEW))
    (_, edited), _ = run(config, data, "check", "--json")
    assert edited["url"] == http_server.url(OLD) and "headline" in edited["kinds"]  # type: ignore[operator]
    assert [a["kinds"][0] for a in alerts(data)] == ["url", "headline"]  # type: ignore[index]


def test_a_canonical_shared_by_different_articles_merges_nothing(
    http_server: LocalHTTPServer, tmp_path: Path
) -> None:
    """Every page's canonical is the front page, or one constant article: three watches stay
    three, nothing is a `url` change, and an edit of one alerts for that one only."""
    front, pinned = http_server.url("/"), http_server.url("/2026/11/pinned-story")
    serve(http_server, "/2026/11/pinned-story", "Pinned story", canonical=pinned)
    serve(http_server, "/news/a", "Story A", canonical=front)
    serve(http_server, "/news/b", "Story B", canonical=pinned)
    paths = ("/2026/11/pinned-story", "/news/a", "/news/b")
    watches = [{"url": http_server.url(p), "name": p} for p in paths]
    config = write_config(tmp_path / "config", watches)
    data = tmp_path / "data"
    run(config, data, "check", "--json")
    serve(http_server, "/news/b", "Story B", canonical=pinned, noise=4)
    rows, _ = run(config, data, "check", "--json")
    assert [r["outcome"] for r in rows] == ["unchanged"] * 3
    serve(http_server, "/news/b", "Story B, updated", canonical=pinned)
    rows, _ = run(config, data, "check", "--json")
    assert {r["watch"]: r["outcome"] for r in rows}["/news/b"] == "changed"
    assert [(a["watch"], a["kinds"]) for a in alerts(data)] == [("/news/b", ["headline"])]
    listed, _ = run(config, data, "watches", "--json")
    assert [w["canonical_url"] for w in listed] == [pinned, http_server.url("/news/a"),
                                                    http_server.url("/news/b")]  # fmt: skip


def test_a_news_sitemap_listing_the_new_url_creates_no_second_watch(
    http_server: LocalHTTPServer, tmp_path: Path
) -> None:
    """A configured article moved by a 301; the sitemap now lists its new address (with a
    moved lastmod): no watch is discovered, the one watch stays the article's."""
    config, data = moved_by_a_301(http_server, tmp_path)
    sitemap = news_sitemap(http_server, {NEW: "2026-12-01T09:00:00Z"})
    http_server.route(
        "/news-sitemap.xml", body=sitemap, headers={"Content-Type": "application/xml"}
    )
    watches = [
        {"url": http_server.url(OLD), "name": "budget"},
        {"url": http_server.url("/news-sitemap.xml"), "name": "site", "type": "sitemap"},
    ]
    write_config(tmp_path / "config", watches, extra={"feeds": {"max_age": "3650d"}})
    rows, _ = run(config, data, "check", "--json")
    assert {r["watch"]: r["outcome"] for r in rows} == {"site": "unchanged", "budget": "unchanged"}
    assert [w["url"] for w in articles(config, data)] == [http_server.url(OLD)]


def test_the_viewer_and_the_api_show_where_the_article_is_now(
    http_server: LocalHTTPServer, tmp_path: Path
) -> None:
    """After a 301, the API's watch has `canonical_url` NEW and its page says "now at NEW"."""
    config, data = moved_by_a_301(http_server, tmp_path)
    stored = WebStore(config, data, load_settings(config, data), "")
    with serve_viewer(stored, Access(token=None, loopback=True)) as base:
        (watch,) = httpx.get(f"{base}/api/v1/watches").json()["watches"]
        page = httpx.get(f"{base}/w/{watch['id']}").text
    assert (watch["url"], watch["canonical_url"]) == (http_server.url(OLD), http_server.url(NEW))
    assert f'now at <a href="{http_server.url(NEW)}"' in page


def test_two_urls_serving_one_article_with_one_canonical_become_one_watch(
    http_server: LocalHTTPServer, tmp_path: Path
) -> None:
    """/print/... and its article both say canonical NEW and show the same text: the older
    watch carries on at NEW, the other is merged (not checked again, no alerts of its own)."""
    serve(http_server, "/print/budget", canonical=http_server.url(NEW))
    serve(http_server, NEW, canonical=http_server.url(NEW), noise=3)
    watches = [{"url": http_server.url(p), "name": p} for p in ("/print/budget", NEW)]
    config = write_config(tmp_path / "config", watches)
    data = tmp_path / "data"
    run(config, data, "check", "--json")
    run(config, data, "check", "--json")
    (kept,) = articles(config, data)
    assert (kept["name"], kept["canonical_url"]) == ("/print/budget", http_server.url(NEW))
    before = http_server.count(NEW)
    serve(
        http_server, "/print/budget", "Budget passes, mayor signs", canonical=http_server.url(NEW)
    )
    (edited,), _ = run(config, data, "check", "--json")
    assert edited["watch"] == "/print/budget" and "headline" in edited["kinds"]  # type: ignore[operator]
    assert http_server.count(NEW) == before  # the merged watch is not fetched
    assert [a["watch"] for a in alerts(data)] == ["/print/budget"]


def test_a_new_watch_redirected_to_the_front_page_merges_with_nothing(
    http_server: LocalHTTPServer, tmp_path: Path
) -> None:
    """A dead link that redirects to the site's front page, which another watch follows: the
    new watch's first check is an error naming the redirect, nothing is stored for it, the
    front page's watch carries on, and the article is read once it answers."""
    story = "/world/2026/11/harbour-closes"
    serve(http_server, "/", headline="Today's front page")
    http_server.redirect(story, "/", status=302)
    watches = [
        {"url": http_server.url("/"), "name": "home"},
        {"url": http_server.url(story), "name": "story"},
    ]
    config = write_config(tmp_path / "config", watches)
    data = tmp_path / "data"
    home, story_key = http_server.url("/"), http_server.url(story)
    rows, _ = run(config, data, "check", "--json", expect=1)
    by_name = {row["url"]: row for row in rows}
    assert by_name[home]["outcome"] == "new"
    assert by_name[story_key]["outcome"] == "error"
    assert "front page" in str(by_name[story_key]["error"])
    serve(http_server, story, headline="Harbour closes for repairs")
    rows, _ = run(config, data, "check", "--json")
    by_name = {row["url"]: row for row in rows}
    assert (by_name[home]["outcome"], by_name[story_key]["outcome"]) == ("unchanged", "new")
