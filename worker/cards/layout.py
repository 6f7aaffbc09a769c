"""Words in, lines out: breaking marked-up text into lines that fit, in visual order.

Text arrives as the renderer's segments (unchanged, deleted, inserted runs). It is cut into
words, each keeping its mark, so a deleted word can be struck through wherever the line
breaks. Chinese and Japanese have no spaces: each ideograph or kana is its own breakable word
(closing punctuation stays with the character before it).

Direction follows the Unicode bidi algorithm at word granularity: the paragraph direction is
that of its first strong character, and a line is drawn with runs of the other direction kept
in their own reading order. Inside a word, HarfBuzz (via Pillow's raqm layout) shapes the
letters, so Arabic letters join and Hebrew reads right to left.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

from worker.cards.glyphs import RTL_CLASSES, STRONG_LTR, font_runs, has_shaping, pil_font
from worker.render import Segment, SegmentTag
from worker.textutil import ELLIPSIS

BREAK_EACH = (
    "\u2e80-\u2fff\u3001-\u303f\u3040-\u30ff\u3100-\u312f\u3190-\u31ff"
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
)
WORDS = re.compile(rf"\s+|[{BREAK_EACH}]|[^\s{BREAK_EACH}]+")
# Never at the start of a line (a light form of the Japanese kinsoku rules).
NO_LINE_START = frozenset(
    "、。，．・：；？！）」』】〕〉》ー〜ぁぃぅぇぉっゃゅょァィゥェォッャュョ!),.:;?"
)


@dataclass(frozen=True, slots=True)
class Word:
    """One unbreakable piece of text with its diff mark."""

    text: str
    tag: SegmentTag
    space_before: bool


@dataclass(frozen=True, slots=True)
class Style:
    """How a block of text is set: weight, pixel size and line height."""

    weight: str
    size: int
    line_height: int


def words(segments: Sequence[Segment]) -> list[Word]:
    """The segments cut into words, remembering where whitespace separated them."""
    out: list[Word] = []
    space = False
    for segment in segments:
        for match in WORDS.finditer(segment.text):
            piece = match.group()
            if piece.isspace():
                space = True
                continue
            if _attaches(piece, out, space, segment.tag):
                out[-1] = replace(out[-1], text=out[-1].text + piece)
            else:
                out.append(Word(piece, segment.tag, space and bool(out)))
            space = False
    return out


def _attaches(piece: str, out: list[Word], space: bool, tag: SegmentTag) -> bool:
    return bool(out) and not space and piece in NO_LINE_START and out[-1].tag == tag


def width(text: str, style: Style) -> float:
    """The advance width of ``text`` drawn in ``style``, summed over its font runs."""
    return sum(
        pil_font(run.face, style.size).getlength(run.text, direction=direction(run.rtl))
        for run in font_runs(text, style.weight)
    )


def direction(rtl: bool) -> str | None:
    """Pillow's ``direction`` argument: set only where raqm can honour it."""
    if not has_shaping():
        return None
    return "rtl" if rtl else "ltr"


def wrap(items: Sequence[Word], style: Style, max_width: float, max_lines: int) -> list[list[Word]]:
    """Greedy line breaking; past ``max_lines`` the last line ends with an ellipsis."""
    lines: list[list[Word]] = [[]]
    used = 0.0
    space = width(" ", style)
    for word in _fitting(items, style, max_width):
        advance = width(word.text, style)
        gap = space if word.space_before and lines[-1] else 0.0
        if lines[-1] and used + gap + advance > max_width:
            lines.append([])
            used, gap = 0.0, 0.0
        lines[-1].append(word)
        used += gap + advance
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = _with_ellipsis(lines[-1], style, max_width)
    return [line for line in lines if line]


def _fitting(items: Sequence[Word], style: Style, max_width: float) -> Iterator[Word]:
    """Words wider than a whole line (a long URL) are cut where they reach the edge."""
    for word in items:
        if width(word.text, style) <= max_width:
            yield word
            continue
        piece = ""
        first = True
        for char in word.text:
            if piece and width(piece + char, style) > max_width:
                yield Word(piece, word.tag, word.space_before and first)
                piece, first = "", False
            piece += char
        yield Word(piece, word.tag, word.space_before and first)


def _with_ellipsis(line: list[Word], style: Style, max_width: float) -> list[Word]:
    line = list(line)
    mark = Word(ELLIPSIS, line[-1].tag if line else "equal", True)
    while line and line_width([*line, mark], style) > max_width:
        line.pop()
    return [*line, mark]


def line_width(line: Sequence[Word], style: Style) -> float:
    space = width(" ", style)
    return sum(width(w.text, style) + (space if w.space_before and i else 0.0)
               for i, w in enumerate(line))  # fmt: skip


def word_direction(text: str) -> bool | None:
    """True for right-to-left, False for left-to-right, None for a neutral word (a number)."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in RTL_CLASSES:
            return True
        if kind == STRONG_LTR:
            return False
    return None


def drawing_order(line: Sequence[Word], rtl_paragraph: bool) -> list[Word]:
    """The words of a line in the order they are drawn from the paragraph's starting edge.

    Runs of words against the paragraph direction are reversed, so an English name in an
    Arabic sentence (drawn from the right) still reads left to right. A neutral word takes the
    direction of its neighbours when they agree, else the paragraph's (bidi rule N1/N2).
    """
    resolved = _resolve_neutrals([word_direction(w.text) for w in line], rtl_paragraph)
    out: list[Word] = []
    group: list[Word] = []
    for word, rtl in zip(line, resolved, strict=True):
        if rtl != rtl_paragraph:
            group.append(word)
            continue
        out.extend(reversed(group))
        group = []
        out.append(word)
    out.extend(reversed(group))
    return out


def _resolve_neutrals(kinds: list[bool | None], paragraph: bool) -> list[bool]:
    resolved: list[bool] = []
    for index, kind in enumerate(kinds):
        if kind is not None:
            resolved.append(kind)
            continue
        before = next((k for k in reversed(kinds[:index]) if k is not None), paragraph)
        after = next((k for k in kinds[index + 1 :] if k is not None), paragraph)
        resolved.append(before if before == after else paragraph)
    return resolved
