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
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from worker import diff as diffing
from worker.config import Settings
from worker.errors import FetchError
from worker.extract import EXTRACTOR_VERSION, extract_article
from worker.fetch import Client, fetch
from worker.logs import bound, get_logger
from worker.models import (
    Article,
    Change,
    CheckOutcome,
    CheckResult,
    FetchResult,
    SiteProfile,
    Validators,
    Version,
    Watch,
)
from worker.normalize import fingerprint
from worker.render import render_html, render_json, render_markdown, render_text
from worker.store import NewChange, SavedState, Store

log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class Target:
    """A configured watch paired with its database id."""

    id: int
    watch: Watch


def utcnow() -> datetime:
    return datetime.now(UTC)


def targets_for(store: Store, watches: Sequence[Watch]) -> list[Target]:
    """Register the configured watches in the store and pair each with its id."""
    ids = store.sync_watches(watches)
    return [Target(ids[w.url], w) for w in watches]


async def check_many(
    targets: Sequence[Target],
    settings: Settings,
    store: Store,
    client: Client,
    on_done: Callable[[CheckResult], None] | None = None,
) -> list[CheckResult]:
    """Check several watches concurrently (bounded by ``fetch.concurrency``), in input order.

    ``on_done`` is called as each check finishes (the CLI's progress bar).
    """
    limit = asyncio.Semaphore(settings.fetch.concurrency)

    async def bounded(target: Target) -> CheckResult:
        async with limit:
            result = await check_watch(target, settings, store, client)
        if on_done is not None:
            on_done(result)
        return result

    return list(await asyncio.gather(*(bounded(t) for t in targets)))


async def check_watch(
    target: Target, settings: Settings, store: Store, client: Client
) -> CheckResult:
    """Check one watch once and record what happened. Never raises for a site's failure."""
    watch = target.watch
    with bound(watch=watch.name, url=watch.url, check_id=uuid.uuid4().hex[:12]):
        started, clock = utcnow(), time.perf_counter()
        page: FetchResult | None = None
        error_status: int | None = None
        try:
            current = store.current_version(target.id)
            validators = store.validators(target.id) if current else Validators()
            page = await fetch(client, watch.url, validators, settings.fetch)
            result = _process(target, page, current, settings, store)
        except FetchError as exc:
            result = CheckResult(watch.name, watch.url, "error", error=str(exc))
            error_status = exc.status
        except Exception as exc:  # one broken page or bug must not stop the other watches
            log.exception("check_crashed")
            result = CheckResult(watch.name, watch.url, "error", error=f"internal error: {exc!r}")
        status = page.status if page else 0
        nbytes = len(page.content) if page else 0
        duration = (time.perf_counter() - clock) * 1000
        store.record_check(
            target.id,
            started_at=started,
            duration_ms=duration,
            status=status or error_status,
            nbytes=nbytes,
            outcome=result.outcome,
            error=result.error,
            validators=page.validators if page else None,
        )
        _log_summary(result, duration, status or error_status or 0, nbytes)
        return result


def _log_summary(result: CheckResult, duration_ms: float, status: int, nbytes: int) -> None:
    """The one canonical event per check, with its outcome and timings."""
    event = log.warning if result.outcome == "error" else log.info
    event(
        "check_done",
        outcome=result.outcome,
        kinds=list(result.kinds),
        version=result.version,
        status=status or None,
        bytes=nbytes,
        duration_ms=round(duration_ms, 1),
        error=result.error,
    )


def _process(
    target: Target,
    page: FetchResult,
    current: Version | None,
    settings: Settings,
    store: Store,
) -> CheckResult:
    """Turn a fetched page into an outcome: not modified, unchanged, new or changed."""
    watch = target.watch
    if page.not_modified and current is not None:
        store.touch_version(current.id, utcnow())
        return CheckResult(watch.name, watch.url, "not_modified", version=current.number)
    article = extract_article(page.text, page.final_url, _profile(watch, settings))
    print_ = fingerprint(article)
    if current is not None and current.fingerprint == print_:
        store.touch_version(current.id, utcnow())
        return CheckResult(watch.name, watch.url, "unchanged", version=current.number)
    change = diffing.compare(current.article, article) if current else None
    if current is not None and change is None:
        store.touch_version(current.id, utcnow())
        return CheckResult(watch.name, watch.url, "unchanged", version=current.number)
    saved = _save(target, page, article, print_, current, change, store)
    outcome: CheckOutcome = "changed" if change else "new"
    kinds = tuple(sorted(change.kinds)) if change else ()
    return CheckResult(
        watch.name,
        watch.url,
        outcome,
        kinds=kinds,
        version=saved.version_number,
        notifications=saved.notification_ids,
    )


def _profile(watch: Watch, settings: Settings) -> SiteProfile | None:
    """The watch's own selectors win over the site profile for its domain."""
    if watch.selectors is not None:
        return SiteProfile(domain="", selectors=watch.selectors)
    return settings.profile_for(watch.url)


def _save(
    target: Target,
    page: FetchResult,
    article: Article,
    print_: str,
    current: Version | None,
    change: Change | None,
    store: Store,
) -> SavedState:
    """Store the new state, and with a change its outbox rows, in one transaction."""
    detected = utcnow()
    new_change = None
    if change is not None and current is not None:
        rendered = render_json(change, old=current.article, new=article, meta={})
        new_change = NewChange(
            tuple(sorted(change.kinds)), change.significance, change.silent, rendered
        )

    def payload_for(change_id: int, new_number: int, old_number: int | None) -> dict[str, Any]:
        assert change is not None and current is not None and new_change is not None
        return build_payload(
            target.watch, change, current, article, new_number, detected, new_change.diff
        )

    return store.save_state(
        target.id,
        article=article,
        fingerprint=print_,
        raw_html=page.content or page.text.encode("utf-8"),
        extractor_version=EXTRACTOR_VERSION,
        seen_at=detected,
        change=new_change,
        channels=target.watch.channels if new_change else (),
        payload_for=payload_for if new_change else None,
    )


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
