"""The demo news site: the seed parsed exactly, noisy publisher pages, a switchable server."""

from __future__ import annotations

import dataclasses
import html
import json
import random
import re
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from selectolax.lexbor import LexborHTMLParser

from tests.waiting import wait_for
from worker.demo.seed import SeedArticle, load_seed, parse_seed, read_seed_text
from worker.demo.site import ARTICLE_SLUGS, DemoSite, render_article, render_seed_article

# The project's shared material sits beside the checkout (../shared), in CI too.
SEED_SOURCE = Path(__file__).resolve().parents[3] / "shared/seed/000_216fda9d4ad3e29a.txt"
SEED_LINES = read_seed_text().splitlines()
VOX_CAPTION = (
    "Russian Air Force personnel stand in front of a supersonic bomber aircraft upon landing at "
    "Maiquetia International Airport, just north of Caracas, on December 10, 2018. "
    "Federico Parra/AFP/Getty Images"
)
REUTERS, GUARDIAN, VOX = ARTICLE_SLUGS
ALL_PAGES = [(slug, capture) for capture in (1, 2) for slug in ARTICLE_SLUGS]


def _lines(*spans: int | tuple[int, int]) -> tuple[str, ...]:
    """Seed lines by 1-based number or inclusive (first, last) range, read independently."""
    picked: list[str] = []
    for span in spans:
        first, last = span if isinstance(span, tuple) else (span, span)
        picked.extend(SEED_LINES[first - 1 : last])
    return tuple(picked)


# Which seed lines are body paragraphs, captions and teasers, read off the seed by hand.
EXPECTED_BODY = [
    (1, REUTERS, _lines(7, 9, (11, 18), (20, 22)), _lines(8), _lines(10, 19, 23)),
    (1, GUARDIAN, _lines((33, 36), (39, 53), (56, 60)), _lines(32), _lines(37, 38, 54, 55)),
    (1, VOX, _lines((67, 91)), _lines(66), ()),
    (2, REUTERS, _lines(97, 99, (101, 108), (110, 112)), _lines(98), _lines(100, 109, 113)),
    (
        2,
        GUARDIAN,
        _lines((123, 126), (129, 143), (146, 150)),
        _lines(122),
        _lines(127, 128, 144, 145),
    ),
    (2, VOX, _lines((156, 180)), (), ()),
]


def _article(slug: str, capture: int) -> SeedArticle:
    return next(a for a in load_seed()[capture] if a.slug == slug)


def _page(slug: str, capture: int, seed: int | None = None) -> str:
    rng = random.Random(seed) if seed is not None else None
    return render_article(slug, capture, base_url="http://demo.test", rng=rng)


def _first(pattern: str, text: str) -> str:
    match = re.search(pattern, text)
    assert match is not None, pattern
    return match[1]


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8")


def _post(url: str) -> tuple[int, dict[str, object]]:
    request = urllib.request.Request(url, method="POST", data=b"")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.fixture
def site() -> Iterator[DemoSite]:
    with DemoSite() as running:
        yield running


def test_shipped_seed_is_the_shared_seed() -> None:
    """The package ships an unaltered copy of the seed the demo is built from."""
    if not SEED_SOURCE.exists():
        pytest.skip("shared seed not present on this machine")
    assert read_seed_text() == SEED_SOURCE.read_text(encoding="utf-8")


def test_seed_has_three_articles_per_capture() -> None:
    """Both captures hold Reuters, Guardian and Vox, with the demo's slugs."""
    seed = load_seed()
    assert sorted(seed) == [1, 2]
    for articles in seed.values():
        assert [a.publisher for a in articles] == ["reuters", "guardian", "vox"]
        assert tuple(a.slug for a in articles) == ARTICLE_SLUGS


@pytest.mark.parametrize(("capture", "slug", "paragraphs", "captions", "teasers"), EXPECTED_BODY)
def test_body_lines_are_classified_exactly(
    capture: int,
    slug: str,
    paragraphs: tuple[str, ...],
    captions: tuple[str, ...],
    teasers: tuple[str, ...],
) -> None:
    """Paragraphs, captions and teasers are exactly the seed's lines, in seed order."""
    article = _article(slug, capture)
    assert article.paragraphs == paragraphs
    assert article.captions == captions
    assert article.teasers == teasers


def test_headers_are_read_from_the_right_lines() -> None:
    """Headline, dek, byline, section and dateline come from the page header lines."""
    reuters, guardian, vox = load_seed()[1]
    assert (reuters.section, reuters.dateline, reuters.headline, reuters.byline) == _lines(
        2, 3, 4, 5
    )
    assert reuters.dek == "" and reuters.chrome == ("3 Min Read",)
    assert (guardian.section, guardian.headline, guardian.dek, guardian.byline) == _lines(
        25, 26, 27, 28
    )
    assert guardian.dateline == SEED_LINES[28] and guardian.chrome == ("Shares", "1,606")
    assert (vox.headline, vox.dek, vox.byline) == (*_lines(62, 63), "Alex Ward")
    assert vox.dateline == "Mar 27, 2019, 12:50pm EDT"
    assert vox.subheadings == ("Russia has had ties to Venezuela for decades",)


def test_capture_two_differs_only_by_the_vox_caption() -> None:
    """Between the captures the one real edit is the removed Vox photo caption."""
    first, second = load_seed()[1], load_seed()[2]
    assert first[:2] == second[:2]  # Reuters (its URL carried over) and Guardian are identical
    vox1, vox2 = first[2], second[2]
    assert vox1.captions == (VOX_CAPTION,) and vox2.captions == ()
    assert dataclasses.replace(vox1, captions=(), layout=vox2.layout) == vox2
    assert [block for block in vox1.blocks() if block[0] != "caption"] == list(vox2.blocks())


def test_seed_article_knows_the_article_an_extractor_should_return() -> None:
    """``as_article`` gives the true fields extraction of a demo page is measured against."""
    guardian = _article(GUARDIAN, 1)
    expected = guardian.as_article("http://demo.test/guardian/x")
    assert expected.headline == SEED_LINES[25] and expected.subheadline == SEED_LINES[26]
    assert expected.paragraphs == guardian.paragraphs and expected.captions == guardian.captions
    assert (expected.published, expected.modified) == (guardian.published, guardian.modified)
    assert expected.language == "en-GB" and expected.canonical_url == "http://demo.test/guardian/x"


def test_seed_layout_errors_are_reported() -> None:
    """A seed whose pages do not line up with the known articles fails loudly."""
    with pytest.raises(ValueError, match=r"expected a theguardian\.com page"):
        parse_seed(read_seed_text().replace("https://www.theguardian.com", "https://example.com"))
    with pytest.raises(ValueError, match="expected a multiple of 3"):
        parse_seed("\n".join(SEED_LINES[:60]))


@pytest.mark.parametrize(("slug", "capture"), ALL_PAGES)
def test_page_holds_every_paragraph_and_caption(slug: str, capture: int) -> None:
    """Every seed paragraph and caption is on the page, escaped, in its proper element."""
    article, page = _article(slug, capture), _page(slug, capture)
    tree = LexborHTMLParser(page)
    body = tree.css_first("[itemprop=articleBody]")
    assert body is not None
    texts = [node.text() for node in body.css("p, h2, h3")]
    assert [t for t in texts if t in article.paragraphs] == list(article.paragraphs)
    assert tuple(node.text() for node in tree.css("figure figcaption")) == article.captions
    for text in (*article.paragraphs, *article.captions):
        assert html.escape(text) in page


@pytest.mark.parametrize(("slug", "capture"), ALL_PAGES)
def test_page_has_article_semantics(slug: str, capture: int) -> None:
    """Headline, byline, dates, OpenGraph, canonical link and JSON-LD describe the article."""
    article, tree = _article(slug, capture), LexborHTMLParser(_page(slug, capture))
    canonical = f"http://demo.test/{article.publisher}/{slug}"
    assert [h1.text() for h1 in tree.css("article h1")] == [article.headline]
    assert tree.css_first("html").attributes["lang"] == article.language  # type: ignore[union-attr]
    assert [a.text() for a in tree.css("article [rel=author]")] == [article.byline]
    assert tree.css_first("article time[datetime]") is not None
    og_title = tree.css_first('meta[property="og:title"]')
    assert og_title is not None and og_title.attributes["content"] == article.headline
    link = tree.css_first("link[rel=canonical]")
    assert link is not None and link.attributes["href"] == canonical
    script = tree.css_first('script[type="application/ld+json"]')
    assert script is not None
    data = json.loads(script.text())
    assert data["@type"] == "NewsArticle" and data["headline"] == article.headline
    assert data["datePublished"] == article.published
    assert data["dateModified"] == _article(slug, 1).modified == _article(slug, 2).modified
    assert data["author"] and data["mainEntityOfPage"]["@id"] == canonical


@pytest.mark.parametrize("slug", ARTICLE_SLUGS)
def test_noise_changes_on_every_render(slug: str) -> None:
    """Ad nonces, share counts, relative times and popular lists change between renders."""
    pages = [_page(slug, 1) for _ in range(6)]
    nonces = [re.findall(r'data-ad-nonce="([0-9a-f]+)"', page) for page in pages]
    shares = {_first(r'data-share-count="(\d+)"', page) for page in pages}
    minutes = {_first(r"(\d+) minutes ago", page) for page in pages}
    assert all(len(found) == 3 for found in nonces)
    assert len({nonce for found in nonces for nonce in found}) == 18
    assert len(shares) > 1 and len(minutes) > 1
    assert len(set(pages)) == 6


def test_a_seeded_render_is_reproducible() -> None:
    """The same ``rng`` seed renders the same bytes, so extraction tests can pin a page."""
    assert _page(VOX, 1, seed=7) == _page(VOX, 1, seed=7)
    assert _page(VOX, 1, seed=7) != _page(VOX, 1, seed=8)


def test_publishers_have_distinct_templates() -> None:
    """Each publisher's page is built from its own markup, not one shared shell."""
    classes = {
        REUTERS: "StandardArticleBody_body",
        GUARDIAN: "content__article-body",
        VOX: "c-entry-content",
    }
    for slug, marker in classes.items():
        page = _page(slug, 1)
        assert marker in page
        assert all(other not in page for other in classes.values() if other != marker)


def test_markup_in_article_text_is_escaped() -> None:
    """Headline, paragraph and caption text can never inject markup or break the JSON-LD."""
    headline = 'Breaking: <script>alert("x")</script> & more'
    article = SeedArticle(
        slug="escape-test",
        publisher="guardian",
        source_url="https://example.com/a?b=1&c=<2>",
        section="World",
        dateline="Mon 25 Mar 2019",
        headline=headline,
        dek="A dek with </p> in it",
        byline="Jane <b>Bold</b>",
        captions=('<img src=x onerror="alert(1)">',),
        paragraphs=("First </p><script>evil()</script> paragraph.", "Second."),
        teasers=("Read <more>",),
        published="2019-03-25T04:13:00+00:00",
        modified="2019-03-25T04:13:00+00:00",
    )
    page = render_seed_article(article)
    assert "<script>alert" not in page and "<script>evil" not in page and "<b>Bold" not in page
    assert "onerror=" not in page.replace(html.escape('onerror="alert(1)"'), "")
    assert html.escape(headline) in page
    tree = LexborHTMLParser(page)
    assert [h1.text() for h1 in tree.css("h1")] == [headline]
    script = tree.css_first('script[type="application/ld+json"]')
    assert script is not None and json.loads(script.text())["headline"] == headline
    assert [s.attributes.get("type") for s in tree.css("script")] == ["application/ld+json"]


def test_server_switches_capture_through_the_control_endpoint(site: DemoSite) -> None:
    """POST /_demo/capture/2 makes the next fetch serve the edited article."""
    status, page = _get(site.url_for(VOX))
    assert status == 200 and html.escape(VOX_CAPTION) in page
    assert _post(f"{site.base_url}/_demo/capture/2") == (200, {"capture": 2})
    assert site.capture == 2
    status, page = _get(site.url_for(VOX))
    assert status == 200 and "Federico Parra" not in page
    assert _get(f"{site.base_url}/_demo/capture")[1] == '{"capture": 2}'


def test_server_capture_is_settable_in_code(site: DemoSite) -> None:
    """Setting ``site.capture`` switches what is served; unknown captures are refused."""
    site.capture = 2
    assert "Federico Parra" not in _get(site.url_for(VOX))[1]
    site.capture = 1
    assert "Federico Parra" in _get(site.url_for(VOX))[1]
    with pytest.raises(ValueError, match="capture must be one of"):
        site.capture = 3
    assert _post(f"{site.base_url}/_demo/capture/3")[0] == 400
    assert site.capture == 1


def test_server_index_and_unknown_paths(site: DemoSite) -> None:
    """The index links every article; wrong publishers and unknown paths are 404s."""
    status, index = _get(site.base_url + "/")
    assert status == 200
    assert all(
        f'href="{site.url_for(slug)[len(site.base_url) :]}"' in index for slug in ARTICLE_SLUGS
    )
    assert _get(f"{site.base_url}/reuters/{VOX}")[0] == 404
    assert _get(f"{site.base_url}/nope")[0] == 404
    assert _post(f"{site.base_url}/_demo/other")[0] == 404


def test_server_serves_concurrent_requests(site: DemoSite) -> None:
    """Several fetchers at once all get complete pages (the server is threaded)."""
    results: list[int] = []

    def fetch() -> None:
        status, page = _get(site.url_for(GUARDIAN))
        results.append(status if page.rstrip().endswith("</html>") else -1)

    threads = [threading.Thread(target=fetch) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert results == [200] * 8


def test_stop_releases_the_port() -> None:
    """After ``stop`` nothing listens on the site's port; stopping twice is harmless."""
    site = DemoSite().start()
    url = site.url_for(REUTERS)
    assert _get(url)[0] == 200
    site.stop()
    site.stop()
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(url, timeout=2)


@pytest.mark.slow
def test_command_line_serves_the_demo() -> None:
    """``python -m worker.demo.site --port 0`` prints its URL and serves articles there."""
    process = subprocess.Popen(
        [sys.executable, "-m", "worker.demo.site", "--port", "0", "--capture", "2"],
        stdout=subprocess.PIPE,
        text=True,
    )
    stdout = process.stdout
    assert stdout is not None
    try:
        first_line: list[str] = []
        threading.Thread(target=lambda: first_line.append(stdout.readline()), daemon=True).start()
        wait_for(lambda: first_line, timeout=20)
        base = re.search(r"(http://127\.0\.0\.1:\d+)/", first_line[0])
        assert base is not None, first_line
        status, page = _get(f"{base[1]}/vox/{VOX}")
        assert status == 200 and "Federico Parra" not in page
    finally:
        process.terminate()
        process.wait(timeout=10)
        stdout.close()
