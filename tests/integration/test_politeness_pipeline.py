"""robots.txt and feeds through `editwatch check`: blocked URLs are never fetched, feed items
become watches stored in the database."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

from typer.testing import CliRunner

from tests.configs import write_config
from tests.httpserver import LocalHTTPServer
from tests.pages import BODY, article_page
from worker.cli import cli

HTML = {"Content-Type": "text/html; charset=utf-8"}


def run(config: Path, data: Path, *args: str, expect: int = 0) -> list[dict[str, object]]:
    result = CliRunner().invoke(cli, ["--config", str(config), "--data", str(data), *args])
    assert result.exit_code == expect, result.output
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
    (row,) = run(config, tmp_path / "data", "check", "--json", expect=1)
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


# -- one politeness for `check` and the workers (issue 11 item 4) -----------------------------


def _many_on_one_host(http_server: LocalHTTPServer, tmp_path: Path, gap: str) -> Path:
    for i in range(6):
        http_server.route(f"/s{i}", body=article_page(f"Story {i}", BODY), headers=HTML)
    return write_config(
        tmp_path / "config",
        [{"url": http_server.url(f"/s{i}"), "name": f"s{i}"} for i in range(6)],
        extra={"politeness": {"min_gap": gap, "max_in_flight": 4}},
    )


def test_check_keeps_the_per_host_gap(http_server: LocalHTTPServer, tmp_path: Path) -> None:
    """Six watches on one host with min_gap 0.3s: request starts are >= 0.3 s apart."""
    config = _many_on_one_host(http_server, tmp_path, "300ms")
    rows = run(config, tmp_path / "data", "check", "--json")
    assert [r["outcome"] for r in rows] == ["new"] * 6
    starts = sorted(r.received_at for r in http_server.requests() if r.path != "/robots.txt")
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert len(starts) == 6 and min(gaps) >= 0.28


def test_the_gap_holds_across_check_runs(http_server: LocalHTTPServer, tmp_path: Path) -> None:
    """A second `check` right after the first still waits out the host's gap (state in the
    data dir), and robots.txt is not fetched again (cached between runs)."""
    http_server.route("/a", body=article_page("A", BODY), headers=HTML)
    config = write_config(
        tmp_path / "config",
        [{"url": http_server.url("/a"), "name": "a"}],
        extra={"politeness": {"min_gap": "1s"}},
    )
    run(config, tmp_path / "data", "check", "--json")
    run(config, tmp_path / "data", "check", "--json")
    pages = [r.received_at for r in http_server.requests("/a")]
    assert len(pages) == 2 and pages[1] - pages[0] >= 0.95
    assert http_server.count("/robots.txt") == 1


def test_retry_after_pauses_the_host_for_the_next_check(
    http_server: LocalHTTPServer, tmp_path: Path
) -> None:
    """A 503 with Retry-After: 600 pauses the host: the next `check` does not fetch it, says
    deferred, and exits 1 (not every watch was checked)."""
    http_server.route("/a", status=503, headers={"Retry-After": "600"})
    config = write_config(tmp_path / "config", [{"url": http_server.url("/a"), "name": "a"}])
    (first,) = run(config, tmp_path / "data", "check", "--json", expect=1)
    assert first["outcome"] == "error"
    (second,) = run(config, tmp_path / "data", "check", "--json", expect=1)
    assert second["outcome"] == "deferred"
    assert http_server.count("/a") == 1


def test_the_breaker_opens_after_consecutive_failures(
    http_server: LocalHTTPServer, tmp_path: Path
) -> None:
    """politeness.failure_threshold failures in a row (across runs) pause the host."""
    http_server.route("/a", status=500)
    config = write_config(
        tmp_path / "config",
        [{"url": http_server.url("/a"), "name": "a"}],
        extra={"politeness": {"min_gap": "0s", "failure_threshold": 2}},
    )
    for _ in range(2):
        run(config, tmp_path / "data", "check", "--json", expect=1)
    (row,) = run(config, tmp_path / "data", "check", "--json", expect=1)
    assert row["outcome"] == "deferred" and http_server.count("/a") == 2


def test_check_exit_codes(http_server: LocalHTTPServer, tmp_path: Path) -> None:
    """0 when every watch was checked; 1 when one errored; 2 for a config error."""
    http_server.route("/ok", body=article_page("Fine", BODY), headers=HTML)
    good = write_config(tmp_path / "good", [{"url": http_server.url("/ok"), "name": "ok"}])
    run(good, tmp_path / "data", "check", "--json", expect=0)
    bad = write_config(
        tmp_path / "bad",
        [{"url": http_server.url("/ok"), "name": "ok"}, {"url": http_server.url("/404")}],
    )
    run(bad, tmp_path / "data2", "check", "--json", expect=1)
    broken = write_config(tmp_path / "broken", [{"url": "ftp://x"}])
    run(broken, tmp_path / "data3", "check", expect=2)


def test_a_feed_link_with_credentials_is_refused_and_its_secret_never_shown(
    http_server: LocalHTTPServer, tmp_path: Path
) -> None:
    """A feed item `http://u:hunter2@host/...`: never requested with Basic auth, and the
    password appears neither in `check --json` nor in any log line."""
    base = http_server.url("").rstrip("/")
    secret_base = base.replace("http://", "http://u:hunter2@")
    feed = rss(secret_base, [1]).replace(b"Story 1", b"Locked story")
    http_server.route("/feed.xml", body=feed, headers={"Content-Type": "application/rss+xml"})
    http_server.route("/news/1", body=article_page("Locked", BODY), headers=HTML)
    config = write_config(
        tmp_path / "config", [{"url": http_server.url("/feed.xml"), "type": "feed", "name": "f"}]
    )
    result = CliRunner().invoke(
        cli, ["--config", str(config), "--data", str(tmp_path / "data"), "check", "--json"]
    )
    assert "hunter2" not in result.stdout and "hunter2" not in result.stderr
    assert all("Authorization" not in r.headers for r in http_server.requests())
    assert http_server.count("/news/1") == 0
