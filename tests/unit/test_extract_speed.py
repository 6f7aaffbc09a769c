"""The extractor's shortcuts give the answers of the long way: what was made faster for the
benchmark against trafilatura (bench/extraction.py) must not change a single extracted field."""

from __future__ import annotations

import random
import re

from hypothesis import given, settings
from hypothesis import strategies as st
from selectolax.lexbor import LexborHTMLParser

from bench.extraction import cold_caches
from bench.scoring import HANDMADE_DIR, load_pages
from worker.extract import extract_article
from worker.extract.classes import class_words, hint_matcher, hint_pattern
from worker.extract.document import extract as _extract
from worker.extract.elements import image_of, link_of
from worker.extract.media import with_media
from worker.extract.page_rules import (
    DOCUMENT_LINK_TEXT,
    PLACEHOLDER_IMAGE,
    SHARE_LINK,
    SHARE_MAILTO,
)
from worker.extract.rules import (
    BOILERPLATE_INSIDE,
    BOILERPLATE_INSIDE_LOWER,
    BOILERPLATE_LINES,
    BOILERPLATE_LINES_LOWER,
    CAPTION_BOX_CLASSES,
    CAPTION_BOX_STEM,
    DOM_META_STEMS,
    DOM_META_WORDS,
    FIELD_LINES,
    HIDDEN_STYLE,
    HIDDEN_STYLE_LOWER,
    STRONG_HINTS,
    STRONG_TOKENS,
    WEAK_HINTS,
    WEAK_TOKENS,
)
from worker.extract.score import has_any_hint, has_strong_hint
from worker.models import Selectors
from worker.textutil import alternation
from worker.urls import clean_url, may_be_document_url

_WORD = st.text(alphabet="abcdeK-._ſ", min_size=1, max_size=6)


@given(st.lists(_WORD, min_size=1, max_size=8), st.text(alphabet="abcdeK-._ſ /", max_size=30))
def test_prefix_tree_finds_what_the_plain_word_list_finds(words: list[str], text: str) -> None:
    """Hint words compiled as a prefix tree match a class string exactly when the plain
    ``a|b|c`` list would, with or without ignoring case."""
    plain = "|".join(map(re.escape, words))
    for flags in (0, re.IGNORECASE):
        expected = re.search(plain, text, flags) is not None
        assert (re.search(alternation(words), text, flags) is not None) is expected


def test_every_caption_box_class_holds_the_stem_its_query_looks_for() -> None:
    """The scan finds caption boxes by one ``[class*=stem]`` selector per tag; a class name
    without the stem would silently stop being read as a caption."""
    assert all(CAPTION_BOX_STEM in name for name in CAPTION_BOX_CLASSES)


def test_media_read_with_the_scan_equal_media_read_from_the_tree() -> None:
    """Article mode's media step reuses the scan's paragraphs and texts; reading the tree
    again gives the same images, links, embeds and headings on every hand-made page."""
    for page in load_pages(HANDMADE_DIR):
        tree = LexborHTMLParser(page.html)
        article, scan, _ = _extract(tree, page.url, Selectors())
        assert with_media(tree, article, page.url, scan) == with_media(tree, article, page.url)


def test_an_absolute_link_cleans_the_same_with_or_without_a_base() -> None:
    """Absolute web addresses skip ``urljoin``: the page's URL changes nothing about them."""
    href = "HTTPS://Example.org/a/b;jsessionid=1?utm_source=x&b=2&a=1#top"
    assert clean_url(href, "https://other.example/x/y") == clean_url(href)
    assert clean_url(href) == "https://example.org/a/b?a=1&b=2"


def test_document_hints_ignore_case_in_any_script() -> None:
    """The lower-cased fast path for ASCII hrefs and the case-ignoring one agree."""
    assert may_be_document_url("/FILES/Report.PDF")
    assert may_be_document_url("/\u212aml/export.\u212aML")  # KELVIN SIGN reads as k
    assert not may_be_document_url("/news/2026/story")


def test_a_pass_from_cold_caches_extracts_the_same() -> None:
    """The benchmark empties every cache before a pass; the extraction does not depend on it."""
    page = load_pages(HANDMADE_DIR)[0]
    warm = extract_article(page.html, page.url)
    assert cold_caches() > 0
    assert extract_article(page.html, page.url) == warm


_CLASS_WORD = st.sampled_from(
    ["comment", "Comments", "has", "is", "open", "only", "related", "ad", "nav", "sr-only", "x"]
)
_CLASS_TOKEN = st.lists(_CLASS_WORD, min_size=1, max_size=4).flatmap(
    lambda words: st.sampled_from("-_:.").map(lambda sep: sep.join(words))
)


@given(st.lists(st.one_of(_CLASS_TOKEN, st.text(alphabet="aBd-_ ", max_size=8)), max_size=6))
def test_hint_test_skipping_the_state_pass_answers_as_the_full_class_words(
    tokens: list[str],
) -> None:
    """A hint matcher that stops when the words still holding their state tokens show no hint
    answers as searching the full :func:`class_words` does (dropping states only removes text)."""
    classes = " ".join(tokens)
    for hints, words in (
        (STRONG_HINTS, STRONG_TOKENS),
        ((*STRONG_HINTS, *WEAK_HINTS), (*STRONG_TOKENS, *WEAK_TOKENS)),
    ):
        matcher, pattern = hint_matcher(hints, words), hint_pattern(hints, words)
        assert pattern is not None
        assert matcher(classes) is (pattern.search(class_words(classes)) is not None)


def test_every_role_word_holds_a_role_stem() -> None:
    """The scan answers a class string holding none of DOM_META_STEMS without running the
    role pattern: that is only right if every word the pattern can match holds a stem."""
    source = re.sub(r"\(\?P<\w+>|\(\?<?[!=][^)]*\)|\[[^\]]*\]", " ", DOM_META_WORDS.pattern)
    words = re.findall(r"[a-z][a-z-]*[a-z]", source.replace("\\-", "-"))  # re.escape'd names
    assert "wp-caption-text" in words and "reading-time" in words and "sr-only" in words
    assert [word for word in words if not any(stem in word for stem in DOM_META_STEMS)] == []


_CHROME_PIECE = st.sampled_from(
    [*sorted(set(re.findall(r"[a-z]+", BOILERPLATE_LINES.pattern))), " ", ":", "-", "(", "1"]
)
_CHROME_LINE = st.one_of(
    st.sampled_from(
        [
            "Read more",
            "Advertisement",
            "Sign up for our newsletter today!",
            "Photo: AFP",
            "(Photo by Jane Doe)",
            "Image 3 of 12",
            "(c) 2024 Example News. All rights reserved.",
            "ala/dpa",
            "Share this article",
            "Related: Another story",
        ]
    ),
    st.lists(_CHROME_PIECE, max_size=12).map("".join),
)


@given(_CHROME_LINE, st.randoms(use_true_random=False))
def test_ascii_chrome_lines_match_lower_cased_as_they_match_ignoring_case(
    line: str, rng: random.Random
) -> None:
    """Short ASCII lines are matched lower-cased against the case-sensitive copy of
    BOILERPLATE_LINES: that answers as the case-insensitive pattern does on the line itself,
    because every letter the patterns spell is lower case."""
    assert re.search(r"(?<!\\)[A-Z]", BOILERPLATE_LINES.pattern) is None
    line = "".join(char.upper() if rng.random() < 0.3 else char for char in line)
    expected = BOILERPLATE_LINES.match(line) is not None
    assert (BOILERPLATE_LINES_LOWER.match(line.lower()) is not None) is expected


def test_patterns_searched_in_lower_cased_text_are_lower_case_ascii() -> None:
    """ASCII link texts and image sources are lower-cased and searched case-sensitively;
    an upper-case letter or escape (``\\S``) added to one of these patterns would then miss."""
    for pattern in (DOCUMENT_LINK_TEXT, PLACEHOLDER_IMAGE, SHARE_LINK, SHARE_MAILTO):
        assert pattern.flags & re.IGNORECASE
        assert pattern.pattern.isascii()
        assert pattern.pattern == pattern.pattern.lower()


def test_lower_cased_searches_find_what_the_case_blind_ones_find() -> None:
    """A document link's text, a share link and a placeholder's name are found in any case
    and script."""
    html = (
        '<a href="/r">Download the Annual REPORT (PDF, 2 MB)</a>'
        '<a href="/s">Open the 12 \u212aB list</a><a href="/t">Read more</a>'
        '<a href="HTTPS://WWW.LinkedIn.com/shareArticle?u=1">Share</a>'
        '<a href="MAILTO:?Subject=x">Mail</a><a href="https://lin\u212aedin.com/sharing">Post</a>'
        '<img src="https://x.org/Spacer.GIF"><img src="data:image/png;base64,AAAA">'
        '<img src="https://x.org/img/photo.jpg"><img src="https://x.org/\u017fpacer.gif">'
    )
    tree = LexborHTMLParser(html)
    links = [link_of(node, "https://x.org/page") for node in tree.css("a")]
    documents = [link.document if link is not None else None for link in links]
    assert documents == [True, True, False, None, None, None]  # share links are no links
    images = [image_of(node, "https://x.org/page") for node in tree.css("img")]
    assert [image.src if image else None for image in images] == [
        None,
        None,
        "https://x.org/img/photo.jpg",
        None,
    ]


_HINT_PIECE = st.sampled_from(
    ["ad", "ads", "nav", "comment", "commentlist", "share", "related", "-", " ", "x", "1", "s"]
)


@given(st.lists(_HINT_PIECE, max_size=10).map("".join))
def test_one_tree_of_hints_and_tokens_finds_what_the_two_word_lists_find(words: str) -> None:
    """Hints (each may go on: ``comment`` ~ ``commentlist``) and whole-word tokens (``ad``)
    share one prefix tree; it matches where the plain lists of both would."""
    hints, tokens = ("comment", "related", "share", "ads"), ("ad", "nav", "x")
    plain = f"(?<![a-z0-9])(?:{'|'.join(hints)}|(?:{'|'.join(tokens)})(?![a-z0-9]))"
    pattern = hint_pattern(hints, tokens)
    assert pattern is not None
    assert (pattern.search(words) is not None) is (re.search(plain, words) is not None)


@given(
    st.lists(st.one_of(_CLASS_TOKEN, st.text(alphabet="aBd-_ ", max_size=8)), max_size=4),
    st.lists(st.one_of(_CLASS_TOKEN, st.text(alphabet="aBd-_ ", max_size=8)), max_size=3),
)
def test_a_class_and_an_id_asked_apart_answer_as_asked_together(
    classes: list[str], ident: list[str]
) -> None:
    """The chrome test asks an element's class string and its id one at a time (the class
    string is then a cache hit): no hint spans the space that would join them."""
    for matcher in (has_any_hint, has_strong_hint):
        together = matcher(f"{' '.join(classes)} {'-'.join(ident)}")
        assert together is (matcher(" ".join(classes)) or matcher("-".join(ident)))


_STYLE = st.lists(
    st.sampled_from(["display", "visibility", ":", " ", "none", "hidden", "block", ";", "x"]),
    max_size=8,
).map("".join)
_INSIDE = st.lists(
    st.sampled_from(
        [
            "sign up for",
            "our",
            "the",
            "newsletter",
            "follow us on",
            "twitter",
            "if you liked",
            "this",
            "article",
            "your data",
            "will be",
            "used",
            "we use",
            "cookies",
            " ",
            "x",
        ]
    ),
    max_size=8,
).map("".join)


@given(st.one_of(_STYLE, _INSIDE), st.randoms(use_true_random=False))
def test_ascii_styles_and_lines_match_lower_cased_as_they_match_ignoring_case(
    text: str, rng: random.Random
) -> None:
    """An ASCII inline style or short line is lower-cased and matched with case against
    HIDDEN_STYLE_LOWER / BOILERPLATE_INSIDE_LOWER: the answer of the case-blind patterns."""
    text = "".join(char.upper() if rng.random() < 0.3 else char for char in text)
    for blind, lower in (
        (HIDDEN_STYLE, HIDDEN_STYLE_LOWER),
        (BOILERPLATE_INSIDE, BOILERPLATE_INSIDE_LOWER),
    ):
        assert blind.flags & re.IGNORECASE and blind.pattern == blind.pattern.lower()
        expected = blind.search(text) is not None
        assert (lower.search(text.lower()) is not None) is expected


_FIELD_PIECE = st.sampled_from(
    ["Jane", "Porter", "The", "Courier", "Published", "Updated", "By", "with", "AFP", "ap",
     "Reuters", "May", "3,", "2018", "6:02", "p.m.", "ET", ",", " ", "'", "-", "|", "x"]
)  # fmt: skip


@settings(deadline=None)  # the first example compiles the plain patterns: a few hundred ms
@given(st.lists(_FIELD_PIECE, max_size=12).map(" ".join))
def test_possessive_words_in_line_patterns_match_what_backtracking_ones_match(line: str) -> None:
    """A word that a space or comma always follows is matched possessively in the field and
    chrome line patterns; the same patterns with ordinary quantifiers answer the same."""
    for pattern in (FIELD_LINES, BOILERPLATE_LINES):
        assert "*+" in pattern.pattern or "++" in pattern.pattern
        plain = re.compile(pattern.pattern.replace("*+", "*").replace("++", "+"), pattern.flags)
        assert (pattern.match(line) is not None) is (plain.match(line) is not None)
