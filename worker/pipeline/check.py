"""The check of one watch: robots.txt -> host slot -> fetch -> extract -> compare -> store.

Every outcome, failures included, is a ``CheckResult`` recorded in the ``checks`` table and
logged as one ``check_done`` event.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import partial
from urllib.parse import urlsplit

from worker.config import Settings
from worker.errors import ExtractError, FetchError
from worker.extract import extract_article
from worker.extract.access import access_signals
from worker.fetch import HTML_CONTENT_TYPES, redact_credentials, robots
from worker.fetch.hostlimits import Busy
from worker.logs import bound, enabled, get_logger
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
from worker.pipeline import identity, reread
from worker.pipeline.context import Context, Target, result_for, utcnow
from worker.pipeline.feed_watch import process_feed
from worker.pipeline.history import change_from
from worker.pipeline.liveblog import held_update
from worker.pipeline.lost import lost_article
from worker.pipeline.politeness import HostSlot, host_slot, robots_policy
from worker.pipeline.record import changed_result, record_removal, save_state
from worker.pipeline.sitemap_watch import process_sitemap
from worker.schedule.feeds import parse_w3c_date
from worker.store import ArticleAddress, CheckRow, CheckState, Store
from worker.urls import identity_key, is_front_of

# The package's name, as before the split: log filters and dashboards select on it.
log = get_logger("worker.pipeline")
REMOVED_STATUSES = frozenset({404, 410})
DETAIL_CHARS = 2000  # the "why unchanged" note kept per check


SEEN_AGAIN = frozenset({"unchanged", "not_modified"})  # outcomes that saw the stored state


@dataclass
class CheckBatch:
    """A round of checks' shared bookkeeping: states read up front, rows written at the end.

    One query reads every watch's current version and validators, and one transaction
    records every check (its row, the watch's summary, ``last_seen`` of a state seen again):
    a check whose news is "unchanged" costs no transaction of its own. A new state, a change
    and its alerts are still saved by the check itself, at once and atomically.
    """

    states: dict[int, CheckState]
    rows: list[CheckRow] = field(default_factory=list)

    @classmethod
    def read(cls, store: Store, targets: Sequence[Target]) -> CheckBatch:
        return cls(store.check_states([t.id for t in targets]))

    def state(self, target: Target) -> CheckState:
        return self.states.get(target.id) or CheckState(None, Validators())


async def check_many(
    targets: Sequence[Target],
    context: Context,
    on_done: Callable[[CheckResult], None] | None = None,
) -> list[CheckResult]:
    """Check several watches concurrently (bounded by ``fetch.concurrency``), in input order.

    ``on_done`` is called as each check finishes (the CLI's progress bar). The checks are
    recorded together when the last one is done (:class:`CheckBatch`). ``fetch.concurrency``
    lanes take the targets in turn: one task per lane, not a task and a semaphore wait per
    check (25 trivial checks at 2 lanes: 10 us of event loop a check instead of 16).
    """
    batch = CheckBatch.read(context.store, targets)
    results: list[CheckResult | None] = [None] * len(targets)
    queue = iter(enumerate(targets))

    async def lane() -> None:
        for index, target in queue:  # one shared iterator: each target is taken once
            result = results[index] = await check_watch(target, context, batch)
            if on_done is not None:
                on_done(result)

    lanes = min(context.settings.fetch.concurrency, len(targets))
    try:
        await asyncio.gather(*(lane() for _ in range(lanes)))
    finally:
        context.store.record_checks(batch.rows)
    done = [result for result in results if result is not None]
    if not context.settings.log.every_check:
        _log_batch(done)
    return done


async def check_watch(
    target: Target, context: Context, batch: CheckBatch | None = None
) -> CheckResult:
    """Check one watch once and record what happened. Never raises for a site's failure.

    Without a ``batch`` (one watch alone) the check is recorded before this returns.
    """
    if batch is None:
        alone = CheckBatch.read(context.store, [target])
        try:
            return await check_watch(target, context, alone)
        finally:
            context.store.record_checks(alone.rows)
    watch, state = target.watch, batch.state(target)
    check_id = os.urandom(6).hex()  # 12 random hex digits, as uuid4().hex[:12], 4x cheaper
    with bound(watch=watch.name, url=redact_credentials(watch.url), check_id=check_id):
        started, clock = utcnow(), time.perf_counter()
        page: FetchResult | None = None
        try:
            result, page = await _guarded_check(target, context, state)
        except Exception as exc:  # one broken page or bug must not stop the other watches
            log.exception("check_crashed")
            result = result_for(watch, "error", error=f"internal error: {exc!r}")
        duration = (time.perf_counter() - clock) * 1000
        if result.outcome != "deferred":
            batch.rows.append(_check_row(target, state, result, page, started, duration))
        _log_summary(result, duration, page, context.settings.log.every_check)
        return result


def _check_row(
    target: Target,
    state: CheckState,
    result: CheckResult,
    page: FetchResult | None,
    started: datetime,
    duration: float,
) -> CheckRow:
    """The row recording this check; an unchanged (or 304) article touches its state."""
    current = state.current
    seen = result.outcome in SEEN_AGAIN and current is not None and not target.watch.is_source
    return CheckRow(
        target.id,
        started_at=started,
        duration_ms=duration,
        status=(page.status if page else None) or result.status,
        nbytes=len(page.content) if page else 0,
        outcome=result.outcome,
        error=result.error,
        validators=page.validators if page and not result.keep_validators else None,
        detail=result.detail,
        seen_version_id=_seen(result, current) if seen and current else None,
    )


def _seen(result: CheckResult, current: Version) -> int | None:
    """The id of the stored state the check saw again: the one an unchanged page was found
    equal to (after a re-read, or on the retry path another worker's newer state, which the
    batch's ``current`` predates), else ``current`` when the result names it (a 304).

    Bumping is never backwards (:data:`worker.store.rows.TOUCH_VERSION`), so a state stored
    after this check started (its own re-read) keeps its later time."""
    if result.seen_version_id is not None:
        return result.seen_version_id
    return current.id if result.version in (None, current.number) else None


async def _guarded_check(
    target: Target, context: Context, state: CheckState
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
    return await _fetch_and_process(target, context, state)


async def _fetch_and_process(
    target: Target, context: Context, state: CheckState
) -> tuple[CheckResult, FetchResult | None]:
    """Fetch the page (or feed) in a host slot, then turn it into an outcome.

    The slot covers the request only; a sitemap index keeps it while it reads its child
    sitemaps, as it always has.
    """
    watch, current, address = target.watch, state.current, state.address
    if address.merged_into is not None:
        return _merged(watch, address.merged_into), None
    # After a removal the stored validators are not sent: a restored page must be fetched in
    # full (a 304 to an old ETag would hide the restore).
    live = current is not None and not current.removed
    validators = state.validators if live or watch.is_source else Validators()
    failed: FetchError | None = None
    async with host_slot(watch.url, context) as slot:
        if isinstance(slot.grant, Busy):
            busy = slot.grant
            return result_for(watch, "deferred", retry_in=busy.wait, error=busy.reason), None
        try:
            page = await _fetch_page(target, address, validators, slot, context)
        except FetchError as exc:
            failed = exc
        else:
            if watch.kind == "sitemap":
                return await process_sitemap(target, page, context), page
    if failed is not None:  # outside the slot: a removal is recorded after the request
        return _fetch_failed(target, current, failed, context), None
    if watch.kind == "feed":
        return process_feed(target, page, context), page
    return _process(target, page, current, address, context), page


async def _fetch_page(
    target: Target,
    address: ArticleAddress,
    validators: Validators,
    slot: HostSlot,
    context: Context,
) -> FetchResult:
    """The watched URL, redirects followed. When it is gone (404/410) but the article was
    last seen at another address on the same host (it moved), that address instead, in the
    same host slot: a site that drops an old slug's redirect has not taken the article down."""
    watch = target.watch
    accept = None if watch.is_source else HTML_CONTENT_TYPES
    try:
        return await slot.fetch(validators, accept)
    except FetchError as exc:
        moved = address.canonical_url
        if exc.status not in REMOVED_STATUSES or not moved or not _moved_on_host(watch, moved):
            raise
        if watch.respect_robots:
            policy = await robots_policy(moved, context)
            if not policy.allows(moved, context.settings.fetch.user_agent):
                raise
        log.info("fetching_moved_address", address=redact_credentials(moved))
        return await slot.fetch(Validators(), accept, url=moved)


def _moved_on_host(watch: Watch, moved: str) -> bool:
    """Did the article move away from the watched URL, to an address on the same host?"""
    same_host = urlsplit(moved).hostname == urlsplit(watch.url).hostname
    return same_host and identity_key(moved) != identity_key(watch.url)


def _merged(watch: Watch, into: int) -> CheckResult:
    """A watch merged into another (the same article under another URL) is not fetched."""
    detail = f"the same article as watch {into}, which follows it; this watch was merged into it"
    return result_for(watch, "unchanged", detail=detail)


def _fetch_failed(
    target: Target, current: Version | None, exc: FetchError, context: Context
) -> CheckResult:
    """A 404/410 of an article we have seen is a removal (a change), anything else an error."""
    watch = target.watch
    if exc.status in REMOVED_STATUSES and current is not None and watch.kind == "article":
        channels = context.settings.channels
        return record_removal(target, current, exc.status or 0, context.store, channels=channels)
    return result_for(watch, "error", error=str(exc), status=exc.status, retry_in=exc.retry_after)


def _process(
    target: Target,
    page: FetchResult,
    current: Version | None,
    address: ArticleAddress,
    context: Context,
) -> CheckResult:
    """Turn a fetched page into an outcome: not modified, unchanged, new or changed."""
    watch, store = target.watch, context.store
    if page.not_modified and current is not None:
        detail = "the server answered 304 Not Modified to the stored validators"
        return result_for(watch, "not_modified", version=current.number, detail=detail)
    if current is not None and _is_section_front(watch.url, page):
        channels = context.settings.channels
        return record_removal(target, current, page.status, store, page.final_url, channels)
    if current is None and _redirected_to_front(watch.url, page):
        return result_for(watch, "error", error=_front_error(page))
    read = _reader(watch, current, context.settings)
    try:
        article = read(page.markup, page.final_url)  # the bytes, when they are the text
    except ExtractError as exc:  # the parser gave up on this page; the last version stays
        return result_for(watch, "error", error=str(exc))
    text_print = fingerprint(article)  # the canonical form's, once (the address is not in it)
    if current is not None and not current.removed:
        lost = _lost(watch, current, article, page, text_print)
        if lost is not None:
            return lost
    placed = identity.place(target.id, page, article, store, address.keys)
    if placed.merged_into is not None:
        return _merged(watch, placed.merged_into)
    stored = identity.stored_address(placed, address, current)
    if stored != article.canonical_url:  # most checks: the page claims the stored address
        article = replace(article, canonical_url=stored)
    if identity.worth_noting(placed.url, address, page.final_url, watch.url):  # most checks: none
        store.note_address(target.id, placed.url, (watch.url, page.final_url))  # not the hops
    saved = _compare_and_save(target, page, article, text_print, current, context, read)
    modified = _modified(article)
    return saved if modified is None else replace(saved, modified=modified)


def _compare_and_save(
    target: Target,
    page: FetchResult,
    article: Article,
    text_print: str,
    current: Version | None,
    context: Context,
    read: reread.Reader,
) -> CheckResult:
    """Unchanged, or a new state with the change from the current one (none for the first).

    ``text_print`` is ``fingerprint(article)``, computed once by the caller. A current state
    read by another extractor is read again first (:mod:`worker.pipeline.reread`).
    """
    watch, store = target.watch, context.store
    print_ = identity.state_fingerprint(text_print, article.canonical_url, watch.url)
    if current is not None and current.fingerprint == print_:
        return _unchanged(watch, current, article, "same canonical text")
    base = reread.baseline(target, current, read, store) if current is not None else None
    if base is not None:
        current = base.current
        if current.fingerprint == print_:
            return _unchanged(watch, current, article, base.unchanged_why())
    change = change_from(target, current, article, store, read) if current else None
    change = reread.noted(change, base)
    if current is not None and change is None:
        return _unchanged(watch, current, article, "no difference in the compared fields")
    if current is not None and change is not None:
        held = held_update(target, current, change, store, context.settings.liveblog)
        if held is not None:
            return held
    capture = Capture.of(page, utcnow())
    saved = save_state(
        target, page.content, article, print_, current, change, store, capture=capture,
        channels=context.settings.channels,
    )  # fmt: skip
    if change is None:
        return result_for(watch, "new", version=saved.version_number)
    return changed_result(watch, change, saved)


def _modified(article: Article) -> str | None:
    """The page's own ``dateModified`` in UTC (a polling signal), when it gives a readable one."""
    when = parse_w3c_date(article.modified)
    return when.isoformat() if when else None


def _unchanged(watch: Watch, current: Version, article: Article, why: str) -> CheckResult:
    """Same state as the current version; ``detail`` says why, naming what noise was dropped.

    Its ``last_seen`` is bumped with the batch's check rows (:func:`_check_row`).
    """
    dropped = "; ".join(
        f"{drop.rule} {drop.text!r} ({drop.field}{'' if drop.index is None else drop.index + 1})"
        for drop in explain_noise(article)
    )
    detail = f"{why} as v{current.number}" + (f"; dropped as noise: {dropped}" if dropped else "")
    return result_for(
        watch, "unchanged", version=current.number, detail=detail[:DETAIL_CHARS],
        seen_version_id=current.id,
    )  # fmt: skip


def _lost(
    watch: Watch, current: Version, article: Article, page: FetchResult, text_print: str
) -> CheckResult | None:
    """The page answered but the article is gone from it: an error, not an edit.

    A paywall or consent wall (text shrank to a teaser, with the page's own signs) is
    ``paywalled`` / ``consent_wall``; no text at all is an extraction failure (usually a
    redesign). Storing either would alert "every paragraph removed"; the last good version
    stays current instead. A page whose canonical paragraphs are the current version's (most
    checks: ``text_print`` gives the current fingerprint again) has lost nothing, and the
    current article is not put in canonical form for the comparison. A live blog's
    fingerprint is its entries, not its paragraphs: it is always compared.
    """
    same = identity.state_fingerprint(text_print, current.canonical_url, watch.url)
    lost = None
    if article.is_liveblog or same != current.fingerprint:
        lost = lost_article(current.article, article, lambda: access_signals(page.text))
    if lost is not None:
        return result_for(watch, "error", version=current.number, error=lost.error)
    if not article.paragraphs and current.has_paragraphs():
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


def _redirected_to_front(original: str, page: FetchResult) -> bool:
    """A first read that a redirect ended on the site's front page or a section above the
    article: not the article (a link that is already dead, a login or region gate), and not
    evidence that this watch and one of that page's own watchers follow one article."""
    return bool(page.redirects) and (
        _is_section_front(original, page) or is_front_of(page.final_url, original)
    )


def _front_error(page: FetchResult) -> str:
    final = redact_credentials(page.final_url)
    return (
        f"{redact_credentials(page.url)}: redirected to {final}, the site's front page or a "
        "section above the article, on the first read; nothing is stored until the article "
        "answers (check the watched URL)"
    )


def _log_summary(
    result: CheckResult, duration_ms: float, page: FetchResult | None, every_check: bool = True
) -> None:
    """The one canonical event per check, with its outcome and timings.

    A check that saw the stored state again (a 304, the same text) is a ``debug`` line unless
    ``log.every_check``: at a thousand checks a second those lines were most of the log, and
    some 11 us of a 304 check's CPU (about 6 % of it in the worker's profile);
    :func:`_log_batch` counts them instead.
    """
    quiet = not every_check and result.outcome in SEEN_AGAIN
    if quiet and not enabled("debug"):
        return
    event = log.debug if quiet else log.warning if result.outcome == "error" else log.info
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


def _log_batch(results: Sequence[CheckResult]) -> None:
    """One ``checks_done`` line per batch, counting outcomes, when checks that found nothing
    new have no ``check_done`` line of their own (:func:`_log_summary`)."""
    if results:
        outcomes: Counter[str] = Counter(r.outcome for r in results)
        log.info("checks_done", checks=len(results), **outcomes)


def _mode(watch: Watch, current: Version | None) -> WatchMode:
    """``auto`` decides once: later checks read the page the way its stored state was read, so
    a page near the threshold cannot flip between modes and alert on the flip."""
    if watch.mode == "auto" and current is not None and not current.removed:
        return current.mode
    return watch.mode


def _reader(watch: Watch, current: Version | None, settings: Settings) -> reread.Reader:
    """The one extraction of a check, ``(html, url) -> Article``: the fetched page's, and a
    stored page's when it is read again with this release (the same profile and mode)."""
    return partial(extract_article, profile=_profile(watch, settings), mode=_mode(watch, current))


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
