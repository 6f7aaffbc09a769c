"""The server-rendered pages: watches, an article's timeline, a diff, a version, alerts, sites.

Every page is plain HTML from a Jinja2 template with autoescaping on, so page text (headlines,
captions, errors) is always shown as text; there is no JavaScript at all. Diffs are drawn from
the ``editwatch.change/1`` structure :mod:`worker.render` defines, the one the API serves.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from worker.store.schema import NOTIFICATION_STATES
from worker.web.api import require_writer, viewer_of, watch_or_404
from worker.web.rendering import templates
from worker.web.security import RAW_FRAME_CSP
from worker.web.viewer import article_fields, is_removal

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 100


def page(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A template rendered with what every page needs: the request, access and CSRF value."""
    access = request.app.state.access
    context |= {
        "access": access,
        "signed_in": access.authenticated(request),
        "csrf": access.csrf_value() if access.can_write else "",
    }
    context.setdefault("feeds", [("All changes", "/feeds/changes.atom")])
    return templates.TemplateResponse(request, name, context, status_code=status)


@router.get("/", response_class=HTMLResponse)
def watches_page(
    request: Request,
    tag: str | None = None,
    site: str | None = None,
    q: str | None = None,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> HTMLResponse:
    """Every watch with its last check, next due, recent changes and site health."""
    viewer = viewer_of(request)
    views, total = viewer.watch_page(
        tag=tag or None, site=site or None, search=q or None, limit=PAGE_SIZE, offset=offset
    )
    filters = {k: v for k, v in {"tag": tag, "site": site, "q": q}.items() if v}
    feeds = [("All changes", "/feeds/changes.atom")]
    if tag:
        feeds.append((f"Changes tagged {tag}", f"/feeds/tag/{tag}.atom"))
    return page(
        request,
        "watches.html",
        watches=views,
        total=total,
        offset=offset,
        page_size=PAGE_SIZE,
        filters=filters,
        query=lambda **extra: urlencode({**filters, **extra}),
        tags=viewer.tags,
        health=viewer.site_health(),
        feeds=feeds,
    )


@router.get("/w/{watch_id}", response_class=HTMLResponse)
def timeline_page(request: Request, watch_id: int) -> HTMLResponse:
    """Every state of one article in order, its headline history, and links to each diff."""
    viewer = viewer_of(request)
    view = watch_or_404(viewer, watch_id)
    timeline = viewer.timeline(watch_id)
    return page(
        request,
        "timeline.html",
        watch=view,
        timeline=timeline,
        headlines=viewer.headlines(timeline),
        versions=viewer.versions(watch_id),
        feeds=[
            (f"Changes of {view.summary.name}", f"/feeds/watch/{watch_id}.atom"),
            ("All changes", "/feeds/changes.atom"),
        ],
    )


@router.get("/w/{watch_id}/diff")
def pick_diff(
    request: Request,
    watch_id: int,
    old: Annotated[int, Query(alias="from")],
    new: Annotated[int, Query(alias="to")],
) -> RedirectResponse:
    """The compare form's target: on to the diff's stable URL."""
    return RedirectResponse(f"/w/{watch_id}/diff/{old}/{new}", status_code=303)


@router.get("/w/{watch_id}/diff/{old}/{new}", response_class=HTMLResponse)
def diff_page(request: Request, watch_id: int, old: int, new: int) -> HTMLResponse:
    """Two versions inline and side by side, word by word, every field shown."""
    viewer = viewer_of(request)
    view = watch_or_404(viewer, watch_id)
    found = viewer.diff(watch_id, old, new, {"watch": view.summary.name})
    if found is None:
        numbers = [v.number for v in viewer.versions(watch_id)]
        raise HTTPException(404, f"no version {old} or {new} of this watch; it has {numbers}")
    return page(
        request,
        "diff.html",
        watch=view,
        found=found,
        d=found.diff,
        share_url=str(request.url.replace(query="")),
        fields=list(
            zip(article_fields(found.old.article), article_fields(found.new.article), strict=True)
        ),
        feeds=[(f"Changes of {view.summary.name}", f"/feeds/watch/{watch_id}.atom")],
    )


@router.get("/w/{watch_id}/v/{number}", response_class=HTMLResponse)
def version_page(request: Request, watch_id: int, number: int) -> HTMLResponse:
    """The extracted article of one version, and its stored page (download or sandboxed)."""
    viewer = viewer_of(request)
    view = watch_or_404(viewer, watch_id)
    version = viewer.version(watch_id, number)
    if version is None:
        raise HTTPException(404, f"this watch has no version {number}")
    return page(
        request,
        "version.html",
        watch=view,
        version=version,
        removed=is_removal(version),
        fields=article_fields(version.article),
        feeds=[(f"Changes of {view.summary.name}", f"/feeds/watch/{watch_id}.atom")],
    )


def _raw(request: Request, watch_id: int, number: int) -> bytes:
    blob = viewer_of(request).raw_html(watch_id, number)
    if blob is None:
        raise HTTPException(404, f"watch {watch_id} has no version {number}")
    return blob


@router.get("/w/{watch_id}/v/{number}/raw")
def raw_download(request: Request, watch_id: int, number: int) -> Response:
    """The page as fetched, as a text file to download: a browser never renders it."""
    return Response(
        _raw(request, watch_id, number),
        media_type="text/plain; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="watch-{watch_id}-v{number}.html.txt"'
        },
    )


@router.get("/w/{watch_id}/v/{number}/frame")
def raw_frame(request: Request, watch_id: int, number: int) -> Response:
    """The page for the version's sandboxed iframe: an opaque origin where nothing runs."""
    return Response(
        _raw(request, watch_id, number),
        media_type="text/html",
        headers={"Content-Security-Policy": RAW_FRAME_CSP, "X-Frame-Options": "SAMEORIGIN"},
    )


@router.get("/alerts", response_class=HTMLResponse)
def alerts_page(
    request: Request, state: str | None = None, before: int | None = None
) -> HTMLResponse:
    """The outbox: every alert's state, attempts and last error; dead ones can be retried."""
    if state and state not in NOTIFICATION_STATES:
        raise HTTPException(422, f"state {state!r} is not one of {', '.join(NOTIFICATION_STATES)}")
    rows = viewer_of(request).alerts(state or None, before, PAGE_SIZE)
    return page(
        request,
        "alerts.html",
        rows=rows,
        state=state or "",
        states=NOTIFICATION_STATES,
        more=len(rows) == PAGE_SIZE,
    )


@router.post("/alerts/{notification_id}/retry")
async def retry_form(request: Request, notification_id: int) -> RedirectResponse:
    """The retry button: token session and CSRF value required (see ``require_writer``)."""
    form = await read_form(request)
    require_writer(request, form.get("csrf"))
    if not viewer_of(request).retry_dead(notification_id):
        raise HTTPException(409, f"alert {notification_id} is not dead (or does not exist)")
    return RedirectResponse(f"/alerts?state=dead&retried={notification_id}", status_code=303)


@router.get("/sites", response_class=HTMLResponse)
def sites_page(request: Request) -> HTMLResponse:
    """Per-site health over the last day: error share and failing watches."""
    return page(request, "sites.html", sites=viewer_of(request).site_health().values())


async def read_form(request: Request) -> dict[str, str]:
    """A urlencoded form body (the only kind these pages post)."""
    body = (await request.body()).decode("utf-8", errors="replace")
    return dict(parse_qsl(body, keep_blank_values=True))
