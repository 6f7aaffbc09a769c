"""What a person reads: subject, text, markdown and HTML of an alert, from its payload alone.

Channels get the outbox payload, never Article objects. The pipeline puts the full renderings
of :mod:`worker.render` into the payload (``text``, ``markdown``, ``html``) when it queues an
alert, and channels use those. Rows queued without them (older rows, hand-made payloads) get a
plainer rendering built here from the ``diff`` (schema ``editwatch.change/1``), so a channel
never fails for want of a rendering. ``notify`` may not import ``render`` (sibling stages).

Page text is hostile: the markdown fallback escapes markup and the HTML one escapes everything.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from worker import textutil
from worker.models import Notification

RENDERED_KEYS = ("text", "markdown", "html")  # human renderings, left out of machine payloads
FIELD_NOUNS = {"body": "paragraph", "captions": "caption"}
BLOCK_VERBS = {"insert": "added", "delete": "removed", "replace": "edited", "move": "moved"}
TEXT_MARKS = {"equal": ("", ""), "delete": ("[-", "-]"), "insert": ("{+", "+}")}
MARKDOWN_MARKS = {"equal": ("", ""), "delete": ("~~", "~~"), "insert": ("**", "**")}
MARKDOWN_SPECIAL = re.compile(r"([\\`*_~\[\]<|])")
Run = tuple[str, str]  # (equal | delete | insert, text)


def machine_payload(notification: Notification) -> dict[str, Any]:
    """The documented JSON body: ``event_id`` plus the payload without the human renderings."""
    data = {k: v for k, v in notification.payload.items() if k not in RENDERED_KEYS}
    return {"event_id": notification.id, **data}


def title(payload: Mapping[str, Any]) -> str:
    """One line: the payload's own ``title`` (digests, operator events), else the diff's summary
    ('Headline changed: OLD -> NEW'), else the watch name."""
    if isinstance(payload.get("title"), str):
        return " ".join(str(payload["title"]).split())
    diff = payload.get("diff") or {}
    summary = diff.get("summary") or f"Article changed: {payload.get('watch', '?')}"
    return " ".join(str(summary).split())


def summary(payload: Mapping[str, Any]) -> str:
    kinds = ", ".join(payload.get("kinds") or [])
    return " · ".join(p for p in (str(payload.get("significance") or ""), kinds) if p)


def text(payload: Mapping[str, Any]) -> str:
    """Plain text with ``[-deleted-]`` and ``{+inserted+}`` marks."""
    if isinstance(payload.get("text"), str):
        return str(payload["text"])
    lines = [title(payload), str(payload.get("url", "")), summary(payload)]
    lines += [f"  - {d}" for d in (payload.get("diff") or {}).get("details", [])]
    for label, runs in sections(payload):
        lines += ["", f"{label}:", "  " + "".join(_marked(r, TEXT_MARKS, str) for r in runs)]
    return "\n".join(lines)


def markdown(payload: Mapping[str, Any]) -> str:
    """Markdown with ``~~deleted~~`` and ``**inserted**`` words; page text escaped."""
    if isinstance(payload.get("markdown"), str):
        return str(payload["markdown"])
    lines = [f"**{escape_markdown(title(payload))}**", escape_markdown(str(payload.get("url", "")))]
    lines.append(f"_{escape_markdown(summary(payload))}_")
    lines += [f"- {escape_markdown(d)}" for d in (payload.get("diff") or {}).get("details", [])]
    for label, runs in sections(payload):
        marked = "".join(_marked(r, MARKDOWN_MARKS, escape_markdown) for r in runs)
        lines += ["", f"**{escape_markdown(label)}**", f"> {marked}"]
    return "\n".join(lines)


def html_page(payload: Mapping[str, Any]) -> str:
    """HTML with a side-by-side (before | after) table of every changed field."""
    if isinstance(payload.get("html"), str):
        return str(payload["html"])
    e = html.escape
    rows = [
        f'<tr><td colspan="2"><b>{e(label)}</b></td></tr><tr><td>{_side(runs, "delete")}</td>'
        f"<td>{_side(runs, 'insert')}</td></tr>"
        for label, runs in sections(payload)
    ]
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{e(title(payload))}</title>'
        f"</head><body><h1>{e(title(payload))}</h1><p>{e(str(payload.get('url', '')))}</p>"
        f"<p>{e(summary(payload))}</p><table><tr><th>Before</th><th>After</th></tr>"
        f"{''.join(rows)}</table></body></html>"
    )


def sections(payload: Mapping[str, Any]) -> Iterator[tuple[str, list[Run]]]:
    """Changed fields of the JSON diff as (label, runs), the headline left to the title."""
    for field in (payload.get("diff") or {}).get("fields", []):
        name = str(field.get("field", "?"))
        if name == "headline":
            continue
        if "blocks" not in field:
            yield name, _runs(field.get("ops", []))
            continue
        for block in field["blocks"]:
            yield _block_label(name, block), _block_runs(block)


def _block_label(field: str, block: Mapping[str, Any]) -> str:
    """'paragraph 3 edited': 1-based, at the new position unless the block was deleted."""
    index = block.get("new_index")
    number = (index if index is not None else block.get("old_index") or 0) + 1
    verb = BLOCK_VERBS.get(str(block.get("tag")), str(block.get("tag")))
    return f"{FIELD_NOUNS.get(field, field)} {number} {verb}"


def _block_runs(block: Mapping[str, Any]) -> list[Run]:
    """Word ops when the block was edited; whole texts for inserts, deletes and pure moves."""
    if block.get("ops"):
        return _runs(block["ops"])
    if block.get("tag") == "move":
        return [("equal", str(block.get("new", "")))]
    return [r for r in (("delete", block.get("old", "")), ("insert", block.get("new", ""))) if r[1]]


def _runs(ops: Sequence[Mapping[str, str]]) -> list[Run]:
    out: list[Run] = []
    for op in ops:
        if op.get("tag") == "equal":
            out.append(("equal", op.get("new", "")))
            continue
        out += [(tag, op.get(side, "")) for tag, side in (("delete", "old"), ("insert", "new"))]
    return [run for run in out if run[1]]


def escape_markdown(value: str) -> str:
    return MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(value.split()))


def _marked(run: Run, marks: Mapping[str, tuple[str, str]], escape: Any) -> str:
    """Marks hug the words (``~~word~~``); the run's edge spaces stay outside them."""
    tag, value = run
    inner = escape(value).strip()
    if not inner:
        return " " if value else ""
    start, end = marks[tag]
    lead = " " if value[:1].isspace() else ""
    trail = " " if value[-1:].isspace() else ""
    return f"{lead}{start}{inner}{end}{trail}"


def _side(runs: Sequence[Run], side: str) -> str:
    """One column of the table: unchanged text plus that side's edits, marked up."""
    tag = {"delete": "del", "insert": "ins"}[side]
    return "".join(
        html.escape(t) if kind == "equal" else f"<{tag}>{html.escape(t)}</{tag}>"
        for kind, t in runs
        if kind in ("equal", side)
    )


def truncate_lines(value: str, max_length: int) -> str:
    """Drop whole lines from the end, with a '... N more lines' note, until it fits."""
    return textutil.truncate_lines(value.split("\n"), max_length)
