"""What a person reads of an alert, rendered at send time from its stored payload.

An outbox row holds one structured payload: for a change, the watch, the versions and the
diff (schema ``editwatch.change/1``, :func:`worker.render.render_json`); for a digest, the
payloads of the alerts it merges; for an operator event, its title and details. Channels call
the functions here, which hand the stored change to :mod:`worker.render` (the one renderer,
in a layer below ``notify``), so every channel and the CLI show the same words and the same
escaping. Nothing is rendered ahead and stored: a fix to a renderer reaches queued alerts too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from worker.errors import NotifyError
from worker.models import Article, Change, Notification
from worker.render import (
    MarkdownFlavor,
    change_from_json,
    clean_text,
    escape_html,
    escape_markdown,
    html_body,
    html_document,
    render_markdown,
    render_text,
)
from worker.textutil import cut_text, truncate_lines

__all__ = [
    "digest_items",
    "html_page",
    "machine_payload",
    "markdown",
    "short_post",
    "text",
    "title",
]

# Renderings that rows queued by older releases carried; never sent to machines, never shown.
RENDERED_KEYS = ("text", "markdown", "html")
EVENT_KEYS = ("event", "title")  # an operator event's own keys; every other key is a detail
DIGEST_RULE = "-" * 40


def machine_payload(notification: Notification) -> dict[str, Any]:
    """The documented JSON body: ``event_id`` plus the stored payload."""
    data = {k: v for k, v in notification.payload.items() if k not in RENDERED_KEYS}
    return {"event_id": notification.id, **data}


def title(payload: Mapping[str, Any]) -> str:
    """One line: the payload's own ``title`` (operator events), a digest's count and watches,
    else the diff's summary ('Headline changed: OLD -> NEW'), else the watch name."""
    if payload.get("digest"):
        return _digest_title(digest_items(payload))
    if isinstance(payload.get("title"), str):
        return " ".join(str(payload["title"]).split())
    diff = payload.get("diff") or {}
    summary = diff.get("summary") or f"Article changed: {payload.get('watch', '?')}"
    return " ".join(str(summary).split())


def text(payload: Mapping[str, Any]) -> str:
    """Plain text with ``[-deleted-]`` and ``{+inserted+}`` marks."""
    if payload.get("digest"):
        items = digest_items(payload)
        heading = clean_text(title(payload))
        return "\n\n".join([heading, *(f"{DIGEST_RULE}\n{text(i)}" for i in items)])
    if "event" in payload:
        return clean_text("\n".join([title(payload), *_detail_lines(payload)]))
    if not payload.get("diff"):
        lines = (title(payload), str(payload.get("url", "")))
        return clean_text("\n".join(line for line in lines if line))
    change, old, new = _stored_change(payload)
    return render_text(change, old=old, new=new, meta=_meta(payload))


def markdown(
    payload: Mapping[str, Any],
    *,
    max_length: int | None = None,
    flavor: MarkdownFlavor = "commonmark",
) -> str:
    """Markdown with ``~~deleted~~`` and ``**inserted**`` words; page text escaped."""
    if payload.get("digest"):
        parts = [f"**{escape_markdown(title(payload), flavor)}**"]
        parts += [markdown(item, flavor=flavor) for item in digest_items(payload)]
        return truncate_lines("\n\n---\n\n".join(parts).split("\n"), max_length)
    if "event" in payload or not payload.get("diff"):
        lines = [f"**{escape_markdown(title(payload), flavor)}**"]
        lines += [f"- {escape_markdown(x, flavor)}" for x in _detail_lines(payload)]
        return truncate_lines(lines, max_length)
    change, old, new = _stored_change(payload)
    meta = _meta(payload)
    return render_markdown(
        change, old=old, new=new, meta=meta, max_length=max_length, flavor=flavor
    )


def html_page(payload: Mapping[str, Any]) -> str:
    """A whole HTML page: the diff inline and side by side, digests one section per change."""
    heading = title(payload)
    return html_document(heading, [f"<h1>{escape_html(heading)}</h1>", *_html(payload)])


def _html(payload: Mapping[str, Any]) -> list[str]:
    if payload.get("digest"):
        sections = [f"<section>{''.join(_item_html(i))}</section>" for i in digest_items(payload)]
        return ["<hr>".join(sections)]
    if "event" in payload or not payload.get("diff"):
        items = "".join(f"<li>{escape_html(x)}</li>" for x in _detail_lines(payload))
        return [f"<ul>{items}</ul>"] if items else []
    change, _old, _new = _stored_change(payload)
    return html_body(change, _meta(payload))


def _item_html(item: Mapping[str, Any]) -> list[str]:
    """One change of a digest: its own heading, then its body."""
    return [f"<h1>{escape_html(title(item))}</h1>", *_html(item)]


def digest_items(payload: Mapping[str, Any]) -> Sequence[Mapping[str, Any]]:
    """The machine payloads a digest merges, oldest first."""
    items = payload.get("items") or []
    return [item for item in items if isinstance(item, Mapping)]


def _digest_title(items: Sequence[Mapping[str, Any]]) -> str:
    count = len(items)
    names = ", ".join(sorted({str(item.get("watch", "?")) for item in items}))
    return f"{count} article change{'s' if count != 1 else ''}: {names}"


def _detail_lines(payload: Mapping[str, Any]) -> list[str]:
    """An operator event's details as 'key: value' lines, in the order they were given."""
    skip = {*EVENT_KEYS, *RENDERED_KEYS}
    return [f"{key}: {value}" for key, value in payload.items() if key not in skip]


def _stored_change(payload: Mapping[str, Any]) -> tuple[Change, Article, Article]:
    """The stored diff read back; a row whose diff cannot be read fails for good, by name
    (retrying cannot repair it, and the other rows go on)."""
    try:
        return change_from_json(payload["diff"])
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        detail = f"{type(exc).__name__}: {exc}"
        raise NotifyError(
            f"the stored change of this alert cannot be read ({detail})", permanent=True
        ) from exc


def _meta(payload: Mapping[str, Any]) -> dict[str, Any]:
    """What the renderers show above the diff: the watch, its URL and the versions."""
    keys = ("old_version", "new_version", "detected_at")
    return {
        "name": payload.get("watch"),
        "url": payload.get("url"),
        **{key: payload.get(key) for key in keys},
    }


# A page's "@name@host" or "#tag" in a public post would mention a stranger or join a
# hashtag's timeline; their full-width twins read the same and are never parsed as either.
_NO_MENTIONS = str.maketrans({"@": "\uff20", "#": "\uff03"})
ARROW = " \u2192 "  # old -> new
# A timeline post's length when neither the service nor `bot: {max_chars: N}` says otherwise:
# Mastodon's default, and short enough for any other timeline.
POST_LIMIT = 500


def short_post(payload: Mapping[str, Any], limit: int) -> str:
    """A public post of at most ``limit`` characters: site, what changed, the link.

    A headline change reads ``site: “old” → “new”`` and the two headlines share the room
    left after the site and the whole link (a cut link would point elsewhere); other alerts
    read ``site: <title>``. Page text is scrubbed of controls and bidi characters, and its
    ``@`` and ``#`` cannot mention anyone. Cuts never split a character (:func:`cut_text`).
    """
    url = str(payload.get("url") or "")
    host = (urlsplit(url).hostname or str(payload.get("watch") or "editwatch")).removeprefix("www.")
    tail = f"\n{url}" if url else ""
    room = max(limit - len(tail), 0)
    old, new = (_post_text(payload.get(k)) for k in ("old_headline", "new_headline"))
    if "headline" in (payload.get("kinds") or ()) and old and new:
        head = f"{host}: "
        shares = _shares(room - len(head) - len(ARROW) - 4, len(old), len(new))
        body = f"{head}“{cut_text(old, shares[0])}”{ARROW}“{cut_text(new, shares[1])}”"
    else:
        body = f"{host}: {_post_text(title(payload))}"
    return cut_text(body, room) + tail if room else cut_text(url, limit)


def _post_text(value: object) -> str:
    return " ".join(clean_text(str(value or "")).split()).translate(_NO_MENTIONS)


def _shares(room: int, old: int, new: int) -> tuple[int, int]:
    """Split ``room`` characters between two texts: each gets half, a short one gives its
    unused half to the other."""
    room = max(room, 2)
    half = room // 2
    if old <= half:
        return old, room - old
    if new <= room - half:
        return room - new, new
    return half, room - half
