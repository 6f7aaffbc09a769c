"""Sentence alignment for the NewsEdits export: labels a researcher would assign by hand."""

from __future__ import annotations

import pytest

from worker.diff.sentences import match_sentences, split_sentences

CASES = [
    (["A cat sat.", "It was red."], ["A cat sat.", "It was red."], ["unchanged", "unchanged"]),
    (["A cat sat.", "It was red."], ["A cat sat."], ["unchanged", "deleted"]),
    (["A cat sat."], ["A cat sat.", "Then it left."], ["unchanged", "added"]),
    (["A cat sat on the mat."], ["A black cat sat on the mat."], ["edited"]),
    (["The vote passed on Monday."], ["Rain is expected tomorrow."], ["added", "deleted"]),
    (["‘Quoted’ words here."], ["'Quoted' words here."], ["unchanged"]),
]


@pytest.mark.parametrize(("old", "new", "labels"), CASES)
def test_labels(old: list[str], new: list[str], labels: list[str]) -> None:
    """Each row carries the label a person would give the sentence pair."""
    assert [pair.label for pair in match_sentences(old, new)] == labels


def test_every_sentence_of_both_versions_appears_once() -> None:
    """No sentence is dropped or doubled: old and new indices each cover their whole list."""
    old = split_sentences(["One. Two was here. Three.", "Four is long enough to edit."])
    new = split_sentences(["Two was here today. Zero.", "Four is long enough to edit now."])
    pairs = match_sentences(old, new)
    assert sorted(p.old_index for p in pairs if p.old_index is not None) == list(range(len(old)))
    assert sorted(p.new_index for p in pairs if p.new_index is not None) == list(range(len(new)))


def test_split_keeps_original_text_and_paragraph_order() -> None:
    """Sentences come out in reading order, with the page's own quotes and case."""
    assert split_sentences(["He said “no.” Then   left.", "Next para."]) == [
        "He said “no.”",
        "Then left.",
        "Next para.",
    ]
