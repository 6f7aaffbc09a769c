"""The before/after check of an extractor change: which pages and fields changed."""

from __future__ import annotations

from bench.article_diff import diff

BEFORE = {
    "dev/1": {"headline": "Budget passes", "paragraphs": ["One.", "Two."]},
    "dev/2": {"headline": "Same", "paragraphs": ["Kept."]},
}


def test_only_changed_pages_and_fields_are_listed() -> None:
    """A changed paragraph list is shown line by line; an unchanged page is not named."""
    after = {**BEFORE, "dev/1": {"headline": "Budget passes", "paragraphs": ["One.", "2."]}}
    lines = diff(BEFORE, after)
    assert lines[0] == "== dev/1: paragraphs"
    assert lines[1:3] == ['    -"Two."', '    +"2."']
    assert lines[-1] == "1 of 2 pages changed"
    assert not any("dev/2" in line for line in lines)


def test_no_change_says_so() -> None:
    assert diff(BEFORE, BEFORE) == ["0 of 2 pages changed"]
