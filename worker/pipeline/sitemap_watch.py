"""A fetched sitemap (or sitemap index): the articles it lists become article watches.

An index is read one level down, newest child sitemaps first (``feeds.sitemap_children`` per
read), each fetched through the fetch stage like any page (network guard, size cap, time-outs).
A child that fails is skipped and named in the log; the others still count. The ``lastmod``
of each article comes back as a polling signal (``CheckResult.signals``).
"""

from __future__ import annotations

from worker.errors import ExtractError, FetchError
from worker.fetch import fetch
from worker.logs import get_logger
from worker.models import CheckResult, FetchResult, Validators
from worker.pipeline.context import Context, Target, result_for, utcnow
from worker.pipeline.feed_watch import discover, signals_of
from worker.schedule import sitemaps
from worker.schedule.feeds import FeedItem

log = get_logger("worker.pipeline")


async def process_sitemap(target: Target, page: FetchResult, context: Context) -> CheckResult:
    """New articles become watches; every article's ``lastmod`` is returned as a signal."""
    watch = target.watch
    if page.not_modified:
        return result_for(watch, "not_modified")
    try:
        items = await _items(page, context)
    except ExtractError as exc:
        return result_for(watch, "error", error=str(exc), status=page.status)
    found = discover(target, items, context)
    return result_for(
        watch,
        "changed" if found else "unchanged",
        discovered=found,
        signals=signals_of(items, context.store),
    )


async def _items(page: FetchResult, context: Context) -> list[FeedItem]:
    """The articles of a urlset, or of the newest child sitemaps of an index."""
    parsed = _parse(page.content, page.final_url, context)
    if not parsed.children:
        return parsed.items
    limit = context.settings.feeds.sitemap_children
    items: dict[str, FeedItem] = {}
    failures: list[str] = []
    for child in sitemaps.newest_children(parsed.children, limit):
        try:
            fetched = await fetch(
                context.client, child.url, Validators(), context.settings.fetch, accept=None
            )
            child_items = _parse(fetched.content, fetched.final_url, context).items
        except (FetchError, ExtractError) as exc:
            log.warning("sitemap_child_failed", child=child.url, error=str(exc))
            failures.append(str(exc))
            continue
        items.update((item.url, item) for item in child_items if item.url not in items)
    if failures and not items:
        raise ExtractError(f"every child sitemap failed; first: {failures[0]}")
    return list(items.values())


def _parse(content: bytes, url: str, context: Context) -> sitemaps.Sitemap:
    return sitemaps.parse_sitemap(
        content,
        url,
        max_age=context.settings.feeds.max_age,
        now=utcnow(),
        max_bytes=context.settings.fetch.max_bytes,
    )
