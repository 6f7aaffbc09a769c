"""robots.txt and feeds through `editwatch check`: blocked URLs are never fetched, feed items
become watches stored in the database."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from tests.configs import write_config
from tests.httpserver import LocalHTTPServer
from tests.pages import BODY, article_page
from worker.cli import cli

HTML = {"Content-Type": "text/html; charset=utf-8"}


def run(config: Path, data: Path, *args: str) -> list[dict[str, object]]:
    result = CliRunner().invoke(cli, ["--config", str(config), "--data", str(data), *args])
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]


def test_robots_disallow_blocks_the_fetch(http_server: LocalHTTPServer, tmp_path: Path) -> None:
    """A URL disallowed by robots.txt is reported blocked_robots and never requested."""
    http_server.route("/robots.txt", body=b"User-agent: *\nDisallow: /private/\n")
    http_server.route("/private/story", body=article_page("Secret", BODY), headers=HTML)
    http_server.route("/public/story", body=article_page("Open", BODY), headers=HTML)
    config = write_config(
        tmp_path / "config",
        [
            {"url": http_server.url("/private/story"), "name": "private"},
            {"url": http_server.url("/public/story"), "name": "public"},
        ],
    )
    rows = {r["watch"]: r for r in run(config, tmp_path / "data", "check", "--json")}
    assert rows["private"]["outcome"] == "blocked_robots"
    assert rows["public"]["outcome"] == "new"
    assert http_server.count("/private/story") == 0
    assert http_server.count("/robots.txt") == 1  # once per origin per run


def test_respect_robots_false_fetches_anyway(http_server: LocalHTTPServer, tmp_path: Path) -> None:
    """`respect_robots: false` is for users who have the right to watch a disallowed page."""
    http_server.route("/robots.txt", body=b"User-agent: *\nDisallow: /\n")
    http_server.route("/story", body=article_page("Allowed to us", BODY), headers=HTML)
    config = write_config(
        tmp_path / "config",
        [{"url": http_server.url("/story"), "name": "s", "respect_robots": False}],
    )
    (row,) = run(config, tmp_path / "data", "check", "--json")
    assert row["outcome"] == "new" and http_server.count("/story") == 1


def test_robots_server_error_means_not_now(http_server: LocalHTTPServer, tmp_path: Path) -> None:
    """A 503 on robots.txt is treated as disallow-for-now (RFC 9309): no page fetch, an error."""
    http_server.route("/robots.txt", status=503)
    http_server.route("/story", body=article_page("Later", BODY), headers=HTML)
    config = write_config(tmp_path / "config", [{"url": http_server.url("/story"), "name": "s"}])
    (row,) = run(config, tmp_path / "data", "check", "--json")
    assert row["outcome"] == "error" and "robots.txt" in str(row["error"])
    assert http_server.count("/story") == 0


def rss(base: str, items: list[int]) -> bytes:
    entries = "".join(
        f"<item><title>Story {i}</title><link>{base}/news/{i}</link>"
        f"<pubDate>Thu, 26 Nov 2026 10:0{i}:00 GMT</pubDate></item>"
        for i in items
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Test news</title>'
        f"<link>{base}/</link>{entries}</channel></rss>"
    ).encode()


def test_feed_items_become_watches(http_server: LocalHTTPServer, tmp_path: Path) -> None:
    """Three feed items make three watches; a fourth item later makes exactly one more."""
    base = http_server.url("").rstrip("/")
    for i in range(1, 5):
        http_server.route(f"/news/{i}", body=article_page(f"Story {i}", BODY), headers=HTML)
    http_server.route("/feed.xml", body=rss(base, [1, 2, 3]),
                      headers={"Content-Type": "application/rss+xml"})  # fmt: skip
    config = write_config(
        tmp_path / "config",
        [{"url": f"{base}/feed.xml", "name": "news", "type": "feed", "interval": "5m"}],
        extra={"feeds": {"max_age": "3650d"}},
    )
    data = tmp_path / "data"
    rows = run(config, data, "check", "--json")
    assert rows[0]["watch"] == "news" and rows[0]["discovered"] == 3
    assert sorted(r["outcome"] for r in rows[1:]) == ["new", "new", "new"]
    http_server.route("/feed.xml", body=rss(base, [1, 2, 3, 4]),
                      headers={"Content-Type": "application/rss+xml"})  # fmt: skip
    rows = run(config, data, "check", "--json")
    assert rows[0]["discovered"] == 1
    assert {r["url"]: r["outcome"] for r in rows[1:]}[f"{base}/news/4"] == "new"
    listed = run(config, data, "watches", "--json")
    articles = [w for w in listed if w["type"] == "article"]
    assert len(articles) == 4 and {w["source"] for w in articles} == {f"{base}/feed.xml"}
    assert [w["type"] for w in listed if w["name"] == "news"] == ["feed"]
    assert all(w["last_outcome"] in ("new", "unchanged") for w in articles)
