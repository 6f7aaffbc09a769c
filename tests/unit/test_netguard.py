"""The outbound guard (worker.netguard) and the notification HTTP helper (worker.notify.http).

Literal public addresses are only ever *checked*, never connected to; every real request goes
to the local test server on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import json
import socket
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from tests.httpserver import LocalHTTPServer
from worker.errors import BlockedTargetError, NotifyError
from worker.fetch.addresses import CheckedAddresses
from worker.netguard import (
    HOW_TO_ALLOW,
    check_address,
    check_resolved,
    check_url,
    check_url_sync,
    parse_retry_after,
)
from worker.notify.http import post_json

NON_PUBLIC = [
    "10.0.0.1",
    "169.254.169.254",  # cloud metadata
    "::1",
    "100.64.0.1",  # carrier-grade NAT
    "127.0.0.1",
    "127.0.0.2",
    "0.0.0.0",
    "172.16.0.1",
    "192.168.1.1",
    "192.0.2.1",  # documentation range
    "224.0.0.1",  # multicast
    "240.0.0.1",  # reserved
    "255.255.255.255",
    "fc00::1",  # unique local
    "fe80::1",  # link-local
    "fe80::1%lo",  # link-local with a zone
    "::",
    "ff02::1",  # multicast
    "::ffff:10.0.0.1",  # IPv4-mapped private
    "::ffff:127.0.0.1",
    "2002:a00:1::",  # 6to4 around 10.0.0.1
    "64:ff9b::a9fe:a9fe",  # NAT64 around 169.254.169.254
]
PUBLIC = ["93.184.216.34", "1.1.1.1", "2606:2800:220:1:248:1893:25c8:1946", "::ffff:8.8.8.8"]
USER_AGENT = "editwatch/test (+https://example.invalid/editwatch)"


@pytest.mark.parametrize("address", NON_PUBLIC)
def test_non_public_addresses_are_refused(address: str) -> None:
    """Loopback, private, link-local, reserved, multicast, CGNAT and wrapped-private are refused."""
    with pytest.raises(BlockedTargetError):
        check_address(address)


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_pass(address: str) -> None:
    """Globally routable addresses pass the address check (nothing is connected to)."""
    check_address(address)


def test_refusal_names_url_address_and_the_switch() -> None:
    """The error tells the operator which URL, which address, and how to allow it."""
    url = "http://10.0.0.1:8080/admin"
    with pytest.raises(BlockedTargetError) as caught:
        check_url_sync(url, allow_private=False)
    message = str(caught.value)
    assert url in message
    assert "10.0.0.1" in message
    assert HOW_TO_ALLOW in message
    assert "EDITWATCH_ALLOW_PRIVATE_NETWORKS=1" in message
    assert caught.value.url == url


@pytest.mark.parametrize(
    "url",
    ["http://169.254.169.254/latest/meta-data/", "http://[::1]:9000/", "https://100.64.0.1/"],
)
def test_async_check_refuses_literal_private_urls(url: str) -> None:
    """The async check used by the fetch stage refuses private literal hosts."""
    with pytest.raises(BlockedTargetError):
        asyncio.run(check_url(url, allow_private=False))


def test_names_are_checked_after_resolution() -> None:
    """A host name is resolved and judged by its addresses (localhost -> loopback is refused)."""
    with pytest.raises(BlockedTargetError, match="loopback"):
        asyncio.run(check_url("http://localhost:8000/", allow_private=False))
    with pytest.raises(BlockedTargetError, match="loopback"):
        check_url_sync("http://localhost:8000/", allow_private=False)


def test_one_private_answer_among_public_ones_is_enough_to_refuse() -> None:
    """Every resolved address must be public, since the client may connect to any of them."""
    infos = [
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", 80)),
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.1.2.3", 80)),
    ]
    with pytest.raises(BlockedTargetError, match=r"10\.1\.2\.3"):
        check_resolved("http://mixed.example/", infos)
    check_resolved("http://public.example/", infos[:1])


def test_allow_private_networks_lets_local_targets_through() -> None:
    """With fetch.allow_private_networks the demo and tests may use 127.0.0.1."""
    asyncio.run(check_url("http://127.0.0.1:8000/", allow_private=True))
    check_url_sync("http://localhost:8000/", allow_private=True)


@pytest.mark.parametrize(
    "url", ["ftp://example.org/x", "file:///etc/passwd", "gopher://127.0.0.1/", "http:///nohost"]
)
@pytest.mark.parametrize("allow_private", [False, True])
def test_only_http_urls_with_a_host_are_allowed(url: str, allow_private: bool) -> None:
    """Other schemes are refused even when private networks are allowed."""
    with pytest.raises(BlockedTargetError):
        check_url_sync(url, allow_private=allow_private)


@pytest.mark.parametrize(
    ("header", "expected"),
    [("120", 120.0), ("0", 0.0), (None, None), ("", None), ("soon", None), ("-5", None)],
)
def test_retry_after_seconds(header: str | None, expected: float | None) -> None:
    """Retry-After in seconds is honoured; garbage is ignored rather than guessed at."""
    assert parse_retry_after(header) == expected


def test_retry_after_http_date() -> None:
    """Retry-After as an HTTP date becomes the seconds from now; a past date means now."""
    future = format_datetime(datetime.now(UTC) + timedelta(seconds=90), usegmt=True)
    seconds = parse_retry_after(future)
    assert seconds is not None
    assert 80 <= seconds <= 91
    past = format_datetime(datetime.now(UTC) - timedelta(hours=1), usegmt=True)
    assert parse_retry_after(past) == 0.0


# -- worker.notify.http.post_json ------------------------------------------------------------


def _post(url: str, *, allow_private: bool = True) -> int:
    return post_json(
        url,
        {"event_id": 7, "headline": "Grüße"},
        headers={"Idempotency-Key": "editwatch-7"},
        timeout=5.0,
        allow_private=allow_private,
        user_agent=USER_AGENT,
    )


def test_post_json_delivers_json_with_headers(http_server: LocalHTTPServer) -> None:
    """A 2xx answer is success: the body is JSON and our headers arrive."""
    url = http_server.route("/hook", status=204)
    assert _post(url) == 204
    [request] = http_server.requests("/hook")
    assert request.method == "POST"
    assert json.loads(request.body) == {"event_id": 7, "headline": "Grüße"}
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["User-Agent"] == USER_AGENT
    assert request.headers["Idempotency-Key"] == "editwatch-7"


def test_post_json_4xx_is_permanent(http_server: LocalHTTPServer) -> None:
    """A 400 (bad payload, revoked token) will not heal by retrying."""
    url = http_server.route("/hook", status=400, body=b"bad")
    with pytest.raises(NotifyError) as caught:
        _post(url)
    assert caught.value.permanent
    assert "400" in str(caught.value)


def test_post_json_5xx_is_transient_with_retry_after(http_server: LocalHTTPServer) -> None:
    """A 503 with Retry-After is retried later, after the time the receiver asked for."""
    url = http_server.route("/hook", status=503, headers={"Retry-After": "42"})
    with pytest.raises(NotifyError) as caught:
        _post(url)
    assert not caught.value.permanent
    assert caught.value.retry_after == 42.0


@pytest.mark.parametrize("status", [408, 429])
def test_post_json_throttling_is_transient(http_server: LocalHTTPServer, status: int) -> None:
    """408 and 429 are 4xx but mean "later", so they are retried."""
    url = http_server.route("/hook", status=status)
    with pytest.raises(NotifyError) as caught:
        _post(url)
    assert not caught.value.permanent
    assert caught.value.retry_after is None


def test_post_json_does_not_follow_redirects(http_server: LocalHTTPServer) -> None:
    """A redirected webhook is a configuration error, and the POST is not replayed elsewhere."""
    url = http_server.redirect("/hook", "/elsewhere", status=307)
    http_server.route("/elsewhere", status=200)
    with pytest.raises(NotifyError) as caught:
        _post(url)
    assert caught.value.permanent
    assert http_server.count("/elsewhere") == 0


def test_post_json_refuses_private_target(http_server: LocalHTTPServer) -> None:
    """Without allow_private_networks a webhook on 127.0.0.1 is refused and never contacted."""
    url = http_server.route("/hook/secret-token", status=200)
    with pytest.raises(NotifyError) as caught:
        _post(url, allow_private=False)
    assert caught.value.permanent
    assert "secret-token" not in str(caught.value)
    assert http_server.count() == 0


def test_post_json_network_error_is_transient() -> None:
    """Nobody listening (connection refused) is retried later."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(NotifyError) as caught:
        _post(f"http://127.0.0.1:{port}/hook")
    assert not caught.value.permanent


# -- the guard's answers kept for a batch (worker.fetch.addresses) ------------------------------


def _answering(monkeypatch: pytest.MonkeyPatch, *answers: str) -> list[str]:
    """``memo.test`` resolves to ``answers`` in turn (the last one from then on); the list
    returned grows by one per look-up. Only the system resolver is replaced: the guard is real."""
    asked: list[str] = []
    real = socket.getaddrinfo

    def lookup(host: object, port: object, *args: object, **kwargs: object) -> object:
        if host != "memo.test":
            return real(host, port, *args, **kwargs)  # type: ignore[arg-type]
        answer = answers[min(len(asked), len(answers) - 1)]
        asked.append(answer)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answer, int(str(port))))]

    monkeypatch.setattr(socket, "getaddrinfo", lookup)
    return asked


def test_checks_of_one_host_in_a_batch_share_one_checked_lookup(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A batch's checks of one host, together or one after another, get the address the
    guard resolved and checked once (a later DNS answer, here loopback, is not asked for)."""
    asked = _answering(monkeypatch, "93.184.216.34", "127.0.0.1")
    guard = CheckedAddresses()

    async def scenario() -> list[str | None]:
        urls = [f"http://memo.test/news/{i}" for i in range(4)]
        together = await asyncio.gather(*(guard(u, allow_private=False) for u in urls))
        later = await guard("http://MEMO.test/other", allow_private=False)
        return [*together, later]

    assert asyncio.run(scenario()) == ["93.184.216.34"] * 5
    assert asked == ["93.184.216.34"]


def test_checks_share_an_answer_only_for_the_same_host_and_port(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A URL whose host ends at ``?`` or ``#`` shares that host's checked answer; the same
    name on another port is looked up and checked again (here it rebinds to loopback)."""
    asked = _answering(monkeypatch, "93.184.216.34", "127.0.0.1")
    guard = CheckedAddresses()

    async def scenario() -> list[str | None]:
        first = await guard("http://memo.test?page=/2", allow_private=False)
        same = await guard("http://memo.test#top", allow_private=False)
        with pytest.raises(BlockedTargetError):
            await guard("http://memo.test:8080/news/1", allow_private=False)
        return [first, same]

    assert asyncio.run(scenario()) == ["93.184.216.34"] * 2
    assert asked == ["93.184.216.34", "127.0.0.1"]


def test_a_name_resolved_again_is_checked_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """Once an answer is older than its time to live, the name is resolved and checked anew:
    a rebinding to loopback is refused then."""
    asked = _answering(monkeypatch, "93.184.216.34", "127.0.0.1")
    guard = CheckedAddresses(ttl=0)

    async def scenario() -> str | None:
        assert await guard("http://memo.test/a", allow_private=False) == "93.184.216.34"
        return await guard("http://memo.test/b", allow_private=False)

    with pytest.raises(BlockedTargetError, match="loopback"):
        asyncio.run(scenario())
    assert len(asked) == 2


def test_a_refused_host_is_not_remembered(monkeypatch: pytest.MonkeyPatch) -> None:
    """A refusal is the one check's: the next check of the host asks the guard again, and
    another port or scheme is another question to the guard."""
    asked = _answering(monkeypatch, "10.0.0.1", "93.184.216.34")
    guard = CheckedAddresses()

    async def scenario() -> list[str | None]:
        with pytest.raises(BlockedTargetError):
            await guard("http://memo.test/a", allow_private=False)
        again = await guard("http://memo.test/b", allow_private=False)
        other_port = await guard("http://memo.test:8080/c", allow_private=False)
        with pytest.raises(BlockedTargetError, match="only http and https"):
            await guard("ftp://memo.test/d", allow_private=False)
        return [again, other_port]

    assert asyncio.run(scenario()) == ["93.184.216.34"] * 2
    assert len(asked) == 3
