"""One check of one watch, end to end: fetch -> extract -> normalize -> diff -> store (+ outbox).

Delivery of the alerts it queues lives in ``worker.delivery``. This is plain library code:
``worker.tasks`` wraps it in Celery tasks and ``editwatch check`` calls it directly, so both
paths run exactly the same steps. Each function takes what it needs as arguments (settings,
store, HTTP client); nothing here reads globals.

A check never raises for a bad site: every failure becomes a ``CheckResult`` with outcome
``error`` and is recorded in the ``checks`` table, so one failing site never stops the others.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from dataclasses import replace as dc_replace
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from urllib.parse import urlsplit

from worker import diff as diffing
from worker import feeds, robots
from worker.config import Settings
from worker.errors import FetchError
from worker.extract import EXTRACTOR_VERSION, extract_article
from worker.fetch import HTML_CONTENT_TYPES, Client, fetch
from worker.hostlimits import Busy, Lease
from worker.logs import bound, get_logger
from worker.models import (
    Article,
    Change,
    CheckOutcome,
    CheckResult,
    FetchResult,
    Notification,
    Selectors,
    SiteProfile,
    Validators,
    Version,
    Watch,
)
from worker.normalize import fingerprint
from worker.render import render_html, render_json, render_markdown, render_text
from worker.robots import Policy as RobotsPolicy
from worker.store import NewChange, SavedState, Store

log = get_logger(__name__)
REMOVED_STATUSES = frozenset({404, 410})


@dataclass(frozen=True, slots=True)
class Target:
    """A configured (or feed-discovered) watch paired with its database id."""

    id: int
    watch: Watch


class RobotsSource(Protocol):
    """Where parsed robots.txt policies are cached: Redis for workers, a dict for one run."""

    def get(self, host: str) -> robots.Policy | None: ...

    def put(self, host: str, policy: robots.Policy) -> None: ...


class HostGate(Protocol):
    """Per-host request slots and the circuit breaker (``worker.hostlimits.HostLimiter``)."""

    async def acquire(self, host: str, *, max_wait: float) -> Lease | Busy: ...

    def release(self, lease: Lease) -> None: ...

    def record_success(self, host: str) -> None: ...

    def record_failure(self, host: str, retry_after: float | None = None) -> float | None: ...


class MemoryRobots(dict[str, robots.Policy]):
    """A robots.txt cache that lives as long as one ``editwatch check`` run."""

    def put(self, host: str, policy: robots.Policy) -> None:
        self[host] = policy


class LocalGate:
    """Per-host slots inside one process, for ``editwatch check`` without a shared Redis."""

    def __init__(self, max_in_flight: int) -> None:
        self._slots: dict[str, asyncio.Semaphore] = {}
        self._max = max_in_flight

    async def acquire(self, host: str, *, max_wait: float) -> Lease | Busy:
        await self._slots.setdefault(host, asyncio.Semaphore(self._max)).acquire()
        return Lease(host, "local")

    def release(self, lease: Lease) -> None:
        self._slots[lease.host].release()

    def record_success(self, host: str) -> None:
        """Nothing to remember: the breaker needs state shared across runs (Redis)."""

    def record_failure(self, host: str, retry_after: float | None = None) -> float | None:
        return None


@dataclass
class Context:
    """Everything a check needs, built once per process (worker) or per run (CLI)."""

    settings: Settings
    store: Store
    client: Client
    robots: RobotsSource = field(default_factory=MemoryRobots)
    gate: HostGate | None = None
    robots_pending: dict[str, asyncio.Task[RobotsPolicy]] = field(default_factory=dict)


def utcnow() -> datetime:
    return datetime.now(UTC)


def targets_for(store: Store, watches: Sequence[Watch]) -> list[Target]:
    """Register the configured watches in the store and pair each with its id.

    Watches that feeds discovered earlier (stored with their feed as ``source``) come along,
    with the feed's channels and tags, as long as that feed is still configured.
    """
    ids = store.sync_watches(watches)
    targets = [Target(ids[w.url], w) for w in watches]
    feeds = {w.url: w for w in watches if w.kind == "feed"}
    if feeds:
        configured = set(ids)
        for record in store.list_watches():
            feed = feeds.get(record.source or "")
            if feed is not None and record.url not in configured:
                targets.append(Target(record.id, discovered_watch(record.url, record.name, feed)))
    return targets


def discovered_watch(url: str, name: str, feed: Watch) -> Watch:
    """The article watch a feed item became, with the feed's policy, channels and tags."""
    return dc_replace(feed, url=url, name=name, kind="article", source=feed.url)


async def check_many(
    targets: Sequence[Target],
    context: Context,
    on_done: Callable[[CheckResult], None] | None = None,
) -> list[CheckResult]:
    """Check several watches concurrently (bounded by ``fetch.concurrency``), in input order.

    ``on_done`` is called as each check finishes (the CLI's progress bar).
    """
    limit = asyncio.Semaphore(context.settings.fetch.concurrency)

    async def bounded(target: Target) -> CheckResult:
        async with limit:
            result = await check_watch(target, context)
        if on_done is not None:
            on_done(result)
        return result

    return list(await asyncio.gather(*(bounded(t) for t in targets)))


async def check_watch(target: Target, context: Context) -> CheckResult:
    """Check one watch once and record what happened. Never raises for a site's failure."""
    watch = target.watch
    with bound(watch=watch.name, url=watch.url, check_id=uuid.uuid4().hex[:12]):
        started, clock = utcnow(), time.perf_counter()
        page: FetchResult | None = None
        try:
            result, page = await _guarded_check(target, context)
        except Exception as exc:  # one broken page or bug must not stop the other watches
            log.exception("check_crashed")
            result = _result(watch, "error", error=f"internal error: {exc!r}")
        duration = (time.perf_counter() - clock) * 1000
        if result.outcome != "deferred":
            context.store.record_check(
                target.id,
                started_at=started,
                duration_ms=duration,
                status=(page.status if page else None) or result.status,
                nbytes=len(page.content) if page else 0,
                outcome=result.outcome,
                error=result.error,
                validators=page.validators if page else None,
            )
        _log_summary(result, duration, page)
        return result


def _result(watch: Watch, outcome: CheckOutcome, **values: Any) -> CheckResult:
    return CheckResult(watch.name, watch.url, outcome, **values)


async def _guarded_check(
    target: Target, context: Context
) -> tuple[CheckResult, FetchResult | None]:
    """robots.txt first, then a slot on the host, then the fetch itself."""
    watch, host = target.watch, urlsplit(target.watch.url).hostname or ""
    if watch.respect_robots:
        try:
            policy = await _robots_policy(watch.url, context)
        except FetchError as exc:  # the guard refused the host, or it does not answer at all
            return _result(watch, "error", error=str(exc), status=exc.status), None
        if policy.temporary:
            message = "robots.txt answered with a server error; retrying later (RFC 9309)"
            return _result(watch, "error", error=f"{robots.robots_url(watch.url)}: {message}"), None
        if not policy.allows(watch.url, context.settings.fetch.user_agent):
            return _result(watch, "blocked_robots", error="disallowed by robots.txt"), None
    if context.gate is None:
        return await _fetch_and_process(target, context)
    grant = await context.gate.acquire(host, max_wait=context.settings.politeness.max_wait)
    if isinstance(grant, Busy):
        return _result(watch, "deferred", retry_in=grant.wait, error=grant.reason), None
    try:
        return await _fetch_and_process(target, context)
    finally:
        context.gate.release(grant)


async def _robots_policy(url: str, context: Context) -> robots.Policy:
    """The robots.txt policy for ``url``'s origin (fetched once per origin, then cached)."""
    key = robots.origin(url)
    policy = context.robots.get(key)
    if policy is not None:
        return policy
    pending = context.robots_pending.get(key)
    if pending is None:  # checks of one site running together share one robots.txt fetch
        pending = asyncio.ensure_future(_fetch_robots(url, context))
        context.robots_pending[key] = pending
    try:
        policy = await asyncio.shield(pending)
    finally:
        context.robots_pending.pop(key, None)
    context.robots.put(key, policy)
    return policy


async def _fetch_robots(url: str, context: Context) -> robots.Policy:
    """RFC 9309: 4xx means allow all; 5xx means disallow for now.

    A host that refuses connections or is refused by the address guard raises: the page
    itself would fail the same way, and the error says why better than "blocked".
    """
    try:
        page = await fetch(
            context.client,
            robots.robots_url(url),
            Validators(),
            context.settings.fetch,
            accept=None,
        )
    except FetchError as exc:
        if exc.status is None:
            raise
        return robots.parse(None, exc.status)
    return robots.parse(page.content, page.status)


async def _fetch_and_process(
    target: Target, context: Context
) -> tuple[CheckResult, FetchResult | None]:
    """Fetch the page (or feed) and turn it into an outcome; feed the circuit breaker."""
    store, watch = context.store, target.watch
    current = store.current_version(target.id)
    validators = store.validators(target.id) if current or watch.kind == "feed" else Validators()
    host = urlsplit(watch.url).hostname or ""
    accept = None if watch.kind == "feed" else HTML_CONTENT_TYPES
    try:
        page = await fetch(
            context.client, watch.url, validators, context.settings.fetch, accept=accept
        )
    except FetchError as exc:
        if exc.transient and context.gate is not None:
            context.gate.record_failure(host, exc.retry_after)
        return _fetch_failed(target, current, exc, context), None
    if context.gate is not None:
        context.gate.record_success(host)
    if watch.kind == "feed":
        return _process_feed(target, page, context), page
    return _process(target, page, current, context), page


def _fetch_failed(
    target: Target, current: Version | None, exc: FetchError, context: Context
) -> CheckResult:
    """A 404/410 of an article we have seen is a removal (a change), anything else an error."""
    watch = target.watch
    if exc.status in REMOVED_STATUSES and current is not None and watch.kind == "article":
        return _record_removal(target, current, exc.status or 0, context)
    return _result(watch, "error", error=str(exc), status=exc.status, retry_in=exc.retry_after)


def _record_removal(
    target: Target, current: Version, status: int, context: Context, final_url: str = ""
) -> CheckResult:
    """Store the "removed" state once; repeated 404s are unchanged, not new removals."""
    print_ = f"removed:{status}"
    if current.fingerprint == print_:
        context.store.touch_version(current.id, utcnow())
        return _result(target.watch, "unchanged", version=current.number, status=status)
    change = diffing.removed_change(current.article, status, final_url=final_url)
    saved = _save(target, b"", Article(), print_, current, change, context.store)
    return _changed(target.watch, change, saved, status=status)


def _process(
    target: Target, page: FetchResult, current: Version | None, context: Context
) -> CheckResult:
    """Turn a fetched page into an outcome: not modified, unchanged, new or changed."""
    watch, store = target.watch, context.store
    if page.not_modified and current is not None:
        store.touch_version(current.id, utcnow())
        return _result(watch, "not_modified", version=current.number)
    if current is not None and _is_section_front(watch.url, page):
        return _record_removal(target, current, page.status, context, page.final_url)
    article = extract_article(page.text, page.final_url, _profile(watch, context.settings))
    print_ = fingerprint(article)
    if current is not None and current.fingerprint == print_:
        store.touch_version(current.id, utcnow())
        return _result(watch, "unchanged", version=current.number)
    change = _change_from(target, current, article, store) if current else None
    if current is not None and change is None:
        store.touch_version(current.id, utcnow())
        return _result(watch, "unchanged", version=current.number)
    saved = _save(target, page.content, article, print_, current, change, store)
    if change is None:
        return _result(watch, "new", version=saved.version_number)
    return _changed(watch, change, saved)


def _changed(watch: Watch, change: Change, saved: SavedState, **values: Any) -> CheckResult:
    return _result(
        watch,
        "changed",
        kinds=tuple(sorted(change.kinds)),
        version=saved.version_number,
        notifications=saved.notification_ids,
        **values,
    )


def _change_from(target: Target, current: Version, article: Article, store: Store) -> Change | None:
    """The change from the current state: a restoration after a removal, or a plain edit."""
    if current.fingerprint.startswith("removed:"):
        live = next((v for v in store.recent_versions(target.id, 20) if not _is_removal(v)), None)
        return diffing.restored_change(live.article if live else Article(), article)
    change = diffing.compare(current.article, article)
    if change is not None and "headline" in change.kinds:
        return _mark_ab_test(target, change, article, store)
    return change


def _is_removal(version: Version) -> bool:
    return version.fingerprint.startswith("removed:")


def _mark_ab_test(target: Target, change: Change, article: Article, store: Store) -> Change:
    """Two headlines alternating (A, B, A, B) are one headline A/B test, reported once.

    The first time the pattern appears the change gets kind ``ab_test`` and both variants in
    its details; later flips of the same pair are stored with ``ab_test_repeat`` so the default
    policy does not alert on every swap.
    """
    by_number = {v.number: v.article.headline for v in store.versions(target.id)}
    history = store.changes(target.id)
    states = [by_number.get(1, "")] + [by_number.get(c.new_version, "") for c in history]
    variants = diffing.detect_ab_test([*states, article.headline])
    if variants is None:
        return change
    reported = any("ab_test" in c.kinds for c in history)
    detail = f"headline A/B test: {variants[0]!r} / {variants[1]!r}"
    kinds = change.kinds | {"ab_test_repeat" if reported else "ab_test"}
    significance = "minor" if reported else change.significance
    return dc_replace(
        change, kinds=kinds, significance=significance, details=(detail, *change.details)
    )


def _is_section_front(original: str, page: FetchResult) -> bool:
    """Redirected from an article path to a short one (``/world/``, ``/``): taken down."""
    if not page.redirects:
        return False
    before = [p for p in urlsplit(original).path.split("/") if p]
    after = [p for p in urlsplit(page.final_url).path.split("/") if p]
    return len(before) >= 2 and len(after) <= 1


def _process_feed(target: Target, page: FetchResult, context: Context) -> CheckResult:
    """New feed items become article watches (stored in the database, not the YAML)."""
    feed, store = target.watch, context.store
    if page.not_modified:
        return _result(feed, "not_modified")
    items = feeds.parse_feed(
        page.content, page.final_url, max_age=context.settings.feeds.max_age, now=utcnow()
    )
    known = {r.url for r in store.list_watches()}
    fresh = feeds.new_items(items, known)
    if fresh:
        watches = [feeds.item_watch(item, feed=feed) for item in fresh]
        store.sync_watches(watches, source=feed.url)
    return _result(feed, "changed" if fresh else "unchanged", discovered=len(fresh))


def _log_summary(result: CheckResult, duration_ms: float, page: FetchResult | None) -> None:
    """The one canonical event per check, with its outcome and timings."""
    event = log.warning if result.outcome == "error" else log.info
    event(
        "check_done",
        outcome=result.outcome,
        kinds=list(result.kinds),
        version=result.version,
        status=page.status if page else result.status,
        bytes=len(page.content) if page else 0,
        duration_ms=round(duration_ms, 1),
        error=result.error,
    )


def _profile(watch: Watch, settings: Settings) -> SiteProfile | None:
    """The site profile for the watch's domain, with the watch's own selectors on top.

    Field by field: a watch that only sets ``headline`` keeps the site's ``body``; its
    ``exclude`` list adds to the site's.
    """
    site = settings.profile_for(watch.url)
    if watch.selectors is None:
        return site
    own, base = watch.selectors, site.selectors if site else Selectors()
    merged = Selectors(
        headline=own.headline or base.headline,
        body=own.body or base.body,
        exclude=(*base.exclude, *own.exclude),
        captions=own.captions or base.captions,
    )
    return SiteProfile(domain=site.domain if site else "", selectors=merged)


def _save(
    target: Target,
    raw_html: bytes,
    article: Article,
    print_: str,
    current: Version | None,
    change: Change | None,
    store: Store,
) -> SavedState:
    """Store the new state, and with a change its outbox rows, in one transaction.

    Every change is stored; only those passing the watch's ``alert_on`` policy queue alerts.
    """
    detected = utcnow()
    new_change = None
    if change is not None and current is not None:
        rendered = render_json(change, old=current.article, new=article, meta={})
        new_change = NewChange(
            tuple(sorted(change.kinds)), change.significance, change.silent, rendered
        )
    alert = change is not None and diffing.should_alert(change, target.watch.alert_on)
    hold = _hold_until(target, store, detected) if alert else None

    def payload_for(change_id: int, new_number: int, old_number: int | None) -> dict[str, Any]:
        assert change is not None and current is not None and new_change is not None
        return build_payload(
            target.watch, change, current, article, new_number, detected, new_change.diff
        )

    return store.save_state(
        target.id,
        article=article,
        fingerprint=print_,
        raw_html=raw_html,
        extractor_version=EXTRACTOR_VERSION,
        seen_at=detected,
        change=new_change,
        channels=target.watch.channels if new_change and alert else (),
        payload_for=payload_for if new_change and alert else None,
        hold_until=hold,
    )


def _hold_until(target: Target, store: Store, now: datetime) -> datetime | None:
    """Burst debounce: the first edit alerts at once; edits within ``debounce`` of it wait.

    Waiting alerts go out together, as one cumulative alert, when the window closes
    (:func:`release_debounced`).
    """
    window = timedelta(seconds=target.watch.debounce)
    if not window:
        return None
    last, release = store.debounce_marks(target.id)
    if release is not None:
        return release
    if last is not None and now < last + window:
        return last + window
    return None


def release_debounced(store: Store, settings: Settings) -> list[int]:
    """Turn every burst whose window closed into one alert (oldest old -> newest new version).

    Returns the ids of the alerts now pending, for the caller to deliver.
    """
    now = utcnow()
    targets = {t.id: t for t in targets_for(store, settings.watches)}
    released = []
    for watch_id, _channel, ids in store.due_debounced(now):
        rows = [n for n in (store.get_notification(i) for i in ids) if n is not None]
        if not rows:
            continue
        payload = _cumulative_payload(store, targets.get(watch_id), watch_id, rows, now)
        keep = ids[-1] if payload is not None else None
        if store.release_debounced(keep, payload, ids[:-1] if keep else ids, now) and keep:
            released.append(keep)
    return released


def _cumulative_payload(
    store: Store, target: Target | None, watch_id: int, rows: list[Notification], now: datetime
) -> dict[str, Any] | None:
    """The alert for a whole burst; None when the burst cancelled itself out."""
    newest = rows[-1].payload
    old = store.version(watch_id, int(rows[0].payload.get("old_version") or 0))
    new = store.version(watch_id, int(newest.get("new_version") or 0))
    if target is None or old is None or new is None or _is_removal(old) or _is_removal(new):
        return {**newest, "debounced": len(rows)}  # nothing better to compare: newest as is
    change = diffing.compare(old.article, new.article)
    if change is None:
        return None
    rendered = render_json(change, old=old.article, new=new.article, meta={})
    payload = build_payload(target.watch, change, old, new.article, new.number, now, rendered)
    return {**payload, "debounced": len(rows)}


def build_payload(
    watch: Watch,
    change: Change,
    old: Version,
    new_article: Article,
    new_number: int,
    detected: datetime,
    rendered: dict[str, Any],
) -> dict[str, Any]:
    """The alert every channel receives: who, what kind, old/new headline, the field diffs."""
    meta = {"name": watch.name, "url": watch.url}
    return {
        "watch": watch.name,
        "url": watch.url,
        "detected_at": detected.isoformat(),
        "kinds": sorted(change.kinds),
        "significance": change.significance,
        "silent": change.silent,
        "old_headline": old.article.headline,
        "new_headline": new_article.headline,
        "old_version": old.number,
        "new_version": new_number,
        "diff": rendered,
        # Human renderings for channels that show the diff to people (Slack, email, apprise);
        # webhook and file bodies leave them out.
        "text": render_text(change, old=old.article, new=new_article, meta=meta),
        "markdown": render_markdown(change, old=old.article, new=new_article, meta=meta),
        "html": render_html(change, old=old.article, new=new_article, meta=meta),
    }
