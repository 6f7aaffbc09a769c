"""What the check hands the parser: the fetched bytes when they are the decoded text in UTF-8.

Handing over ``text`` makes the parser encode the page back to the bytes the fetch just
decoded; the bytes give the same tree and article, so they are passed whenever they are
exactly the text (no byte-order mark, no byte that decoding replaced, not blank).
"""

from __future__ import annotations

import codecs

import pytest

from bench.scoring import HANDMADE_DIR, load_pages
from worker.extract import extract_article
from worker.fetch import decode_html
from worker.models import FetchResult

URL = "https://news.example/2026/story"
PAGE = (
    "<html><head><title>Café “talks” resume</title></head><body><article>"
    "<h1>Café “talks” resume</h1><p>Negotiators met again on Tuesday — naïvely, some said, "
    "after a week in which nothing moved.</p><p>A second paragraph, long enough to be read "
    "as the article's body by the extractor.</p></article></body></html>"
)


def fetched(content: bytes, charset: str | None = "utf-8") -> FetchResult:
    """A 200 as the fetch builds it: ``text`` is ``content`` decoded by ``decode_html``."""
    encoding, text = decode_html(content, charset)
    return FetchResult(URL, URL, 200, content=content, text=text, encoding=encoding)


def test_utf8_pages_reach_the_parser_as_their_bytes() -> None:
    content = PAGE.encode("utf-8")
    assert fetched(content).markup is content


@pytest.mark.parametrize(
    ("content", "charset"),
    [
        (codecs.BOM_UTF8 + PAGE.encode("utf-8"), "utf-8"),  # the BOM is not part of the text
        (PAGE.encode("utf-8").replace(b"<p>", b"<p>\xff", 1), "utf-8"),  # a replaced byte
        (PAGE.encode("windows-1252"), "windows-1252"),  # not UTF-8 at all
        (b" \n\t ", "utf-8"),  # blank: the extractor's empty article, not a parse
        (b"", "utf-8"),
    ],
)
def test_other_pages_reach_it_as_their_text(content: bytes, charset: str) -> None:
    page = fetched(content, charset)
    assert page.markup is page.text


def test_the_bytes_give_the_article_the_text_gives() -> None:
    """The dev-set and hand-made pages, each as its UTF-8 bytes: the same Article each."""
    pages = [p.html for p in (*load_pages(), *load_pages(HANDMADE_DIR))]
    as_bytes = 0
    for content in [PAGE.encode("utf-8")] + [html.encode("utf-8") for html in pages]:
        page = fetched(content)
        as_bytes += isinstance(page.markup, bytes)
        assert extract_article(page.markup, URL) == extract_article(page.text, URL)
    assert as_bytes > len(pages) * 0.9
