"""worker.extract: HTML -> Article on the demo site's seed pages and on small targeted pages."""

from __future__ import annotations

import json
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from worker.demo.seed import seed_article
from worker.demo.site import ARTICLE_SLUGS, render_article
from worker.extract import EXTRACTOR_VERSION, extract_article
from worker.models import Article, Selectors, SiteProfile

VOX = "why-russia-just-sent-troops-to-venezuela"


def _render(slug: str, capture: int = 1, seed: int = 1) -> Article:
    html = render_article(slug, capture, rng=random.Random(seed))
    return extract_article(html, f"http://127.0.0.1:8088/x/{slug}")


@pytest.mark.parametrize("slug", ARTICLE_SLUGS)
def test_seed_page_yields_the_seed_article(slug: str) -> None:
    """Headline, every body paragraph in order, and the captions come out of a noisy page."""
    expected = seed_article(slug, 1)
    article = _render(slug)
    assert article.headline == expected.headline
    assert article.paragraphs[0] == expected.paragraphs[0]
    assert article.paragraphs[-1] == expected.paragraphs[-1]
    assert article.paragraphs == expected.paragraphs
    assert article.captions == expected.captions


@pytest.mark.parametrize("slug", ARTICLE_SLUGS)
def test_seed_page_body_has_no_page_furniture(slug: str) -> None:
    """Share counters, related links, relative dates, ads and teasers stay out of the body."""
    expected = seed_article(slug, 1)
    body = _render(slug).body_text
    for teaser in expected.teasers:
        assert teaser not in body.split("\n\n")
    for furniture in ("minutes ago", "Shares", "Advertisement", "Min Read", "Related Coverage"):
        assert furniture not in body
    assert "cookies" not in body


@pytest.mark.parametrize("slug", ARTICLE_SLUGS)
def test_seed_page_metadata(slug: str) -> None:
    """Standfirst, byline, publication date, language and canonical URL are found."""
    expected = seed_article(slug, 1)
    article = _render(slug)
    assert article.subheadline == expected.dek
    assert article.byline
    assert article.byline.split(",")[0].split(" in ")[0] in expected.byline
    assert article.published == expected.published
    assert article.language == expected.language
    assert article.canonical_url.endswith(slug)


def test_seed_capture_two_loses_the_vox_caption() -> None:
    """The one real edit between the seed captures (a removed caption) is visible."""
    assert _render(VOX, 1).captions
    assert _render(VOX, 2).captions == ()
    assert _render(VOX, 2).paragraphs == _render(VOX, 1).paragraphs


def test_json_ld_graph_supplies_metadata() -> None:
    """A NewsArticle inside @graph gives headline, authors and both dates."""
    ld = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "WebSite", "name": "Example"},
            {
                "@type": ["NewsArticle"],
                "headline": "Council approves the new bridge",
                "author": [{"@type": "Person", "name": "Ana Lima"}, {"name": "Bo Chen"}],
                "datePublished": "2025-01-02T03:04:05Z",
                "dateModified": "2025-01-03T00:00:00Z",
            },
        ],
    }
    page = _page(
        _paragraphs(4), head=f'<script type="application/ld+json">{json.dumps(ld)}</script>'
    )
    article = extract_article(page)
    assert article.headline == "Council approves the new bridge"
    assert article.byline == "Ana Lima, Bo Chen"
    assert article.published == "2025-01-02T03:04:05Z"
    assert article.modified == "2025-01-03T00:00:00Z"


def test_truncated_article_body_does_not_replace_the_dom() -> None:
    """A JSON-LD articleBody shorter than the page's text is not trusted over the DOM."""
    ld = {"@type": "NewsArticle", "headline": "H", "articleBody": "Only the first sentence."}
    page = _page(
        _paragraphs(5), head=f'<script type="application/ld+json">{json.dumps(ld)}</script>'
    )
    assert len(extract_article(page).paragraphs) == 5


def test_article_body_fills_in_when_the_dom_has_no_text() -> None:
    """A script-rendered page with an empty DOM still yields the JSON-LD articleBody."""
    body = "First paragraph of the story, long enough.\n\nSecond paragraph of the story."
    ld = {"@type": "NewsArticle", "headline": "H", "articleBody": body}
    page = _page(
        "<div id='app'></div>", head=f'<script type="application/ld+json">{json.dumps(ld)}</script>'
    )
    assert extract_article(page).paragraphs == (
        "First paragraph of the story, long enough.",
        "Second paragraph of the story.",
    )


def test_article_body_markup_escaped_twice_is_still_read_as_markup() -> None:
    """``&amp;lt;p&amp;gt;`` in articleBody is a paragraph tag escaped twice, never text."""
    body = (
        "&amp;lt;p&amp;gt;First paragraph, AT&amp;amp;amp;T.&amp;lt;/p&amp;gt;"
        "&amp;lt;p&amp;gt;Second.&amp;lt;/p&amp;gt;"
    )
    ld = {"@type": "NewsArticle", "headline": "H", "articleBody": body}
    page = _page(
        "<div id='app'></div>", head=f'<script type="application/ld+json">{json.dumps(ld)}</script>'
    )
    assert extract_article(page).paragraphs == ("First paragraph, AT&T.", "Second.")


def test_boilerplate_inside_the_article_is_dropped() -> None:
    """Share bars, related links, newsletter promos and 'Read more' teasers inside the winner."""
    body = (
        _paragraphs(3)
        + '<div class="share-bar"><a href="#">Share on Facebook</a> 1,204 shares</div>'
        + '<div class="related-links"><h3>Related</h3><ul><li><a href="/a">Other story one</a></li>'
        + '<li><a href="/b">Other story two</a></li></ul></div>'
        + '<aside class="newsletter">Sign up for our daily newsletter</aside>'
        + "<p><a href='/c'>Read more: why bridges fall down in the winter months</a></p>"
        + _paragraphs(2, start=3)
    )
    article = extract_article(_page(f"<article>{body}</article>"))
    assert article.paragraphs == tuple(_paragraph_text(i) for i in range(5))


def test_figure_captions_go_to_captions_not_body() -> None:
    """Article captions are their own field; captions in a side rail are not the article's."""
    body = _paragraphs(2) + (
        '<figure><img src="x.jpg"><figcaption>The bridge at dawn. Photo: A. Lima</figcaption>'
        "</figure>"
    )
    rail = (
        '<aside class="most-viewed"><figure><img src="y.jpg"><figcaption>Teaser photo that '
        "rotates on every load</figcaption></figure></aside>"
    )
    article = extract_article(_page(f"<article>{body}{_paragraphs(2, start=2)}</article>{rail}"))
    assert article.captions == ("The bridge at dawn. Photo: A. Lima",)
    assert "The bridge at dawn" not in article.body_text


@pytest.mark.parametrize("box", ["div", "span"])
@pytest.mark.parametrize("name", ["caption", "wp-caption-text", "image-caption", "photo-caption"])
def test_a_caption_box_beside_an_image_is_a_caption(box: str, name: str) -> None:
    """Div-soup layouts caption photos with a classed box next to the <img>, not <figcaption>."""
    photo = (
        f'<div class="img-wrap"><img src="/p.jpg"><{box} class="x {name}">Divers search the '
        f"harbour on Monday.</{box}></div>"
    )
    page = _page(f'<div class="story">{photo}<div class="content">{_paragraphs(4)}</div></div>')
    article = extract_article(page)
    assert article.captions == ("Divers search the harbour on Monday.",)
    assert "Divers search" not in article.body_text


def test_a_caption_class_on_a_box_without_an_image_is_not_a_caption() -> None:
    """The class alone is not enough: a box named 'caption' with no image beside it is no
    photo caption (a promo strip, a layout wrapper)."""
    strip = '<div class="caption">Sign up for the morning briefing.</div>'
    page = _page(f"<article>{strip}{_paragraphs(3)}</article>")
    assert extract_article(page).captions == ()


def test_caption_line_breaks_do_not_glue_words() -> None:
    """``<br>`` inside a caption reads as a space."""
    body = _paragraphs(3) + "<figure><figcaption>The bridge<br>at dawn</figcaption></figure>"
    assert extract_article(_page(f"<article>{body}</article>")).captions == ("The bridge at dawn",)


def test_subheadings_stay_in_order_within_the_body() -> None:
    """Sub-headings are body items of their own, between the paragraphs they separate."""
    body = _paragraphs(2) + "<h2>What happens next</h2>" + _paragraphs(2, start=2)
    article = extract_article(_page(f"<article>{body}</article>"))
    assert article.paragraphs[2] == "What happens next"
    assert len(article.paragraphs) == 5


def test_line_breaks_do_not_glue_words() -> None:
    """``first<br>second`` reads as two words, not ``firstsecond``."""
    body = "<p>" + _paragraph_text(0) + "<br>second line of the same paragraph here</p>"
    article = extract_article(_page(f"<article>{body}{_paragraphs(2, start=1)}</article>"))
    assert "number 0. second line" in article.paragraphs[0]


@given(st.text(max_size=2000))
@settings(max_examples=200, deadline=None)
def test_arbitrary_text_never_crashes(junk: str) -> None:
    """Whatever text the server sends, extraction returns an Article (possibly empty)."""
    assert isinstance(extract_article(junk, "http://example.com/x"), Article)


@given(st.text(alphabet=st.sampled_from("<>/=\"' abpdivh1&;#x\n"), max_size=400))
@settings(max_examples=200, deadline=None)
def test_tag_soup_never_crashes(soup: str) -> None:
    """Broken, half-closed markup yields an Article, never an exception."""
    assert isinstance(extract_article(soup), Article)


def test_absurdly_nested_markup_still_yields_the_text() -> None:
    """Thousands of nested wrappers neither crash the walk nor hide the paragraphs."""
    page = "<div>" * 3000 + _paragraphs(3) + "</div>" * 3000
    assert extract_article(page).paragraphs == tuple(_paragraph_text(i) for i in range(3))


def test_empty_input_gives_an_empty_article() -> None:
    """Nothing in, empty fields out; the URL is kept so the failure can be traced."""
    assert extract_article("", "http://example.com/a") == Article(
        canonical_url="http://example.com/a"
    )


def test_extractor_version_is_stored_with_versions() -> None:
    """Versions record which extractor produced them, so a re-extraction can be explained."""
    assert EXTRACTOR_VERSION.startswith("editwatch-extract/")


def test_profile_selectors_override_the_generic_path() -> None:
    """A site profile picks the body and headline and drops what it excludes."""
    page = _page(
        '<div class="teaser">'
        + _paragraphs(6, start=10)
        + '</div><div class="story"><h2 class="hed">Real headline</h2>'
        + _paragraphs(2)
        + '<p class="promo">Promo line that the profile excludes from the story body</p></div>'
    )
    selectors = Selectors(headline=".hed", body=".story", exclude=(".promo",))
    article = extract_article(page, profile=SiteProfile("example.com", selectors))
    assert article.headline == "Real headline"
    assert article.paragraphs == (_paragraph_text(0), _paragraph_text(1))


def test_a_broken_profile_selector_falls_back_to_the_generic_path() -> None:
    """A typo in a site profile's selector degrades to generic extraction, not to nothing."""
    page = _page(f"<article><h1>Bridge vote</h1>{_paragraphs(3)}</article>")
    selectors = Selectors(headline="h1[[[", body="div[[[", exclude=("::nope(",))
    article = extract_article(page, profile=SiteProfile("example.com", selectors))
    assert article.headline == "Bridge vote"
    assert article.paragraphs == tuple(_paragraph_text(i) for i in range(3))


@pytest.mark.parametrize(
    "run",
    [
        "<b>Maria Lima</b> <i>council member</i> said the bridge vote was close",
        "<b>Maria Lima</b>\n  <script>track()</script>\n  <i>council member</i> said the bridge "
        "vote was close",
    ],
)
def test_inline_runs_outside_paragraphs_keep_their_spaces(run: str) -> None:
    """Text set in bare containers keeps the space between inline elements (``<b>a</b> <i>b``)."""
    article = extract_article(_page(f"<article>{_paragraphs(3)}<div>{run}</div></article>"))
    assert article.paragraphs[-1] == "Maria Lima council member said the bridge vote was close"


def _headline_of(h1: str) -> str:
    return extract_article(_page(f"<article><h1>{h1}</h1>{_paragraphs(3)}</article>")).headline


@pytest.mark.parametrize(
    ("h1", "shown"),
    [
        ("First line<br>second line", "First line second line"),
        (
            "<div>What it is not.</div><div>Defining a tutor</div>",
            "What it is not. Defining a tutor",
        ),
        ("<span>What it is not.</span><p>Defining a tutor</p>", "What it is not. Defining a tutor"),
        ("The <em>big</em>gest vote", "The biggest vote"),
    ],
)
def test_headline_words_on_separate_lines_are_not_glued(h1: str, shown: str) -> None:
    """Heading parts the page sets on lines of their own read as separate words; inline
    markup inside a word does not split it."""
    assert _headline_of(h1) == shown


def test_headline_entity_escaped_twice_is_decoded() -> None:
    """``&amp;#x26;`` in the source (escaped twice) shows as ``&``, not as ``&#x26;``."""
    assert _headline_of("Tools for 2026 | Python, SQL &amp;#x26; AI") == (
        "Tools for 2026 | Python, SQL & AI"
    )


def test_headline_label_prefix_is_dropped() -> None:
    """A label set before the headline (arXiv's ``Title:``) is not part of the headline."""
    h1 = '<span class="descriptor">Title:</span>Attention Is All You Need'
    assert _headline_of(h1) == "Attention Is All You Need"


@pytest.mark.parametrize(
    "garbled",
    ["Investor\u00e2\u0080\u0099s guide", "Investor\u00e2\u20ac\u2122s guide"],
    ids=["latin-1", "cp1252"],
)
def test_utf8_read_as_a_single_byte_charset_is_repaired(garbled: str) -> None:
    """UTF-8 shown as Latin-1/cp1252 (``Investor\\u00e2\\u0080\\u0099s``) is repaired in the
    headline and the body."""
    text = f"The {garbled} is " + _paragraph_text(0)
    page = _page(f"<article><h1>A DIY {garbled}</h1><p>{text}</p>{_paragraphs(2)}</article>")
    article = extract_article(page)
    assert article.headline == "A DIY Investor\u2019s guide"
    assert article.paragraphs[0] == "The Investor\u2019s guide is " + _paragraph_text(0)


def test_accented_text_is_not_mistaken_for_garbled_text() -> None:
    """Real accents and symbols (``à``, ``€``, ``Â``) stay as written."""
    text = "Ça coûte 5 € à Genève, dit Âge Tendre, à l'Académie voilà\u00a0» " + _paragraph_text(0)
    page = _page(f"<article><h1>Café à Genève</h1><p>{text}</p>{_paragraphs(2)}</article>")
    article = extract_article(page)
    assert article.headline == "Café à Genève"
    assert article.paragraphs[0] == text.replace("\u00a0", " ")


# --- helpers ---------------------------------------------------------------------------------
def _paragraph_text(index: int) -> str:
    return (
        f"Paragraph {index} of the story says something specific about the council's bridge "
        f"vote, with enough words to look like real article prose, number {index}."
    )


def _paragraphs(count: int, start: int = 0) -> str:
    return "".join(f"<p>{_paragraph_text(i)}</p>" for i in range(start, start + count))


def _page(body: str, head: str = "", charset: str = "utf-8") -> str:
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="{charset}"><title>T</title>{head}'
        '</head><body><nav><a href="/">Home</a><a href="/world">World</a></nav>'
        f"<main>{body}</main><footer><p>© Example News, all rights reserved.</p></footer>"
        "</body></html>"
    )


def test_a_post_whose_only_lines_look_like_chrome_is_not_empty() -> None:
    """A two-line post whose lines read like chrome ("Read more...", "Sign up...") keeps them
    rather than coming back empty: an empty article is recorded as a lost page, not an edit."""
    lines = (
        "Read more about the council's plans for the bridge on Friday",
        "Sign up for the bridge walk on Saturday morning at the hall",
    )
    page = _page(f"<article><h1>Notice</h1><p>{lines[0]}</p><p>{lines[1]}</p></article>")
    assert extract_article(page).paragraphs == lines


def test_a_visible_second_copy_of_the_article_counts_once() -> None:
    """The article set twice on the page (a second, visible copy) yields each paragraph once,
    short lines of the copy included; a short line repeated away from the copy is kept."""
    body = _paragraphs(3) + "<p>Short line.</p>" + _paragraphs(1, start=3)
    tail = _paragraphs(1, start=4) + "<p>Short line.</p>"
    page = _page(f"<article><div>{body}</div><div>{body}</div>{tail}</article>")
    expected = [*(_paragraph_text(i) for i in range(3)), "Short line.", _paragraph_text(3)]
    expected += [_paragraph_text(4), "Short line."]
    assert extract_article(page).paragraphs == tuple(expected)


@pytest.mark.parametrize(
    "byline",
    [
        '<a rel="author" href="/staff/jane">Jane Reporter</a>, Staff Writer',
        '<span itemprop="author">Jane Reporter</span> in Leeds',
    ],
    ids=["rel-author", "itemprop-author"],
)
def test_an_author_paragraph_is_the_byline_not_paragraph_one(byline: str) -> None:
    """A paragraph holding rel=author or itemprop=author is the byline field, whatever its
    wording, so the lede stays paragraph 1."""
    article = extract_article(_page(f"<article><p>{byline}</p>{_paragraphs(3)}</article>"))
    assert article.paragraphs[0] == _paragraph_text(0)
    assert article.byline.startswith("Jane Reporter")


def test_an_article_shipped_hidden_for_a_script_to_reveal_is_still_read() -> None:
    """A page whose whole article sits in a hidden block (revealed by script) is not empty:
    hidden text only loses its vote when visible text remains to win."""
    page = _page(f"<div hidden><article>{_paragraphs(4)}</article></div><p>Loading…</p>")
    assert extract_article(page).paragraphs == tuple(_paragraph_text(i) for i in range(4))
