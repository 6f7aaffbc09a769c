"""worker.extract: lines that belong to other fields (bylines, datelines, reading times, share
rows) never become body paragraphs, in the languages news pages are written in; sentences that
merely mention such words stay."""

from __future__ import annotations

import pytest

from worker.extract import extract_article

PARAGRAPHS = "".join(
    f"<p>Paragraph {i} of the story tells the council's bridge vote in words enough for prose.</p>"
    for i in range(3)
)


def _body(line: str) -> tuple[str, ...]:
    article = f"<article><h1>Bridge vote</h1><p>{line}</p>{PARAGRAPHS}</article>"
    page = f"<html><body>{article}</body></html>"
    return extract_article(page).paragraphs


@pytest.mark.parametrize(
    "line",
    [
        "By Jane Reporter",
        "By Jane Reporter and John Smith | Updated 5 minutes ago",
        "Von Anna Müller",
        "Par Jean Dupont",
        "Updated 5 minutes ago",
        "vor 5 Minuten",
        "il y a 3 heures",
        "hace 2 horas",
        "4 min read",
        "Lesezeit: 3 Min.",
        "Published: Dec. 1, 2025 at 10:00 a.m. EST",
        "Aktualisiert am 3. März 2025, 14:05 Uhr",
        "2019年3月3日 10:00",
        "3 марта 2019",
        "Share: Facebook Twitter Email",
        "1,606 shares",
        "Comments (12)",
    ],
)
def test_field_lines_leave_the_body(line: str) -> None:
    """A byline, timestamp, reading time or share row set as a paragraph is not paragraph 1."""
    paragraphs = _body(line)
    assert line not in paragraphs
    assert paragraphs[0].startswith("Paragraph 0")


@pytest.mark.parametrize(
    "line",
    [
        "By the numbers, the council spent far more than it planned on the bridge.",
        "The council voted 5 minutes ago to approve the new bridge over the river.",
        "By Tuesday, the council voted.",
    ],
)
def test_sentences_that_mention_field_words_stay(line: str) -> None:
    """Article sentences that start like a byline or mention a time are kept as text."""
    assert _body(line)[0] == line
