"""The one canonical form of URLs found in pages (worker.urls)."""

from __future__ import annotations

from urllib.parse import SplitResult, parse_qsl, urlencode, urljoin, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from worker.extract import extract_article
from worker.urls import (
    _ASSET_NOISE,
    _DOCUMENT_HINT,
    CACHE_PARAMS,
    NOISE_PARAMS,
    _hints_document,
    _is_noise_param,
    _keep_params,
    _plain_web_url,
    _resolved,
    _unsplit,
    clean_asset_url,
    clean_image_url,
    clean_url,
    file_name,
    image_identity,
    is_document_url,
    may_be_document_url,
)

BASE = "https://www.example.gov/statistics/air"


@pytest.mark.parametrize(
    ("href", "expected"),
    [
        ("/files/a.csv?utm_source=x&utm_medium=y", "https://www.example.gov/files/a.csv"),
        ("report.pdf#page=3", "https://www.example.gov/statistics/report.pdf"),
        ("/board;jsessionid=8F3A2C9D1E7B", "https://www.example.gov/board"),
        ("/s?q=air&sid=77ab21&fbclid=IwAR0", "https://www.example.gov/s?q=air"),
        ("/doc.pdf?t=1733000000", "https://www.example.gov/doc.pdf"),
        (
            "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
            "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        ),
        ("/list?b=2&a=1", "https://www.example.gov/list?a=1&b=2"),
        ("HTTPS://WWW.EXAMPLE.GOV/Path", "https://www.example.gov/Path"),
        ("#top", ""),
        ("javascript:void(0)", ""),
        ("", ""),
    ],
)
def test_links_lose_tracking_session_and_cache_parameters(href: str, expected: str) -> None:
    """Only what changes the target survives; YouTube's ``v`` id is a target, not a buster."""
    assert clean_url(href, BASE) == expected


@pytest.mark.parametrize(
    ("one", "other"),
    [
        (
            "https://cdn.x.com/a/photo.jpg?w=800&q=80",
            "https://cdn.x.com/a/photo.jpg?w=1200&auto=webp",
        ),
        (
            "https://x.org/wp-content/uploads/2026/04/beds-1024x683.jpg",
            "https://x.org/wp-content/uploads/2026/04/beds-300x200.jpg",
        ),
        ("https://img1.cdn.com/2026/photo.jpg", "https://img2.cdn.com/2026/photo.jpg"),
        (
            "https://res.cloudinary.com/x/image/upload/w_800,h_600,c_fill/v1/photo.jpg",
            "https://res.cloudinary.com/x/image/upload/w_400,c_scale/v1/photo.jpg",
        ),
        ("https://x.com/img/hero.jpg?itok=Xa81bQz2", "https://x.com/img/hero.jpg?itok=Pq03LmZ7"),
        ("https://x.com/img/hero@2x.png", "https://x.com/img/hero.png"),
        ("https://x.com/static/hero.3f9a1c2b.jpg", "https://x.com/static/hero.77d0e4aa.jpg"),
    ],
)
def test_renditions_of_one_image_share_an_identity(one: str, other: str) -> None:
    """Sizes, crops, CDN hosts and build hashes pick a rendition, not another picture."""
    assert image_identity(clean_image_url(one)) == image_identity(clean_image_url(other))


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("https://cdn.x.com/a/photo.jpg", "https://cdn.x.com/a/other-photo.jpg"),
        ("https://x.com/image.aspx?id=55", "https://x.com/image.aspx?id=56"),
        ("https://x.com/2025/chart.png", "https://x.com/2026/chart.png"),
    ],
)
def test_different_pictures_keep_different_identities(one: str, other: str) -> None:
    """Another file (or another id on a script-served image) is another image."""
    assert image_identity(clean_image_url(one)) != image_identity(clean_image_url(other))


@pytest.mark.parametrize(
    ("url", "document"),
    [
        ("https://x.gov/files/air-2026.csv", True),
        ("https://x.gov/media/report.PDF", True),
        ("https://x.gov/download/12345", True),
        ("https://x.gov/datasets/air-quality", True),
        ("https://x.gov/news/air-quality-improves", False),
        ("https://x.gov/", False),
    ],
)
def test_document_targets_are_recognised(url: str, document: bool) -> None:
    """Files and datasets are told apart from ordinary pages by extension or path."""
    assert is_document_url(url) is document


_URL_PIECES = st.sampled_from(
    [
        "files",
        "Docs",
        "assets",
        "..",
        ".",
        "",
        "report.PDF",
        "a.csv",
        ";",
        ";jsessionid=1",
        "?",
        "#",
        "\t",
        "\n",
        "\x01",
        " ",
        "data.json;",
        "download",
        "http:",
        "https://",
        "HTTP://",  # a host before the path: only the path can name a document
        "//cdn.example",
        "ftp:",
        "%2e%2e",
        "\u017f",
        "page.html",
        "Downloads",
        "x",
    ]
)
_URLS = st.lists(st.tuples(_URL_PIECES, st.sampled_from(["/", "", "?", "#", ";"])), max_size=6)


@given(
    st.builds(lambda parts: "".join(a + b for a, b in parts), _URLS),
    st.sampled_from(["", BASE, "https://x.gov/files/page", "https://x.gov/a/b?q=/files/#docs"]),
)
def test_document_prefilter_never_misses_a_document(href: str, base: str) -> None:
    """The cheap test that lets article mode skip ordinary links never drops a document link."""
    try:
        target = clean_url(href, base)
    except ValueError:  # an unparsable netloc such as "//[x": not a link at all
        return
    if is_document_url(target):
        assert may_be_document_url(href, base)


@pytest.mark.parametrize(
    "href", ["/news/air-quality-improves", "https://www.example.gov/about?id=3#team", "#top"]
)
def test_document_prefilter_lets_ordinary_links_go(href: str) -> None:
    """Ordinary page links are ruled out without resolving them (that is the speed-up)."""
    assert not may_be_document_url(href, BASE)


_QUERY_PIECES = st.sampled_from(
    [
        *("utm_source=x", "UTM_Medium", "v=1733000000", "v=dQw4w9WgXcQ", "w=800", "id=7", ""),
        *("%75tm=1", "a+b=1", "t=%41", "ts=", "x=[1]", "fit=crop;1", "q=a&b"),
    ]
)


@given(
    st.sampled_from(["http://", "https://", " https://", "HTTP://"]),
    st.text(alphabet="aZ09.-:@%/#?;[] \t\n\x00\x1f\u00e9", max_size=24),
    st.lists(_QUERY_PIECES, max_size=4).map("&".join),
)
def test_plain_addresses_skip_the_parser_with_its_answer(
    scheme: str, rest: str, query: str
) -> None:
    """The string-only path of clean_url and clean_image_url, when it answers, says what
    splitting, joining and cleaning the query the long way says."""
    href = f"{scheme}{rest}?{query}" if query else scheme + rest
    for noise, generated in ((NOISE_PARAMS, CACHE_PARAMS), (_ASSET_NOISE, frozenset())):
        if plain := _plain_web_url(href, noise, generated):
            parts = _resolved(href, BASE)
            assert parts is not None
            assert plain == _unsplit(parts, _keep_params(parts.query, noise, generated))


@given(
    st.sampled_from([BASE, "http://User@Host.example:8080/a/b;p?q=1#f", "https://h.example"]),
    st.text(alphabet="a/.;?#=&%+~-:@[] \t\u00e9", max_size=16).map(lambda rest: "/" + rest),
)
def test_paths_from_the_root_resolve_as_urljoin_resolves_them(base: str, href: str) -> None:
    """A link from the root of the page's host takes its scheme and host without urljoin:
    the same parts as joining and splitting again, dot segments and ``;`` included."""
    try:
        expected: SplitResult | None = urlsplit(urljoin(base, href.strip()))
    except ValueError:
        expected = None  # a malformed address is no link
    assert _resolved(href, base) == expected


_PLAIN_PIECES = st.sampled_from(["k=a=b", "==", "a=", "=v", "b", "Z_.~-=9", "id=2"])


@given(st.lists(_QUERY_PIECES | _PLAIN_PIECES | st.text("aZ09_.~-=+%", max_size=6), max_size=5))
def test_plain_queries_are_cleaned_as_the_parser_cleans_them(pieces: list[str]) -> None:
    """A query of plain names and values loses the same parameters, in the same order and
    spelling, as decoding it with parse_qsl and encoding it again with urlencode."""
    query = "&".join(pieces)
    for noise, generated in ((NOISE_PARAMS, CACHE_PARAMS), (_ASSET_NOISE, frozenset())):
        kept = [
            (key, value)
            for key, value in parse_qsl(query, keep_blank_values=True)
            if not _is_noise_param(key.lower(), value, noise, generated)
        ]
        assert _keep_params(query, noise, generated) == urlencode(sorted(kept))


@given(st.text(alphabet="aAeEdDoOcCsSfFiIlLpPxXtTzZkK\u212a.-/?#\t", max_size=24))
def test_document_hints_are_the_hint_pattern_case_blind(url: str) -> None:
    """The substring tests behind the document prefilter say what the case-blind pattern of
    directory words and extensions says of the address before its query."""
    clean = url.replace("\t", "")
    end = min((i for i in (clean.find("?"), clean.find("#")) if i >= 0), default=len(clean))
    assert _hints_document.__wrapped__(url) == (_DOCUMENT_HINT.search(clean, 0, end) is not None)


@pytest.mark.parametrize(
    ("href", "expected"),
    [
        ("https://Example.COM", "https://example.com/"),
        ("http://Example.com/A/B#top", "http://example.com/A/B"),
        ("https://example.com#a?b", "https://example.com/"),
        ("https://Example.com/a?utm_source=x#b", "https://example.com/a"),
        ("https://Example.com/a?UTM_Source=x&gclid=1&cb=1733000000", "https://example.com/a"),
    ],
)
def test_absolute_addresses_lose_fragment_and_host_case(href: str, expected: str) -> None:
    assert clean_url(href, BASE) == expected
    assert clean_image_url(href, BASE) == expected


def test_file_name_is_the_last_segment() -> None:
    """Sentences name a link by its file: "link to report.pdf removed"."""
    assert file_name("https://x.gov/a/b/report%202026.pdf?x=1") == "report 2026.pdf"
    assert file_name("https://x.gov/") == "x.gov"


@given(st.text(alphabet="abc/?&=#;._-:0123456789utmsid", max_size=40))
def test_clean_url_is_idempotent(href: str) -> None:
    """Cleaning a cleaned URL changes nothing: stored targets compare stably."""
    once = clean_url(href, BASE)
    assert clean_url(once, BASE) == once


def test_embeds_keep_only_the_parameters_that_name_their_content() -> None:
    """A widget's session id, version and layout flags are no new embed; the post id is."""
    one = "https://platform.twitter.com/embed/Tweet.html?id=186&sessionId=a1&widgetsVersion=2615"
    other = "https://platform.twitter.com/embed/Tweet.html?widgetsVersion=9&id=186&theme=dark"
    assert clean_asset_url(one) == clean_asset_url(other)
    assert clean_asset_url(one) != clean_asset_url(one.replace("id=186", "id=187"))
    assert clean_asset_url("https://youtube.com/watch?v=abc&t=90&feature=share").endswith("?v=abc")


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("https://x.com/up/v1733000000/photo.jpg", "https://x.com/up/v1733999999/photo.jpg"),
        ("https://x.com/img/photo-1733000000.jpg", "https://x.com/img/photo-1733000123.jpg"),
        ("https://cdn.x.com/p.jpg?Expires=1&Signature=ab&Key-Pair-Id=K", "https://cdn.x.com/p.jpg"),
    ],
)
def test_upload_versions_timestamps_and_signatures_are_no_new_image(one: str, other: str) -> None:
    """Re-signed, re-versioned or time-stamped URLs of one picture keep its identity."""
    assert image_identity(clean_image_url(one)) == image_identity(clean_image_url(other))


@pytest.mark.parametrize("href", ["http://[x", "https://[::1/a", "http://[bad]/p"])
def test_a_malformed_link_is_no_link_and_the_page_still_extracts(href: str) -> None:
    """An href no URL parser accepts is dropped; the article around it is still read."""
    assert clean_url(href, "https://news.example/a") == ""
    paragraph = "The council approved the budget after a long debate in the chamber on Tuesday."
    page = (
        "<html><body><article><h1>Budget passes</h1>"
        + "".join(f'<p>{paragraph} <a href="{href}">more</a> {n}</p>' for n in range(4))
        + "</article></body></html>"
    )
    article = extract_article(page, "https://news.example/a")
    assert len(article.paragraphs) == 4
