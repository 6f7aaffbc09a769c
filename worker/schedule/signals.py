"""Signal-driven polling: a source saying "this article changed" makes it due at once.

A sitemap's ``<lastmod>`` or a feed entry's ``<updated>`` is the site telling us when an
article last changed. The ladder may not check a three-day-old article for hours; when its
``lastmod`` moves, it is brought forward to "now", so the next beat tick dispatches it. Two
pieces of shared state in Redis make that safe with many workers:

* the last signal seen per article URL (a hash), compared and updated by one Lua script, so
  a move is acted on once however many workers read the sitemap; the first sighting of a URL
  is not a move (a new article is due at once anyway);
* a request budget per host and window (``feeds.signal_budget`` per ``feeds.signal_window``):
  a site that touches every ``lastmod`` at once (a template change) costs at most the budget
  in early checks; the rest keep their scheduled times.

The page's own ``dateModified`` (JSON-LD, or ``article:modified_time``) is a third signal,
kept in a hash of its own (``kind="page"``: a page's time and its sitemap's are written
differently, and one must not read as a move of the other). Every article check records it;
when it moved *later* while the check found the same text, the CMS has bumped the date before
its caches caught up, and the article is checked again at the next tick, once (the re-check
sees the same date, which is no move) and within the same per-host budget.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import cast
from urllib.parse import urlsplit

import redis

from worker.schedule.duequeue import DueQueue
from worker.schedule.feeds import parse_w3c_date

# KEYS[1] = hash url -> last signal; ARGV = url, signal, url, signal, ...
# Returns url, old signal, ... for the urls whose signal differs from a previously seen one;
# stores every new value.
_MOVED = """
local moved = {}
for i = 1, #ARGV, 2 do
  local old = redis.call('HGET', KEYS[1], ARGV[i])
  if old ~= ARGV[i + 1] then
    redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
    if old then
      moved[#moved + 1] = ARGV[i]
      moved[#moved + 1] = old
    end
  end
end
return moved
"""


class SignalBoost:
    """Brings watches forward in the due-queue when their source's signal moves."""

    def __init__(
        self, client: redis.Redis, prefix: str, *, budget: int, window: float, kind: str = ""
    ) -> None:
        self.client = client
        self.key = f"{prefix}:signals" + (f":{kind}" if kind else "")
        self.budget_prefix = f"{prefix}:signal-budget"
        self.budget = budget
        self.window = max(window, 1.0)
        self._moved = client.register_script(_MOVED)

    def moved(self, signals: Iterable[tuple[str, str]]) -> list[str]:
        """URLs whose signal changed since last seen (the last value per URL counts)."""
        return list(self._record(signals))

    def later(self, signals: Iterable[tuple[str, str]]) -> list[str]:
        """URLs whose signal (a W3C time) moved to a later time than the one last seen."""
        latest = dict(signals)
        found = self._record(latest.items())
        return [url for url, old in found.items() if _is_later(latest[url], old)]

    def _record(self, signals: Iterable[tuple[str, str]]) -> dict[str, str]:
        """Store every signal; URL -> previous value for those that moved."""
        latest = dict(signals)
        if not latest:
            return {}
        args = [part for pair in latest.items() for part in pair]
        found = [
            item.decode() for item in cast(list[bytes], self._moved(keys=[self.key], args=args))
        ]
        return dict(zip(found[::2], found[1::2], strict=True))

    def within_budget(self, urls: Sequence[str], now: float) -> list[str]:
        """The URLs that fit their host's budget for the current window, in order."""
        if self.budget <= 0 or not urls:
            return []
        window = int(now // self.window)
        pipe = self.client.pipeline(transaction=True)
        for url in urls:
            key = f"{self.budget_prefix}:{urlsplit(url).hostname or ''}:{window}"
            pipe.incr(key)
            pipe.expire(key, int(self.window) + 60)
        counts = pipe.execute()[::2]
        return [url for url, used in zip(urls, counts, strict=True) if int(used) <= self.budget]

    def apply(
        self, signals: Iterable[tuple[str, str]], ids: Mapping[str, int], queue: DueQueue
    ) -> list[int]:
        """Bring every watched article whose signal moved forward to now (within budget)."""
        moved = [url for url in self.moved(signals) if url in ids]
        return self._bring_forward(moved, ids, queue)

    def apply_page(
        self,
        signals: Iterable[tuple[str, str]],
        same_text: Collection[str],
        ids: Mapping[str, int],
        queue: DueQueue,
    ) -> list[int]:
        """Record each checked page's ``dateModified``; bring forward the articles whose date
        moved later while their text (``same_text``: URLs checked unchanged) did not."""
        later = [url for url in self.later(signals) if url in same_text and url in ids]
        return self._bring_forward(later, ids, queue)

    def _bring_forward(
        self, urls: Sequence[str], ids: Mapping[str, int], queue: DueQueue
    ) -> list[int]:
        now = queue.now()
        chosen = [ids[url] for url in self.within_budget(urls, now)]
        queue.bring_forward(chosen, now)
        return chosen


def _is_later(new: str, old: str) -> bool:
    """Whether the W3C time ``new`` is after ``old``; an unreadable one never is."""
    after, before = parse_w3c_date(new), parse_w3c_date(old)
    return after is not None and before is not None and after > before
