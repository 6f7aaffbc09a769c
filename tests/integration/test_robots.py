"""robots.txt rules from a real local server, cached in a real Redis (RFC 9309 outcomes)."""

from __future__ import annotations

import socket
import urllib.error
import urllib.request

import pytest
import redis

from tests.httpserver import LocalHTTPServer
from worker.fetch import robots
from worker.fetch.robots import Policy, RobotsCache

UA = "editwatch/0.1 (+https://github.com/editwatch/editwatch)"
ROBOTS = b"""\
User-agent: *
Disallow: /private/
Crawl-delay: 3

User-agent: editwatch
Disallow: /drafts/
Allow: /drafts/public
"""


def fetch_robots(url: str) -> Policy:
    """What the pipeline does: fetch robots.txt, hand status and body to ``robots.parse``."""
    try:
        with urllib.request.urlopen(robots.robots_url(url), timeout=5) as response:
            return robots.parse(response.read(), response.status)
    except urllib.error.HTTPError as error:
        body = error.read()
        error.close()
        return robots.parse(body, error.code)
    except urllib.error.URLError:
        return robots.parse(None, None)


@pytest.fixture
def cache(redis_client: redis.Redis) -> RobotsCache:
    return RobotsCache(redis_client, "test", ttl=86400)


def test_disallowed_url_is_refused_and_the_policy_is_cached(
    http_server: LocalHTTPServer, cache: RobotsCache, redis_client: redis.Redis
) -> None:
    """A path robots.txt disallows for editwatch is refused; the rules are kept for 24 h."""
    http_server.route("/robots.txt", body=ROBOTS, headers={"Content-Type": "text/plain"})
    article = http_server.url("/drafts/story")
    site = robots.origin(article)
    assert cache.get(site) is None
    cache.put(site, fetch_robots(article))
    policy = cache.get(site)
    assert policy is not None
    assert not policy.allows(article, UA)
    assert policy.allows(http_server.url("/drafts/public"), UA)
    assert policy.allows(http_server.url("/private/x"), UA)  # only the * group forbids it
    assert not policy.allows(http_server.url("/private/x"), "OtherBot/1.0")
    assert policy.allows(http_server.url("/news/story"), UA)
    assert http_server.count("/robots.txt") == 1
    ttl = redis_client.pttl(f"test:robots:{site}")
    assert 86_000_000 < ttl <= 86_400_000


def test_missing_robots_txt_allows_everything(
    http_server: LocalHTTPServer, cache: RobotsCache
) -> None:
    """A 404 robots.txt means the site set no rules: every URL may be fetched."""
    policy = fetch_robots(http_server.url("/a"))
    assert policy.kind == "allow_all"
    cache.put(robots.origin(http_server.url("/a")), policy)
    cached = cache.get(robots.origin(http_server.url("/")))
    assert cached is not None
    assert cached.allows(http_server.url("/anything"), UA)


@pytest.mark.parametrize("status", [500, 503, 429])
def test_server_error_disallows_for_now_and_retries_soon(
    status: int, http_server: LocalHTTPServer, redis_client: redis.Redis
) -> None:
    """A failing robots.txt blocks the site for now and is fetched again within 15 minutes."""
    http_server.route("/robots.txt", status=status, body=b"oops")
    policy = fetch_robots(http_server.url("/a"))
    assert policy.kind == "disallow_all"
    assert policy.temporary
    assert not policy.allows(http_server.url("/a"), UA)
    cache = RobotsCache(redis_client, "test", error_ttl=900)
    cache.put("site", policy)
    assert 0 < redis_client.pttl("test:robots:site") <= 900_000


def test_network_error_disallows_for_now() -> None:
    """An unreachable robots.txt (connection refused) blocks the site for now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    policy = fetch_robots(f"http://127.0.0.1:{port}/story")
    assert policy.kind == "disallow_all"
    assert not policy.allows(f"http://127.0.0.1:{port}/story", UA)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://Example.com/a/b?c=d", "https://example.com"),
        ("https://example.com:443/a", "https://example.com"),
        ("http://example.com:8080/a", "http://example.com:8080"),
        ("http://example.com:80/", "http://example.com"),
    ],
)
def test_origin_is_what_robots_txt_covers(url: str, expected: str) -> None:
    """One robots.txt covers exactly one scheme, host and port."""
    assert robots.origin(url) == expected
    assert robots.robots_url(url) == expected + "/robots.txt"


def test_robots_txt_itself_and_crawl_delay() -> None:
    """robots.txt is always fetchable, and a Crawl-delay is exposed as a gap hint."""
    policy = robots.parse(b"User-agent: *\nDisallow: /\nCrawl-delay: 3\n", 200)
    assert policy.allows("https://x.test/robots.txt", UA)
    assert not policy.allows("https://x.test/", UA)
    assert policy.crawl_delay(UA) == 3.0
    assert robots.parse(b"\xef\xbb\xbfUser-agent: *\nDisallow: /x\n", 200).body.startswith("User")


def test_only_the_first_500_kib_are_parsed() -> None:
    """A huge robots.txt is cut at 500 KiB as RFC 9309 allows, instead of eating memory."""
    huge = b"User-agent: *\nDisallow: /a\n" + b"# padding\n" * 100_000
    assert len(robots.parse(huge, 200).body) == robots.PARSE_LIMIT
