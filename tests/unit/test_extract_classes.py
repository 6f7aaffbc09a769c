"""worker.extract.classes: chrome hints match whole class tokens, never a substring or a state."""

from __future__ import annotations

import pytest

from worker.extract.score import has_any_hint, has_strong_hint


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
