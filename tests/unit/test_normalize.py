"""worker.normalize: canonical text, noise rules and the article fingerprint."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from worker.demo.site import ARTICLE_SLUGS, render_article
from worker.extract import extract_article
from worker.models import Article
from worker.normalize import (
    NOISE_RULES,
    explain_noise,
    fingerprint,
    is_noise,
    normalize_article,
    normalize_text,
)

VOX = "why-russia-just-sent-troops-to-venezuela"

SPELLINGS = [
    ("Moscow’s “specialists”", 'Moscow\'s "specialists"'),
    ("2018–2019 — a year", "2018-2019 - a year"),
    ("wait…", "wait..."),
    ("non\u00a0breaking\u2009spaces", "non breaking spaces"),
    ("zero\u200bwidth\u200djoiners\ufeff", "zerowidthjoiners"),
    ("soft\u00adhyphen", "softhyphen"),
    ("Cafe\u0301", "Café"),  # decomposed accent -> NFC
    ("  lots \n\n of\t space  ", "lots of space"),
]

NOISE = [
    "Updated 5 minutes ago",
    "Last updated: 3 hours ago",
    "7 days ago",
    "an hour ago",
    "just now",
    "3 Min Read",
    "5 min read",
    "1,606",
    "Shares",
    "1,606 shares",
    "Comments (12)",
    "Related Coverage",
    "Read more",
    "Advertisement",
]

NOT_NOISE = [
    "Russia said on Thursday it had sent specialists to Venezuela.",
    "Read more about the 1,606 soldiers in our earlier report on the deployment.",
    "Shares in the company fell by 5% after the announcement.",
    "He arrived 7 days ago and has not left the capital since.",
    "Watch the river rise in this video filmed on Tuesday morning.",
    "Update: the minister resigned on Friday evening after the vote.",
    "March 3 was the day the strike began, and it has not ended since.",
    "Share the road, the campaign urges drivers in a new advert this week.",
    "Follow-up tests showed the water was safe to drink by Thursday.",
    "By Jane Reporter's own account, the meeting lasted four hours.",
]


@pytest.mark.parametrize(("raw", "canonical"), SPELLINGS)
def test_typographic_variants_fold_to_one_spelling(raw: str, canonical: str) -> None:
    """Curly quotes, dash kinds, odd spaces and invisible characters never look like edits."""
    assert normalize_text(raw) == canonical


@pytest.mark.parametrize("line", NOISE)
def test_noise_only_lines_are_noise(line: str) -> None:
    """Clocks, counters and furniture labels are recognised as noise."""
    assert is_noise(normalize_text(line))


@pytest.mark.parametrize("line", NOT_NOISE)
def test_article_sentences_are_not_noise(line: str) -> None:
    """A real sentence that merely mentions a count or 'read more' is kept."""
    assert not is_noise(normalize_text(line))


def test_noise_rules_are_compiled_data() -> None:
    """The noise rules are a tuple of compiled patterns that callers can extend or inspect."""
    assert NOISE_RULES
    assert all(hasattr(rule, "match") for rule in NOISE_RULES)


@given(st.text())
def test_normalize_text_is_idempotent(text: str) -> None:
    """Normalizing twice equals normalizing once, for any Unicode text."""
    once = normalize_text(text)
    assert normalize_text(once) == once


_field = st.text(max_size=60)
_articles = st.builds(
    Article,
    headline=_field,
    subheadline=_field,
    byline=_field,
    published=_field,
    modified=_field,
    paragraphs=st.lists(_field, max_size=6).map(tuple),
    captions=st.lists(_field, max_size=3).map(tuple),
)


@given(_articles)
@settings(max_examples=200)
def test_normalize_article_is_idempotent(article: Article) -> None:
    """Normalizing an article twice equals normalizing it once, so fingerprints are stable."""
    once = normalize_article(article)
    assert normalize_article(once) == once


def test_noise_paragraphs_are_dropped_and_inline_noise_removed() -> None:
    """Noise-only paragraphs vanish; a dateline's relative time and a read time are cut out."""
    article = Article(
        headline="Russia sends “specialists”",
        byline="Tom Balmforth · 3 min read",
        published="March 28, 2019 / 6:00 PM / 7 days ago",
        paragraphs=("First real paragraph.", "Updated 5 minutes ago", "1,606", "Last one."),
    )
    normalized = normalize_article(article)
    assert normalized.headline == 'Russia sends "specialists"'
    assert normalized.byline == "Tom Balmforth"
    assert normalized.published == "March 28, 2019 / 6:00 PM"
    assert normalized.paragraphs == ("First real paragraph.", "Last one.")


def test_noise_only_rerender_has_the_same_fingerprint() -> None:
    """Counters, clocks and quote styles changing between renders give the same fingerprint."""
    base = Article(headline="H", paragraphs=("Moscow’s move.", "Body text."))
    noisy = Article(
        headline="H\u200b",
        paragraphs=("Moscow's move.", "12 comments", "Body\u00a0text.", "Updated 2 minutes ago"),
    )
    assert fingerprint(noisy) == fingerprint(base)


def test_a_real_edit_changes_the_fingerprint() -> None:
    """One changed word in the body is a different fingerprint."""
    base = Article(headline="H", paragraphs=("Troops arrived on Saturday.",))
    edited = Article(headline="H", paragraphs=("Troops arrived on Sunday.",))
    assert fingerprint(base) != fingerprint(edited)
    assert len(fingerprint(base)) == 64
    int(fingerprint(base), 16)


@pytest.mark.parametrize("slug", ARTICLE_SLUGS)
def test_demo_rerenders_with_fresh_noise_share_a_fingerprint(slug: str) -> None:
    """Two renders of the same capture (different counters, ads, 'N minutes ago') are equal."""
    first = extract_article(render_article(slug, 1, rng=random.Random(1)))
    second = extract_article(render_article(slug, 1, rng=random.Random(2)))
    assert fingerprint(first) == fingerprint(second)


def test_demo_caption_edit_changes_the_fingerprint() -> None:
    """The seed's one real edit (a removed Vox caption) changes the fingerprint."""
    first = extract_article(render_article(VOX, 1, rng=random.Random(1)))
    second = extract_article(render_article(VOX, 2, rng=random.Random(1)))
    assert fingerprint(first) != fingerprint(second)


# --- issue 9: one canonical form, noise lines named by rule ------------------------------------

BODY_NOISE = [
    ("By Jane Reporter", "byline"),
    ("By Jane Reporter and Sam Writer", "byline"),
    ("Published 10:02 GMT, 3 March 2026", "dateline"),
    ("Updated: March 3, 2026 at 10:02 a.m. ET", "dateline"),
    ("March 3, 2026", "dateline"),
    ("4 min read", "read_time"),
    ("Share on Facebook Share on Twitter Copy link", "share"),
    ("Facebook Twitter Email", "share"),
    ("Listen to this article", "furniture"),
    ("Updated 12 minutes ago", "relative_time"),
    ("2,311 shares", "counter"),
    ("10:42 AM EST, Tue March 3, 2026", "dateline"),
    ("Tuesday 3 March 2026 10.02 GMT", "dateline"),
    ("Related: Floods force thousands from their homes", "related_link"),
    ("READ MORE: What the new budget means for your bills", "related_link"),
    ("Updated 2h ago", "relative_time"),
    ("a few minutes ago", "relative_time"),
    ("Reading time: 4 minutes", "read_time"),
    ("By Zoë Ångström · 5 minutes ago", "byline"),
    ("Posted by Sam Writer, March 3, 2026 10:02", "byline"),
    ("Story continues below advertisement", "furniture"),
    ("Share this story: Facebook | Twitter | Email", "share"),
    ("View 31 comments", "comments"),
    ("14:32", "dateline"),
]

BODY_TEXT = [
    "By Sunday, the troops had left the capital and the roads were open again.",
    "By the end of March, 2026 was already the warmest year on record in the region.",
    "Published reports say the minister will resign on Friday.",
    "Share prices fell sharply after the announcement on Tuesday.",
    "Updated figures released on Monday show the toll has risen.",
    "He arrived 7 days ago and has not left the capital since.",
    "Watch the river rise in this video filmed on Tuesday morning.",
    "Update: the minister resigned on Friday evening after the vote.",
    "March 3 was the day the strike began, and it has not ended since.",
    "Share the road, the campaign urges drivers in a new advert this week.",
    "Follow-up tests showed the water was safe to drink by Thursday.",
    "By Jane Reporter's own account, the meeting lasted four hours.",
]


@pytest.mark.parametrize(("line", "rule"), BODY_NOISE)
def test_byline_dateline_and_share_lines_are_dropped_from_the_body(line: str, rule: str) -> None:
    """Bylines, datelines, read times and share lines set as body lines never count as text."""
    article = Article(paragraphs=("A real first paragraph of the article text.", line))
    assert normalize_article(article).paragraphs == ("A real first paragraph of the article text.",)
    assert [(d.index, d.rule) for d in explain_noise(article)] == [(1, rule)]


@pytest.mark.parametrize("line", BODY_TEXT)
def test_sentences_that_look_like_furniture_are_kept(line: str) -> None:
    """A sentence that starts with "By", "Published" or "Share" is still the article's text."""
    assert normalize_article(Article(paragraphs=(line,))).paragraphs == (line,)


def test_inline_stamp_inside_a_paragraph_is_cut_but_a_bare_age_is_kept() -> None:
    """'Updated 5 minutes ago' glued to a paragraph goes; 'arrived 7 days ago' is prose."""
    glued = Article(paragraphs=("The council met on Tuesday. Updated 5 minutes ago",))
    assert normalize_article(glued).paragraphs == ("The council met on Tuesday.",)
    assert [d.rule for d in explain_noise(glued)] == ["relative_time"]
    prose = "He arrived 7 days ago and left."
    assert normalize_article(Article(paragraphs=(prose,))).paragraphs == (prose,)


def test_compatibility_characters_fold_like_typography() -> None:
    """Full-width digits and ligatures (NFKC) are one spelling, in the fingerprint and the diff."""
    assert normalize_text("ﬁnal score ２-１") == "final score 2-1"


def test_a_subheadline_that_repeats_the_lede_is_not_a_field_of_its_own() -> None:
    """A meta description cut from the lede is dropped, so a lede edit is not reported twice."""
    article = Article(
        subheadline="The storm that struck the coast on Monday…",
        paragraphs=("The storm that struck the coast on Monday forced thousands to flee.",),
    )
    assert normalize_article(article).subheadline == ""
    assert [d.rule for d in explain_noise(article)] == ["repeats_lede"]


def test_explaining_the_noise_after_the_fingerprint_folds_no_paragraph_again() -> None:
    """An unchanged check fingerprints the article, then says what noise it dropped: the
    paragraphs' canonical forms and drops come from one pass, so the second asks for none."""
    from worker import normalize

    article = Article(
        headline="Talks resume",
        paragraphs=(
            "Negotiators met again on Tuesday, a paragraph no other test has folded.",
            "Advertisement",
            "Both sides said little · 3 min read",
        ),
        captions=("The venue, seen from the river, on a caption nobody else uses.",),
    )
    normalize._item_form.cache_clear()
    fingerprint(article)
    folded = normalize._item_form.cache_info().misses
    drops = explain_noise(article)
    assert normalize._item_form.cache_info().misses == folded == 4
    assert [(d.field, d.index, d.rule) for d in drops] == [
        ("paragraphs", 1, "furniture"),
        ("paragraphs", 2, "read_time"),
    ]
