"""The fetch stage's pure parts: charset detection on bytes already received.

Everything that needs an HTTP answer (statuses, redirects, caps, time limits) is in
tests/integration/test_fetch.py, against a real local server.
"""

from __future__ import annotations

import httpx
import pytest

from tests.integration.test_fetch import CHARSET_CASES
from worker.config import FetchSettings
from worker.fetch import _text_headers, decode_html, make_client
from worker.fetch.transports import TEXT_HEADERS


@pytest.mark.parametrize(("content_type", "body", "encoding", "fragment"), CHARSET_CASES)
def test_charset_is_decided_like_a_browser(
    content_type: str, body: bytes, encoding: str, fragment: str
) -> None:
    """BOM, then the header's charset, then <meta>, else UTF-8; bad bytes become U+FFFD."""
    header = content_type.partition("charset=")[2] or None
    found, text = decode_html(body, header)
    assert found == encoding and fragment in text


def test_meta_charset_beyond_the_sniff_window_is_ignored() -> None:
    """Only the first 4 KiB are sniffed for <meta charset>, as browsers do."""
    late = b"<p>" + b"x" * 5000 + b'<meta charset="koi8-r"><p>\xc3\xa9</p>'
    assert decode_html(late) == ("utf-8", late.decode("utf-8"))


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"If-None-Match": '"v1"'},
        {"If-None-Match": '"v1"', "If-Modified-Since": "Mon"},
        {"accept": "text/plain", "If-None-Match": '"v2"'},
        {"host": "other.test", "If-Modified-Since": "Tue"},
    ],
)
def test_the_fetch_client_builds_its_gets_as_build_request_does(headers: dict[str, str]) -> None:
    """The fetch client's cheap GET has the URL, headers (same order, a request header
    replacing the client's of that name), timeouts and cookies that httpx's own builds."""
    client = make_client(FetchSettings(user_agent="editwatch-test/1"))
    url = "http://example.test:8080/news/1?x=1"
    ours = client.get_request(url, headers)
    httpx_own = client.build_request("GET", url, headers=headers)
    assert (ours.method, ours.url) == (httpx_own.method, httpx_own.url)
    assert ours.headers.multi_items() == httpx_own.headers.multi_items()
    assert ours.headers.raw == httpx_own.headers.raw
    text = ours.extensions.pop(TEXT_HEADERS)  # what the transport hands aiohttp
    assert text == list(ours.headers.items()) == list(httpx_own.headers.items())
    assert ours.extensions == httpx_own.extensions
    assert (ours.content, type(ours.stream)) == (httpx_own.content, type(httpx_own.stream))


def test_text_headers_are_left_to_httpx_when_they_would_differ() -> None:
    """Names that come twice (``items()`` joins them) or bytes beyond ASCII (httpx then
    decodes as UTF-8 or Latin-1): no shortcut, the transport asks httpx."""
    assert _text_headers([(b"A", b"1"), (b"a", b"2")]) is None
    assert _text_headers([(b"A", "\u00e9".encode())]) is None
    assert _text_headers([(b"Host", b"x"), (b"If-None-Match", b'"v"')]) == [
        ("host", "x"),
        ("if-none-match", '"v"'),
    ]


def test_the_fetch_client_parses_each_url_once_and_keeps_a_bounded_number() -> None:
    """A watch's URL is requested on every check: the client parses it once and reuses the
    (immutable) result, keeps at most ``PARSED_URLS`` of them (the oldest goes first), and
    keeps no invalid URL (it raises again, as httpx does)."""
    client = make_client(FetchSettings(user_agent="editwatch-test/1"))
    url = "http://example.test:8080/news/1?x=1"
    first, again = client.get_request(url, {}), client.get_request(url, {"If-None-Match": '"a"'})
    assert client.target(url) is client.target(url)
    assert first.url == again.url == httpx.URL(url)
    assert first.headers["host"] == again.headers["host"] == "example.test:8080"
    client.PARSED_URLS = 3
    for index in range(5):
        client.target(f"http://example.test/{index}")
    assert list(client._parsed) == [f"http://example.test/{i}" for i in (2, 3, 4)]
    for _ in range(2):
        with pytest.raises(httpx.InvalidURL):
            client.target("http://[::1/")
    assert "http://[::1/" not in client._parsed
