"""Diff cards: size, marks, wrapping, right-to-left and CJK text, and the golden README images."""

from __future__ import annotations

import io
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont
from PIL import Image

from worker.cards import (
    CardMeta,
    change_from_document,
    meta_from_document,
    missing_glyphs,
    render_card,
)
from worker.cards import draw as card_draw
from worker.cards.glyphs import FACES, FONT_DIR, face_for, font_runs
from worker.cards.layout import Style, Word, drawing_order, line_width, words, wrap
from worker.diff import compare
from worker.models import Article, Change
from worker.render import Segment, render_json

DOCS = Path(__file__).resolve().parents[2] / "docs"
WHEN = datetime(2026, 12, 1, 9, 41, tzinfo=UTC)
BODY = (
    "The vote was 52 to 48 after a debate that ran past midnight and left members hoarse.",
    "Opposition leaders said they would try again in the new year.",
)
DELETE_BG = (0xFD, 0xE2, 0xE1)
INSERT_BG = (0xD8, 0xF3, 0xDC)
ARABIC = ("الحكومة توافق على الميزانية الجديدة", "الحكومة ترفض الميزانية الجديدة بعد نقاش طويل")
HEBREW = ("הממשלה מאשרת את התקציב", "הממשלה דוחה את התקציב החדש")
CHINESE = ("国会通过新的预算案，反对党表示强烈不满", "国会否决新的预算案，执政党表示遗憾")
JAPANESE = ("東京都、新しい予算案を可決", "東京都、新しい予算案を否決しました")
KOREAN = ("국회, 새 예산안 통과", "국회, 새 예산안 부결")


def card_for(old: Article, new: Article, url: str = "https://www.example.com/a") -> Image.Image:
    change = compare(old, new)
    assert change is not None
    meta = CardMeta("example.com", url, WHEN, old.headline, new.headline, 1, 2)
    return Image.open(io.BytesIO(render_card(change, meta))).convert("RGB")


def headline_pair(old: str, new: str) -> tuple[Article, Article]:
    return Article(headline=old, paragraphs=BODY), Article(headline=new, paragraphs=BODY)


def pixels_of(image: Image.Image, colour: tuple[int, int, int]) -> list[tuple[int, int]]:
    """Every (x, y) of ``image`` with exactly this colour, on a 2-pixel grid."""
    rgb = image.load()
    assert rgb is not None
    return [
        (x, y)
        for y in range(0, image.height, 2)
        for x in range(0, image.width, 2)
        if rgb[x, y] == colour
    ]


def ink_columns(image: Image.Image, top: int, bottom: int) -> tuple[int, int]:
    """Leftmost and rightmost column holding dark text between two rows."""
    grey = image.convert("L").crop((0, top, image.width, bottom))
    box = grey.point(lambda v: 255 if v < 120 else 0).getbbox()
    assert box is not None
    return box[0], box[2]


def average_hash(image: Image.Image, size: tuple[int, int] = (48, 27)) -> list[bool]:
    """A perceptual hash: each cell of a small greyscale copy, darker than the mean or not."""
    small = image.convert("L").resize(size, Image.Resampling.BOX)
    values = list(small.tobytes())
    mean = sum(values) / len(values)
    return [v < mean for v in values]


def test_headline_card_is_1200_wide_with_struck_and_added_words() -> None:
    """Old words sit on red above the new words on green, in a 1200x630 card on white."""
    image = card_for(*headline_pair("Budget passes in parliament", "Budget fails in the Senate"))
    assert image.size == (1200, 630)
    assert image.getpixel((5, 5)) == (255, 255, 255)
    deleted, inserted = pixels_of(image, DELETE_BG), pixels_of(image, INSERT_BG)
    assert deleted and inserted
    assert max(y for _, y in deleted) < min(y for _, y in inserted)  # before, then after


def test_strike_line_crosses_deleted_words_only() -> None:
    """The red strike colour appears inside the deleted word's box, never in the added one."""
    image = card_for(*headline_pair("Minister resigns today", "Minister stays today"))
    strike = pixels_of(image, (0x9F, 0x1D, 0x1D))
    inserted = pixels_of(image, INSERT_BG)
    assert strike and max(y for _, y in strike) < min(y for _, y in inserted)


def test_body_edit_card_shows_headline_and_marked_sentence() -> None:
    """A body-only edit draws the unchanged headline and the sentence with both marks."""
    old = Article(headline="Budget vote", paragraphs=BODY)
    new = Article(headline="Budget vote", paragraphs=(BODY[0].replace("52 to 48", "48 to 52"),
                                                      BODY[1]))  # fmt: skip
    image = card_for(old, new)
    assert pixels_of(image, DELETE_BG) and pixels_of(image, INSERT_BG)
    change = compare(old, new)
    assert change is not None and "headline" not in change.kinds


def test_long_headlines_wrap_within_the_card_and_grow_it() -> None:
    """A long headline breaks into lines no wider than the text column; the card grows."""
    long_old = " ".join(["The committee postponed its decision on the regional rail plan"] * 3)
    long_new = long_old.replace("postponed", "finally approved")
    image = card_for(*headline_pair(long_old, long_new))
    assert image.height > 630
    style = card_draw.HEADLINE
    lines = wrap(words([Segment("equal", long_old)]), style, card_draw.TEXT_WIDTH, 10)
    assert len(lines) >= 3
    assert all(line_width(line, style) <= card_draw.TEXT_WIDTH for line in lines)
    assert " ".join(w.text for line in lines for w in line) == long_old


def test_headline_beyond_the_line_cap_ends_with_an_ellipsis() -> None:
    """Past the line cap the text is cut with '…' instead of running off the card."""
    text = " ".join(f"word{i}" for i in range(200))
    lines = wrap(words([Segment("equal", text)]), card_draw.HEADLINE, card_draw.TEXT_WIDTH, 2)
    assert len(lines) == 2 and lines[-1][-1].text == "…"


def test_a_word_longer_than_the_line_is_cut_to_fit() -> None:
    """A long URL-like token is split where it reaches the edge rather than overflowing."""
    token = "https://example.com/" + "x" * 300
    style = card_draw.SENTENCE
    lines = wrap(words([Segment("equal", token)]), style, card_draw.TEXT_WIDTH, 20)
    assert len(lines) > 1 and "".join(w.text for line in lines for w in line) == token
    assert all(line_width(line, style) <= card_draw.TEXT_WIDTH for line in lines)


@pytest.mark.parametrize("pair", [ARABIC, HEBREW, CHINESE, JAPANESE, KOREAN])
def test_every_character_of_the_headline_has_a_glyph(pair: tuple[str, str]) -> None:
    """Each character of RTL and CJK headlines is in the cmap of a bundled face (no boxes)."""
    for headline in pair:
        assert missing_glyphs(headline) == ""
        for char in headline.replace(" ", ""):
            face = face_for(char)
            assert face is not None
            with TTFont(FONT_DIR / face) as font:
                assert ord(char) in font.getBestCmap()
    image = card_for(*headline_pair(*pair))
    assert pixels_of(image, DELETE_BG) and pixels_of(image, INSERT_BG)


def test_missing_glyphs_names_what_no_font_has() -> None:
    """An emoji or an unbundled script is reported, not silently counted as covered."""
    assert missing_glyphs("Budget 😀 vote ᚠ") == "😀ᚠ"
    assert [run.text for run in font_runs("a😀b")] == ["ab"]  # left out, not drawn as a box


@pytest.mark.parametrize("pair", [ARABIC, HEBREW])
def test_right_to_left_headlines_start_at_the_right_edge(pair: tuple[str, str]) -> None:
    """RTL text is set from the right margin; an LTR headline from the left one."""
    rtl = card_for(*headline_pair(*pair))
    ltr = card_for(*headline_pair("Short headline", "Short title"))
    top, bottom = 250, 320  # the first headline row
    rtl_left, rtl_right = ink_columns(rtl, top, bottom)
    ltr_left, ltr_right = ink_columns(ltr, top, bottom)
    assert rtl_right > 1200 - card_draw.PAD - 20 and rtl_left > card_draw.PAD + 100
    assert ltr_left < card_draw.PAD + 20 and ltr_right < 1200 - card_draw.PAD - 100


def test_arabic_letters_are_joined_by_the_shaper() -> None:
    """Shaped Arabic (contextual forms) is narrower than the same letters set in isolation."""
    style = Style("bold", 46, 62)
    word = "الميزانية"
    joined = line_width([Word(word, "equal", False)], style)
    isolated = sum(line_width([Word(c, "equal", False)], style) for c in word)
    assert joined < isolated * 0.9


def test_latin_names_inside_rtl_text_keep_their_reading_order() -> None:
    """In an Arabic line, 'Barack Obama' is drawn as 'Barack Obama', not 'Obama Barack'."""
    line = words([Segment("equal", "قال Barack Obama اليوم")])
    order = [w.text for w in drawing_order(line, rtl_paragraph=True)]
    assert order == ["قال", "Obama", "Barack", "اليوم"]  # drawn from the right edge


def test_cjk_text_breaks_between_characters_not_before_punctuation() -> None:
    """Chinese without spaces wraps between characters; '，' never starts a line."""
    text = "国会通过新的预算案，反对党表示强烈不满。" * 6
    style = card_draw.HEADLINE
    lines = wrap(words([Segment("equal", text)]), style, card_draw.TEXT_WIDTH, 20)
    assert len(lines) > 2 and "".join(w.text for line in lines for w in line) == text
    assert all(line[0].text[0] not in "，。" for line in lines)
    assert all(line_width(line, style) <= card_draw.TEXT_WIDTH for line in lines)


def test_bidi_override_characters_cannot_reorder_the_card() -> None:
    """A headline carrying U+202E draws the same pixels as the headline without it."""
    plain = card_for(*headline_pair("Budget passes", "Budget fails"))
    sneaky = card_for(*headline_pair("Budget passes", "Budget \u202efails"))
    assert plain.tobytes() == sneaky.tobytes()


def test_same_change_draws_the_same_bytes() -> None:
    """Cards are pure: one change and meta give byte-identical PNGs."""
    old, new = headline_pair("Budget passes", "Budget fails")
    change = compare(old, new)
    assert change is not None
    meta = CardMeta("example.com", "https://example.com/a", WHEN, old.headline, new.headline)
    assert render_card(change, meta) == render_card(change, meta)


def test_stored_document_gives_back_the_change_it_describes() -> None:
    """A change rebuilt from its editwatch.change/1 JSON draws the same card as the original."""
    old, new = headline_pair("Budget passes", "Budget fails")
    change = compare(old, new)
    assert change is not None
    document = render_json(change, old=old, new=new, meta={})
    rebuilt = change_from_document(document)
    assert (rebuilt.kinds, rebuilt.significance, rebuilt.details) == (
        change.kinds, change.significance, change.details,
    )  # fmt: skip
    meta = meta_from_document(
        document, url="https://www.example.com/a", detected_at=WHEN, old_version=1, new_version=2
    )
    assert meta.site == "example.com" and meta.old_headline == "Budget passes"
    assert render_card(rebuilt, meta) == render_card(change, meta)


def test_documents_with_unknown_tags_are_refused() -> None:
    """A document that is not editwatch.change/1, or names an unknown tag, is a ValueError."""
    with pytest.raises(ValueError, match="schema"):
        change_from_document({"schema": "other"})
    bad = {"schema": "editwatch.change/1", "fields": [{"field": "headline", "ops": [{"tag": "x"}]}]}
    with pytest.raises(ValueError, match="unknown diff tag"):
        change_from_document(bad)


def test_removed_article_card_strikes_the_last_headline() -> None:
    """A removal draws the last headline struck through and the HTTP status."""
    change = Change(
        kinds=frozenset({"removed"}), fields=(), significance="major",
        details=("article now answers HTTP 404",),
    )  # fmt: skip
    meta = CardMeta("example.com", "https://example.com/a", WHEN, "Budget passes", "", 2, 3)
    image = Image.open(io.BytesIO(render_card(change, meta))).convert("RGB")
    assert pixels_of(image, DELETE_BG) and not pixels_of(image, INSERT_BG)


def test_every_bundled_face_is_in_the_chain_and_licensed() -> None:
    """Each font file shipped is used by a weight, and the OFL licence ships beside them."""
    shipped = {p.name for p in FONT_DIR.iterdir() if p.suffix in {".ttf", ".otf"}}
    assert shipped == {face for chain in FACES.values() for face in chain}
    assert "SIL Open Font License" in (FONT_DIR / "LICENSE-OFL.txt").read_text(encoding="utf-8")


# --- the README images are golden images ---------------------------------------------------

README_CARDS = {
    "card-headline.png": headline_pair(
        "Senate passes budget after all-night session",
        "Senate rejects budget after all-night session, delaying relief payments",
    ),
    "card-sentence.png": (
        Article(headline="Senate passes budget after all-night session", paragraphs=BODY),
        Article(
            headline="Senate passes budget after all-night session",
            paragraphs=(BODY[0].replace("52 to 48", "51 to 49"), BODY[1]),
        ),
    ),
    "card-rtl.png": headline_pair(*ARABIC),
}


@pytest.mark.parametrize("name", sorted(README_CARDS))
def test_readme_card_images_match_what_the_code_draws(name: str) -> None:
    """The committed README cards are what render_card draws now (perceptual hash, size).

    Set EDITWATCH_UPDATE_CARDS=1 to rewrite them after an intended change of the design.
    """
    image = card_for(*README_CARDS[name], url="https://www.example-news.com/2026/12/01/budget")
    path = DOCS / name
    if os.environ.get("EDITWATCH_UPDATE_CARDS"):
        image.save(path, optimize=True)
    with Image.open(path) as stored:
        golden = stored.convert("RGB")
    assert golden.size == image.size
    distance = sum(a != b for a, b in zip(average_hash(golden), average_hash(image), strict=True))
    assert distance <= 20  # of 1296 cells: font hinting may differ, the layout may not
