"""The JSON the API answers with, as pydantic models so the OpenAPI schema describes it exactly.

Where a shape overlaps one editwatch already prints, it uses the same keys: a watch has every
key of ``editwatch watches --json``, a change every key of the alert payload (``watch``, ``url``,
``detected_at``, ``kinds``, ..., ``diff``), a diff is ``editwatch diff --format json``
(``editwatch.change/1``), and an alert every key of ``editwatch alerts --json``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from worker.models import Notification
from worker.store.queries import ChangeSummary, VersionSummary
from worker.web.viewer import SiteHealth, WatchView, is_removal


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


class WatchOut(BaseModel):
    id: int
    name: str
    url: str
    type: str
    source: str | None
    site: str
    tags: list[str]
    headline: str
    next_due: str | None
    next_due_estimated: bool
    last_outcome: str | None
    last_checked_at: str | None
    last_error: str | None
    consecutive_failures: int
    versions: int
    current_version: int | None
    changes_24h: int
    changes_7d: int
    canonical_url: str | None  # the article's current address, after any slug change
    links: dict[str, str]


class WatchList(BaseModel):
    total: int
    offset: int
    limit: int
    watches: list[WatchOut]
    next: str | None


class VersionOut(BaseModel):
    number: int
    fingerprint: str
    headline: str
    removed: bool
    first_seen: str
    last_seen: str
    extractor_version: str
    reread_of: int | None = None  # this state is that version's page read again: no edit
    article: dict[str, Any] | None = None
    links: dict[str, str]


class ChangeOut(BaseModel):
    id: int
    watch_id: int
    watch: str
    url: str
    detected_at: str
    kinds: list[str]
    significance: str
    silent: bool
    old_headline: str
    new_headline: str
    old_version: int | None
    new_version: int
    diff: dict[str, Any]
    links: dict[str, str]


class ChangeList(BaseModel):
    changes: list[ChangeOut]
    next: str | None


class SiteHealthOut(BaseModel):
    site: str
    watches: int
    checks_24h: int
    errors_24h: int
    error_share: float
    failing: int
    max_consecutive_failures: int


class HealthOut(BaseModel):
    store: str
    watches: int
    sites: list[SiteHealthOut]


class AlertOut(BaseModel):
    id: int
    kind: str
    channel: str
    watch: str
    state: str
    attempts: int
    last_error: str | None
    digest_id: int | None
    created_at: str | None
    updated_at: str | None


class AlertList(BaseModel):
    alerts: list[AlertOut]
    next: str | None


class RetryOut(BaseModel):
    id: int
    state: str


def watch_links(watch_id: int) -> dict[str, str]:
    return {
        "html": f"/w/{watch_id}",
        "versions": f"/api/v1/watches/{watch_id}/versions",
        "changes": f"/api/v1/changes?watch={watch_id}",
        "feed": f"/feeds/watch/{watch_id}.atom",
    }


def watch_out(view: WatchView) -> WatchOut:
    s = view.summary
    return WatchOut(
        id=s.id,
        name=s.name,
        url=s.url,
        type=view.kind,
        source=s.source,
        site=view.site,
        tags=list(view.tags),
        headline=s.headline,
        next_due=_iso(view.next_due),
        next_due_estimated=view.next_due_estimated,
        last_outcome=s.last_outcome,
        last_checked_at=_iso(s.last_checked_at),
        last_error=s.last_error,
        consecutive_failures=s.consecutive_failures,
        versions=s.version_count,
        current_version=s.current_version,
        changes_24h=s.changes_24h,
        changes_7d=s.changes_7d,
        canonical_url=s.canonical_url,
        links=watch_links(s.id),
    )


def version_out(
    watch_id: int, version: VersionSummary, article: dict[str, Any] | None = None
) -> VersionOut:
    base = f"/w/{watch_id}/v/{version.number}"
    return VersionOut(
        number=version.number,
        fingerprint=version.fingerprint,
        headline=version.headline,
        removed=is_removal(version),
        first_seen=version.first_seen.isoformat(),
        last_seen=version.last_seen.isoformat(),
        extractor_version=version.extractor_version,
        reread_of=version.reread_of,
        article=article,
        links={"html": base, "raw": base + "/raw"},
    )


def diff_path(watch_id: int, old: int | None, new: int) -> str:
    """The shareable diff page of two versions (a first version has nothing to compare)."""
    if old is None:
        return f"/w/{watch_id}/v/{new}"
    return f"/w/{watch_id}/diff/{old}/{new}"


def change_out(change: ChangeSummary) -> ChangeOut:
    return ChangeOut(
        id=change.id,
        watch_id=change.watch_id,
        watch=change.watch,
        url=change.url,
        detected_at=change.detected_at.isoformat(),
        kinds=list(change.kinds),
        significance=change.significance,
        silent=change.silent,
        old_headline=change.old_headline,
        new_headline=change.new_headline,
        old_version=change.old_version,
        new_version=change.new_version,
        diff=change.diff,
        links={
            "html": diff_path(change.watch_id, change.old_version, change.new_version),
            "watch": f"/api/v1/watches/{change.watch_id}",
        },
    )


def site_health_out(health: SiteHealth) -> SiteHealthOut:
    return SiteHealthOut(
        site=health.site,
        watches=health.watches,
        checks_24h=health.checks,
        errors_24h=health.errors,
        error_share=round(health.error_share, 4),
        failing=health.failing,
        max_consecutive_failures=health.max_consecutive_failures,
    )


def alert_out(row: Notification) -> AlertOut:
    """One outbox row, in the shape ``editwatch alerts --json`` prints."""
    return AlertOut(**row.summary())
