"""A stored version's mode, address and paragraphs, read without building its article.

A page found unchanged needs only these three; they must be what the built article says, for
the stored JSON of every shape a store holds (old rows without ``mode``, page-mode rows).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from worker.models import Article, Version

NOW = datetime(2026, 1, 1, tzinfo=UTC)
ARTICLES = [
    Article(headline="H", paragraphs=("one", "two"), canonical_url="https://e.com/a"),
    Article(headline="H", mode="page"),
    Article(headline="", paragraphs=()),
]


def _version(stored: Article | str) -> Version:
    return Version(1, 1, 1, "f", stored, NOW, NOW)


@pytest.mark.parametrize("article", ARTICLES)
def test_fields_match_the_built_article(article: Article) -> None:
    text = json.dumps(article.to_dict(), sort_keys=True)
    light, built, whole = _version(text), _version(text), _version(article)
    expected = built.article
    for version in (light, whole):
        assert version.mode == expected.mode
        assert version.canonical_url == expected.canonical_url
        assert version.has_paragraphs() == bool(expected.paragraphs)
    assert light.article == expected  # built after the light reads, from the parsed JSON


@pytest.mark.parametrize(
    "data", [{}, {"mode": "page"}, {"mode": "other", "paragraphs": ["x"], "canonical_url": 5}]
)
def test_old_and_odd_rows_read_as_from_dict(data: dict[str, object]) -> None:
    version, expected = _version(json.dumps(data)), Article.from_dict(data)
    assert (version.mode, version.canonical_url) == (expected.mode, expected.canonical_url)
    assert version.has_paragraphs() == bool(expected.paragraphs)


def test_a_damaged_row_names_its_version() -> None:
    """A stored article that is not a JSON object is a damaged row: the error says which."""
    with pytest.raises(ValueError, match="version 1 of watch 1: the stored article is not"):
        _ = _version("[1, 2]").mode
