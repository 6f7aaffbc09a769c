"""The diff engine: edit taxonomy, significance, alignment, history helpers and properties."""

from __future__ import annotations

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
from worker.models import Article

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
        "canonical url changed",
        lambda a: replace(a, canonical_url="https://www.vox.com/world/russia-troops-venezuela"),
        frozenset({"url"}),
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


def test_ops_keep_original_text() -> None:
    """Highlights show the page's own typography, not the canonical form."""
    edited = with_paragraph(VOX_1, 3, VOX_1.paragraphs[3].replace("small fear", "growing fear"))
    change = compare(VOX_1, edited)
    assert change is not None
    body = next(fd for fd in change.fields if fd.field == "body")
    texts = "".join(op.new for op in body.ops)
    assert "there’s" in texts


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
    """The ops carry everything: applied to a, the diff of a and b gives b."""
    change = compare(old, new)
    rebuilt = apply(old, change)
    assert compare(rebuilt, new) is None
    for fd in change.fields if change else ():
        attr = "paragraphs" if fd.field == "body" else fd.field
        assert getattr(rebuilt, attr) == getattr(new, attr)


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
