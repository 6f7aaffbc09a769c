"""worker.extract headlines: the visible heading as shown; only the site's own name is stripped
from metadata titles, so an added tail ("X" -> "X – update") is a headline change."""

from __future__ import annotations

import json

import pytest

from worker.extract import extract_article

BODY = "".join(
    f"<p>Paragraph {i} of the story tells the council's bridge vote in words enough for prose.</p>"
    for i in range(3)
)


def _headline(body: str, head: str = "", url: str = "https://www.example-news.com/a/1") -> str:
    page = f"<html><head>{head}</head><body>{body}</body></html>"
    return extract_article(page, url).headline


def _meta(
    title: str = "", og: str = "", site: str = "", ld: dict[str, object] | None = None
) -> str:
    head = f"<title>{title}</title>" if title else ""
    head += f'<meta property="og:title" content="{og}">' if og else ""
    head += f'<meta property="og:site_name" content="{site}">' if site else ""
    if ld is not None:
        head += f'<script type="application/ld+json">{json.dumps(ld)}</script>'
    return head


@pytest.mark.parametrize(
    ("h1", "head", "shown"),
    [
        (
            "Bridge vote passes – update",
            _meta("Bridge vote passes | Daily", "Bridge vote passes"),
            "Bridge vote passes – update",
        ),
        (
            "Bridge vote passes — live",
            _meta(og="Bridge vote passes — live", site="Daily"),
            "Bridge vote passes — live",
        ),
        ("Bridge vote passes | Daily", _meta(site="Daily"), "Bridge vote passes | Daily"),
    ],
)
def test_visible_h1_is_kept_exactly_as_shown(h1: str, head: str, shown: str) -> None:
    """Nothing is stripped from the visible <h1>: a tail it gains is what readers see."""
    assert _headline(f"<article><h1>{h1}</h1>{BODY}</article>", head) == shown


@pytest.mark.parametrize(
    ("head", "url", "expected"),
    [
        (
            _meta(
                "Bridge vote passes – update | Daily Planet",
                "Bridge vote passes – update",
                "Daily Planet",
            ),
            "https://x.org/a",
            "Bridge vote passes – update",
        ),
        (
            _meta("Bridge vote passes – update | Daily Planet", site="Daily Planet"),
            "https://x.org/a",
            "Bridge vote passes – update",
        ),
        (
            _meta(
                "Daily Planet: Bridge vote passes – live",
                ld={"@type": "NewsArticle", "publisher": {"name": "Daily Planet"}},
            ),
            "https://x.org/a",
            "Bridge vote passes – live",
        ),
        (
            _meta("Bridge vote passes – live - Example News"),
            "https://www.example-news.com/a",
            "Bridge vote passes – live",
        ),
        (
            _meta("Bridge vote passes – live | BBC News"),
            "https://www.bbc.co.uk/a",
            "Bridge vote passes – live | BBC News",
        ),
        (
            _meta("Bridge vote passes – live | BBC"),
            "https://www.bbc.co.uk/a",
            "Bridge vote passes – live",
        ),
        (
            _meta("Bridge vote passes – what we know"),
            "https://x.org/a",
            "Bridge vote passes – what we know",
        ),
    ],
    ids=[
        "og-and-site-name",
        "site-name",
        "ld-publisher",
        "domain",
        "unknown-name",
        "domain-cc",
        "no-name",
    ],
)
def test_metadata_title_loses_only_the_sites_name(head: str, url: str, expected: str) -> None:
    """Without an <h1>, og:title/<title> stand in, minus the site's own name and nothing else."""
    assert _headline(f"<article>{BODY}</article>", head, url) == expected


def test_menu_and_overlay_h1s_are_not_the_headline() -> None:
    """<h1> labels in a mega-menu and a subscribe overlay give way to the page's own heading."""
    menu = (
        "<nav><ul><li><div><h1>First Steps</h1><h1>Details</h1><h1>Style</h1></div></li></ul></nav>"
    )
    overlay = '<div class="subscribe-overlay"><h1>Subscribe to the Daily Planet</h1></div>'
    page = f"{menu}<section><h1>Wedding planning checklist</h1></section><article>{BODY}</article>"
    head = _meta("Your wedding checklist: a planning guide")
    assert _headline(page + overlay, head) == "Wedding planning checklist"


def test_title_class_heading_beats_section_headings_set_as_h1() -> None:
    """A blog's h3.post-title that og:title backs is the headline, not the body's <h1> sections."""
    body = "<h1>Small is the new large</h1><p>x</p><h1>What is a SLM?</h1><p>y</p>"
    page = (
        '<h1 class="title">Engora Data Blog</h1><div class="post">'
        '<h3 class="post-title entry-title">Small adventures with small models</h3>'
        f'<div class="post-body">{BODY}{body}</div></div>'
    )
    head = _meta(
        "Engora Data Blog: Small adventures with small models", "Small adventures with small models"
    )
    assert _headline(page, head) == "Small adventures with small models"


def test_promo_h1_after_the_article_loses_to_its_title_heading() -> None:
    """A lone title-class heading before the article beats a promo <h1> placed after it."""
    page = (
        '<h3 class="sa-post-title">How the cloud runs inference</h3>'
        f'<div class="post-content">{BODY}<div class="after-content">'
        "<h1>A message from our co-founder:</h1></div></div>"
    )
    assert _headline(page, _meta(og="Cloud inference at scale - Silicon")) == (
        "How the cloud runs inference"
    )


def test_h1_backed_by_metadata_in_other_words_is_kept() -> None:
    """An <h1> whose words mostly match og:title wins over a second, unrelated <h1>."""
    page = f"<article><h1>A guide to calculators in 2025</h1>{BODY}</article><h1>Free course</h1>"
    head = _meta(og="A guide to calculators 2025 | White Coat")
    assert _headline(page, head) == "A guide to calculators in 2025"
