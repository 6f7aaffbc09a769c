"""Rebuild worker/cards/fonts/ from Debian's Noto packages (SIL Open Font License 1.1).

    apt-get download fonts-noto-core fonts-noto-cjk
    dpkg-deb -x fonts-noto-core_*.deb root && dpkg-deb -x fonts-noto-cjk_*.deb root
    python scripts/card_fonts.py root worker/cards/fonts

The Latin/Greek/Cyrillic, Arabic and Hebrew faces keep their whole scripts (they are small).
The CJK face (65,535 glyphs, 16 MB) keeps the ideographs of GB 2312, Big5 level 1 and
JIS X 0208, the 2,350 Hangul syllables of KS X 1001, kana and CJK punctuation: ~2.7 MB that
cover everyday Chinese, Japanese and Korean news text.
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection, TTFont

NOTO = "usr/share/fonts/truetype/noto"
NOTO_CJK = "usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
CJK_SC_FACE = 2  # JP, KR, SC, TC, HK in the collection
LATIN = {
    *range(0x20, 0x250), *range(0x370, 0x530), *range(0x1E00, 0x2070),
    0x20AC, 0x2122, 0x2190, 0x2192,
}  # fmt: skip
CJK_EXTRA = {*range(0x3000, 0x3100), *range(0x3130, 0x3190), *range(0xFF00, 0xFFF0)}


def decoded(codec: str, lead: range, trail: list[int]) -> set[int]:
    """Every character a double-byte codec maps the (lead, trail) byte pairs to."""
    found = set()
    for a in lead:
        for b in trail:
            try:
                found.add(ord(bytes([a, b]).decode(codec)))
            except (UnicodeDecodeError, TypeError):
                continue
    return found


def cjk_characters() -> set[int]:
    trail = list(range(0xA1, 0xFF))
    han = (
        decoded("gb2312", range(0xB0, 0xF8), trail)
        | decoded("big5", range(0xA4, 0xC7), list(range(0x40, 0x7F)) + trail)
        | decoded("euc_jp", range(0xB0, 0xF5), trail)
    )
    hangul = decoded("euc_kr", range(0xB0, 0xC9), trail)
    return {c for c in han if 0x3400 <= c < 0xA000} | hangul | CJK_EXTRA


def save_subset(font: TTFont, unicodes: set[int], out: Path, features: list[str]) -> None:
    options = subset.Options()
    options.layout_features = features
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.hinting = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=unicodes)
    subsetter.subset(font)
    font.save(out)
    print(out, out.stat().st_size, "bytes", len(font.getGlyphOrder()), "glyphs")


def main(root: Path, dest: Path) -> None:
    for weight in ("Regular", "Bold"):
        save_subset(TTFont(root / NOTO / f"NotoSans-{weight}.ttf"), LATIN,
                    dest / f"NotoSans-{weight}.ttf", ["*"])  # fmt: skip
        for script in ("Arabic", "Hebrew"):
            name = f"NotoSans{script}-{weight}.ttf"
            font = TTFont(root / NOTO / name)
            save_subset(font, set(font.getBestCmap()), dest / name, ["*"])
    cjk = TTCollection(root / NOTO_CJK).fonts[CJK_SC_FACE]
    save_subset(cjk, cjk_characters(), dest / "NotoSansCJK-Regular-subset.otf", ["ccmp", "kern"])


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
