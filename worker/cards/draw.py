"""The card itself: a change and a few facts about it -> a PNG, drawn with Pillow.

Layout, top to bottom: the site and the time of detection; what happened ("Headline
changed"); the old and new headline with removed words struck through in red and added
words on green, or, for a body edit, the headline and the changed sentence marked the same
way; and a footer with the versions, the significance and the address. Text is laid out by
:mod:`worker.cards.layout`; nothing on the card comes from anywhere but the change and
``CardMeta``, so the same change always draws the same pixels.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from PIL import Image, ImageDraw

from worker.cards.glyphs import font_runs, paragraph_rtl, pil_font, require_shaping
from worker.cards.layout import Style, Word, direction, drawing_order, width, words, wrap
from worker.models import Change, DiffOp
from worker.render import Segment, sections
from worker.textutil import strip_controls

WIDTH = 1200
MIN_HEIGHT = 630
PAD = 64
TEXT_WIDTH = WIDTH - 2 * PAD
BACKGROUND = "#ffffff"
INK = "#111111"
MUTED = "#5f6368"
ACCENT = "#1a56c4"
RULE = "#dadce0"
MARKS: dict[str, tuple[str, str | None]] = {  # tag -> (text colour, background)
    "equal": (INK, None),
    "delete": ("#9f1d1d", "#fde2e1"),
    "insert": ("#0b5a1f", "#d8f3dc"),
}
SITE = Style("bold", 30, 40)
CAPTION = Style("regular", 24, 34)
LABEL = Style("bold", 28, 40)
HEADLINE = Style("bold", 46, 62)
CONTEXT_HEADLINE = Style("bold", 34, 46)
SENTENCE = Style("regular", 36, 52)
HEADLINE_LINES = 4
SENTENCE_LINES = 7
FOOTER_LINES = 1
BLOCK_GAP = 18


@dataclass(frozen=True, slots=True)
class CardMeta:
    """What the card says besides the change: where, when, and which versions."""

    site: str
    url: str
    detected_at: datetime
    old_headline: str = ""
    new_headline: str = ""
    old_version: int | None = None
    new_version: int | None = None


@dataclass(frozen=True, slots=True)
class Block:
    """Lines of text set in one style, in one paragraph direction."""

    lines: list[list[Word]]
    style: Style
    rtl: bool
    colour: str = INK
    gap_after: int = BLOCK_GAP

    @property
    def height(self) -> int:
        return len(self.lines) * self.style.line_height + self.gap_after


def render_card(change: Change, meta: CardMeta) -> bytes:
    """The PNG card for ``change``: 1200 px wide, at least 630 px tall (a social-post ratio)."""
    blocks = _blocks(change, meta)
    for block in blocks:
        require_shaping("".join(w.text for line in block.lines for w in line))
    height = max(MIN_HEIGHT, PAD * 2 + sum(b.height for b in blocks))
    image = Image.new("RGB", (WIDTH, height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    y = PAD
    for index, block in enumerate(blocks):
        if index == len(blocks) - 1:  # the footer sits at the bottom edge
            y = height - PAD - block.height + block.gap_after
        y = _draw_block(draw, block, y)
        if index == 0:
            draw.line((PAD, y - BLOCK_GAP // 2, WIDTH - PAD, y - BLOCK_GAP // 2), fill=RULE)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def _blocks(change: Change, meta: CardMeta) -> list[Block]:
    blocks = [_header(meta), _text(_label(change), LABEL, ACCENT, 1)]
    headline = next((fd for fd in change.fields if fd.field == "headline"), None)
    if headline is not None:
        blocks += _before_after(headline.ops)
    elif "removed" in change.kinds:
        blocks.append(_marked([Segment("delete", meta.old_headline)], HEADLINE, HEADLINE_LINES))
        blocks += [_text(d, CAPTION, MUTED, 2) for d in change.details[:1]]
    else:
        blocks.append(_text(meta.new_headline or meta.old_headline, CONTEXT_HEADLINE, INK, 2))
        blocks += _edited_sentence(change)
    blocks.append(_text(_footer(change, meta), CAPTION, MUTED, FOOTER_LINES))
    return blocks


def _header(meta: CardMeta) -> Block:
    """The site on the left, the time on the right (one line; the site is cut to fit)."""
    when = meta.detected_at.astimezone(UTC).strftime("%d %b %Y, %H:%M UTC")
    site = _clean(meta.site)
    room = TEXT_WIDTH - width(when, CAPTION) - PAD
    line = wrap(words([Segment("equal", site)]), SITE, room, 1)
    return Block([*line, [Word(when, "equal", False)]], SITE, paragraph_rtl(site), INK, 12)


def _label(change: Change) -> str:
    if "headline" in change.kinds:
        return "Headline changed"
    if "removed" in change.kinds:
        return "Article removed"
    if "restored" in change.kinds:
        return "Article restored"
    return "Article edited"


def _before_after(ops: Sequence[DiffOp]) -> list[Block]:
    """The old headline with its removed words struck, then the new one with its additions."""
    old = [Segment("equal" if op.tag == "equal" else "delete", op.old) for op in ops if op.old]
    new = [Segment("equal" if op.tag == "equal" else "insert", op.new) for op in ops if op.new]
    return [
        _text("Before", CAPTION, MUTED, 1, gap=4),
        _marked(old, HEADLINE, HEADLINE_LINES),
        _text("After", CAPTION, MUTED, 1, gap=4),
        _marked(new, HEADLINE, HEADLINE_LINES),
    ]


def _edited_sentence(change: Change) -> list[Block]:
    """The first changed passage of the body (or another field) with its edits marked."""
    for section in sections(change):
        if any(s.tag != "equal" for s in section.segments):
            return [
                _text(section.label, CAPTION, MUTED, 1, gap=4),
                _marked(list(section.segments), SENTENCE, SENTENCE_LINES),
            ]
    return [_text("; ".join(change.details[:2]) or "formatting only", CAPTION, MUTED, 2)]


def _footer(change: Change, meta: CardMeta) -> str:
    versions = ""
    if meta.new_version is not None:
        versions = f"v{meta.old_version or '?'} to v{meta.new_version} · "
    return f"editwatch · {versions}{change.significance} · {_clean(meta.url)}"


def _text(text: str, style: Style, colour: str, max_lines: int, gap: int = BLOCK_GAP) -> Block:
    clean = _clean(text)
    lines = wrap(words([Segment("equal", clean)]), style, TEXT_WIDTH, max_lines)
    return Block(lines, style, paragraph_rtl(clean), colour, gap)


def _marked(segments: list[Segment], style: Style, max_lines: int) -> Block:
    clean = [Segment(s.tag, _clean(s.text)) for s in segments]
    lines = wrap(words(clean), style, TEXT_WIDTH, max_lines)
    return Block(lines, style, paragraph_rtl("".join(s.text for s in clean)))


def _clean(text: str) -> str:
    """Page text minus control and bidi-override characters (they could reorder the card)."""
    return strip_controls(text)


def _draw_block(draw: ImageDraw.ImageDraw, block: Block, y: int) -> int:
    if block.style is SITE and len(block.lines) == 2:  # the header: site left, time right
        _draw_line(draw, block.lines[0], block.style, y, block.rtl, block.colour)
        _draw_line(draw, block.lines[1], CAPTION, y + 4, not block.rtl, MUTED)
        return y + block.height
    for line in block.lines:
        _draw_line(draw, line, block.style, y, block.rtl, block.colour)
        y += block.style.line_height
    return y + block.gap_after


def _draw_line(
    draw: ImageDraw.ImageDraw, line: list[Word], style: Style, y: int, rtl: bool, colour: str
) -> None:
    """Words from the paragraph's starting edge; marks drawn under and across each word."""
    space = width(" ", style)
    x = float(WIDTH - PAD if rtl else PAD)
    previous: Word | None = None
    for word in drawing_order(line, rtl):
        advance = width(word.text, style)
        gap = space if previous is not None and (word.space_before or previous.space_before) else 0
        left = x - gap - advance if rtl else x + gap
        # A marked word next to one with the same mark: one box covers the space between.
        joined = gap if previous is not None and previous.tag == word.tag != "equal" else 0
        box = (left, advance + joined) if rtl else (left - joined, advance + joined)
        _draw_background(draw, word, style, y, *box)
        _draw_word(draw, word, style, left, y, colour)
        if word.tag == "delete":
            strike = y + style.line_height // 2 + style.size // 20
            draw.line((box[0], strike, box[0] + box[1], strike), fill=MARKS["delete"][0], width=3)
        x = left if rtl else left + advance
        previous = word


def _draw_background(
    draw: ImageDraw.ImageDraw, word: Word, style: Style, y: int, left: float, span: float
) -> None:
    """A tinted box behind a deleted or inserted word."""
    _, background = MARKS[word.tag]
    if background is None:
        return
    pad = style.size // 10
    draw.rectangle(
        (left - pad, y + pad, left + span + pad, y + style.line_height - pad), fill=background
    )


def _draw_word(
    draw: ImageDraw.ImageDraw, word: Word, style: Style, left: float, y: int, colour: str
) -> None:
    """The word's font runs side by side, in visual order, on a shared baseline."""
    ink = colour if word.tag == "equal" else MARKS[word.tag][0]
    baseline = y + round(style.line_height * 0.72)
    runs = font_runs(word.text, style.weight)
    if any(run.rtl for run in runs):
        runs = list(reversed(runs))
    x = left
    for run in runs:
        font = pil_font(run.face, style.size)
        draw.text(
            (x, baseline), run.text, font=font, fill=ink, anchor="ls", direction=direction(run.rtl)
        )
        x += font.getlength(run.text, direction=direction(run.rtl))
