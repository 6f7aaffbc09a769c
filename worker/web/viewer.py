"""What the pages, the feeds and the API all read: the store's answers joined with the config.

The store knows watches, versions, checks and changes; the configuration knows tags and
intervals. :class:`Viewer` joins the two once per request, so a page and its JSON twin can
never disagree, and turns version pairs into the ``editwatch.change/1`` diff the renderer
defines (a recorded change when there is one, so history-aware kinds such as ``restored`` or
``ab_test`` survive; a fresh comparison for any other pair).
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from worker.clock import utcnow
from worker.config import Settings
from worker.diff import compare
from worker.models import Article, Notification, Version, Watch
from worker.pipeline import reread
from worker.pipeline.history import REMOVED_FINGERPRINT
from worker.render import render_json
from worker.schedule import SchedulePolicy, interval_for
from worker.store import Store
from worker.store.queries import (
    ChangeSummary,
    VersionSummary,
    ViewQueries,
    WatchPage,
    WatchSummary,
    site_of,
)

DueLookup = Callable[[Sequence[int]], Mapping[int, float]]
"""Watch ids -> next due time (epoch seconds) from the shared due-queue, when there is one."""

HEALTH_WINDOW = timedelta(days=1)
HEALTH_CACHE_SECONDS = 30.0  # site health counts a day of checks; recompute at most this often
AB_KINDS = frozenset({"ab_test", "ab_test_repeat"})


@dataclass(frozen=True, slots=True)
class SiteHealth:
    """How one site's checks went over the last day."""

    site: str
    watches: int
    checks: int
    errors: int
    failing: int  # watches whose latest check failed
    max_consecutive_failures: int

    @property
    def error_share(self) -> float:
        return self.errors / self.checks if self.checks else 0.0


@dataclass(frozen=True, slots=True)
class WatchView:
    """A watch as shown: the store's summary plus its tags, kind and next due time."""

    summary: WatchSummary
    tags: tuple[str, ...]
    kind: str
    next_due: datetime | None
    next_due_estimated: bool

    @property
    def site(self) -> str:
        return site_of(self.summary.url)


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One state in the order it was seen: the first version, or the change into a version."""

    version: int
    seen: datetime
    headline: str
    change: ChangeSummary | None
    returned: bool  # a return to a version seen before
    alerts: tuple[tuple[str, str], ...]  # (channel, state)
    reread: str | None = None  # an extractor re-read (no change): what it is, in words

    @property
    def removed(self) -> bool:
        return self.change is not None and "removed" in self.change.kinds


@dataclass(frozen=True, slots=True)
class HeadlineEntry:
    """One headline the article carried, from when, and whether it was an A/B variant."""

    headline: str
    since: datetime
    version: int
    ab_variant: bool
    reread: str | None = None  # an extractor re-read's reading, in words: no headline change


@dataclass(frozen=True, slots=True)
class DiffView:
    """Two versions and the change between them in the ``editwatch.change/1`` shape."""

    old: Version
    new: Version
    diff: dict[str, Any] | None  # None: the two versions read the same
    recorded: ChangeSummary | None
    reread: str | None = None  # ``new`` is ``old``'s page read again: no edit, no diff shown


@dataclass
class _HealthCache:
    at: float = 0.0
    sites: dict[str, SiteHealth] = field(default_factory=dict)


class Viewer:
    """Read access for the web layer: one store, the settings, and the optional due-queue."""

    def __init__(self, store: Store, settings: Settings, due: DueLookup | None = None) -> None:
        self.store = store
        self.settings = settings
        self.queries = ViewQueries(store)
        self._due = due
        self._configured = {w.url: w for w in settings.watches}
        self._feeds = {w.url: w for w in settings.watches if w.kind == "feed"}
        self._health = _HealthCache()
        self.site_health()  # the first page must not pay for counting a day of checks

    # --- watches ---------------------------------------------------------------------------

    @property
    def tags(self) -> list[str]:
        return sorted({tag for w in self.settings.watches for tag in w.tags})

    def tag_urls(self, tag: str) -> tuple[set[str], set[str]]:
        """(watch URLs, feed URLs) carrying ``tag``: a feed's tag covers what it discovered."""
        urls = {w.url for w in self.settings.watches if tag in w.tags}
        return urls, {url for url in urls if url in self._feeds}

    def watch_page(
        self,
        *,
        tag: str | None = None,
        site: str | None = None,
        search: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> tuple[list[WatchView], int]:
        urls = sources = None
        if tag:
            urls, sources = self.tag_urls(tag)
        page: WatchPage = self.queries.watch_page(
            now=utcnow(),
            urls=urls,
            sources=sources,
            site=site,
            search=search,
            limit=limit,
            offset=offset,
        )
        return self._views(page.watches), page.total

    def watch(self, watch_id: int) -> WatchView | None:
        summary = self.queries.watch_summary(watch_id, utcnow())
        return None if summary is None else self._views([summary])[0]

    def _views(self, summaries: Sequence[WatchSummary]) -> list[WatchView]:
        due = self._due_times([s.id for s in summaries])
        views = []
        for summary in summaries:
            config = self._config_for(summary)
            known = due.get(summary.id)
            next_due = datetime.fromtimestamp(known, UTC) if known is not None else None
            estimated = next_due is None
            if estimated and config is not None:
                next_due = self._estimate_due(summary, config)
            views.append(
                WatchView(
                    summary,
                    config.tags if config else (),
                    "feed" if config and config.kind == "feed" and config.url == summary.url
                    else "article",
                    next_due,
                    estimated,
                )
            )  # fmt: skip
        return views

    def _config_for(self, summary: WatchSummary) -> Watch | None:
        return self._configured.get(summary.url) or self._feeds.get(summary.source or "")

    def _due_times(self, ids: Sequence[int]) -> Mapping[int, float]:
        if self._due is None or not ids:
            return {}
        try:
            return self._due(ids)
        except Exception:  # the due-queue is a nicety: an unreachable Redis must not 500
            return {}

    def _estimate_due(self, summary: WatchSummary, watch: Watch) -> datetime | None:
        """Without the due-queue: the last check plus the interval the scheduler would use."""
        if summary.last_checked_at is None:
            return None
        if watch.kind == "feed" or watch.schedule == "fixed":
            return summary.last_checked_at + timedelta(seconds=watch.interval)
        changed = summary.last_change_at or summary.first_seen or summary.last_checked_at
        policy = SchedulePolicy(
            mode="decay",
            default_interval=watch.interval,
            ladder=tuple((s.younger_than, s.every) for s in self.settings.schedule.ladder),
        )
        since = (summary.last_checked_at - changed).total_seconds()
        interval = interval_for(policy, override=None, since_change=since)
        return None if interval is None else summary.last_checked_at + timedelta(seconds=interval)

    # --- health ----------------------------------------------------------------------------

    def site_health(self) -> dict[str, SiteHealth]:
        """Per site over the last day, recomputed at most every few seconds."""
        if time.monotonic() - self._health.at < HEALTH_CACHE_SECONDS and self._health.sites:
            return self._health.sites
        grouped: dict[str, list[Any]] = defaultdict(list)
        for counts in self.queries.check_counts(utcnow() - HEALTH_WINDOW):
            grouped[site_of(counts.url)].append(counts)
        sites = {
            site: SiteHealth(
                site=site,
                watches=len(rows),
                checks=sum(r.checks for r in rows),
                errors=sum(r.errors for r in rows),
                failing=sum(1 for r in rows if r.consecutive_failures > 0),
                max_consecutive_failures=max(r.consecutive_failures for r in rows),
            )
            for site, rows in sorted(grouped.items())
        }
        self._health = _HealthCache(time.monotonic(), sites)
        return sites

    # --- history ---------------------------------------------------------------------------

    def versions(self, watch_id: int) -> list[VersionSummary]:
        return self.queries.version_list(watch_id)

    def version(self, watch_id: int, number: int) -> Version | None:
        return self.store.version(watch_id, number)

    def raw_html(self, watch_id: int, number: int) -> bytes | None:
        version_id = self.queries.version_id(watch_id, number)
        return None if version_id is None else self.store.raw_html(version_id)

    def timeline(self, watch_id: int) -> list[TimelineEntry]:
        """Every state oldest first: the first version, then one entry per recorded change
        and per extractor re-read (:func:`reread_entries`)."""
        versions = {v.number: v for v in self.versions(watch_id)}
        if not versions:
            return []
        changes = self.queries.change_list(watch_ids=[watch_id], limit=None, newest_first=False)
        alerts: dict[int, list[tuple[str, str]]] = defaultdict(list)
        for state in self.queries.alert_states([c.id for c in changes]):
            alerts[state.change_id].append((state.channel, state.state))
        first = versions[min(versions)]
        entries = [TimelineEntry(first.number, first.first_seen, first.headline, None, False, ())]
        highest = first.number
        for change in changes:
            returned = change.new_version <= highest
            highest = max(highest, change.new_version)
            entries.append(
                TimelineEntry(
                    change.new_version,
                    change.detected_at,
                    change.new_headline,
                    change,
                    returned,
                    tuple(alerts.get(change.id, ())),
                )
            )
        return sorted([*entries, *reread_entries(versions.values())], key=lambda e: e.seen)

    @staticmethod
    def headlines(timeline: Sequence[TimelineEntry]) -> list[HeadlineEntry]:
        """The headline each time the newsroom changed it; those an A/B test alternated are
        marked. A change lists its headline only when it recorded one (kind ``headline``): a
        restoration or edit compared with a page read again in memory by a newer extractor can
        carry a headline read differently with no headline change. An extractor re-read that
        reads the headline differently is a note, never a change (the newsroom did nothing),
        but what it read is what the next edit is compared with: an edit that keeps the
        re-read's headline lists nothing."""
        variants = {
            text
            for entry in timeline
            if entry.change is not None and AB_KINDS & set(entry.change.kinds)
            for text in (entry.change.old_headline, entry.change.new_headline)
        }
        out: list[HeadlineEntry] = []
        carried: str | None = None  # the headline as last read, a re-read's included
        for entry in timeline:
            if entry.removed or entry.headline == carried:
                continue
            retitled = entry.change is None or "headline" in entry.change.kinds
            carried = entry.headline
            if not retitled:
                continue
            variant = entry.reread is None and entry.headline in variants
            out.append(
                HeadlineEntry(entry.headline, entry.seen, entry.version, variant, entry.reread)
            )
        return out

    # --- diffs -----------------------------------------------------------------------------

    def diff(self, watch_id: int, old: int, new: int, meta: dict[str, Any]) -> DiffView | None:
        """The diff of two versions; ``None`` when either does not exist."""
        before, after = self.version(watch_id, old), self.version(watch_id, new)
        if before is None or after is None:
            return None
        if after.reread_of == old:  # one page, two readings: nothing the newsroom did
            note = reread.describe(new, old, after.extractor_version)
            return DiffView(before, after, None, None, note)
        recorded = self.queries.change_between(watch_id, old, new)
        meta = {**meta, "old_version": old, "new_version": new}
        if recorded is not None:
            return DiffView(before, after, {**recorded.diff, "meta": meta}, recorded)
        change = compare(before.article, after.article)
        if change is None:
            return DiffView(before, after, None, None)
        change = reread.extractor_noted(change, before, after)
        return DiffView(
            before, after, render_json(change, old=before.article, new=after.article, meta=meta),
            None,
        )  # fmt: skip

    # --- alerts ----------------------------------------------------------------------------

    def alerts(
        self, state: str | None = None, before_id: int | None = None, limit: int = 100
    ) -> list[Notification]:
        return self.queries.alert_page(state=state, before_id=before_id, limit=limit)

    def retry_dead(self, notification_id: int) -> bool:
        """A dead alert goes back to pending; a running worker's sweep sends it."""
        return self.store.reset_dead([notification_id]) == 1


def reread_entries(versions: Iterable[VersionSummary]) -> list[TimelineEntry]:
    """A timeline entry for each extractor re-read: a state, never a change or an alert."""
    return [
        TimelineEntry(v.number, v.first_seen, v.headline, None, False, (), _reread_words(v))
        for v in versions
        if v.reread_of is not None
    ]


def _reread_words(version: VersionSummary) -> str:
    of = version.reread_of or 0
    return reread.describe(version.number, of, version.extractor_version)


def is_removal(version: Version | VersionSummary) -> bool:
    """A removed state: the one removal fingerprint (or an older release's ``removed:<status>``)."""
    if isinstance(version, Version):
        return version.removed
    fingerprint = version.fingerprint
    return fingerprint == REMOVED_FINGERPRINT or fingerprint.startswith(f"{REMOVED_FINGERPRINT}:")


def article_fields(article: Article) -> list[tuple[str, str]]:
    """The scalar fields of an article in reading order, for the field-by-field table."""
    return [
        ("headline", article.headline),
        ("subheadline", article.subheadline),
        ("byline", article.byline),
        ("published", article.published),
        ("modified", article.modified),
        ("canonical_url", article.canonical_url),
        ("language", article.language),
    ]
