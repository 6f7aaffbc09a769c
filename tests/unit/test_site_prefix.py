"""The per-site parts of an address cut from the string: the same answers ``urlsplit`` gives.

Every check asks for its URL's host (the host slot) and robots.txt origin; both are worked out
once per site from :func:`worker.urls.site_prefix` instead of parsing the whole URL each time.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from worker.fetch import _charset, robots
from worker.urls import hostname_of, site_prefix

URLS = [
    "http://127.0.0.2:54955/news/1234",
    "https://Example.COM/a/b?c=d#e",
    "https://example.com?q=1",
    "https://example.com#frag",
    "https://user:pw@Example.com:8443/x",
    "http://[::1]:8080/path",
    "http://[fe80::1%25eTh0]/p",
    "https://example.com:443/",
    "https://example.com",
    "//example.com/scheme-relative",
    "mailto:someone@example.com",
    "not a url",
    " https://example.com/leading-space",
    "https://exa\tmple.com/tab",
]


def _origin_by_urlsplit(url: str) -> str:
    parts = urlsplit(url)
    port = parts.port
    default = {"http": 80, "https": 443}.get(parts.scheme)
    shown = "" if port is None or port == default else f":{port}"
    return f"{parts.scheme}://{(parts.hostname or '').lower()}{shown}"


@pytest.mark.parametrize("url", URLS)
def test_host_and_origin_are_urlsplits(url: str) -> None:
    assert hostname_of(url) == (urlsplit(url).hostname or "")
    assert robots.origin(url) == _origin_by_urlsplit(url)
    assert urlsplit(site_prefix(url))[:2] == urlsplit(url)[:2]


@given(st.text(alphabet="hts:/?#@[]%.:aexmpl019 \t", max_size=40))
def test_any_string_splits_alike(url: str) -> None:
    try:
        expected = urlsplit(url)
    except ValueError:  # an invalid IPv6 netloc: the cut one fails the same way
        with pytest.raises(ValueError):
            urlsplit(site_prefix(url))
        return
    assert urlsplit(site_prefix(url))[:2] == expected[:2]
    assert hostname_of(url) == (expected.hostname or "")


def test_a_bad_port_still_raises() -> None:
    with pytest.raises(ValueError):
        robots.origin("http://example.com:99999/x")


def test_robots_answers_stay_right_when_asked_again() -> None:
    """Each answer is remembered per URL and user agent: asking again, or for another agent
    that the rules treat differently, never gets another's answer."""
    rules = b"User-agent: editwatch\nDisallow: /private\n\nUser-agent: *\nDisallow: /other\n"
    policy = robots.parse(rules, 200)
    for _ in range(2):  # the second round answers from the remembered verdicts
        assert not policy.allows("https://example.com/private/1", "editwatch")
        assert policy.allows("https://example.com/private/1", "otherbot")
        assert policy.allows("https://example.com/other/1", "editwatch")
        assert not policy.allows("https://example.com/other/1", "otherbot")
        assert policy.allows("https://example.com/robots.txt", "editwatch")


@pytest.mark.parametrize(
    "value",
    [None, "text/html", "text/html; charset=ISO-8859-1", 'text/html; charset="utf-8"', "x; a=b"],
)
def test_charset_is_httpxs(value: str | None) -> None:
    headers = [] if value is None else [("content-type", value)]
    response = httpx.Response(200, headers=headers)
    assert _charset(response) == response.charset_encoding
