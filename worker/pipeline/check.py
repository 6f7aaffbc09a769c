"""The check of one watch: robots.txt -> host slot -> fetch -> extract -> compare -> store.

Every outcome, failures included, is a ``CheckResult`` recorded in the ``checks`` table and
logged as one ``check_done`` event.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable, Sequence
from urllib.parse import urlsplit

from worker.config import Settings
from worker.errors import ExtractError, FetchError
from worker.extract import extract_article
from worker.extract.access import access_signals
from worker.fetch import HTML_CONTENT_TYPES, redact_credentials, robots
from worker.fetch.hostlimits import Busy
from worker.logs import bound, get_logger
from worker.models import (
    EMPTY_ARTICLE_ERROR,
    Article,
    Capture,
    CheckResult,
    FetchResult,
    Selectors,
    SiteProfile,
    Validators,
    Version,
    Watch,
    WatchMode,
)
from worker.normalize import explain_noise, fingerprint
from worker.pipeline.context import Context, Target, result_for, utcnow
from worker.pipeline.feed_watch import process_feed
from worker.pipeline.history import change_from
from worker.pipeline.lost import lost_article
from worker.pipeline.politeness import host_slot, robots_policy
from worker.pipeline.record import changed_result, record_removal, save_state
from worker.pipeline.sitemap_watch import process_sitemap
from worker.store import Store

# The package's name, as before the split: log filters and dashboards select on it.
log = get_logger("worker.pipeline")
REMOVED_STATUSES = frozenset({404, 410})
DETAIL_CHARS = 2000  # the "why unchanged" note kept per check


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
    with bound(watch=watch.name, url=redact_credentials(watch.url), check_id=uuid.uuid4().hex[:12]):
        started, clock = utcnow(), time.perf_counter()
        page: FetchResult | None = None
        try:
            result, page = await _guarded_check(target, context)
        except Exception as exc:  # one broken page or bug must not stop the other watches
            log.exception("check_crashed")
            result = result_for(watch, "error", error=f"internal error: {exc!r}")
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
                detail=result.detail,
            )
        _log_summary(result, duration, page)
        return result


async def _guarded_check(
    target: Target, context: Context
) -> tuple[CheckResult, FetchResult | None]:
    """robots.txt first, then the fetch in a slot on the host, then the processing."""
    watch = target.watch
    if watch.respect_robots:
        try:
            policy = await robots_policy(watch.url, context)
        except FetchError as exc:  # the guard refused the host, or it does not answer at all
            return result_for(watch, "error", error=str(exc), status=exc.status), None
        if policy.temporary:
            message = "robots.txt answered with a server error; retrying later (RFC 9309)"
            error = f"{robots.robots_url(watch.url)}: {message}"
            return result_for(watch, "error", error=error), None
        if not policy.allows(watch.url, context.settings.fetch.user_agent):
            return result_for(watch, "blocked_robots", error="disallowed by robots.txt"), None
    return await _fetch_and_process(target, context)


async def _fetch_and_process(
    target: Target, context: Context
) -> tuple[CheckResult, FetchResult | None]:
    """Fetch the page (or feed) in a host slot, then turn it into an outcome.

    The slot covers the request only; a sitemap index keeps it while it reads its child
    sitemaps, as it always has.
    """
    store, watch = context.store, target.watch
    current = store.current_version(target.id)
    # After a removal the stored validators are not sent: a restored page must be fetched in
    # full (a 304 to an old ETag would hide the restore).
    live = current is not None and not current.removed
    validators = store.validators(target.id) if live or watch.is_source else Validators()
    accept = None if watch.is_source else HTML_CONTENT_TYPES
    async with host_slot(watch.url, context) as slot:
        if isinstance(slot.grant, Busy):
            busy = slot.grant
            return result_for(watch, "deferred", retry_in=busy.wait, error=busy.reason), None
        try:
            page = await slot.fetch(validators, accept)
        except FetchError as exc:
            return _fetch_failed(target, current, exc, context), None
        if watch.kind == "sitemap":
            return await process_sitemap(target, page, context), page
    if watch.kind == "feed":
        return process_feed(target, page, context), page
    return _process(target, page, current, context), page


def _fetch_failed(
    target: Target, current: Version | None, exc: FetchError, context: Context
) -> CheckResult:
    """A 404/410 of an article we have seen is a removal (a change), anything else an error."""
    watch = target.watch
    if exc.status in REMOVED_STATUSES and current is not None and watch.kind == "article":
        return record_removal(target, current, exc.status or 0, context.store)
    return result_for(watch, "error", error=str(exc), status=exc.status, retry_in=exc.retry_after)


def _process(
    target: Target, page: FetchResult, current: Version | None, context: Context
) -> CheckResult:
    """Turn a fetched page into an outcome: not modified, unchanged, new or changed."""
    watch, store = target.watch, context.store
    if page.not_modified and current is not None:
        store.touch_version(current.id, utcnow())
        detail = "the server answered 304 Not Modified to the stored validators"
        return result_for(watch, "not_modified", version=current.number, detail=detail)
    if current is not None and _is_section_front(watch.url, page):
        return record_removal(target, current, page.status, store, page.final_url)
    profile, mode = _profile(watch, context.settings), _mode(watch, current)
    try:
        article = extract_article(page.text, page.final_url, profile, mode)
    except ExtractError as exc:  # the parser gave up on this page; the last version stays
        return result_for(watch, "error", error=str(exc))
    if current is not None and not current.removed:
        lost = _lost(watch, current, article, page)
        if lost is not None:
            return lost
    print_ = fingerprint(article)
    if current is not None and current.fingerprint == print_:
        return _unchanged(watch, current, article, store, "same canonical text")
    change = change_from(target, current, article, store) if current else None
    if current is not None and change is None:
        return _unchanged(watch, current, article, store, "no difference in the compared fields")
    capture = Capture.of(page, utcnow())
    saved = save_state(
        target, page.content, article, print_, current, change, store, capture=capture
    )
    if change is None:
        return result_for(watch, "new", version=saved.version_number)
    return changed_result(watch, change, saved)


def _unchanged(
    watch: Watch, current: Version, article: Article, store: Store, why: str
) -> CheckResult:
    """Same state as the current version; ``detail`` says why, naming what noise was dropped."""
    store.touch_version(current.id, utcnow())
    dropped = "; ".join(
        f"{drop.rule} {drop.text!r} ({drop.field}{'' if drop.index is None else drop.index + 1})"
        for drop in explain_noise(article)
    )
    detail = f"{why} as v{current.number}" + (f"; dropped as noise: {dropped}" if dropped else "")
    return result_for(watch, "unchanged", version=current.number, detail=detail[:DETAIL_CHARS])


def _lost(
    watch: Watch, current: Version, article: Article, page: FetchResult
) -> CheckResult | None:
    """The page answered but the article is gone from it: an error, not an edit.

    A paywall or consent wall (text shrank to a teaser, with the page's own signs) is
    ``paywalled`` / ``consent_wall``; no text at all is an extraction failure (usually a
    redesign). Storing either would alert "every paragraph removed"; the last good version
    stays current instead.
    """
    lost = lost_article(current.article, article, lambda: access_signals(page.text))
    if lost is not None:
        return result_for(watch, "error", version=current.number, error=lost.error)
    if current.article.paragraphs and not article.paragraphs:
        hint = "the site may have changed its layout: check its selectors in config/sites/"
        error = f"{EMPTY_ARTICLE_ERROR}; {hint}"
        return result_for(watch, "error", version=current.number, error=error)
    return None


def _is_section_front(original: str, page: FetchResult) -> bool:
    """Redirected from an article path to a short one (``/world/``, ``/``): taken down."""
    if not page.redirects:
        return False
    before = [p for p in urlsplit(original).path.split("/") if p]
    after = [p for p in urlsplit(page.final_url).path.split("/") if p]
    return len(before) >= 2 and len(after) <= 1


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


def _mode(watch: Watch, current: Version | None) -> WatchMode:
    """``auto`` decides once: later checks read the page the way its stored state was read, so
    a page near the threshold cannot flip between modes and alert on the flip."""
    if watch.mode == "auto" and current is not None and not current.removed:
        return current.article.mode
    return watch.mode


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
