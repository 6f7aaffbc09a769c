"""Page mode and article-mode media extraction (worker.extract.page, .media, .elements)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.configs import write_config
from worker.config import load_settings
from worker.errors import ConfigError
from worker.extract import extract_article
from worker.models import Article

URL = "https://www.example.gov/statistics/air"


def page(main: str, head: str = "", outside: str = "") -> str:
    """A page with site chrome around ``main``."""
    return (
        f"<html><head><title>Air statistics</title>{head}</head><body>"
        '<header><nav><a href="/">Home</a><a href="/news">News</a></nav></header>'
        f"<main>{main}</main>{outside}"
        "<footer><p>Contact us</p><p>© 2026 Ministry</p></footer></body></html>"
    )


DATASET = page(
    "<h1>Air quality statistics</h1>"
    "<p>Annual concentrations of fine particles measured at 142 stations across the country.</p>"
    "<h2>Data</h2><table><tr><th>Region</th><th>PM2.5</th></tr><tr><td>North</td><td>7.8</td>"
    "</tr></table>"
    '<ul><li><a href="/files/air.csv?utm_source=site">View this dataset</a></li></ul>',
    head='<script type="application/ld+json">{"@type": "Dataset", "name": "Air"}</script>',
)


def test_page_mode_keeps_the_main_region_in_reading_order() -> None:
    """Headings, paragraphs, table rows and list items come out in order; chrome stays out."""
    article = extract_article(DATASET, URL, mode="page")
    assert article.mode == "page"
    assert article.paragraphs == (
        "Air quality statistics",
        "Annual concentrations of fine particles measured at 142 stations across the country.",
        "Data",
        "Region | PM2.5",
        "North | 7.8",
        "View this dataset",
    )
    assert article.headings == ("Air quality statistics", "Data")
    (link,) = article.links
    assert (link.href, link.text, link.document) == (
        "https://www.example.gov/files/air.csv",
        "View this dataset",
        True,
    )


def test_auto_reads_a_dataset_page_as_a_page_and_a_news_story_as_an_article() -> None:
    """``auto`` picks page mode without article signals, article mode with NewsArticle JSON-LD."""
    assert extract_article(DATASET, URL, mode="auto").mode == "page"
    prose = "".join(
        f"<p>{'Paragraph of running prose about the council budget. ' * 4}</p>" for _ in range(4)
    )
    story = page(
        f"<article><h1>Budget passed</h1>{prose}</article>",
        head='<script type="application/ld+json">{"@type": "NewsArticle"}</script>',
    )
    assert extract_article(story, URL, mode="auto").mode == "article"
    assert extract_article(DATASET, URL).mode == "article"  # the function's default


@pytest.mark.parametrize(
    "furniture",
    [
        "<p>Last updated: 28 November 2026</p>",
        "<p>Page last reviewed: 3 March 2026 at 10:31</p>",
        "<p>Views: 18,204</p>",
        "<p>1,204 views</p>",
        '<div class="share"><a href="https://twitter.com/intent/tweet?u=x">Share on X</a></div>',
        '<div class="carousel"><p>Rotating teaser about something else entirely</p></div>',
        '<div aria-live="polite"><p>Live ticker 142.38</p></div>',
        '<p style="display:none">Hidden text the reader never sees</p>',
        '<div class="x"><h2>Latest news</h2><ul><li><a href="/n/1">Minister visits</a></li>'
        "</ul></div>",
        '<img src="/pixel.gif" width="1" height="1" alt="">',
    ],
)
def test_page_furniture_is_not_watched(furniture: str) -> None:
    """Stamps, counters, share links, teasers, live and hidden parts add nothing to the view."""
    plain = extract_article(DATASET, URL, mode="page")
    busy = extract_article(
        DATASET.replace("<h2>Data</h2>", f"{furniture}<h2>Data</h2>"), URL, mode="page"
    )
    assert (busy.paragraphs, busy.links, busy.images) == (
        plain.paragraphs,
        plain.links,
        plain.images,
    )


def test_a_stamp_glued_to_a_sentence_is_cut_off_the_block() -> None:
    """ "... (PDF). Last updated 3 May 2026" keeps the sentence and drops the stamp."""
    html = page(
        "<p>The register lists every licensed site. Last updated 3 May 2026</p>"
        "<p>More text here.</p>"
    )
    article = extract_article(html, URL, mode="page")
    assert article.paragraphs[0] == "The register lists every licensed site."


def test_lazy_images_are_read_from_their_real_source() -> None:
    """A placeholder ``src`` with ``data-src`` gives the real image, with its alt text."""
    html = page(
        '<img src="data:image/gif;base64,R0lGOD" data-src="/img/hero-1600x600.jpg?v=3" alt="Haze">'
        "<p>Annual concentrations of fine particles measured at 142 stations.</p>"
    )
    (image,) = extract_article(html, URL, mode="page").images
    assert (image.src, image.alt, image.lead) == (
        "https://www.example.gov/img/hero-1600x600.jpg",
        "Haze",
        True,
    )


def test_page_without_a_main_element_drops_header_and_footer() -> None:
    """Without ``<main>`` the whole body is read, minus header, nav and footer."""
    html = page("").replace(
        "<main></main>", "<div><p>Statement text that matters to readers.</p></div>"
    )
    assert extract_article(html, URL, mode="page").paragraphs == (
        "Statement text that matters to readers.",
    )


ARTICLE = """<html><head><meta property="og:type" content="article"></head><body><article>
<h1>Watchdog finds cladding unsafe</h1>
<figure><img src="https://img1.cdn.example.com/2026/tower.jpg?w=800" alt="A tower block"></figure>
<div class="article-body">
<p>More than 400 residential towers in England still have unsafe cladding, the report found.</p>
<p>The full findings are in the <a href="https://nao.example.gov/report.pdf?utm_source=x">audit
report</a>, which examined 1,240 buildings across the country over two years.</p>
<p><a href="https://nao.example.gov/data.xlsx">Download the data (XLSX, 2 MB)</a></p>
<blockquote class="twitter-tweet"><p>Nine years on.</p>
<a href="https://twitter.com/g/status/186?ref_src=t">Nov 30</a></blockquote>
<p>A spokesperson for the ministry said remediation was being accelerated across the country.</p>
<aside class="related"><a href="/other-story">Other story</a></aside>
<figure><img src="https://img2.cdn.example.com/2026/chart.png" alt="Progress chart"></figure>
<p>Councils said they lacked the enforcement staff to chase owners who refused to start work.</p>
</div></article></body></html>"""


def test_article_mode_keeps_lead_image_body_links_and_embeds() -> None:
    """The lead photo, inline images, links in paragraphs, document links and a tweet are kept."""
    article = extract_article(ARTICLE, "https://news.example.com/uk/cladding", mode="article")
    lead, chart = article.images
    assert lead.lead and lead.alt == "A tower block" and lead.src.endswith("/2026/tower.jpg")
    assert not chart.lead and chart.alt == "Progress chart" and chart.paragraph is not None
    assert [(link.href, link.document) for link in article.links] == [
        ("https://nao.example.gov/report.pdf", True),
        ("https://nao.example.gov/data.xlsx", True),
    ]
    assert article.links[0].paragraph == 1
    (embed,) = article.embeds
    assert (embed.kind, embed.src) == ("post", "https://twitter.com/g/status/186")


def test_watch_mode_is_validated_with_file_and_path(tmp_path: Path) -> None:
    """``mode`` accepts page, article or auto; anything else names the file and entry."""
    config = write_config(tmp_path, [{"url": "https://a.example/x", "mode": "pages"}])
    with pytest.raises(ConfigError) as caught:
        load_settings(config, env={})
    assert "watches.yaml: watches[0].mode: Input should be 'page', 'article' or 'auto'" in str(
        caught.value
    )
    config = write_config(tmp_path, [{"url": "https://a.example/x", "mode": "page"}])
    assert load_settings(config, env={}).watches[0].mode == "page"
    config = write_config(tmp_path, [{"url": "https://a.example/x"}])
    assert load_settings(config, env={}).watches[0].mode == "auto"


def test_broken_documents_still_give_an_empty_article_in_page_mode() -> None:
    """Junk input in page mode yields an empty result, never an exception."""
    for junk in (b"", b"\x00\xff\xfe", "<html><body>" + "<div>" * 3000):
        assert isinstance(extract_article(junk, URL, mode="page"), Article)


@pytest.mark.parametrize(
    ("block", "kept"),
    [
        (
            "Published 3 March 2025 Last updated 28 November 2026 — see all updates",
            "— see all updates",
        ),
        ("Last modified: Tue, 12/01/2026 - 10:31", ""),
        ("Updated 2026-12-01T10:31:00Z", ""),
        (
            "The register lists every licensed site. Last updated 3 May 2026",
            "The register lists every licensed site.",
        ),
        ("The report was published on 3 May 2026.", "The report was published on 3 May 2026."),
        ("Minutes, 14 October 2026 PDF, 210 KB", "Minutes, 14 October 2026 PDF, 210 KB"),
        ("Agenda PDF, 120 KB Downloaded 48 times", "Agenda PDF, 120 KB"),
    ],
)
def test_stamps_and_counters_leave_the_sentences_around_them(block: str, kept: str) -> None:
    """Page stamps and counters go; a sentence that mentions a date is text and stays."""
    html = page(f"<p>{block}</p><p>Annual concentrations measured at 142 stations.</p>")
    paragraphs = extract_article(html, URL, mode="page").paragraphs
    assert paragraphs == ((kept,) if kept else ()) + (
        "Annual concentrations measured at 142 stations.",
    )


def test_teaser_images_and_ad_frames_are_not_body_media() -> None:
    """A card linking to another story and an ad or recommendation frame are left out; an
    image linked to its own full-size file (a lightbox) stays."""
    extra = (
        '<p><a href="/other-story"><img src="https://img.example.com/teaser.jpg" alt="Other"></a>'
        " Councils said they lacked the enforcement staff to chase owners, the report found.</p>"
        '<a href="https://img.example.com/big/site.jpg"><img src="https://img.example.com/site.jpg"'
        ' alt="The site"></a>'
        '<iframe src="https://cd.connatix.com/embed?playlist=1"></iframe>'
        '<iframe src="https://tpc.googlesyndication.com/safeframe/1-0-40/html/container.html">'
        "</iframe>"
    )
    html = ARTICLE.replace("</div></article>", f"{extra}</div></article>")
    article = extract_article(html, "https://news.example.com/uk/cladding", mode="article")
    assert [image.alt for image in article.images] == [
        "A tower block",
        "Progress chart",
        "The site",
    ]
    assert [embed.kind for embed in article.embeds] == ["post"]


_SECTIONS = (
    "<html><body><nav><a href='/'>Home</a></nav><article><h1>Three plans compared</h1>"
    "<div class='entry'>"
    "<p>We tried three subscription plans for a month each and kept notes on every bill.</p>"
    "<h2>Basic</h2><p>Price: 9.99 per month, billed yearly, cancel at any time.</p>"
    "<figure><img src='https://img.example.com/basic.jpg' alt='Basic'></figure>"
    "<p>The basic plan covers one person and the essentials, with no family sharing.</p>"
    "<h2>Family</h2><p>Price: 9.99 per month, billed yearly, cancel at any time.</p>"
    "<figure><img src='https://img.example.com/family.jpg' alt='Family'></figure>"
    "<p>The family plan covers up to six people, each with a profile of their own and"
    " <a href='https://plans.example.com/family'>its own settings page</a>.</p>"
    "</div></article></body></html>"
)


def test_media_are_placed_where_the_body_walk_read_each_paragraph() -> None:
    """Short headings are headings, and an image follows the copy of a repeated line in its
    own section: the walk says which element each paragraph came from, where looking the
    text up again finds only lines of 12 characters or more, and the first of two copies."""
    article = extract_article(_SECTIONS, "https://news.example.com/plans", mode="article")
    assert article.headings == ("Basic", "Family")
    price = "Price: 9.99 per month, billed yearly, cancel at any time."
    assert [index for index, text in enumerate(article.paragraphs) if text == price] == [2, 5]
    assert [(image.alt, image.paragraph) for image in article.images] == [
        ("Basic", 2),
        ("Family", 5),
    ]
    assert [(link.href, link.paragraph) for link in article.links] == [
        ("https://plans.example.com/family", 6)
    ]


def test_one_query_finds_every_social_embed_the_embed_reader_knows() -> None:
    """Article mode's single media query asks for social posts by tag and class in two ways
    (blockquotes by any class, divs by the class list): every tag and class pairing that
    ``embed_source`` reads as a post is found by it."""
    from selectolax.lexbor import LexborHTMLParser

    from worker.extract.elements import embed_source
    from worker.extract.page_rules import MEDIA_QUERY, SOCIAL_EMBED_CLASSES, SOCIAL_EMBED_TAGS

    for tag in SOCIAL_EMBED_TAGS:
        for name in sorted(SOCIAL_EMBED_CLASSES):
            html = f"<{tag} class='x {name}' cite='https://social.example/p/1'>post</{tag}>"
            (node,) = [n for n in LexborHTMLParser(html).css(MEDIA_QUERY) if n.tag == tag]
            assert embed_source(node, tag, "https://news.example.com/") is not None


_RUNS = (
    "<html><body><article><h1>What goes in the folder</h1><div class='entry'>"
    "<p>Every repository can hold a folder of settings that the hosting service reads.</p>"
    "<ul><li>agents/: every file in here configures an assistant; see "
    "<a href='https://examples.example.org/agents'>a list of example agents</a> to start."
    "<ul><li>one file per agent, named after it</li><li>plain text, no code at all</li></ul>"
    "</li></ul>"
    "<div>Tags: <a href='/t/a'>alpha</a> <a href='/t/b'>beta</a> <a href='/t/c'>gamma</a>"
    "<p>The folder is optional, and nothing breaks when it is missing from a project.</p>"
    "The service reads it on every push, so a change applies to the next build.</div>"
    "</div></article></body></html>"
)


def test_links_in_a_run_of_text_beside_blocks_keep_their_paragraph() -> None:
    """A link in text set directly in a list item that also holds a list is the item's
    paragraph's link; the links of a run the body dropped as mostly links (a tag row) are not
    handed to the holder's other run."""
    article = extract_article(_RUNS, "https://news.example.com/folder", mode="article")
    item = next(i for i, text in enumerate(article.paragraphs) if text.startswith("agents/"))
    assert [(link.href, link.paragraph) for link in article.links] == [
        ("https://examples.example.org/agents", item)
    ]


def _story(number: int, extra: str = "") -> str:
    """A long sentence of its own (each opens differently, so none is read as a repeat)."""
    word = ("Bravo", "Charlie", "Delta", "Echo", "Foxtrot", "Golf", "Hotel", "India")[number]
    return (
        f"{word} paragraph opens here with distinct words number {number}: the council met on"
        f" Tuesday and agreed the budget for the coming year.{extra}"
    )


def test_images_in_runs_of_text_are_placed_at_their_own_paragraph() -> None:
    """An image set among the text of a ``div.p`` (slashdot's body) follows that paragraph:
    not the one before it, and the first one is no lead image."""
    from worker.models import Selectors, SiteProfile

    divs = "".join(
        f"<div class='p'>{_story(n)} <a href='/l{n}'>x{n}</a>"
        f" <img src='/img{n}.jpg' width=600 height=400> tail text here.</div>"
        for n in range(4)
    )
    html = f"<html><body><article><h1>Headline</h1><div class='body'>{divs}</div></article>"
    profile = SiteProfile("news.example.com", Selectors(body="div.body > div.p"))
    article = extract_article(html + "</body></html>", "https://news.example.com/s", profile)
    assert len(article.paragraphs) == 4
    assert [
        (image.src.rsplit("/", 1)[1], image.lead, image.paragraph) for image in article.images
    ] == [(f"img{n}.jpg", False, n) for n in range(4)]


def test_links_in_a_run_split_at_blank_lines_keep_their_own_paragraph() -> None:
    """``text<br><br>text`` set directly in a ``<div>`` is two paragraphs: the link after the
    break is the second one's."""
    divs = "".join(
        f"<div class='x'>{_story(2 * n)} <a href='/first{n}'>f</a><br><br>"
        f"{_story(2 * n + 1)} <a href='/second{n}'>s</a></div>"
        for n in range(3)
    )
    html = f"<html><body><article><h1>Headline</h1>{divs}</article></body></html>"
    article = extract_article(html, "https://news.example.com/s", mode="article")
    assert len(article.paragraphs) == 6
    assert [(link.href.rsplit("/", 1)[1], link.paragraph) for link in article.links] == [
        (f"{kind}{n}", 2 * n + (kind == "second")) for n in range(3) for kind in ("first", "second")
    ]


def test_links_in_a_paragraph_split_at_blank_lines_keep_their_own_paragraph() -> None:
    """``<p>text<br><br>text <a>`` is two paragraphs: its link is the second one's, and an
    image after the ``<p>`` follows the second."""
    html = (
        f"<html><body><article><h1>Headline</h1><p>{_story(0)}</p>"
        f"<p>{_story(1)}<br><br>{_story(2)} <a href='/second'>second</a></p>"
        f"<img src='/after.jpg' width=600 height=400><p>{_story(3)}</p><p>{_story(4)}</p>"
        "</article></body></html>"
    )
    article = extract_article(html, "https://news.example.com/s", mode="article")
    assert len(article.paragraphs) == 5
    assert [(link.href.rsplit("/", 1)[1], link.paragraph) for link in article.links] == [
        ("second", 2)
    ]
    assert [(image.src.rsplit("/", 1)[1], image.paragraph) for image in article.images] == [
        ("after.jpg", 2)
    ]


def test_a_body_of_lines_in_one_div_keeps_its_media() -> None:
    """A body set as ``<br><br>``-separated lines in one ``<div>`` is one walked block of
    several paragraphs: its links and images are still placed (there is no ``<p>`` to search)."""
    lines = "<br><br>".join(f"{_story(n)} <a href='/r{n}'>r{n}</a>" for n in range(4))
    html = (
        f"<html><body><article><h1>Headline</h1><div class='story'>{lines}<br>"
        f"<img src='/mid.jpg' width=600 height=400><br>{_story(4)}</div></article></body></html>"
    )
    article = extract_article(html, "https://news.example.com/s", mode="article")
    assert len(article.paragraphs) == 5
    assert [(link.href.rsplit("/", 1)[1], link.paragraph) for link in article.links] == [
        (f"r{n}", n) for n in range(4)
    ]
    assert [(image.src.rsplit("/", 1)[1], image.paragraph) for image in article.images] == [
        ("mid.jpg", 3)
    ]


def test_a_link_after_a_dropped_line_keeps_its_own_paragraph() -> None:
    """The body says where it read each paragraph: in ``<p>a<br><br>Share this
    article<br><br>c <a>``, whose middle line the body drops as chrome, the link is c's."""
    html = (
        f"<html><body><article><h1>Headline</h1><p>{_story(0)}</p>"
        f"<p>{_story(1)}<br><br>Share this article<br><br>{_story(2)} <a href='/third'>c</a></p>"
        f"<p>{_story(3)}</p><p>{_story(4)}</p></article></body></html>"
    )
    article = extract_article(html, "https://news.example.com/s", mode="article")
    assert [text.split()[0] for text in article.paragraphs] == [
        "Bravo",
        "Charlie",
        "Delta",
        "Echo",
        "Foxtrot",
    ]
    assert [(link.href.rsplit("/", 1)[1], link.paragraph) for link in article.links] == [
        ("third", 2)
    ]
