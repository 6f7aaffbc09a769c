"""The bundled fonts, which one draws each character, and which characters none can draw.

No single font file holds Latin, Arabic, Hebrew and CJK (a font has at most 65,535 glyphs),
so a card is drawn from a chain of Noto faces: each run of text goes to the first face whose
character map (read with fontTools, once per process) covers it. Characters no face covers
(emoji, scripts not bundled) are left out of the drawing rather than drawn as empty boxes;
:func:`missing_glyphs` names them.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from fontTools.ttLib import TTFont
from PIL import ImageFont, features

from worker.errors import CardError

FONT_DIR = Path(__file__).parent / "fonts"
# Fallback order: the first face covering a character draws it.
FACES: dict[str, tuple[str, ...]] = {
    "regular": (
        "NotoSans-Regular.ttf",
        "NotoSansArabic-Regular.ttf",
        "NotoSansHebrew-Regular.ttf",
        "NotoSansCJK-Regular-subset.otf",
    ),
    "bold": (
        "NotoSans-Bold.ttf",
        "NotoSansArabic-Bold.ttf",
        "NotoSansHebrew-Bold.ttf",
        "NotoSansCJK-Regular-subset.otf",  # no bold CJK bundled: 2.7 MB per weight
    ),
}
RTL_CLASSES = frozenset({"R", "AL"})
STRONG_LTR = "L"
# Drawn by no glyph at all, so never "missing": joiners, marks of direction, variation selectors.
INVISIBLE_CATEGORIES = frozenset({"Cf", "Cc", "Zs", "Zl", "Zp"})


@dataclass(frozen=True, slots=True)
class Run:
    """Consecutive characters drawn with one face, in logical order."""

    text: str
    face: str  # a file name in FONT_DIR
    rtl: bool


@cache
def coverage(face: str) -> frozenset[int]:
    """The code points a bundled face has glyphs for (its best Unicode cmap)."""
    with TTFont(FONT_DIR / face, lazy=True) as font:
        return frozenset(font.getBestCmap())


@cache
def pil_font(face: str, size: int) -> ImageFont.FreeTypeFont:
    """A Pillow font for a face and pixel size, laid out by raqm (HarfBuzz + FriBiDi) if present."""
    engine = ImageFont.Layout.RAQM if has_shaping() else ImageFont.Layout.BASIC
    return ImageFont.truetype(str(FONT_DIR / face), size, layout_engine=engine)


@cache
def has_shaping() -> bool:
    """Whether Pillow can shape text (joined Arabic letters, right-to-left runs)."""
    return bool(features.check("raqm"))


def face_for(char: str, weight: str = "regular") -> str | None:
    """The first face of the chain with a glyph for ``char``; ``None`` if none has one."""
    point = ord(char)
    return next((face for face in FACES[weight] if point in coverage(face)), None)


def is_rtl(char: str) -> bool:
    return unicodedata.bidirectional(char) in RTL_CLASSES


def is_invisible(char: str) -> bool:
    return unicodedata.category(char) in INVISIBLE_CATEGORIES or unicodedata.combining(char) > 0


def missing_glyphs(text: str, weight: str = "regular") -> str:
    """The distinct visible characters of ``text`` that no bundled face can draw, in order."""
    missing = dict.fromkeys(c for c in text if not is_invisible(c) and face_for(c, weight) is None)
    return "".join(missing)


def font_runs(text: str, weight: str = "regular") -> list[Run]:
    """Split ``text`` into runs of one face each; a run keeps its face while it covers the text.

    Keeping the face for neutral characters (digits, punctuation, marks) that it also covers
    lets HarfBuzz shape a word as one unit, so Arabic letters join across them.
    """
    runs: list[Run] = []
    current: str | None = None
    chars: list[str] = []
    for char in text:
        if current is not None and (ord(char) in coverage(current) or is_invisible(char)):
            chars.append(char)
            continue
        face = face_for(char, weight)
        if face is None:
            continue  # no glyph anywhere: leave it out rather than draw a box
        if chars and current is not None:
            runs.append(_run(chars, current))
        current, chars = face, [char]
    if chars and current is not None:
        runs.append(_run(chars, current))
    return runs


def _run(chars: list[str], face: str) -> Run:
    text = "".join(chars)
    return Run(text, face, rtl=any(is_rtl(c) for c in text))


def require_shaping(text: str) -> None:
    """Right-to-left text drawn without raqm comes out reversed and unjoined: refuse it."""
    if not has_shaping() and any(is_rtl(c) for c in text):
        raise CardError(
            "this card has right-to-left text, and Pillow here has no raqm text layout; "
            "install FriBiDi (Debian: apt-get install libfribidi0) and try again"
        )


def paragraph_rtl(text: str) -> bool:
    """The paragraph direction of the Unicode bidi algorithm: its first strong character."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in RTL_CLASSES:
            return True
        if kind == STRONG_LTR:
            return False
    return False
