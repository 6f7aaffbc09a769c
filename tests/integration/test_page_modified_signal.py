"""The page's own dateModified as a polling signal, end to end: a local news site, the real
`check_batch` task body (no Celery broker needed), the due-queue in a real Redis.

A CMS that bumps an article's dateModified before its caches serve the new text shows the
new date with the old text; the article is then checked again at the next tick, once."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis

from tests.configs import write_config
from tests.httpserver import LocalHTTPServer
from tests.integration.test_sitemap_source import close, read_source, runtime_for
from tests.pages import BODY, article_page
from worker import tasks

HTML = {"Content-Type": "text/html; charset=utf-8"}
HOUR = 3600.0


@pytest.fixture
def budget() -> int:
    """``feeds.signal_budget`` of the runtime; a test parametrizes ``budget`` to change it."""
    return 5


@pytest.fixture
def runtime(
    http_server: LocalHTTPServer, tmp_path: Path, redis_client: redis.Redis, budget: int
) -> Iterator[tasks.Runtime]:
    """A worker runtime for two articles on the local site, installed as this process's."""
    watches = [{"url": http_server.url(p), "name": p} for p in ("/bumped", "/quiet")]
    feeds = {"signal_budget": budget}
    config = write_config(tmp_path / "config", watches, extra={"feeds": feeds})
    rt = runtime_for(config, tmp_path / "data", redis_client)
    rt.config_stamp, rt.loaded_at = tasks.config_stamp(rt.settings.config_dir), time.monotonic()
    saved, tasks._runtime = tasks._runtime, rt
    yield rt
    tasks._runtime = saved
    close(rt)


def serve(server: LocalHTTPServer, path: str, modified: str, body: tuple[str, ...] = BODY) -> None:
    server.route(path, body=article_page(f"Story {path}", body, modified=modified), headers=HTML)


def check_all(rt: tasks.Runtime) -> dict[str, int]:
    """One `check_batch` over every article, as a worker runs it; url -> watch id."""
    ids = {t.watch.url: t.id for t in rt.targets().values()}
    rt.queue.sync(ids.values())
    tasks.check_batch(sorted(ids.values()))
    return ids


def due_soon(rt: tasks.Runtime, watch_id: int) -> bool:
    return (rt.queue.due_at(watch_id) or float("inf")) <= rt.queue.now() + 1.0


def first_sight(rt: tasks.Runtime, server: LocalHTTPServer) -> tuple[int, int]:
    """Both articles served dated 09:00 and checked once; their watch ids."""
    for path in ("/bumped", "/quiet"):
        serve(server, path, "2026-12-01T09:00:00Z")
    ids = check_all(rt)
    return ids[server.url("/bumped")], ids[server.url("/quiet")]


def test_a_later_date_modified_with_the_same_text_brings_one_recheck(
    runtime: tasks.Runtime, http_server: LocalHTTPServer
) -> None:
    bumped, quiet = first_sight(runtime, http_server)
    assert not due_soon(runtime, bumped) and not due_soon(runtime, quiet)  # the ladder: later

    serve(http_server, "/bumped", "2026-12-01T11:30:00+01:00")  # later; the text is the same
    check_all(runtime)
    assert due_soon(runtime, bumped) and not due_soon(runtime, quiet)
    assert bumped in runtime.queue.claim(100, lease=60)  # the next tick dispatches it

    check_all(runtime)  # the re-check sees the same date: no second boost
    assert not due_soon(runtime, bumped)


def test_an_earlier_date_or_a_text_change_brings_no_extra_check(
    runtime: tasks.Runtime, http_server: LocalHTTPServer
) -> None:
    bumped, quiet = first_sight(runtime, http_server)
    serve(http_server, "/bumped", "2026-12-01T08:00:00Z")  # moved back: not newer
    serve(http_server, "/quiet", "2026-12-01T10:00:00Z", (*BODY, "A new paragraph was added."))
    check_all(runtime)
    assert not due_soon(runtime, bumped)  # an older date is no sign of a pending edit
    # the text changed and was stored: the ladder restarts at its fastest rung, no boost
    assert not due_soon(runtime, quiet)


@pytest.mark.parametrize("budget", [1])  # one early check per host and window
def test_page_date_boosts_share_the_per_host_budget(
    runtime: tasks.Runtime, http_server: LocalHTTPServer
) -> None:
    for path in ("/bumped", "/quiet"):
        serve(http_server, path, "2026-12-01T09:00:00Z")
    ids = check_all(runtime)
    for path in ("/bumped", "/quiet"):
        serve(http_server, path, "2026-12-01T12:00:00Z")
    check_all(runtime)
    assert [due_soon(runtime, i) for i in ids.values()].count(True) == 1


# --- a feed item's own "modified" time is a signal like a sitemap's lastmod ------------------


def rss(server: LocalHTTPServer, modified: str) -> bytes:
    """An RSS feed whose one item carries <dcterms:modified>."""
    return f"""<?xml version="1.0"?>
<rss version="2.0" xmlns:dcterms="http://purl.org/dc/terms/"><channel><title>T</title>
<item><title>Story</title><link>{server.url("/bumped")}</link>
<pubDate>Tue, 01 Dec 2026 08:00:00 GMT</pubDate><dcterms:modified>{modified}</dcterms:modified>
</item></channel></rss>""".encode()


def json_feed(server: LocalHTTPServer, modified: str) -> bytes:
    """A JSON Feed 1.1 whose one item carries date_modified."""
    item = {"id": "1", "url": server.url("/bumped"), "title": "Story",
            "date_published": "2026-12-01T08:00:00Z", "date_modified": modified}  # fmt: skip
    return json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "T",
                       "items": [item]}).encode()  # fmt: skip


@pytest.mark.parametrize(("render", "kind"), [(rss, "application/rss+xml"),
                                              (json_feed, "application/feed+json")])  # fmt: skip
def test_a_feed_items_modified_time_brings_the_article_forward(
    http_server: LocalHTTPServer, tmp_path: Path, redis_client: redis.Redis,
    render: Callable[[LocalHTTPServer, str], bytes], kind: str,
) -> None:  # fmt: skip
    """dcterms:modified (RSS) and date_modified (JSON Feed) move: the article is due now."""
    serve(http_server, "/bumped", "2026-12-01T09:00:00Z")
    http_server.route("/feed", body=render(http_server, "2026-12-01T09:00:00Z"),
                      headers={"Content-Type": kind})  # fmt: skip
    config = write_config(tmp_path / "config", [{"url": http_server.url("/feed"), "type": "feed",
                                                 "name": "feed"}])  # fmt: skip
    rt = runtime_for(config, tmp_path / "data", redis_client)
    first = read_source(rt, "feed")
    assert first.discovered == 1 and tasks.boost_signalled(rt, [first]) == []  # first sighting
    rt.known_at = float("-inf")
    ids = {t.watch.url: t.id for t in rt.targets().values()}
    article = ids[http_server.url("/bumped")]
    rt.queue.sync(ids.values())
    rt.queue.reschedule({article: rt.queue.now() + 6 * HOUR})
    http_server.route("/feed", body=render(http_server, "2026-12-01T10:15:00Z"),
                      headers={"Content-Type": kind})  # fmt: skip
    assert tasks.boost_signalled(rt, [read_source(rt, "feed")]) == [article]
    assert due_soon(rt, article)
    close(rt)
