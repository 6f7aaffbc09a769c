"""Render a :class:`Change` for people (terminal, chat markdown, HTML) and for programs (JSON).

Every renderer leads with the headline ("Headline changed: OLD -> NEW" when it changed), then
the summary (kinds, significance, word counts, stealth flag), the diff engine's human details
("paragraph 4 moved to 2") and the changed fields with deletions and insertions marked.

Page text is hostile input: every renderer strips control and bidi-override characters (ESC,
BEL, U+202E ...) so a page cannot smuggle escape sequences into a terminal or reorder what a
reader sees; HTML output escapes every piece of it (and links only http(s) URLs), markdown
escapes its syntax characters (Slack's flavour also ``&``, ``<`` and ``>``, so no ``<!channel>``
can be formed). This module only reads the value types in :mod:`worker.models`; it does no I/O.

This is the one renderer: the CLI renders versions it loads, and notification channels render
at send time from the stored change (:func:`change_from_json` reads the JSON that
:func:`render_json` wrote, so the outbox keeps one structured payload, never renderings).
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, cast, get_args

from rich.console import Console
from rich.text import Text

from worker.models import (
    CHANGE_KINDS,
    LIVEBLOG_FIELD,
    LIVEBLOG_KINDS,
    SIGNIFICANCES,
    Article,
    BlockOp,
    BlockTag,
    Change,
    DiffOp,
    DiffTag,
    FieldDiff,
    Significance,
)
from worker.textutil import ELLIPSIS, strip_controls, truncate_lines

SCHEMA = "editwatch.change/1"
DIFF_TAGS: tuple[str, ...] = get_args(DiffTag)
BLOCK_TAGS: tuple[str, ...] = get_args(BlockTag)
SegmentTag = Literal["equal", "delete", "insert"]
CONTEXT_WORDS = 12  # unchanged words kept on each side of an edit inside a long paragraph
FIELD_LABELS: dict[str, str] = {
    "headline": "Headline",
    "subheadline": "Subheadline",
    "byline": "Byline",
    "published": "Published",
    "modified": "Modified",
    "canonical_url": "Canonical URL",
    "body": "paragraph",
    "captions": "caption",
    "images": "Images",
    "links": "Links",
    "embeds": "Embeds",
    "sections": "Sections",
    LIVEBLOG_FIELD: "entry",  # a live blog's entries, each block labelled with the entry's time
}
LIVE_VERBS: dict[str, str] = {"insert": "added", "delete": "deleted", "replace": "edited"}
ISO_UTC = re.compile(r"^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}):\d{2}Z$")
LINE_FIELDS = frozenset({"headline", "canonical_url"})  # told in a line of their own
BLOCK_VERBS: dict[str, str] = {
    "insert": "added",
    "delete": "removed",
    "replace": "edited",
    "move": "moved",
}
TEXT_STYLES: dict[SegmentTag, str] = {"equal": "", "delete": "red strike", "insert": "green"}
PLAIN_MARKS: dict[SegmentTag, tuple[str, str]] = {
    "equal": ("", ""),
    "delete": ("[-", "-]"),
    "insert": ("{+", "+}"),
}
MARKDOWN_MARKS: dict[SegmentTag, tuple[str, str]] = {
    "equal": ("", ""),
    "delete": ("~~", "~~"),
    "insert": ("**", "**"),
}
HTML_TAGS: dict[SegmentTag, str] = {"equal": "", "delete": "del", "insert": "ins"}
# Only characters that open markup mid-line: every page-text run sits after "> ", "- " or "**",
# so line-start syntax (#, -, +, 1.) never applies, and Slack shows needless backslashes.
MARKDOWN_SPECIAL = re.compile(r"([\\`*_~\[\]<|])")
MarkdownFlavor = Literal["commonmark", "slack"]
# Slack reads <...> as links and mentions (<!channel>, <@U123>) and wants these three as
# entities in every text it shows; its markdown block decodes them back to the characters.
SLACK_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
SLACK_SPECIAL = re.compile(r"[&<>]")
SLACK_MARKDOWN_SPECIAL = re.compile(r"([\\`*_~\[\]|])")
SAFE_URL = re.compile(r"^https?://", re.IGNORECASE)
HTML_STYLE = "body{font:15px/1.5 system-ui,sans-serif;margin:2em auto;max-width:72em;color:#222}"
# Inline, not only in <style>: mail clients that strip <style> (Gmail's clipped view, Outlook)
# would otherwise lose the red and green of the diff.
INLINE_STYLES: dict[str, str] = {
    "del": "background:#fdd;color:#900;text-decoration:line-through",
    "ins": "background:#dfd;color:#060;text-decoration:none",
    "table": "border-collapse:collapse;width:100%",
    "cell": "border:1px solid #ddd;padding:.4em;vertical-align:top;width:50%",
    "summary": "color:#555",
    "label": "font-weight:600",
}


@dataclass(frozen=True, slots=True)
class Segment:
    """A run of text to show as unchanged, deleted or inserted."""

    tag: SegmentTag
    text: str


@dataclass(frozen=True, slots=True)
class Section:
    """One changed field or block: a label ('paragraph 3 edited') and its marked-up text."""

    label: str
    segments: tuple[Segment, ...]


# --- shared structure -----------------------------------------------------------------------


def headline_line(change: Change, old: Article, new: Article) -> str:
    """The line every rendering leads with."""
    if "headline" in change.kinds:
        return f"Headline changed: {old.headline} -> {new.headline}"
    if "removed" in change.kinds:
        return f"Article removed: {old.headline or new.headline}"
    if "restored" in change.kinds:
        return f"Article restored: {new.headline or old.headline}"
    if change.kinds & LIVEBLOG_KINDS:
        return _liveblog_line(change, new.headline or old.headline)
    if change.kinds == {"url"}:
        return url_line(old, new)
    noun = "Page" if new.mode == "page" else "Article"
    return f"{noun} edited: {new.headline or old.headline}"


def entry_when(time: str) -> str:
    """An entry's stored time as people read it: ``2026-12-01 10:05 UTC`` (else as stored)."""
    match = ISO_UTC.match(time)
    return f"{match[1]} {match[2]} UTC" if match else time


def _liveblog_line(change: Change, headline: str) -> str:
    """ "Live blog entry 2026-12-01 09:30 UTC edited: ...": the entries' times lead, since the
    time is how a reader finds the entry on the page."""
    blocks = [b for fd in change.fields if fd.field == LIVEBLOG_FIELD for b in fd.blocks]
    touched = [b for b in blocks if b.tag in ("replace", "delete")]
    if touched:
        noun = "entry" if len(touched) == 1 else "entries"
        what = ", ".join(f"{entry_when(b.label)} {LIVE_VERBS[b.tag]}" for b in touched)
        return f"Live blog {noun} {what}: {headline}"
    if "liveblog_edit" in change.kinds:
        return f"No longer a live blog: {headline}"
    added = sum(1 for b in blocks if b.tag == "insert")
    if not added:
        return f"Now a live blog: {headline}"
    return f"Live blog updated ({added} new {'entry' if added == 1 else 'entries'}): {headline}"


def url_line(old: Article, new: Article) -> str:
    """A moved article (a slug change, a redirect, a new canonical link), on one line."""
    return f"URL changed: {old.canonical_url} -> {new.canonical_url}"


def summary_line(change: Change) -> str:
    """Kinds, significance and word counts in one line."""
    parts = [
        change.significance,
        ", ".join(sorted(change.kinds)),
        f"+{change.words_added} / -{change.words_removed} words",
    ]
    if change.words_changed:
        parts.append(f"{change.words_changed} changed")
    if change.silent:
        parts.append("silent edit: the page's modified date did not move")
    return " · ".join(parts)


def sections(change: Change) -> Iterator[Section]:
    """Changed fields in reading order; the headline leads and a moved URL has its own line
    (:func:`url_line`, or the "URL changed" detail), so neither is repeated here."""
    for fd in change.fields:
        if fd.field in LINE_FIELDS:
            continue
        if fd.blocks:
            yield from _block_sections(fd)
        else:
            yield Section(FIELD_LABELS.get(fd.field, fd.field), segments(fd.ops))


def _block_sections(fd: FieldDiff) -> Iterator[Section]:
    noun = FIELD_LABELS.get(fd.field, fd.field)
    for block in fd.blocks:
        if block.tag == "equal":
            continue
        yield Section(_block_label(noun, block), _block_segments(block))


def _block_label(noun: str, block: BlockOp) -> str:
    if block.label:  # a live-blog entry: named by its time, not its position
        return f"{noun} {entry_when(block.label)} {LIVE_VERBS.get(block.tag, 'edited')}"
    number = (block.new_index if block.new_index is not None else block.old_index or 0) + 1
    if block.tag == "move":
        moved = f"{noun} {(block.old_index or 0) + 1} moved to {number}"
        return moved + (" and edited" if block.words else "")
    return f"{noun} {number} {BLOCK_VERBS[block.tag]}"


def _block_segments(block: BlockOp) -> tuple[Segment, ...]:
    if block.tag == "insert":
        return (Segment("insert", block.new),)
    if block.tag == "delete":
        return (Segment("delete", block.old),)
    if block.words:
        return segments(block.words)
    return (Segment("equal", _trim(block.new, head=True, tail=True)),)


def segments(ops: Sequence[DiffOp]) -> tuple[Segment, ...]:
    """Ops as display runs; long unchanged stretches are cut to a little context."""
    out: list[Segment] = []
    for index, op in enumerate(ops):
        if op.tag == "equal":
            head, tail = index > 0, index < len(ops) - 1
            out.append(Segment("equal", _trim(op.new, head=head, tail=tail)))
            continue
        if op.old:
            out.append(Segment("delete", op.old))
        if op.new:
            out.append(Segment("insert", op.new))
    return tuple(out)


def _trim(text: str, *, head: bool, tail: bool) -> str:
    """Keep CONTEXT_WORDS after a preceding edit (head) and before a following one (tail)."""
    words = text.split(" ")
    if len(words) <= 2 * CONTEXT_WORDS:
        return text
    if head and tail:
        return " ".join([*words[:CONTEXT_WORDS], ELLIPSIS, *words[-CONTEXT_WORDS:]])
    if head:
        return " ".join([*words[:CONTEXT_WORDS], ELLIPSIS])
    if tail:
        return " ".join([ELLIPSIS, *words[-CONTEXT_WORDS:]])
    return " ".join(words[: 2 * CONTEXT_WORDS]) + " " + ELLIPSIS


def _meta_lines(meta: Mapping[str, Any] | None) -> list[str]:
    meta = meta or {}
    return [str(meta[key]) for key in ("name", "url") if meta.get(key)]


# --- text -----------------------------------------------------------------------------------


def clean_text(text: str) -> str:
    """Drop control and bidi characters a page could use to rewrite a terminal or reorder
    what a reader sees (:func:`worker.textutil.strip_controls`, the one scrub)."""
    return strip_controls(text)


def render_text(
    change: Change,
    *,
    old: Article,
    new: Article,
    color: bool = False,
    meta: Mapping[str, Any] | None = None,
    width: int = 100,
) -> str:
    """Terminal rendering; ANSI-coloured through rich when ``color`` (the caller checks isatty)."""
    lines: list[Text] = [Text(clean_text(headline_line(change, old, new)), style="bold")]
    lines.extend(Text(clean_text(line), style="dim") for line in _meta_lines(meta))
    lines.append(Text(summary_line(change)))
    lines.extend(Text("  - " + clean_text(detail)) for detail in change.details)
    for section in sections(change):
        lines.append(Text(""))
        lines.append(Text(clean_text(section.label) + ":", style="bold"))
        lines.append(_text_segments(section.segments, color=color))
    if not color:
        return "\n".join(line.plain for line in lines)
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, color_system="standard", width=width)
    for line in lines:
        console.print(line, soft_wrap=True)
    return buffer.getvalue().removesuffix("\n")


def _text_segments(runs: Sequence[Segment], *, color: bool) -> Text:
    text = Text("  ")
    for run in runs:
        if color:
            text.append(clean_text(run.text), style=TEXT_STYLES[run.tag])
        else:
            start, end = PLAIN_MARKS[run.tag]
            text.append(start + clean_text(run.text) + end)
    return text


# --- markdown -------------------------------------------------------------------------------


def escape_markdown(text: str, flavor: MarkdownFlavor = "commonmark") -> str:
    """Backslash-escape markdown syntax so page text renders as the words it is.

    The ``slack`` flavour also turns ``&``, ``<`` and ``>`` into entities, as Slack asks of
    every text field, so page text can never form a link or a ``<!channel>`` mention.
    """
    flat = " ".join(clean_text(text).split())
    if flavor == "slack":
        return SLACK_MARKDOWN_SPECIAL.sub(r"\\\1", escape_slack(flat))
    return MARKDOWN_SPECIAL.sub(r"\\\1", flat)


def escape_slack(text: str) -> str:
    """``&``, ``<`` and ``>`` as the entities Slack requires in any text it displays."""
    return SLACK_SPECIAL.sub(lambda match: SLACK_ENTITIES[match.group()], clean_text(text))


def render_markdown(
    change: Change,
    *,
    old: Article,
    new: Article,
    meta: Mapping[str, Any] | None = None,
    max_length: int | None = None,
    flavor: MarkdownFlavor = "commonmark",
) -> str:
    """Markdown for Slack/Mattermost/Matrix; ``~~deleted~~`` and ``**inserted**`` words.

    With ``max_length`` whole lines are dropped from the end until the message fits, and a
    last line says how many were left out ("... 12 more lines").
    """

    def esc(text: str) -> str:
        return escape_markdown(text, flavor)

    lines = [f"**{esc(headline_line(change, old, new))}**"]
    lines.extend(esc(line) for line in _meta_lines(meta))
    lines.append(f"_{esc(summary_line(change))}_")
    lines.extend(f"- {esc(detail)}" for detail in change.details)
    for section in sections(change):
        lines.append("")
        lines.append(f"**{esc(section.label)}**")
        lines.append("> " + "".join(_markdown_run(run, flavor) for run in section.segments))
    return truncate_lines(lines, max_length)


def _markdown_run(run: Segment, flavor: MarkdownFlavor) -> str:
    """Marks hug the words (``~~word~~``), spaces stay outside or the markup breaks."""
    escaped = escape_markdown(run.text, flavor)
    if not escaped:
        return " " if run.text else ""
    start, end = MARKDOWN_MARKS[run.tag]
    lead = " " if run.text[:1].isspace() else ""
    trail = " " if run.text[-1:].isspace() else ""
    return f"{lead}{start}{escaped}{end}{trail}"


# --- html -----------------------------------------------------------------------------------


def escape_html(text: str) -> str:
    """Page text as HTML text: control and bidi characters dropped, markup characters escaped."""
    return html.escape(clean_text(text), quote=True)


_e = escape_html


def styled(tag: str, style: str, body: str) -> str:
    """``<tag style="...">body</tag>`` with one of :data:`INLINE_STYLES` (mail keeps those)."""
    return f'<{tag} style="{INLINE_STYLES[style]}">{body}</{tag}>'


def html_document(title: str, body: Sequence[str]) -> str:
    """A whole page around ``body`` (already escaped markup), titled with escaped ``title``."""
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html><head><meta charset="utf-8">',
            f"<title>{_e(title)}</title><style>{HTML_STYLE}</style></head><body>",
            *body,
            "</body></html>",
        ]
    )


def render_html(
    change: Change,
    *,
    old: Article,
    new: Article,
    meta: Mapping[str, Any] | None = None,
) -> str:
    """A self-contained HTML page: summary, inline view, and a side-by-side table."""
    title = headline_line(change, old, new)
    return html_document(title, [f"<h1>{_e(title)}</h1>", *html_body(change, meta)])


def html_body(change: Change, meta: Mapping[str, Any] | None) -> list[str]:
    """Everything below the title: where, what kind, the inline view and the table."""
    parts = [*_html_meta(meta), styled("p", "summary", _e(summary_line(change)))]
    if change.details:
        items = "".join(f"<li>{_e(detail)}</li>" for detail in change.details)
        parts.append(f"<ul>{items}</ul>")
    all_sections = list(sections(change))
    parts.append("<h2>Inline</h2>")
    for section in all_sections:
        inline = _html_runs(section.segments, {"delete", "insert"})
        parts.append(f"<p>{styled('span', 'label', _e(section.label) + ':')} {inline}</p>")
    head = "".join(styled("th", "cell", side) for side in ("Before", "After"))
    rows = [f"<tr>{head}</tr>"]
    for section in all_sections:
        before = _html_runs(section.segments, {"delete"})
        after = _html_runs(section.segments, {"insert"})
        label = f'<td colspan="2" style="{INLINE_STYLES["label"]}">{_e(section.label)}</td>'
        rows.append(f"<tr>{label}</tr>")
        rows.append(f"<tr>{styled('td', 'cell', before)}{styled('td', 'cell', after)}</tr>")
    parts.append("<h2>Side by side</h2>" + styled("table", "table", "".join(rows)))
    return parts


def _html_meta(meta: Mapping[str, Any] | None) -> list[str]:
    """The watch's name, a link to the article, and which versions are compared."""
    meta = meta or {}
    out = [f"<p>{_e(str(meta['name']))}</p>"] if meta.get("name") else []
    url = str(meta.get("url") or "")
    if url and SAFE_URL.match(url):
        out.append(f'<p><a href="{_e(url)}" rel="noopener noreferrer">{_e(url)}</a></p>')
    elif url:
        out.append(f"<p>{_e(url)}</p>")
    if meta.get("new_version") is not None:
        out.append(f"<p>{_e(version_line(meta))}</p>")
    return out


def version_line(meta: Mapping[str, Any]) -> str:
    """'version 2 -> 3, detected ...; editwatch diff NAME --from 2 --to 3' shows it again."""
    old, new = meta.get("old_version"), meta.get("new_version")
    span = f"version {old} -> {new}" if old is not None else f"version {new}"
    when = f", detected {meta['detected_at']}" if meta.get("detected_at") else ""
    command = ""
    if old is not None and meta.get("name"):
        command = f"; see it again: editwatch diff {meta['name']!r} --from {old} --to {new}"
    return span + when + command


def _html_runs(runs: Sequence[Segment], show: set[str]) -> str:
    """Mark-up for the runs to show: equal text plus the chosen side(s) of each edit."""
    out: list[str] = []
    for run in runs:
        if run.tag != "equal" and run.tag not in show:
            continue
        tag = HTML_TAGS[run.tag]
        out.append(styled(tag, tag, _e(run.text)) if tag else _e(run.text))
    return "".join(out)


# --- json -----------------------------------------------------------------------------------


def render_json(
    change: Change, *, old: Article, new: Article, meta: Mapping[str, Any]
) -> dict[str, Any]:
    """A change as plain JSON data. Schema ``editwatch.change/1``::

        {
          "schema": "editwatch.change/1",      # bumped on any incompatible change
          "meta": {...},                         # caller's context: url, name, versions, times
          "headline": {"old": str, "new": str, "changed": bool},
          "summary": str,                        # "Headline changed: OLD -> NEW" or similar
          "kinds": [str, ...],                   # sorted: headline, lede, correction, body, ...
          "significance": "minor" | "moderate" | "major",
          "silent": bool,                        # body changed, page's modified date did not
          "words": {"added": int, "removed": int, "changed": int},
          "details": [str, ...],                 # "paragraph 4 moved to 2", ...
          "fields": [
            # scalar fields (headline, subheadline, byline, published, modified, canonical_url)
            {"field": str, "ops": [{"tag": "equal|insert|delete|replace", "old": str, "new": str}]},
            # list fields (body, captions): only the changed blocks, indices 0-based
            {"field": "body" | "captions" | "liveblog", "blocks": [
              {"tag": "insert|delete|replace|move", "old_index": int | null,
               "new_index": int | null, "old": str, "new": str, "ops": [op, ...],
               "label": str}                   # liveblog only: the entry's time
            ]}
          ]
        }

    Texts are the page's original text; ``ops`` of a block are its word-level diff (empty for
    whole-paragraph inserts, deletes and pure moves).
    """
    return {
        "schema": SCHEMA,
        "meta": dict(meta),
        "headline": {
            "old": old.headline,
            "new": new.headline,
            "changed": "headline" in change.kinds,
        },
        "summary": headline_line(change, old, new),
        "kinds": sorted(change.kinds),
        "significance": change.significance,
        "silent": change.silent,
        "words": {
            "added": change.words_added,
            "removed": change.words_removed,
            "changed": change.words_changed,
        },
        "details": list(change.details),
        "fields": [_field_json(fd) for fd in change.fields],
    }


def same_json(meta: Mapping[str, Any], reread: str | None = None) -> dict[str, Any]:
    """Two versions that read the same, in the ``editwatch.change/1`` schema: no ``fields``,
    ``changed`` false, and ``reread`` saying so when the newer is the older's page read again
    by a newer extractor (the API's ``/diff`` and ``editwatch diff --format json``)."""
    same: dict[str, Any] = {"schema": SCHEMA, "meta": dict(meta), "changed": False}
    return same if reread is None else {**same, "reread": reread}


def _ops_json(ops: Sequence[DiffOp]) -> list[dict[str, str]]:
    return [{"tag": op.tag, "old": op.old, "new": op.new} for op in ops]


def _field_json(fd: FieldDiff) -> dict[str, Any]:
    if not fd.blocks:
        return {"field": fd.field, "ops": _ops_json(fd.ops)}
    blocks = [_block_json(b) for b in fd.blocks if b.tag != "equal"]
    return {"field": fd.field, "blocks": blocks}


def _block_json(block: BlockOp) -> dict[str, Any]:
    data: dict[str, Any] = {
        "tag": block.tag,
        "old_index": block.old_index,
        "new_index": block.new_index,
        "old": block.old,
        "new": block.new,
        "ops": _ops_json(block.words),
    }
    if block.label:  # live-blog entries only: other stored diffs keep their exact shape
        data["label"] = block.label
    return data


# --- what is watched on a page ------------------------------------------------------------------


def render_article_view(article: Article) -> str:
    """Plain text of what editwatch watches on a page (for ``editwatch extract``).

    Page mode and article mode alike: the text blocks in reading order (headings marked
    ``##``), then the images (the lead one marked), the links with their absolute targets and
    the embeds, each with the paragraph it belongs to, and a live blog's entries. Control
    characters are stripped.
    """
    lines = [f"mode: {article.mode}", f"headline: {article.headline}"]
    lines.extend(f"{name}: {value}" for name, value in _view_meta(article) if value)
    lines.append("")
    headings = list(article.headings)
    for paragraph in article.paragraphs:
        if headings and paragraph == headings[0]:
            headings.pop(0)
            lines.append(f"## {paragraph}")
        else:
            lines.append(paragraph)
    lines.extend(_view_media(article))
    lines.extend(_view_entries(article))
    return "\n".join(clean_text(line) for line in lines)


def _view_entries(article: Article) -> list[str]:
    """A live blog's entries as editwatch compares them: time, key, title and text."""
    if not article.entries:
        return []
    lines = ["", f"live blog entries ({len(article.entries)}):"]
    for entry in article.entries:
        title = f" {entry.title}:" if entry.title else ""
        lines.append(f"  [{entry_when(entry.time)}] <{entry.key}>{title} {entry.text}")
    return lines


def _view_meta(article: Article) -> list[tuple[str, str]]:
    return [
        ("subheadline", article.subheadline),
        ("byline", article.byline),
        ("published", article.published),
        ("modified", article.modified),
        ("url", article.canonical_url),
    ]


def _where(paragraph: int | None) -> str:
    return f"paragraph {paragraph + 1}" if paragraph is not None else "before the text"


def _view_media(article: Article) -> list[str]:
    lines: list[str] = []
    if article.images:
        lines.extend(["", f"images ({len(article.images)}):"])
        for image in article.images:
            role = "lead" if image.lead else _where(image.paragraph)
            lines.append(f"  [{role}] {image.alt or '(no alt text)'} <{image.src}>")
    if article.links:
        lines.extend(["", f"links ({len(article.links)}):"])
        for link in article.links:
            kind = " [document]" if link.document else ""
            lines.append(f"  [{_where(link.paragraph)}] {link.text} -> {link.href}{kind}")
    if article.embeds:
        lines.extend(["", f"embeds ({len(article.embeds)}):"])
        for embed in article.embeds:
            title = f" {embed.title}" if embed.title else ""
            lines.append(f"  [{_where(embed.paragraph)}] {embed.kind}{title} <{embed.src}>")
    return lines


def change_from_json(data: Mapping[str, Any]) -> tuple[Change, Article, Article]:
    """Read back what :func:`render_json` wrote: the change and the two headlines.

    Everything the renderers show survives the round trip (kinds, words, details, changed
    fields and blocks), so a channel rendering at send time from the stored change writes
    what a renderer given the live objects writes; the diff cards draw from the same reading.
    The articles carry only their headlines, which is all a rendering reads of them. An
    unknown diff tag raises ``ValueError``; kinds a newer release added are left out.
    """
    headline = data.get("headline") or {}
    words = data.get("words") or {}
    change = Change(
        kinds=frozenset(kind for kind in data.get("kinds") or () if kind in CHANGE_KINDS),
        fields=tuple(_field_from_json(item) for item in data.get("fields") or ()),
        significance=_significance_from_json(data.get("significance")),
        silent=bool(data.get("silent")),
        words_added=int(words.get("added") or 0),
        words_removed=int(words.get("removed") or 0),
        details=tuple(str(detail) for detail in data.get("details") or ()),
        words_changed=int(words.get("changed") or 0),
    )
    old = Article(headline=str(headline.get("old") or ""))
    new = Article(headline=str(headline.get("new") or ""))
    return change, old, new


def _significance_from_json(value: object) -> Significance:
    """A stored significance as the typed level (an unknown level weighs moderate)."""
    return next((level for level in SIGNIFICANCES if level == value), "moderate")


def _tag_from_json(item: Mapping[str, Any], allowed: tuple[str, ...]) -> str:
    tag = str(item.get("tag", ""))
    if tag not in allowed:
        raise ValueError(f"unknown diff tag {tag!r}; expected one of {sorted(allowed)}")
    return tag


def _ops_from_json(ops: Sequence[Mapping[str, Any]]) -> tuple[DiffOp, ...]:
    return tuple(
        DiffOp(
            cast(DiffTag, _tag_from_json(op, DIFF_TAGS)),
            str(op.get("old", "")),
            str(op.get("new", "")),
        )
        for op in ops
    )


def _field_from_json(item: Mapping[str, Any]) -> FieldDiff:
    name = str(item.get("field", ""))
    if "blocks" not in item:
        return FieldDiff(name, _ops_from_json(item.get("ops") or ()))
    blocks = tuple(
        BlockOp(
            cast(BlockTag, _tag_from_json(block, BLOCK_TAGS)),
            block.get("old_index"),
            block.get("new_index"),
            str(block.get("old", "")),
            str(block.get("new", "")),
            _ops_from_json(block.get("ops") or ()),
            str(block.get("label") or ""),
        )
        for block in item["blocks"]
    )
    return FieldDiff(name, tuple(op for block in blocks for op in block.words), blocks)
