"""A fetched feed: its new items become article watches (stored in the database, not the YAML).

Named ``feed_watch`` so it never reads as ``worker.schedule.feeds``, the parsing stage it calls.
"""

from __future__ import annotations

from worker.models import CheckResult, FetchResult
from worker.pipeline.context import Context, Target, result_for, utcnow
from worker.schedule import feeds


def process_feed(target: Target, page: FetchResult, context: Context) -> CheckResult:
    """New feed items become article watches (stored in the database, not the YAML)."""
    feed, store = target.watch, context.store
    if page.not_modified:
        return result_for(feed, "not_modified")
    items = feeds.parse_feed(
        page.content, page.final_url, max_age=context.settings.feeds.max_age, now=utcnow()
    )
    known = {r.url for r in store.list_watches()}
    fresh = feeds.new_items(items, known)
    if fresh:
        watches = [feeds.item_watch(item, feed=feed) for item in fresh]
        store.sync_watches(watches, source=feed.url)
    return result_for(feed, "changed" if fresh else "unchanged", discovered=len(fresh))
