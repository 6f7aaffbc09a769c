"""The page-mode view as plain text (worker.render.render_article_view)."""

from __future__ import annotations

from dataclasses import replace

from worker.diff import compare
from worker.models import Article, Embed, Image, Link
from worker.render import render_article_view, render_text

VIEW = Article(
    headline="Board papers",
    mode="page",
    paragraphs=("Board papers", "Agenda, 9 December", "Minutes \x1b[31mred\x1b[0m"),
    headings=("Board papers",),
    images=(Image("https://x.gov/hero.jpg", "Hall", lead=True),),
    links=(Link("https://x.gov/agenda.pdf", "Agenda, 9 December", 1, True),),
    embeds=(Embed("https://www.youtube.com/embed/a", "video", "Meeting", None),),
)


def test_view_lists_blocks_then_images_links_and_embeds() -> None:
    """Headings are marked, and every image, link and embed says where it sits."""
    text = render_article_view(VIEW)
    assert text.startswith("mode: page\nheadline: Board papers\n")
    assert "\n## Board papers\nAgenda, 9 December\n" in text
    assert "  [lead] Hall <https://x.gov/hero.jpg>" in text
    assert "  [paragraph 2] Agenda, 9 December -> https://x.gov/agenda.pdf [document]" in text
    assert "  [before the text] video Meeting <https://www.youtube.com/embed/a>" in text


def test_view_strips_terminal_control_sequences() -> None:
    """Page text cannot smuggle escape sequences into the terminal."""
    assert "\x1b" not in render_article_view(VIEW)


def test_a_page_mode_change_is_announced_as_a_page_edit() -> None:
    """Alerts for a watched page say "Page edited", with the media sentence in the details."""
    new = replace(VIEW, links=(), images=(), embeds=())
    change = compare(VIEW, new)
    assert change is not None
    text = render_text(change, old=VIEW, new=new)
    assert text.startswith("Page edited: Board papers")
    assert "link to agenda.pdf ('Agenda, 9 December') removed from paragraph 2" in text
