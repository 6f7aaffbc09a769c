"""Renderers: headline first, hostile page text neutralised, markdown truncation, JSON schema."""

from __future__ import annotations

import html
import json
import re
from dataclasses import replace
from html.parser import HTMLParser

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from worker.diff import compare, removed_change
from worker.models import Article, Change
from worker.render import (
    SCHEMA,
    change_from_json,
    render_html,
    render_json,
    render_markdown,
    render_text,
)

OLD = Article(
    headline="Russia says it sent “specialists” to Venezuela",
    byline="Tom Balmforth, Maxim Rodionov",
    paragraphs=(
        "MOSCOW (Reuters) - Russia said on Thursday it had sent “specialists” to Venezuela.",
        "Trump said on Wednesday that “all options” were open to make Russia pull troops out.",
        "Kremlin spokesman Dmitry Peskov said the specialists were there to service contracts.",
    ),
    captions=("A supporter waves a Venezuelan flag in Caracas.",),
)
NEW = replace(
    OLD,
    headline="Russia says it sent “servicemen” to Venezuela, rebuffs Trump",
    paragraphs=(
        OLD.paragraphs[0],
        OLD.paragraphs[1].replace("Wednesday", "Tuesday"),
        OLD.paragraphs[2],
        "Correction: An earlier version of this story misstated the day of Trump’s remarks.",
    ),
)
HOSTILE = '<script>alert(1)</script><a href="javascript:alert(2)">x</a>" onmouseover="alert(3)'
META = {"name": "reuters-venezuela", "url": "https://uk.reuters.com/article/x"}
ALLOWED_TAGS = {
    "html", "head", "meta", "title", "style", "body", "h1", "h2", "p", "ul", "li",
    "del", "ins", "table", "tr", "th", "td", "span", "a",
}  # fmt: skip


def change_of(old: Article, new: Article) -> Change:
    change = compare(old, new)
    assert change is not None
    return change


class TagCollector(HTMLParser):
    """Every start tag and attribute the browser would see."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def test_headline_change_leads_every_rendering() -> None:
    """Each format opens with 'Headline changed: OLD -> NEW'."""
    change = change_of(OLD, NEW)
    lead = f"Headline changed: {OLD.headline} -> {NEW.headline}"
    assert render_text(change, old=OLD, new=NEW).startswith(lead)
    assert render_markdown(change, old=OLD, new=NEW).startswith(f"**{lead}**")
    assert f"<h1>{html.escape(lead)}</h1>" in render_html(change, old=OLD, new=NEW)
    assert render_json(change, old=OLD, new=NEW, meta={})["summary"] == lead


def test_text_marks_deletions_and_insertions() -> None:
    """Plain text shows [-deleted-]{+inserted+} words and the human details."""
    text = render_text(change_of(OLD, NEW), old=OLD, new=NEW)
    assert "[-Wednesday -]{+Tuesday +}" in text
    assert "'Wednesday' -> 'Tuesday' in paragraph 2" in text
    assert "\x1b[" not in text


def test_text_color_uses_ansi_and_strips_page_escapes() -> None:
    """Colour output is ANSI; escape sequences inside page text never reach the terminal."""
    sneaky = replace(NEW, paragraphs=(*NEW.paragraphs, "Evil \x1b]0;pwned\x07 \x1b[2J text"))
    change = change_of(OLD, sneaky)
    coloured = render_text(change, old=OLD, new=sneaky, color=True)
    plain = render_text(change, old=OLD, new=sneaky)
    assert "\x1b[" in coloured
    assert "\x07" not in coloured and "\x1b]" not in coloured and "\x1b[2J" not in coloured
    assert "\x1b" not in plain


def test_html_neutralises_hostile_page_text() -> None:
    """Script tags, javascript: links and quote-breaking attributes never survive into HTML."""
    old = replace(OLD, headline=HOSTILE, captions=(HOSTILE,))
    new = replace(
        NEW, headline=HOSTILE + " v2", byline=HOSTILE, paragraphs=(*NEW.paragraphs, HOSTILE)
    )
    page = render_html(
        change_of(old, new), old=old, new=new, meta={"name": HOSTILE, "url": "javascript:alert(4)"}
    )
    parser = TagCollector()
    parser.feed(page)
    assert {tag for tag, _ in parser.tags} <= ALLOWED_TAGS
    for _, attrs in parser.tags:
        for name, value in attrs:
            assert not name.startswith("on"), name
            if name == "href":
                assert value is not None and value.startswith(("http://", "https://"))
    assert "<script" not in page.lower()
    assert "&lt;script&gt;" in page


def test_html_has_inline_and_side_by_side_views() -> None:
    """The HTML page is self-contained and shows both views with del/ins marks."""
    page = render_html(change_of(OLD, NEW), old=OLD, new=NEW, meta=META)
    assert "<style>" in page and "<link" not in page
    assert "<h2>Inline</h2>" in page and "<h2>Side by side</h2>" in page
    assert re.search(r'<del style="[^"]+">Wednesday </del>', page)
    assert re.search(r'<ins style="[^"]+">Tuesday </ins>', page)
    assert '<a href="https://uk.reuters.com/article/x"' in page


def test_markdown_escapes_page_markup() -> None:
    """Page text that looks like markdown or HTML is shown literally in chat."""
    new = replace(NEW, paragraphs=(*NEW.paragraphs, "Click [here](javascript:x) for *free* <b>"))
    message = render_markdown(change_of(OLD, new), old=OLD, new=new)
    assert r"\[here\](javascript:x)" in message
    assert r"\*free\*" in message
    assert r"\<b>" in message
    assert "~~Wednesday~~ **Tuesday**" in message


@pytest.mark.parametrize("max_length", [120, 200, 400])
def test_markdown_truncates_with_a_note(max_length: int) -> None:
    """A long message is cut to the limit and says how many lines were left out."""
    change = change_of(OLD, NEW)
    full = render_markdown(change, old=OLD, new=NEW, meta=META)
    cut = render_markdown(change, old=OLD, new=NEW, meta=META, max_length=max_length)
    assert len(full) > max_length >= len(cut)
    kept, note = cut.rsplit("\n", 1)
    dropped = len(full.splitlines()) - len(kept.splitlines())
    assert note == f"... {dropped} more lines"
    assert full.startswith(kept.removesuffix("…"))
    assert kept.startswith("**Headline changed:")


def test_markdown_short_message_is_untouched() -> None:
    """A message under the limit carries no truncation note."""
    change = change_of(OLD, NEW)
    full = render_markdown(change, old=OLD, new=NEW)
    assert render_markdown(change, old=OLD, new=NEW, max_length=len(full)) == full


def test_json_schema_is_stable_and_serialisable() -> None:
    """JSON carries the schema version, sorted kinds, counts and only the changed blocks."""
    data = render_json(change_of(OLD, NEW), old=OLD, new=NEW, meta=META)
    assert json.loads(json.dumps(data)) == data
    assert data["schema"] == SCHEMA == "editwatch.change/1"
    assert set(data) == {
        "schema", "meta", "headline", "summary", "kinds", "significance", "silent", "words",
        "details", "fields",
    }  # fmt: skip
    assert data["kinds"] == sorted(data["kinds"])
    assert {"headline", "correction", "paragraph_edited", "paragraph_added"} <= set(data["kinds"])
    assert data["significance"] == "major"
    body = next(f for f in data["fields"] if f["field"] == "body")
    assert [(b["tag"], b["old_index"], b["new_index"]) for b in body["blocks"]] == [
        ("replace", 1, 1),
        ("insert", None, 3),
    ]
    assert data["meta"] == META


def test_removal_renders_without_fields() -> None:
    """A taken-down article renders in every format from its details alone."""
    change = removed_change(OLD, 410)
    assert render_text(change, old=OLD, new=OLD).startswith(f"Article removed: {OLD.headline}")
    assert "410" in render_markdown(change, old=OLD, new=OLD)
    assert "410" in render_html(change, old=OLD, new=OLD)
    assert render_json(change, old=OLD, new=OLD, meta={})["kinds"] == ["removed"]


WORDS = st.sampled_from(
    ["the", "minister", "said", "on", "Monday", "Tuesday", "<b>", "*x*", "&", "quits", "[a]"]
)
PARAGRAPH = st.lists(WORDS, min_size=1, max_size=10).map(" ".join)
ARTICLES = st.builds(
    lambda headline, paragraphs, captions, byline: Article(
        headline=headline, paragraphs=tuple(paragraphs), captions=tuple(captions), byline=byline
    ),
    PARAGRAPH,
    st.lists(PARAGRAPH, max_size=6),
    st.lists(PARAGRAPH, max_size=2),
    st.sampled_from(["", "Ann Lee", "Ann Lee and Bo Ray"]),
)


@settings(max_examples=80, deadline=None)
@given(ARTICLES, ARTICLES)
def test_a_stored_change_renders_exactly_like_the_live_one(old: Article, new: Article) -> None:
    """Rendering at send time from the stored JSON gives what the live objects give."""
    change = compare(old, new)
    assume(change is not None)
    assert change is not None
    stored = json.loads(json.dumps(render_json(change, old=old, new=new, meta={})))
    again, old_again, new_again = change_from_json(stored)
    assert render_text(again, old=old_again, new=new_again, meta=META) == render_text(
        change, old=old, new=new, meta=META
    )
    assert render_markdown(again, old=old_again, new=new_again, flavor="slack") == (
        render_markdown(change, old=old, new=new, flavor="slack")
    )
    assert render_html(again, old=old_again, new=new_again) == render_html(change, old=old, new=new)


def test_html_drops_escape_bell_and_bidi_override_characters() -> None:
    """ESC, BEL and U+202E from a page never reach the HTML page (title, labels, text)."""
    nasty = "Calm\x1b]0;owned\x07 words \u202eevil\u202c \x1b[31mred"
    old = replace(OLD, headline=nasty)
    new = replace(NEW, headline=nasty + " v2", paragraphs=(*NEW.paragraphs, nasty))
    page = render_html(change_of(old, new), old=old, new=new, meta={"name": nasty})
    assert not any(char in page for char in ("\x1b", "\x07", "\u202e", "\u202c"))
    assert "words evil" in page
