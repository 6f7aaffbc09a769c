"""A fetched feed: its new items become article watches (stored in the database, not the YAML).

Named ``feed_watch`` so it never reads as ``worker.schedule.feeds``, the parsing stage it calls.
"""

from __future__ import annotations

from collections.abc import Sequence

from worker.models import CheckResult, FetchResult
from worker.pipeline.context import Context, Target, result_for, utcnow
from worker.schedule import feeds
from worker.store import Store
from worker.urls import identity_key


def process_feed(target: Target, page: FetchResult, context: Context) -> CheckResult:
    """New feed items become article watches (stored in the database, not the YAML)."""
    feed = target.watch
    if page.not_modified:
        return result_for(feed, "not_modified")
    items = feeds.parse_feed(
        page.content, page.final_url, max_age=context.settings.feeds.max_age, now=utcnow()
    )
    found = discover(target, items, context)
    return result_for(
        feed,
        "changed" if found else "unchanged",
        discovered=found,
        signals=signals_of(items, context.store),
    )


def discover(target: Target, items: Sequence[feeds.FeedItem], context: Context) -> int:
    """Store the items not watched yet as article watches of this source; how many were new.

    "Watched" means under any address: a watch's own URL, or one its article was seen at
    (a redirect target, its canonical link), so an article that changed its slug is not
    watched twice.
    """
    store = context.store
    urls = [item.url for item in items]
    fresh = feeds.new_items(items, store.known_urls(urls), store.address_owners(urls))
    if fresh:
        watches = [feeds.item_watch(item, feed=target.watch) for item in fresh]
        context.store.sync_watches(watches, source=target.watch.url)
    return len(fresh)


def signals_of(items: Sequence[feeds.FeedItem], store: Store) -> tuple[tuple[str, str], ...]:
    """(url, last-changed time) of every item that says when it last changed, under the URL
    of the watch that follows its article (an item listed at an address the article moved to
    moves that watch forward)."""
    dated = [(i.url, i.updated.isoformat()) for i in items if i.updated is not None]
    if not dated:
        return ()
    owners = store.address_owners([url for url, _ in dated])
    return tuple((owners.get(identity_key(url), (0, url))[1], when) for url, when in dated)
