"""`type: sitemap`: a local news sitemap index discovers articles; a lastmod move makes one due."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import redis
from typer.testing import CliRunner

from tests.configs import write_config
from tests.httpserver import LocalHTTPServer
from tests.pages import BODY, article_page
from worker import pipeline, tasks
from worker.cli import cli
from worker.config import load_settings
from worker.fetch import make_client
from worker.models import CheckResult
from worker.schedule.duequeue import DueQueue
from worker.store import Store

HTML = {"Content-Type": "text/html; charset=utf-8"}
XML = {"Content-Type": "application/xml"}
HOUR = 3600.0


def news_sitemap(server: LocalHTTPServer, lastmods: dict[str, str]) -> str:
    """A Google News sitemap listing the given article paths with their lastmod."""
    urls = "".join(
        f"<url><loc>{server.url(path)}</loc><lastmod>{lastmod}</lastmod>"
        "<news:news><news:publication><news:name>Test</news:name>"
        "<news:language>en</news:language></news:publication>"
        f"<news:publication_date>2026-11-30T08:00:00Z</news:publication_date>"
        f"<news:title>Story {path}</news:title></news:news></url>"
        for path, lastmod in lastmods.items()
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">' + urls + "</urlset>"
    )


def serve_site(server: LocalHTTPServer, lastmods: dict[str, str]) -> str:
    """An index pointing at a news sitemap and a broken one; returns the index URL."""
    index = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        "<sitemap><loc>/news-sitemap.xml</loc><lastmod>2026-12-01T10:00:00Z</lastmod></sitemap>"
        "<sitemap><loc>/broken-sitemap.xml</loc></sitemap>"
        "</sitemapindex>"
    )
    server.route("/news-sitemap.xml", body=news_sitemap(server, lastmods), headers=XML)
    server.route("/broken-sitemap.xml", status=500)
    for number, path in enumerate(lastmods):
        server.route(path, body=article_page(f"Story number {number}", BODY), headers=HTML)
    return server.route("/sitemap_index.xml", body=index, headers=XML)


def editwatch(config: Path, data: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--config", str(config), "--data", str(data), *args])
    return result.exit_code, result.stdout


STAMPS = {"/world/summit": "2026-12-01T09:00:00Z", "/world/rates": "2026-12-01T09:05:00Z"}


def test_sitemap_index_discovers_and_checks_articles(
    http_server: LocalHTTPServer, tmp_path: Path
) -> None:
    """`check` reads the index, its news sitemap (the broken sibling is skipped), the articles."""
    index = serve_site(http_server, STAMPS)
    config = write_config(tmp_path / "config", [{"url": index, "type": "sitemap", "name": "news"}])
    data = tmp_path / "data"
    code, _ = editwatch(config, data, "check", "--no-notify")
    assert code == 0
    code, out = editwatch(config, data, "watches", "--json")
    rows = {row["url"]: row for row in map(json.loads, out.splitlines())}
    articles = [http_server.url(path) for path in STAMPS]
    assert rows[index]["type"] == "sitemap"
    assert all(rows[url]["source"] == index and rows[url]["versions"] == 1 for url in articles)
    assert rows[articles[0]]["name"] == "news: Story /world/summit"
    assert http_server.count("/broken-sitemap.xml") == 1


def runtime_for(config: Path, data: Path, client: redis.Redis) -> tasks.Runtime:
    """A worker's runtime on the test Redis, as `check_batch` has it (no Celery needed)."""
    settings = load_settings(config, data)
    return tasks.Runtime(
        settings=settings,
        store=Store.open(data, None),
        redis=client,
        queue=DueQueue(client, key=f"{settings.redis_prefix}:due"),
        channels={},
    )


def close(rt: tasks.Runtime) -> None:
    rt.close()


def read_source(rt: tasks.Runtime, kind: str = "sitemap") -> CheckResult:
    """Check the sitemap (or feed) watch once through the pipeline."""
    source = next(t for t in rt.targets().values() if t.watch.kind == kind)

    async def go() -> CheckResult:
        async with make_client(rt.settings.fetch) as client:
            context = pipeline.Context(rt.settings, rt.store, client, gate=pipeline.LocalGate(2))
            return await pipeline.check_watch(source, context)

    return asyncio.run(go())


def scheduled_later(rt: tasks.Runtime) -> dict[str, int]:
    """Queue every watch and put the articles 6 hours out, as the ladder would."""
    rt.known_at = float("-inf")
    ids = {t.watch.url: t.id for t in rt.targets().values()}
    rt.queue.sync(ids.values())
    later = rt.queue.now() + 6 * HOUR
    rt.queue.reschedule({i: later for url, i in ids.items() if "sitemap" not in url})
    return ids


def test_lastmod_move_makes_the_article_due_within_one_tick(
    http_server: LocalHTTPServer, tmp_path: Path, redis_client: redis.Redis
) -> None:
    """Only the article whose lastmod moved is brought forward; the next claim takes it."""
    index = serve_site(http_server, STAMPS)
    config = write_config(tmp_path / "config", [{"url": index, "type": "sitemap", "name": "n"}])
    rt = runtime_for(config, tmp_path / "data", redis_client)
    first = read_source(rt)
    assert first.discovered == 2 and tasks.boost_signalled(rt, [first]) == []  # first sighting
    ids = scheduled_later(rt)
    summit, rates = (ids[http_server.url(p)] for p in STAMPS)
    moved = {**STAMPS, "/world/summit": "2026-12-01T11:45:00Z"}
    http_server.route("/news-sitemap.xml", body=news_sitemap(http_server, moved), headers=XML)
    assert tasks.boost_signalled(rt, [read_source(rt)]) == [summit]
    now = rt.queue.now()
    assert (rt.queue.due_at(summit) or float("inf")) <= now
    assert (rt.queue.due_at(rates) or 0.0) > now + 5 * HOUR
    claimed = rt.queue.claim(100, lease=60)
    assert summit in claimed and rates not in claimed
    assert tasks.boost_signalled(rt, [read_source(rt)]) == []  # the same lastmod again: no move
    close(rt)


def test_signal_budget_caps_early_checks_per_host(
    http_server: LocalHTTPServer, tmp_path: Path, redis_client: redis.Redis
) -> None:
    """When every lastmod moves at once, only `feeds.signal_budget` articles come forward."""
    index = serve_site(http_server, STAMPS)
    config = write_config(
        tmp_path / "config",
        [{"url": index, "type": "sitemap", "name": "n"}],
        extra={"feeds": {"signal_budget": 1, "signal_window": "1h"}},
    )
    rt = runtime_for(config, tmp_path / "data", redis_client)
    tasks.boost_signalled(rt, [read_source(rt)])
    ids = scheduled_later(rt)
    moved = dict.fromkeys(STAMPS, "2026-12-01T11:50:00Z")
    http_server.route("/news-sitemap.xml", body=news_sitemap(http_server, moved), headers=XML)
    boosted = tasks.boost_signalled(rt, [read_source(rt)])
    assert len(boosted) == 1 and boosted[0] in ids.values()
    later = rt.queue.now() + 5 * HOUR
    articles = [ids[http_server.url(path)] for path in STAMPS]
    assert [(rt.queue.due_at(i) or 0.0) > later for i in articles].count(True) == 1
    close(rt)
