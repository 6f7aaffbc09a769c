"""The JSON API under ``/api/v1``: watches, versions, changes, diffs, health and alerts.

Every listing pages: watches by ``offset``/``limit``; changes and alerts newest first by
``before`` (the last id seen), and each answer's ``next`` is the URL of the following page
(``null`` on the last). The schema is at ``/api/v1/openapi.json``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Query, Request

from worker.render import same_json
from worker.store.schema import NOTIFICATION_STATES
from worker.web import shapes
from worker.web.security import Access, same_origin
from worker.web.viewer import Viewer, WatchView

router = APIRouter(prefix="/api/v1", tags=["api"])
MAX_LIMIT = 500
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page.")]


def viewer_of(request: Request) -> Viewer:
    viewer: Viewer = request.app.state.viewer
    return viewer


def watch_or_404(viewer: Viewer, watch_id: int) -> WatchView:
    view = viewer.watch(watch_id)
    if view is None:
        raise HTTPException(404, f"no watch with id {watch_id}; list them at /api/v1/watches")
    return view


def aware(value: datetime | None, name: str) -> datetime | None:
    """Times in queries must say their zone: guessing one is how off-by-hours bugs start."""
    if value is not None and value.utcoffset() is None:
        raise HTTPException(
            422, f"{name}: {value.isoformat()} has no time zone; add Z or +00:00 to it"
        )
    return value


def _next(request: Request, **params: object) -> str:
    query = {k: v for k, v in request.query_params.items() if k not in params}
    query.update({k: str(v) for k, v in params.items()})
    return f"{request.url.path}?{urlencode(query)}"


@router.get("/watches", response_model=shapes.WatchList)
def list_watches(
    request: Request,
    tag: str | None = None,
    site: str | None = None,
    q: Annotated[str | None, Query(description="Text in the URL, name or headline.")] = None,
    limit: Limit = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> shapes.WatchList:
    """Watches by name, filtered by tag, site (host) and a search in URL, name or headline."""
    views, total = viewer_of(request).watch_page(
        tag=tag, site=site, search=q, limit=limit, offset=offset
    )
    more = offset + len(views) < total
    return shapes.WatchList(
        total=total,
        offset=offset,
        limit=limit,
        watches=[shapes.watch_out(v) for v in views],
        next=_next(request, offset=offset + limit) if more else None,
    )


@router.get("/watches/{watch_id}", response_model=shapes.WatchOut)
def get_watch(request: Request, watch_id: int) -> shapes.WatchOut:
    """One watch: last check, outcome, next due, version count and recent activity."""
    return shapes.watch_out(watch_or_404(viewer_of(request), watch_id))


@router.get("/watches/{watch_id}/versions", response_model=list[shapes.VersionOut])
def list_versions(request: Request, watch_id: int) -> list[shapes.VersionOut]:
    """Every stored state of a watch, oldest first (headline only; fetch one for its text)."""
    viewer = viewer_of(request)
    watch_or_404(viewer, watch_id)
    return [shapes.version_out(watch_id, v) for v in viewer.versions(watch_id)]


@router.get("/watches/{watch_id}/versions/{number}", response_model=shapes.VersionOut)
def get_version(request: Request, watch_id: int, number: int) -> shapes.VersionOut:
    """One state with its extracted article (raw page: ``links.raw``)."""
    viewer = viewer_of(request)
    watch_or_404(viewer, watch_id)
    listed = {v.number: v for v in viewer.versions(watch_id)}
    version = viewer.version(watch_id, number)
    if version is None or number not in listed:
        raise HTTPException(404, f"watch {watch_id} has no version {number}; have {sorted(listed)}")
    return shapes.version_out(watch_id, listed[number], version.article.to_dict())


@router.get("/watches/{watch_id}/diff")
def get_diff(
    request: Request,
    watch_id: int,
    old: Annotated[int | None, Query(alias="from", description="Old version number.")] = None,
    new: Annotated[int | None, Query(alias="to", description="New version number.")] = None,
) -> dict[str, object]:
    """What changed between two versions (default: the last two), as ``editwatch.change/1``.

    The same JSON as ``editwatch diff --format json``; ``{"changed": false}`` with no
    ``fields`` when the two versions read the same, with ``reread`` saying so when the newer
    is the older's page read again by a newer extractor.
    """
    viewer = viewer_of(request)
    view = watch_or_404(viewer, watch_id)
    numbers = [v.number for v in viewer.versions(watch_id)]
    if len(numbers) < 2 and not (old and new):
        raise HTTPException(404, f"watch {watch_id} has one version so far: nothing to compare")
    new = new or max(numbers)
    old = old or max((n for n in numbers if n < new), default=new)
    found = viewer.diff(watch_id, old, new, {"watch": view.summary.name})
    if found is None:
        raise HTTPException(404, f"watch {watch_id} has no version {old} or {new}; have {numbers}")
    if found.diff is None:
        meta = {"watch": view.summary.name, "old_version": old, "new_version": new}
        return same_json(meta, found.reread)
    return found.diff


@router.get("/changes", response_model=shapes.ChangeList)
def list_changes(
    request: Request,
    since: Annotated[datetime | None, Query(description="Only changes detected since (ISO).")] = (
        None
    ),
    kind: Annotated[str | None, Query(description="Only changes of this kind.")] = None,
    watch: Annotated[int | None, Query(description="Only this watch id.")] = None,
    tag: str | None = None,
    before: Annotated[int | None, Query(description="Page on: ids below this.")] = None,
    limit: Limit = 50,
) -> shapes.ChangeList:
    """Recorded changes, newest first, filtered by time, kind, watch or tag."""
    viewer = viewer_of(request)
    found = viewer.queries.change_list(
        watch_ids=None if watch is None else [watch],
        tagged=viewer.tag_urls(tag) if tag else None,
        since=aware(since, "since"),
        kind=kind,
        before_id=before,
        limit=limit,
    )
    more = len(found) == limit
    return shapes.ChangeList(
        changes=[shapes.change_out(c) for c in found],
        next=_next(request, before=found[-1].id) if more else None,
    )


@router.get("/health", response_model=shapes.HealthOut)
def get_health(request: Request) -> shapes.HealthOut:
    """Per site over the last day: checks, failed share, failing watches."""
    viewer = viewer_of(request)
    sites = viewer.site_health()
    return shapes.HealthOut(
        store=viewer.store.backend,
        watches=sum(s.watches for s in sites.values()),
        sites=[shapes.site_health_out(s) for s in sites.values()],
    )


@router.get("/alerts", response_model=shapes.AlertList)
def list_alerts(
    request: Request,
    state: Annotated[
        str | None, Query(description=f"One of {', '.join(NOTIFICATION_STATES)}.")
    ] = None,
    before: int | None = None,
    limit: Limit = 100,
) -> shapes.AlertList:
    """The outbox newest first: every alert's state, attempts and last error."""
    if state is not None and state not in NOTIFICATION_STATES:
        raise HTTPException(422, f"state: {state!r} is not one of {', '.join(NOTIFICATION_STATES)}")
    rows = viewer_of(request).alerts(state, before, limit)
    return shapes.AlertList(
        alerts=[shapes.alert_out(r) for r in rows],
        next=_next(request, before=rows[-1].id) if len(rows) == limit else None,
    )  # fmt: skip


def require_writer(request: Request, form_csrf: str | None = None) -> None:
    """The token (bearer, or a login cookie with its CSRF value) and a same-site origin."""
    access: Access = request.app.state.access
    if not access.can_write:
        raise HTTPException(403, "retrying alerts needs EDITWATCH_WEB_TOKEN set for editwatch web")
    if not same_origin(request):
        raise HTTPException(403, "cross-site request refused")
    if not access.authenticated(request):
        raise HTTPException(
            401, "log in or send Authorization: Bearer <token>",
            headers={"WWW-Authenticate": "Bearer"},
        )  # fmt: skip
    if access.by_cookie_only(request):
        offered = form_csrf or request.headers.get("x-csrf-token", "")
        if not access.csrf_ok(offered):
            raise HTTPException(403, "missing or wrong CSRF value; reload the page and try again")


@router.post("/alerts/{notification_id}/retry", response_model=shapes.RetryOut)
def retry_alert(request: Request, notification_id: int) -> shapes.RetryOut:
    """Send a dead alert again: it becomes pending and a running worker delivers it."""
    require_writer(request)
    viewer = viewer_of(request)
    if not viewer.retry_dead(notification_id):
        raise HTTPException(409, f"alert {notification_id} is not dead (or does not exist)")
    return shapes.RetryOut(id=notification_id, state="pending")
