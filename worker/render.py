"""Render a :class:`Change` for people (terminal, chat markdown, HTML) and for programs (JSON).

Every renderer leads with the headline ("Headline changed: OLD -> NEW" when it changed), then
the summary (kinds, significance, word counts, stealth flag), the diff engine's human details
("paragraph 4 moved to 2") and the changed fields with deletions and insertions marked.

Page text is hostile input: HTML output escapes every piece of it (and links only http(s)
URLs), markdown escapes its syntax characters, and the terminal renderer strips control
characters so a page cannot smuggle escape sequences into a terminal. This module only reads
the value types in :mod:`worker.models`; it does no I/O.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from rich.console import Console
from rich.text import Text

from worker.models import Article, BlockOp, Change, DiffOp, FieldDiff
from worker.textutil import ELLIPSIS, truncate_lines

SCHEMA = "editwatch.change/1"
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
}
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
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
SAFE_URL = re.compile(r"^https?://", re.IGNORECASE)
HTML_STYLE = """
body{font:15px/1.5 system-ui,sans-serif;margin:2em auto;max-width:72em;color:#222}
del{background:#fdd;color:#900;text-decoration:line-through}
ins{background:#dfd;color:#060;text-decoration:none}
table{border-collapse:collapse;width:100%}td,th{border:1px solid #ddd;padding:.4em;
vertical-align:top;width:50%}.summary{color:#555}.label{font-weight:600}
"""


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
    noun = "Page" if new.mode == "page" else "Article"
    return f"{noun} edited: {new.headline or old.headline}"


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
    """Changed fields in reading order; the headline leads, so it is not repeated here."""
    for fd in change.fields:
        if fd.field == "headline":
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


def _clean(text: str) -> str:
    """Drop control and bidi-override characters a page could use to rewrite a terminal."""
    return CONTROL_CHARS.sub("", text)


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
    lines: list[Text] = [Text(_clean(headline_line(change, old, new)), style="bold")]
    lines.extend(Text(_clean(line), style="dim") for line in _meta_lines(meta))
    lines.append(Text(summary_line(change)))
    lines.extend(Text("  - " + _clean(detail)) for detail in change.details)
    for section in sections(change):
        lines.append(Text(""))
        lines.append(Text(_clean(section.label) + ":", style="bold"))
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
            text.append(_clean(run.text), style=TEXT_STYLES[run.tag])
        else:
            start, end = PLAIN_MARKS[run.tag]
            text.append(start + _clean(run.text) + end)
    return text


# --- markdown -------------------------------------------------------------------------------


def escape_markdown(text: str) -> str:
    """Backslash-escape markdown syntax so page text renders as the words it is."""
    return MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(_clean(text).split()))


def render_markdown(
    change: Change,
    *,
    old: Article,
    new: Article,
    meta: Mapping[str, Any] | None = None,
    max_length: int | None = None,
) -> str:
    """Markdown for Slack/Mattermost/Matrix; ``~~deleted~~`` and ``**inserted**`` words.

    With ``max_length`` whole lines are dropped from the end until the message fits, and a
    last line says how many were left out ("... 12 more lines").
    """
    lines = [f"**{escape_markdown(headline_line(change, old, new))}**"]
    lines.extend(escape_markdown(line) for line in _meta_lines(meta))
    lines.append(f"_{escape_markdown(summary_line(change))}_")
    lines.extend(f"- {escape_markdown(detail)}" for detail in change.details)
    for section in sections(change):
        lines.append("")
        lines.append(f"**{escape_markdown(section.label)}**")
        lines.append("> " + "".join(_markdown_run(run) for run in section.segments))
    return truncate_lines(lines, max_length)


def _markdown_run(run: Segment) -> str:
    """Marks hug the words (``~~word~~``), spaces stay outside or the markup breaks."""
    escaped = escape_markdown(run.text)
    if not escaped:
        return " " if run.text else ""
    start, end = MARKDOWN_MARKS[run.tag]
    lead = " " if run.text[:1].isspace() else ""
    trail = " " if run.text[-1:].isspace() else ""
    return f"{lead}{start}{escaped}{end}{trail}"


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def render_html(
    change: Change,
    *,
    old: Article,
    new: Article,
    meta: Mapping[str, Any] | None = None,
) -> str:
    """A self-contained HTML page: summary, inline view, and a side-by-side table."""
    title = _e(headline_line(change, old, new))
    parts = [
        "<!DOCTYPE html>",
        '<html><head><meta charset="utf-8">',
        f"<title>{title}</title><style>{HTML_STYLE}</style></head><body>",
        f"<h1>{title}</h1>",
        *_html_meta(meta),
        f'<p class="summary">{_e(summary_line(change))}</p>',
    ]
    if change.details:
        items = "".join(f"<li>{_e(detail)}</li>" for detail in change.details)
        parts.append(f"<ul>{items}</ul>")
    all_sections = list(sections(change))
    parts.append("<h2>Inline</h2>")
    for section in all_sections:
        inline = _html_runs(section.segments, {"delete", "insert"})
        parts.append(f'<p><span class="label">{_e(section.label)}:</span> {inline}</p>')
    parts.append("<h2>Side by side</h2><table><tr><th>Before</th><th>After</th></tr>")
    for section in all_sections:
        before = _html_runs(section.segments, {"delete"})
        after = _html_runs(section.segments, {"insert"})
        parts.append(f'<tr><td colspan="2" class="label">{_e(section.label)}</td></tr>')
        parts.append(f"<tr><td>{before}</td><td>{after}</td></tr>")
    parts.append("</table></body></html>")
    return "\n".join(parts)


def _html_meta(meta: Mapping[str, Any] | None) -> list[str]:
    meta = meta or {}
    out = [f"<p>{_e(str(meta['name']))}</p>"] if meta.get("name") else []
    url = str(meta.get("url") or "")
    if url and SAFE_URL.match(url):
        out.append(f'<p><a href="{_e(url)}" rel="noopener noreferrer">{_e(url)}</a></p>')
    elif url:
        out.append(f"<p>{_e(url)}</p>")
    return out


def _html_runs(runs: Sequence[Segment], show: set[str]) -> str:
    """Mark-up for the runs to show: equal text plus the chosen side(s) of each edit."""
    out: list[str] = []
    for run in runs:
        if run.tag != "equal" and run.tag not in show:
            continue
        tag = HTML_TAGS[run.tag]
        out.append(f"<{tag}>{_e(run.text)}</{tag}>" if tag else _e(run.text))
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
            {"field": "body" | "captions", "blocks": [
              {"tag": "insert|delete|replace|move", "old_index": int | null,
               "new_index": int | null, "old": str, "new": str, "ops": [op, ...]}
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


def _ops_json(ops: Sequence[DiffOp]) -> list[dict[str, str]]:
    return [{"tag": op.tag, "old": op.old, "new": op.new} for op in ops]


def _field_json(fd: FieldDiff) -> dict[str, Any]:
    if not fd.blocks:
        return {"field": fd.field, "ops": _ops_json(fd.ops)}
    blocks = [
        {
            "tag": b.tag,
            "old_index": b.old_index,
            "new_index": b.new_index,
            "old": b.old,
            "new": b.new,
            "ops": _ops_json(b.words),
        }
        for b in fd.blocks
        if b.tag != "equal"
    ]
    return {"field": fd.field, "blocks": blocks}


# --- what is watched on a page ------------------------------------------------------------------


def render_article_view(article: Article) -> str:
    """Plain text of what editwatch watches on a page (for ``editwatch extract``).

    Page mode and article mode alike: the text blocks in reading order (headings marked
    ``##``), then the images (the lead one marked), the links with their absolute targets and
    the embeds, each with the paragraph it belongs to. Control characters are stripped.
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
    return "\n".join(_clean(line) for line in lines)


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
