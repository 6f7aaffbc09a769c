"""worker.extract.classes: chrome hints match whole class tokens, never a substring or a state."""

from __future__ import annotations

import pytest
from selectolax.lexbor import LexborHTMLParser

from worker.extract.score import has_any_hint, has_strong_hint, is_boilerplate


@pytest.mark.parametrize(
    ("classes", "chrome"),
    [
        ("comment-list", True),
        ("commentlist", True),
        ("jp-relatedposts", True),
        ("relatedArticles", True),
        ("subscribe-overlay", True),
        ("sr-only", True),
        ("modal-enabled", False),
        ("has-comments", False),
        ("comments-open", False),
        ("tag-related category-popup", False),
        ("post-body entry-content", False),
        ("discussion", True),
        ("responsive-wrapper", False),
        ("article__body--has-popup", False),
        ("story-body--no-comments", False),
        ("postWithRelatedLinks", False),
        ("story--subscriber-only", False),
        ("comments-with-replies", True),
        ("noticias-relacionadas", True),
        ("zona-opiniones", True),
    ],
)
def test_strong_hints_are_whole_tokens_and_states_are_not_roles(classes: str, chrome: bool) -> None:
    """``comment-list`` is a comment thread; ``has-comments`` and ``modal-enabled`` on an
    article wrapper only state something about it, so the article is not taken for chrome."""
    assert has_strong_hint(classes) is chrome


@pytest.mark.parametrize(
    ("classes", "chrome"),
    [
        ("ad-slot", True),
        ("nav", True),
        ("header", True),
        ("is-hidden", True),
        ("leaderboard", False),
        ("shadow", False),
        ("thread", False),
        ("masthead-nav", True),
    ],
)
def test_short_hint_words_match_only_whole_words(classes: str, chrome: bool) -> None:
    """A short hint (``ad``, ``nav``) must be a whole word: ``leaderboard`` and ``shadow`` are
    not ads, ``ad-slot`` is."""
    assert has_any_hint(classes) is chrome


@pytest.mark.parametrize(
    ("attributes", "chrome"),
    [
        ('<div data-component="most-read-list">', True),
        ('<div data-testid="newsletter-signup">', True),
        ('<section data-module="comments">', True),
        ('<div data-component="article-body">', False),
        ('<div data-id="related-7">', False),  # an identifier, not a name
        ('<div itemprop="comment" itemscope>', True),
        ('<div itemprop="articleBody">', False),
    ],
)
def test_data_attributes_that_name_a_component_are_read_like_classes(
    attributes: str, chrome: bool
) -> None:
    """Frameworks that generate their classes (``sc-1x2y``) name widgets in ``data-*``."""
    tree = LexborHTMLParser(f"<html><body>{attributes}x</div></body></html>")
    node = tree.css_first("body > *")
    assert node is not None
    assert is_boilerplate(node) is chrome
