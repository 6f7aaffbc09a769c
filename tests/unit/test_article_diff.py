"""The before/after check of an extractor change: which pages and fields changed, and how."""

from __future__ import annotations

from bench.article_diff import diff

BEFORE = {
    "dev:https://a.example/1:article": {
        "headline": "Budget passes",
        "paragraphs": ["One.", "Two."],
    },
    "dev:https://a.example/2:article": {"headline": "Same", "paragraphs": ["Kept.", "Kept."]},
}


def test_only_changed_entries_and_fields_are_listed_with_items_gone_and_new() -> None:
    """A changed list shows the items gone and the items new; an unchanged entry is not named."""
    after = {
        **BEFORE,
        "dev:https://a.example/1:article": {
            **BEFORE["dev:https://a.example/1:article"],
            "paragraphs": ["One.", "2."],
        },
    }
    lines = diff(BEFORE, after)
    assert lines == [
        "== dev:https://a.example/1:article: paragraphs",
        "   paragraphs: 2 -> 2",
        '     - "Two."',
        '     + "2."',
        "1 changed entries of 2",
    ]


def test_a_repeated_item_dropped_once_counts_as_one_gone() -> None:
    """Items compare as multisets: one of two equal paragraphs gone is one line, not none."""
    key = "dev:https://a.example/2:article"
    after = {**BEFORE, key: {"headline": "Same", "paragraphs": ["Kept."]}}
    assert diff(BEFORE, after, field="paragraphs")[1:3] == [
        "   paragraphs: 2 -> 1",
        '     - "Kept."',
    ]


def test_no_change_says_so() -> None:
    assert diff(BEFORE, BEFORE) == ["0 changed entries of 2"]
