"""The diff engine: edit taxonomy, significance, alignment, history helpers and properties."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from worker.diff import (
    apply,
    compare,
    detect_ab_test,
    removed_change,
    restored_change,
    should_alert,
)
from worker.models import CHANGE_KINDS, SIGNIFICANCES, Article
from worker.normalize import fingerprint, normalize_article
from worker.render import render_text

# Lines copied from /work/shared/seed/000_216fda9d4ad3e29a.txt (Vox, capture 1). In capture 2 the
# photo caption is gone and nothing else changed.
VOX_CAPTION = (
    "Russian Air Force personnel stand in front of a supersonic bomber aircraft upon landing at "
    "Maiquetia International Airport, just north of Caracas, on December 10, 2018. "
    "Federico Parra/AFP/Getty Images"
)
VOX_1 = Article(
    headline="Why Russia just sent troops to Venezuela",
    subheadline="Trump wants them out.",
    byline="By Alex Ward",
    published="Mar 27, 2019, 12:50pm EDT",
    captions=(VOX_CAPTION,),
    paragraphs=(
        "Russia recently sent two military planes full of troops and equipment to Venezuela. "
        "It’s a move that could provoke a strong response from the United States and potentially "
        "plunge the South American nation into further chaos.",
        "Around 100 Russians landed outside of Caracas, Venezuela’s capital, with unidentified "
        "equipment on Saturday. It’s not entirely clear why they’ve arrived now, although some "
        "fear they’ve come to help Venezuelan President Nicolás Maduro fend off a US-led attempt "
        "to depose him. While Russia has in the past sent a few advisers to Venezuela, 100 is "
        "more than normal, CBS News reported.",
        "Other experts and US government officials, though, say Russia is merely trying to "
        "protect diplomatic and other staff in Venezuela as well as perform maintenance on their "
        "military equipment in the country. In other words, the 100 or so Russians are in "
        "Venezuela to help themselves, not Maduro.",
        "But US officials and experts remain vigilant, mainly because there’s a small fear that "
        "Moscow might intervene militarily in Venezuela’s crisis like it did in Syria.",
        "Since January, the Trump administration, joined by governments in Latin America and "
        "Europe, has called for Maduro to step down, partly because the country has suffered from "
        "an economic collapse and humanitarian crisis during his rule. The US and others now "
        "recognize Guaidó, the leader of the country’s opposition-controlled legislative body, as "
        "Venezuela’s rightful president.",
        "Russia didn’t take kindly to that. “Destructive interference from abroad blatantly "
        "violates basic norms of international law,” said Russian President Vladimir Putin (the "
        "same leader who orchestrated the annexation of Crimea) on January 24.",
        "And while the Kremlin insists it has a right to send Russian troops to Venezuela, the US "
        "isn’t happy about it.",
        "Russia has had ties to Venezuela for decades",
        "The US focus on Venezuela, long a target of anti-socialists in the United States, has "
        "led it into a small-scale proxy war with Russia.",
        "But the real economic links center on oil.",
        "What’s more, Rosneft owns two offshore gasfields in Venezuela and has a stake in around "
        "20 million tons of crude there.",
    ),
)
VOX_2 = replace(VOX_1, captions=())
GUARDIAN_HEADLINE = "Russian military arrive in Venezuela to discuss 'training and strategy'"


def with_paragraph(article: Article, index: int, text: str) -> Article:
    paragraphs = list(article.paragraphs)
    paragraphs[index] = text
    return replace(article, paragraphs=tuple(paragraphs))


def moved(article: Article, source: int, target: int) -> Article:
    paragraphs = list(article.paragraphs)
    paragraphs.insert(target, paragraphs.pop(source))
    return replace(article, paragraphs=tuple(paragraphs))


@dataclass(frozen=True)
class Case:
    name: str
    edit: Callable[[Article], Article]
    kinds: frozenset[str]  # must all be present
    significance: tuple[str, ...]  # any of these
    absent: frozenset[str] = frozenset()


CASES = [
    Case(
        "seed caption removal",
        lambda a: replace(a, captions=()),
        frozenset({"caption"}),
        ("minor", "moderate"),
        frozenset({"body", "headline"}),
    ),
    Case(
        "headline rewrite",
        lambda a: replace(a, headline=GUARDIAN_HEADLINE),
        frozenset({"headline"}),
        ("major",),
        frozenset({"body"}),
    ),
    Case(
        "correction appended",
        lambda a: replace(
            a,
            paragraphs=(
                *a.paragraphs,
                "Correction: An earlier version of this article misstated the date of "
                "Putin’s remarks. They were made on January 24.",
            ),
        ),
        frozenset({"correction", "body", "paragraph_added"}),
        ("major",),
    ),
    Case(
        "editor's note prepended, in Spanish",
        lambda a: replace(
            a, paragraphs=("Nota del editor: se corrigió la cifra de soldados.", *a.paragraphs)
        ),
        frozenset({"correction", "paragraph_added"}),
        ("major",),
        frozenset({"lede"}),
    ),
    Case(
        "paragraph moved",
        lambda a: moved(a, 3, 1),
        frozenset({"body", "paragraph_moved"}),
        ("moderate",),
        frozenset({"paragraph_added", "paragraph_removed", "paragraph_edited"}),
    ),
    Case(
        "typo fix",
        lambda a: with_paragraph(a, 2, a.paragraphs[2].replace("maintenance", "maintenence")),
        frozenset({"body", "paragraph_edited"}),
        ("minor",),
        frozenset({"lede"}),
    ),
    Case(
        "number changed is not a typo",
        lambda a: with_paragraph(a, 1, a.paragraphs[1].replace("Around 100", "Around 400")),
        frozenset({"body", "paragraph_edited"}),
        ("moderate",),
    ),
    Case(
        "lede rewrite",
        lambda a: with_paragraph(
            a,
            0,
            "Moscow has flown about 100 troops into Caracas, a show of support for Maduro that "
            "risks a confrontation with Washington.",
        ),
        frozenset({"lede", "body", "paragraph_edited"}),
        ("major",),
    ),
    Case(
        "sentence added to a paragraph",
        lambda a: with_paragraph(
            a, 3, a.paragraphs[3] + " Pentagon officials declined to comment."
        ),
        frozenset({"body", "paragraph_edited"}),
        ("moderate",),
    ),
    Case(
        "byline changed",
        lambda a: replace(a, byline="By Alex Ward and Jen Kirby"),
        frozenset({"byline"}),
        ("moderate",),
    ),
    Case(
        "canonical url changed with the byline",
        lambda a: replace(
            a,
            byline="By Alex Ward and Jen Kirby",
            canonical_url="https://www.vox.com/world/russia-troops-venezuela",
        ),
        frozenset({"url", "byline"}),
        ("moderate",),
    ),
    Case(
        "only the modified date moved",
        lambda a: replace(a, modified="2019-03-28T09:00:00Z"),
        frozenset({"dates"}),
        ("minor",),
    ),
    Case(
        "a quarter of the body removed",
        lambda a: replace(a, paragraphs=a.paragraphs[:7]),
        frozenset({"body", "paragraph_removed"}),
        ("major",),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_edit_taxonomy(case: Case) -> None:
    """Realistic edits are named with the right kinds and significance."""
    change = compare(VOX_1, case.edit(VOX_1))
    assert change is not None
    assert case.kinds <= change.kinds, change.kinds
    assert not case.absent & change.kinds, change.kinds
    assert change.significance in case.significance, (change.significance, change.details)


def test_seed_caption_removal_is_reported_with_its_text() -> None:
    """The seed's second capture reports the vanished photo caption, and nothing else."""
    change = compare(VOX_1, VOX_2)
    assert change is not None
    assert change.kinds == frozenset({"caption"})
    assert change.details[0].startswith("caption removed: 'Russian Air Force personnel")
    assert change.words_removed == len(VOX_CAPTION.split())
    assert change.words_added == 0


def test_typography_and_whitespace_only_is_no_change() -> None:
    """Curly quotes turned straight and doubled spaces are not an edit."""
    noisy = replace(
        VOX_1,
        headline="  Why Russia just  sent troops to Venezuela ",
        paragraphs=tuple(
            p.replace("’", "'").replace("“", '"').replace("”", '"') for p in VOX_1.paragraphs
        ),
    )
    assert compare(VOX_1, noisy) is None


def test_punctuation_fix_is_minor() -> None:
    """Adding a missing comma is a minor edit."""
    edited = with_paragraph(
        VOX_1, 6, VOX_1.paragraphs[6].replace("Venezuela, the US", "Venezuela the US")
    )
    change = compare(VOX_1, edited)
    assert change is not None and change.significance == "minor"


def test_word_replacement_detail_names_words_and_paragraph() -> None:
    """A replaced word reads as "'dozens' -> 'hundreds' in paragraph N"."""
    edited = with_paragraph(VOX_1, 2, VOX_1.paragraphs[2].replace("diplomatic", "consular"))
    change = compare(VOX_1, edited)
    assert change is not None
    assert change.details == ("'diplomatic' -> 'consular' in paragraph 3",)
    assert (change.words_added, change.words_removed, change.words_changed) == (1, 1, 1)


def test_moved_paragraph_detail() -> None:
    """A moved paragraph reads as 'paragraph 4 moved to 2' and counts no words."""
    change = compare(VOX_1, moved(VOX_1, 3, 1))
    assert change is not None
    assert change.details == ("paragraph 4 moved to 2",)
    assert (change.words_added, change.words_removed) == (0, 0)


def test_sentence_added_detail() -> None:
    """A sentence appended inside a paragraph is reported as such, with its paragraph."""
    text = VOX_1.paragraphs[3] + " Pentagon officials declined to comment on the flights."
    change = compare(VOX_1, with_paragraph(VOX_1, 3, text))
    assert change is not None
    assert "sentence added to paragraph 4" in change.details


def test_silent_edit_flag() -> None:
    """A body edit without a moved dateModified is a stealth edit; with one it is not."""
    dated = replace(VOX_1, modified="2019-03-27T16:50:00Z")
    edited = with_paragraph(dated, 3, dated.paragraphs[3] + " More to come.")
    silent = compare(dated, edited)
    announced = compare(dated, replace(edited, modified="2019-03-28T08:00:00Z"))
    assert silent is not None and silent.silent
    assert announced is not None and not announced.silent


def test_ops_carry_the_one_canonical_form() -> None:
    """Highlights show the canonical text the fingerprint hashed: one spelling, no noise."""
    edited = with_paragraph(VOX_1, 3, VOX_1.paragraphs[3].replace("small fear", "growing fear"))
    noisy = replace(edited, paragraphs=(*edited.paragraphs, "Updated 5 minutes ago"))
    change = compare(VOX_1, noisy)
    assert change is not None
    body = next(fd for fd in change.fields if fd.field == "body")
    texts = "".join(op.new for op in body.ops)
    assert "there's" in texts and "there’s" not in texts
    assert "minutes ago" not in " ".join(b.new for b in body.blocks)


def test_canonical_url_alone_is_no_change() -> None:
    """A canonical URL that moved on its own (AMP, redirects) is not an edit."""
    moved = replace(VOX_1, canonical_url="https://www.vox.com/amp/russia-troops-venezuela")
    assert compare(VOX_1, moved) is None


def test_removed_and_restored() -> None:
    """A 404 is a major 'removed' change; coming back is 'restored', with any edits named."""
    gone = removed_change(VOX_1, 404)
    assert gone.kinds == frozenset({"removed"}) and gone.significance == "major"
    assert "404" in gone.details[0]
    back = restored_change(VOX_1, VOX_1)
    assert back.kinds == frozenset({"restored"})
    back_edited = restored_change(VOX_1, replace(VOX_1, headline=GUARDIAN_HEADLINE))
    assert {"restored", "headline"} <= back_edited.kinds
    assert back_edited.significance == "major"


def test_redirect_to_section_front_is_removal() -> None:
    """A redirect to a section front says where the article went."""
    gone = removed_change(VOX_1, 301, final_url="https://www.vox.com/world")
    assert "https://www.vox.com/world" in gone.details[0]


def test_headline_ab_test_detected_once_alternating() -> None:
    """Two headlines alternating over several checks are an A/B test; one revert is not."""
    a, b = "Why Russia just sent troops to Venezuela", GUARDIAN_HEADLINE
    assert detect_ab_test(["Old", a, b, a, b]) == (a, b)
    assert detect_ab_test([a, b, a]) is None
    assert detect_ab_test([a, b, "Third", a, b]) is None


@pytest.mark.parametrize(
    ("alert_on", "expected"),
    [
        ({"moderate"}, (False, True, True)),
        ({"major"}, (False, False, True)),
        ({"minor"}, (True, True, True)),
        ({"caption"}, (False, True, False)),
        ({"all"}, (True, True, True)),
    ],
)
def test_should_alert_policy(alert_on: set[str], expected: tuple[bool, bool, bool]) -> None:
    """Significance names are thresholds, kind names match kinds, 'all' matches everything."""
    minor = compare(VOX_1, replace(VOX_1, modified="2019-03-28"))
    moderate = compare(VOX_1, VOX_2)
    major = compare(VOX_1, replace(VOX_1, headline=GUARDIAN_HEADLINE))
    assert minor and moderate and major
    assert minor.significance == "minor" and moderate.significance == "moderate"
    got = tuple(should_alert(c, alert_on) for c in (minor, moderate, major))
    assert got == expected


def test_default_policy_skips_minor() -> None:
    """By default everything alerts except minor changes."""
    minor = compare(VOX_1, replace(VOX_1, modified="2019-03-28"))
    assert minor is not None and not should_alert(minor)
    assert should_alert(removed_change(VOX_1, 410))


# --- properties -------------------------------------------------------------------------------

WORDS = st.sampled_from(
    ["Russia", "troops", "Venezuela", "said", "the", "a", "100", "Maduro’s", "“quoted”", "—", "."]
)
PARAGRAPH = st.lists(WORDS, min_size=1, max_size=12).map(" ".join)
ARTICLES = st.builds(
    Article,
    headline=PARAGRAPH,
    subheadline=st.one_of(st.just(""), PARAGRAPH),
    byline=st.sampled_from(["", "By A", "By B"]),
    modified=st.sampled_from(["", "2019-03-27", "2019-03-28"]),
    paragraphs=st.lists(PARAGRAPH, max_size=8).map(tuple),
    captions=st.lists(PARAGRAPH, max_size=2).map(tuple),
    canonical_url=st.sampled_from(["", "https://x.test/a", "https://x.test/b"]),
)


@given(ARTICLES)
def test_diff_of_article_with_itself_is_empty(article: Article) -> None:
    """diff(a, a) is nothing."""
    assert compare(article, article) is None


@settings(max_examples=300)
@given(ARTICLES, ARTICLES)
def test_applying_the_diff_gives_the_new_article(old: Article, new: Article) -> None:
    """The ops carry everything: applied to a, the diff of a and b gives canonical b."""
    change = compare(old, new)
    rebuilt = apply(old, change)
    assert compare(rebuilt, new) is None
    for fd in change.fields if change else ():
        attr = "paragraphs" if fd.field == "body" else fd.field
        assert getattr(rebuilt, attr) == getattr(normalize_article(new), attr)


@settings(max_examples=300)
@given(ARTICLES, ARTICLES)
def test_added_and_removed_swap_with_arguments(old: Article, new: Article) -> None:
    """Swapping the arguments swaps the words added and removed."""
    forward, backward = compare(old, new), compare(new, old)
    assert (forward is None) == (backward is None)
    if forward and backward:
        assert (forward.words_added, forward.words_removed) == (
            backward.words_removed,
            backward.words_added,
        )


# --- issue 9: one canonical form, figures, quotes, typed kinds ---------------------------------

NOISE_LINES = st.sampled_from(
    [
        "Updated 5 minutes ago",
        "12 min read",
        "1,606 shares",
        "Comments (31)",
        "Advertisement",
        "Share on Facebook Share on Twitter",
        "By Jane Reporter",
        "Most read",
    ]
)
TEXT_WORDS = st.sampled_from(
    ["Russia", "troops", "Venezuela", "said", "the", "a", "Maduro’s", "“quoted”", "council", "—"]
)
TEXT = st.lists(TEXT_WORDS, min_size=3, max_size=12).map(" ".join)
PLAIN_ARTICLES = st.builds(
    Article,
    headline=TEXT,
    byline=st.sampled_from(["", "By A", "By B"]),
    modified=st.sampled_from(["", "2019-03-27", "2019-03-28"]),
    paragraphs=st.lists(TEXT, max_size=6).map(tuple),
    captions=st.lists(TEXT, max_size=2).map(tuple),
)


@st.composite
def with_noise(draw: st.DrawFn, article: Article) -> Article:
    """The same article re-rendered: noise lines inserted, invisible characters, other quotes."""
    paragraphs = list(article.paragraphs)
    for _ in range(draw(st.integers(0, 3))):
        paragraphs.insert(draw(st.integers(0, len(paragraphs))), draw(NOISE_LINES))
    retyped = [
        p.replace("’", "'").replace(" ", draw(st.sampled_from([" ", "\u00a0 "])))
        for p in paragraphs
    ]
    suffix = draw(st.sampled_from(["", " · 3 min read", " / 2 hours ago"]))
    return replace(
        article,
        headline=article.headline + draw(st.sampled_from(["", "\u200b"])),
        byline=article.byline + suffix if article.byline else "",
        paragraphs=tuple(retyped),
    )


@settings(max_examples=300)
@given(PLAIN_ARTICLES, PLAIN_ARTICLES)
def test_fingerprints_are_equal_exactly_when_compare_finds_nothing(a: Article, b: Article) -> None:
    """fingerprint(a) == fingerprint(b) exactly when compare(a, b) is None."""
    assert (fingerprint(a) == fingerprint(b)) == (compare(a, b) is None)


@settings(max_examples=200)
@given(st.data(), PLAIN_ARTICLES)
def test_noise_only_rerender_is_no_change(data: st.DataObject, article: Article) -> None:
    """Two renders of one article with different noise: no change, equal fingerprints."""
    first, second = data.draw(with_noise(article)), data.draw(with_noise(article))
    assert compare(first, second) is None
    assert fingerprint(first) == fingerprint(second)


@settings(max_examples=200)
@given(st.data(), PLAIN_ARTICLES.filter(lambda a: len(set(a.paragraphs)) == len(a.paragraphs) >= 2))
def test_compare_with_noise_on_both_sides_lists_only_the_real_edit(
    data: st.DataObject, article: Article
) -> None:
    """compare(a + noise, a' + other noise) names the edited paragraph and nothing else."""
    index = data.draw(st.integers(0, len(article.paragraphs) - 1))
    edited = with_paragraph(article, index, article.paragraphs[index] + " Officials declined.")
    change = compare(data.draw(with_noise(article)), data.draw(with_noise(edited)))
    assert change is not None
    assert {fd.field for fd in change.fields} == {"body"}
    (block,) = [b for fd in change.fields for b in fd.blocks if b.tag != "equal"]
    assert "Officials declined." in block.new
    shown = " ".join(op.new + op.old for fd in change.fields for op in fd.ops)
    assert not re.search(r"minutes ago|min read|shares|Comments|Advertisement|By Jane", shown)


FIGURE_CASES = [
    ("At least 12 people died in the flood.", "At least 15 people died in the flood.", "12 -> 15"),
    ("The bill passed by 52 votes to 48.", "The bill passed by 51 votes to 49.", "52 -> 51"),
    ("The city will spend $2.5 million.", "The city will spend $3 million.", "2.5 -> 3"),
    ("Twelve people were rescued.", "Fifteen people were rescued.", "twelve -> fifteen"),
]


@pytest.mark.parametrize(("old", "new", "shown"), FIGURE_CASES)
def test_a_changed_number_is_kind_figures_with_old_and_new(old: str, new: str, shown: str) -> None:
    """A death toll, a vote count, a sum: kind figures, old -> new in the summary, never minor."""
    before = Article(headline="Flood", paragraphs=("Intro paragraph of the story here.", old))
    change = compare(before, with_paragraph(before, 1, new))
    assert change is not None and "figures" in change.kinds
    assert f"figures: {shown} in paragraph 2" in change.details
    assert change.significance != "minor"


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("At least 1,606 people were counted.", "At least 1606 people were counted."),
        ("The goverment said 12 people died.", "The government said 12 people died."),
        ("Twelve people died.", "Twelve people died. Police said 3 were missing."),
    ],
)
def test_spelling_a_number_differently_or_adding_one_is_not_figures(old: str, new: str) -> None:
    """A thousands separator, a typo beside a number, a new sentence with a number: not figures."""
    change = compare(Article(paragraphs=(old,)), Article(paragraphs=(new,)))
    assert change is None or "figures" not in change.kinds


def test_a_figure_in_the_headline_is_figures_too() -> None:
    """'12 dead' -> '15 dead' in the headline: headline and figures."""
    change = compare(
        Article(headline="Flood leaves 12 dead"), Article(headline="Flood leaves 15 dead")
    )
    assert change is not None and {"headline", "figures"} <= change.kinds
    assert "figures: 12 -> 15 in headline" in change.details


QUOTE = '"We are doing everything we can," the governor said on Tuesday.'


@pytest.mark.parametrize(
    ("new", "is_quote"),
    [
        ('"We are doing all that we can," the governor said on Tuesday.', True),
        (
            "“We are doing everything we can, and more,” the governor said on Tuesday.",
            True,
        ),
        ('"We are doing everything we can," the mayor said on Tuesday.', False),
        ("“We are doing everything we can,” the governor said on Tuesday.", None),
    ],
)
def test_an_edit_inside_quotation_marks_is_kind_quote(new: str, is_quote: bool | None) -> None:
    """Rewording a quote is kind quote; an edit outside it is not; curly vs straight is no edit."""
    change = compare(Article(paragraphs=(QUOTE,)), Article(paragraphs=(new,)))
    if is_quote is None:
        assert change is None
    else:
        assert change is not None and ("quote" in change.kinds) == is_quote


@settings(max_examples=200)
@given(ARTICLES, ARTICLES)
def test_every_kind_compare_reports_is_a_known_kind(old: Article, new: Article) -> None:
    """Kinds come from one vocabulary (models.ChangeKind), the one alert_on is checked against."""
    change = compare(old, new)
    assert change is None or change.kinds <= set(CHANGE_KINDS)
    assert change is None or change.significance in SIGNIFICANCES


def test_a_removal_has_no_field_diffs_so_no_renderer_says_headline_changed() -> None:
    """A removal is one state: no "Headline changed: X -> " and no emptied fields."""
    gone = removed_change(VOX_1, 410)
    assert gone.fields == () and gone.kinds == frozenset({"removed"})
    text = render_text(gone, old=VOX_1, new=Article(), color=False)
    assert "Article removed" in text and "Headline changed" not in text
