"""Atom feeds of changes: every watch, one watch, one tag (RFC 4287).

Each entry is one recorded change: titled with the new headline and the change's kinds, linked
to its diff page, holding the HTML diff (escaped into the XML, no scripts). Entry ids are
``urn:uuid`` values derived from the watch URL, the two versions and the detection time, so an
entry keeps its id when the viewer moves to another address or the database is restored.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from fastapi import APIRouter, HTTPException, Request, Response

from worker.clock import utcnow
from worker.store.queries import ChangeSummary
from worker.web.api import viewer_of, watch_or_404
from worker.web.rendering import environment
from worker.web.shapes import diff_path

router = APIRouter(prefix="/feeds", include_in_schema=False)
ATOM_TYPE = "application/atom+xml; charset=utf-8"
FEED_SIZE = 50


def entry_id(change: ChangeSummary) -> str:
    """Stable across hosts and restores: what changed, where, when."""
    key = (
        f"{change.url}#v{change.old_version}-v{change.new_version}@{change.detected_at.isoformat()}"
    )
    return uuid.uuid5(uuid.NAMESPACE_URL, key).urn


def feed_id(path: str) -> str:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"editwatch-feed:{path}").urn


def entry_title(change: ChangeSummary) -> str:
    headline = change.new_headline or change.old_headline or change.watch
    return f"{headline} [{', '.join(change.kinds)}]"


def atom(request: Request, title: str, changes: Sequence[ChangeSummary]) -> Response:
    """The feed document; links are absolute (feed readers resolve nothing)."""
    base = str(request.base_url).rstrip("/")
    macros = environment.get_template("_diff.html").module
    entries = [
        {
            "id": entry_id(c),
            "title": entry_title(c),
            "updated": c.detected_at.isoformat(),
            "link": base + diff_path(c.watch_id, c.old_version, c.new_version),
            "html": str(macros.diff_body(c.diff)),  # type: ignore[attr-defined]
            "kinds": c.kinds,
            "watch": c.watch,
        }
        for c in changes
    ]
    updated = changes[0].detected_at if changes else utcnow()
    body = environment.get_template("atom.xml").render(
        feed_id=feed_id(request.url.path),
        title=title,
        updated=updated.isoformat(),
        self_url=base + request.url.path,
        home=base + "/",
        entries=entries,
    )
    return Response(body, media_type=ATOM_TYPE)


@router.get("/changes.atom")
def all_changes(request: Request) -> Response:
    """Every watch's changes, newest first."""
    changes = viewer_of(request).queries.change_list(limit=FEED_SIZE)
    return atom(request, "editwatch: all changes", changes)


@router.get("/watch/{watch_id}.atom")
def watch_changes(request: Request, watch_id: int) -> Response:
    """One article's changes."""
    viewer = viewer_of(request)
    view = watch_or_404(viewer, watch_id)
    changes = viewer.queries.change_list(watch_ids=[watch_id], limit=FEED_SIZE)
    return atom(request, f"editwatch: {view.summary.name}", changes)


@router.get("/tag/{tag}.atom")
def tag_changes(request: Request, tag: str) -> Response:
    """The changes of every watch carrying ``tag`` (feeds' discoveries included)."""
    viewer = viewer_of(request)
    if tag not in viewer.tags:
        raise HTTPException(404, f"no watch is tagged {tag!r}; tags: {', '.join(viewer.tags)}")
    changes = viewer.queries.change_list(tagged=viewer.tag_urls(tag), limit=FEED_SIZE)
    return atom(request, f"editwatch: changes tagged {tag}", changes)
