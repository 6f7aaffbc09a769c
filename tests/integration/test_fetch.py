"""The fetch stage against a real local HTTP server: statuses, redirects, caps, charsets, time.

Every test talks to ``http_server`` on 127.0.0.1, so the settings allow private networks; the
guard's refusals are tested with it switched off, or through a guard that delegates to the
real one for every host except the local test server.
"""

from __future__ import annotations

import asyncio
import gzip
import socket
import time
import tracemalloc
import zlib
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

import httpx
import pytest

from tests.httpserver import LocalHTTPServer, RecordedRequest, Response
from worker.config import USER_AGENT, FetchSettings
from worker.errors import BlockedTargetError, PermanentFetchError, TransientFetchError
from worker.fetch import fetch, make_client
from worker.models import FetchResult, Validators
from worker.netguard import check_url

T = TypeVar("T")
pytestmark = pytest.mark.usefixtures("each_transport")  # every test through aiohttp and httpx
LOCAL = FetchSettings(allow_private_networks=True)
PAGE = b"<!doctype html><html><head><title>T</title></head><body><p>Hello</p></body></html>"
HTML = {"Content-Type": "text/html; charset=utf-8"}
MIB = 2**20


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


NO_VALIDATORS = Validators()


async def _fetch(
    url: str, validators: Validators, settings: FetchSettings, **kwargs: Any
) -> FetchResult:
    async with make_client(settings) as client:
        return await fetch(client, url, validators, settings, **kwargs)


def get(
    url: str,
    validators: Validators = NO_VALIDATORS,
    settings: FetchSettings = LOCAL,
    **kwargs: Any,
) -> FetchResult:
    """One fetch on a fresh client, as a synchronous call."""
    return run(_fetch(url, validators, settings, **kwargs))


# -- success and conditional requests ---------------------------------------------------------


def test_page_is_fetched_with_validators_and_our_user_agent(http_server: LocalHTTPServer) -> None:
    """A 200 gives the decoded page, its validators, and the server saw an editwatch UA."""
    headers = {**HTML, "ETag": '"v1"', "Last-Modified": "Wed, 01 Jan 2025 10:00:00 GMT"}
    url = http_server.route("/a", body=PAGE, headers=headers)
    result = get(url)
    assert result.status == 200
    assert not result.not_modified
    assert result.content == PAGE
    assert "<p>Hello</p>" in result.text
    assert result.content_type == "text/html"
    assert result.encoding == "utf-8"
    assert result.validators == Validators('"v1"', "Wed, 01 Jan 2025 10:00:00 GMT")
    assert (result.url, result.final_url, result.redirects) == (url, url, ())
    assert result.elapsed_ms > 0
    [request] = http_server.requests("/a")
    assert request.headers["User-Agent"] == USER_AGENT
    assert "editwatch" in USER_AGENT
    assert "https://" in USER_AGENT
    assert "If-None-Match" not in request.headers


def test_validators_are_sent_back_and_304_is_not_modified(http_server: LocalHTTPServer) -> None:
    """The second check sends If-None-Match/If-Modified-Since; a 304 reads and decodes nothing."""
    last_modified = "Wed, 01 Jan 2025 10:00:00 GMT"

    def conditional(request: RecordedRequest) -> Response:
        if request.headers.get("If-None-Match") == '"v1"':
            return Response(304, {"ETag": '"v1"'})
        return Response(200, {**HTML, "ETag": '"v1"', "Last-Modified": last_modified}, PAGE)

    url = http_server.route("/a", handler=conditional)
    first = get(url)
    second = get(url, first.validators)
    assert second.not_modified
    assert second.status == 304
    assert (second.content, second.text) == (b"", "")
    assert second.validators == first.validators
    sent = http_server.requests("/a")[1].headers
    assert sent["If-None-Match"] == '"v1"'
    assert sent["If-Modified-Since"] == last_modified


def test_cookies_are_not_carried_between_checks(http_server: LocalHTTPServer) -> None:
    """A cookie set by one response is not sent with the next request from the same client."""
    url = http_server.route("/a", body=PAGE, headers={**HTML, "Set-Cookie": "track=1; Path=/"})

    async def twice() -> None:
        async with make_client(LOCAL) as client:
            await fetch(client, url, Validators(), LOCAL)
            await fetch(client, url, Validators(), LOCAL)

    run(twice())
    assert [r.headers.get("Cookie") for r in http_server.requests("/a")] == [None, None]


# -- redirects and the guard ------------------------------------------------------------------


def _chain(server: LocalHTTPServer, hops: int) -> str:
    """``/r0`` redirects ``hops`` times (alternating relative and absolute) to ``/end``."""
    for index in range(hops):
        target = f"/r{index + 1}" if index + 1 < hops else "/end"
        server.redirect(f"/r{index}", target if index % 2 else server.url(target), status=301)
    server.route("/end", body=PAGE, headers=HTML)
    return server.url("/r0")


def test_redirect_chain_of_five_hops_is_followed(http_server: LocalHTTPServer) -> None:
    """Up to five redirects (relative or absolute Location) lead to the final page."""
    result = get(_chain(http_server, 5))
    assert result.status == 200
    assert result.final_url == http_server.url("/end")
    assert result.redirects == (*(http_server.url(f"/r{i}") for i in range(1, 5)), result.final_url)
    assert result.text.endswith("</html>")


def test_six_redirects_are_refused(http_server: LocalHTTPServer) -> None:
    """A sixth redirect is refused as permanent, and its target is never requested."""
    with pytest.raises(PermanentFetchError, match="more than 5 redirects"):
        get(_chain(http_server, 6))
    assert http_server.count("/end") == 0


def test_private_target_is_refused_when_the_guard_is_on(http_server: LocalHTTPServer) -> None:
    """With allow_private_networks off, 127.0.0.1 is refused before any request is made."""
    url = http_server.route("/a", body=PAGE, headers=HTML)
    with pytest.raises(BlockedTargetError, match="EDITWATCH_ALLOW_PRIVATE_NETWORKS=1"):
        get(url, settings=FetchSettings())
    assert http_server.count() == 0


def _guard_trusting(server: LocalHTTPServer, seen: list[str]) -> Callable[..., Awaitable[None]]:
    """The real guard (private networks off) for every URL except the local test server's."""

    async def guard(url: str, *, allow_private: bool) -> None:
        seen.append(url)
        if not url.startswith(server.base_url + "/"):
            await check_url(url, allow_private=False)

    return guard


@pytest.mark.parametrize(
    "location",
    ["http://10.255.255.1/", "http://169.254.169.254/latest/meta-data/", "http://[::1]:1/"],
)
def test_redirect_to_a_private_address_is_refused(
    http_server: LocalHTTPServer, location: str
) -> None:
    """Every redirect hop goes through the guard, so a public page cannot bounce us inward."""
    url = http_server.redirect("/a", location)
    seen: list[str] = []
    with pytest.raises(BlockedTargetError, match="refused"):
        get(url, guard=_guard_trusting(http_server, seen))
    assert seen == [url, location]


def test_redirect_to_another_scheme_is_refused(http_server: LocalHTTPServer) -> None:
    """A redirect to file:// or ftp:// is refused even when private networks are allowed."""
    url = http_server.redirect("/a", "file:///etc/passwd")
    with pytest.raises(BlockedTargetError, match="only http and https"):
        get(url)


# -- size cap ---------------------------------------------------------------------------------


def test_gzip_bomb_is_stopped_at_the_default_cap(http_server: LocalHTTPServer) -> None:
    """A tiny gzip body that inflates past 5 MiB is refused (counted after decompression)."""
    bomb = gzip.compress(b" " * (50 * MIB))
    assert len(bomb) < 100_000
    url = http_server.route("/a", body=bomb, headers={**HTML, "Content-Encoding": "gzip"})
    assert FetchSettings().max_bytes == 5 * MIB
    with pytest.raises(PermanentFetchError, match="larger than 5242880 bytes") as caught:
        get(url)
    assert caught.value.status == 200


def test_gzip_bomb_never_inflates_far_past_the_cap(http_server: LocalHTTPServer) -> None:
    """Refusing a bomb costs about the cap in memory, not the inflated size of a network read."""
    bomb = gzip.compress(bytes(100 * MIB), compresslevel=1)
    url = http_server.route("/a", body=bomb, headers={**HTML, "Content-Encoding": "gzip"})
    settings = FetchSettings(allow_private_networks=True, max_bytes=MIB)
    tracemalloc.start()
    try:
        with pytest.raises(PermanentFetchError, match="larger than"):
            get(url, settings=settings)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 * MIB


@pytest.mark.parametrize(
    ("encoding", "compress"),
    [
        ("gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", lambda data: zlib.compress(data)[2:-4]),  # raw deflate, as some servers send
        ("identity", lambda data: data),
    ],
)
def test_compressed_pages_under_the_cap_are_decoded(
    http_server: LocalHTTPServer, encoding: str, compress: Callable[[bytes], bytes]
) -> None:
    """gzip, deflate (zlib or raw) and identity bodies come back as the original bytes."""
    body = PAGE * 1000
    url = http_server.route(
        "/a", body=compress(body), headers={**HTML, "Content-Encoding": encoding}
    )
    assert get(url).content == body


def test_body_over_the_cap_is_refused(http_server: LocalHTTPServer) -> None:
    """An uncompressed body over fetch.max_bytes is refused, with or without Content-Length."""
    settings = FetchSettings(allow_private_networks=True, max_bytes=1000)
    declared = http_server.route("/declared", body=b"<html>" + b"x" * 2000, headers=HTML)
    chunked = http_server.route(
        "/chunked",
        handler=lambda _: Response(
            200,
            [*HTML.items(), ("Transfer-Encoding", "chunked")],
            _chunked(b"<html>" + b"x" * 2000),
        ),
    )
    for url in (declared, chunked):
        with pytest.raises(PermanentFetchError, match="larger than 1000 bytes"):
            get(url, settings=settings)
    exactly = http_server.route("/exact", body=b"<html>" + b"x" * 994, headers=HTML)
    assert len(get(exactly, settings=settings).content) == 1000


def _chunked(body: bytes, size: int = 100) -> bytes:
    parts = [
        b"%x\r\n%s\r\n" % (len(body[i : i + size]), body[i : i + size])
        for i in range(0, len(body), size)
    ]
    return b"".join(parts) + b"0\r\n\r\n"


# -- content types and charsets ---------------------------------------------------------------


@pytest.mark.parametrize("content_type", ["application/pdf", "image/png", "application/json"])
def test_non_html_content_is_refused(http_server: LocalHTTPServer, content_type: str) -> None:
    """Only HTML is watched; a PDF or image is a permanent error naming the type."""
    url = http_server.route("/a", body=b"%PDF-1.7", headers={"Content-Type": content_type})
    with pytest.raises(PermanentFetchError, match=content_type):
        get(url)


def test_xhtml_and_untyped_html_are_accepted(http_server: LocalHTTPServer) -> None:
    """application/xhtml+xml is HTML; a body without Content-Type is sniffed for HTML tags."""
    xhtml = http_server.route("/x", body=PAGE, headers={"Content-Type": "application/xhtml+xml"})
    untyped = http_server.route("/u", body=b"\n  " + PAGE)
    binary = http_server.route("/b", body=b"\x89PNG\r\n\x1a\n")
    assert get(xhtml).content_type == "application/xhtml+xml"
    assert get(untyped).text.strip().startswith("<!doctype html>")
    with pytest.raises(PermanentFetchError, match="does not look like HTML"):
        get(binary)


CHARSET_CASES = [
    # (Content-Type header, body, expected encoding, expected text fragment)
    ("text/html", b"\xef\xbb\xbf<p>caf\xc3\xa9</p>", "utf-8", "<p>café</p>"),
    ("text/html; charset=iso-8859-1", b"\xef\xbb\xbf<p>caf\xc3\xa9", "utf-8", "café"),
    ("text/html", "\ufeff<p>Grüße</p>".encode("utf-16-le"), "utf-16-le", "<p>Grüße</p>"),
    ("text/html", "\ufeff<p>Grüße</p>".encode("utf-16-be"), "utf-16-be", "<p>Grüße</p>"),
    ("text/html; charset=ISO-8859-1", b"<p>caf\xe9 \x93q\x94</p>", "cp1252", "café “q”"),
    ("text/html; charset=koi8-r", b"<p>\xf0\xd2\xc9\xd7\xc5\xd4</p>", "koi8-r", "Привет"),
    (
        "text/html",
        b'<html><head><meta charset="windows-1251"></head><p>\xcf\xf0\xe8</p>',
        "cp1251",
        "При",
    ),
    (
        "text/html",
        b'<meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS">'
        b"<p>\x93\xfa\x96\x7b</p>",
        "cp932",
        "日本",
    ),
    ("text/html; charset=utf-8", b'<meta charset="koi8-r"><p>\xc3\xa9</p>', "utf-8", "é"),
    ("text/html; charset=nonsense", b'<meta charset="utf-8"><p>\xc3\xa9</p>', "utf-8", "é"),
    ("text/html", b'<meta charset="utf-16"><p>\xc3\xa9</p>', "utf-8", "é"),
    ("text/html", b"<p>ok \xc3\x28 end \xff</p>", "utf-8", "ok \ufffd( end \ufffd"),
]


@pytest.mark.parametrize(("content_type", "body", "encoding", "fragment"), CHARSET_CASES)
def test_charset_is_found_like_a_browser(
    http_server: LocalHTTPServer, content_type: str, body: bytes, encoding: str, fragment: str
) -> None:
    """BOM, then header charset, then <meta>, else UTF-8; bad bytes become U+FFFD."""
    url = http_server.route("/a", body=body, headers={"Content-Type": content_type})
    result = get(url)
    assert result.encoding == encoding
    assert fragment in result.text
    assert result.content == body


# -- errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [404, 410, 403, 451])
def test_client_errors_are_permanent_with_status(http_server: LocalHTTPServer, status: int) -> None:
    """404/410 and other 4xx are permanent and carry the status for the report."""
    url = http_server.route("/a", status=status, body=b"gone", headers=HTML)
    with pytest.raises(PermanentFetchError) as caught:
        get(url)
    assert caught.value.status == status
    assert caught.value.url == url
    assert str(status) in str(caught.value)


def test_503_with_retry_after_is_transient(http_server: LocalHTTPServer) -> None:
    """A 503 is retried later, after the Retry-After the server asked for."""
    url = http_server.route("/a", status=503, headers={"Retry-After": "120"})
    with pytest.raises(TransientFetchError) as caught:
        get(url)
    assert caught.value.status == 503
    assert caught.value.retry_after == 120.0


@pytest.mark.parametrize("status", [429, 500, 502])
def test_throttling_and_server_errors_are_transient(
    http_server: LocalHTTPServer, status: int
) -> None:
    """429 and 5xx are transient; without Retry-After the scheduler picks the backoff."""
    url = http_server.route("/a", status=status)
    with pytest.raises(TransientFetchError) as caught:
        get(url)
    assert caught.value.status == status
    assert caught.value.retry_after is None


def test_connection_refused_is_transient() -> None:
    """Nobody listening is a network error worth retrying, not a crash."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(TransientFetchError, match="network error"):
        get(f"http://127.0.0.1:{port}/")


# -- time -------------------------------------------------------------------------------------


def _timed(url: str, settings: FetchSettings) -> tuple[BaseException, float]:
    started = time.monotonic()
    with pytest.raises(TransientFetchError) as caught:
        get(url, settings=settings)
    return caught.value, time.monotonic() - started


def test_silent_server_hits_the_total_deadline(http_server: LocalHTTPServer) -> None:
    """A server that never answers costs the deadline, not the (longer) read time-out."""
    url = http_server.route("/a", body=PAGE, headers=HTML, delay=10)
    settings = FetchSettings(allow_private_networks=True, deadline=0.5, read_timeout=10)
    error, took = _timed(url, settings)
    assert "fetch.deadline" in str(error)
    assert 0.4 < took < 1.0


def test_dribbling_server_hits_the_total_deadline(http_server: LocalHTTPServer) -> None:
    """A body dribbled in small chunks never trips the read time-out; the deadline stops it."""
    body = b"<html>" + b"x" * 2000
    url = http_server.route("/a", body=body, headers=HTML, chunk_size=50, chunk_delay=0.05)
    settings = FetchSettings(allow_private_networks=True, deadline=0.5, read_timeout=1)
    error, took = _timed(url, settings)
    assert "fetch.deadline" in str(error)
    assert 0.4 < took < 1.0


def test_read_timeout_is_transient(http_server: LocalHTTPServer) -> None:
    """A stalled read inside the deadline is reported as a time-out."""
    url = http_server.route("/a", body=PAGE, headers=HTML, delay=5)
    settings = FetchSettings(allow_private_networks=True, deadline=5, read_timeout=0.3)
    error, took = _timed(url, settings)
    assert "timed out" in str(error)
    assert took < 1.0


# -- one client, many sites -------------------------------------------------------------------


def test_one_failing_site_does_not_stop_the_others(http_server: LocalHTTPServer) -> None:
    """Concurrent fetches on one client each get their own outcome."""
    good = http_server.route("/good", body=PAGE, headers=HTML)
    missing = http_server.route("/missing", status=404)
    slow = http_server.route("/slow", body=PAGE, headers=HTML, delay=5)
    settings = FetchSettings(allow_private_networks=True, deadline=0.5)

    async def all_at_once() -> list[FetchResult | BaseException]:
        async with make_client(settings) as client:
            jobs = [fetch(client, u, Validators(), settings) for u in (good, missing, slow, good)]
            return await asyncio.gather(*jobs, return_exceptions=True)

    outcomes = run(all_at_once())
    assert [type(o) for o in outcomes] == [
        FetchResult,
        PermanentFetchError,
        TransientFetchError,
        FetchResult,
    ]


class CountingTransport(httpx.AsyncHTTPTransport):
    """A real transport that counts the requests it carries."""

    def __init__(self) -> None:
        super().__init__(retries=0)
        self.requests = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        return await super().handle_async_request(request)


def test_transport_is_swappable(http_server: LocalHTTPServer) -> None:
    """make_client uses the transport it is given (a benchmark may swap in aiohttp's)."""
    http_server.redirect("/a", "/b")
    http_server.route("/b", body=PAGE, headers=HTML)
    transport = CountingTransport()

    async def via_transport() -> FetchResult:
        async with make_client(LOCAL, transport=transport) as client:
            return await fetch(client, http_server.url("/a"), Validators(), LOCAL)

    assert run(via_transport()).content == PAGE
    assert transport.requests == 2


# -- encodings and cut bodies (issue 11 item 7, issue 9 item 6) ------------------------------


@pytest.mark.parametrize("encoding", ["br", "zstd", "gzip, gzip", "compress", "x-unknown"])
def test_an_encoding_not_asked_for_is_a_clean_fetch_error(
    http_server: LocalHTTPServer, encoding: str
) -> None:
    """br, zstd, stacked or unknown codings fail the check with a FetchError naming the coding."""
    body = gzip.compress(PAGE)
    url = http_server.route("/a", body=body, headers={**HTML, "Content-Encoding": encoding})
    with pytest.raises(PermanentFetchError, match="unsupported Content-Encoding") as caught:
        get(url)
    assert caught.value.status == 200


def test_only_the_encodings_editwatch_decodes_are_advertised(http_server: LocalHTTPServer) -> None:
    """Accept-Encoding lists exactly gzip and deflate (the bounded inflater's codings)."""
    url = http_server.route("/a", body=PAGE, headers=HTML)
    get(url)
    [request] = http_server.requests("/a")
    codings = {c.strip() for c in request.headers["Accept-Encoding"].split(",")}
    assert codings == {"gzip", "deflate"}


def test_corrupt_gzip_is_a_clean_fetch_error(http_server: LocalHTTPServer) -> None:
    """Bytes that are not gzip under Content-Encoding: gzip fail as 'cannot be decoded'."""
    url = http_server.route(
        "/a", body=b"not gzip at all", headers={**HTML, "Content-Encoding": "gzip"}
    )
    with pytest.raises(PermanentFetchError, match="cannot be decoded"):
        get(url)


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_a_cut_compressed_stream_is_a_transient_error(
    http_server: LocalHTTPServer, encoding: str
) -> None:
    """A complete HTTP message holding a compressed stream that stops early is not a page."""
    whole = (gzip.compress if encoding == "gzip" else zlib.compress)(PAGE * 200)
    cut = whole[: len(whole) // 2]
    url = http_server.route("/a", body=cut, headers={**HTML, "Content-Encoding": encoding})
    with pytest.raises(TransientFetchError, match="cut short"):
        get(url)


def _serve_short_body_once(declared: int, body: bytes) -> tuple[str, socket.socket]:
    """A one-shot server that declares ``declared`` bytes, sends ``body`` and closes."""
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        connection, _ = listener.accept()
        with connection:
            connection.recv(65536)
            head = f"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {declared}\r\n"
            connection.sendall(head.encode() + b"Connection: close\r\n\r\n" + body)

    import threading

    threading.Thread(target=serve, daemon=True).start()
    return f"http://127.0.0.1:{listener.getsockname()[1]}/a", listener


def test_a_body_shorter_than_its_content_length_is_a_transient_error() -> None:
    """A connection closed before Content-Length bytes arrived never becomes a version."""
    url, listener = _serve_short_body_once(len(PAGE) * 2, PAGE)
    with listener, pytest.raises(TransientFetchError):
        get(url)


@pytest.mark.parametrize(
    "url",
    ["http://user:secret@127.0.0.1/a", "http://user@127.0.0.1/a", "http://:secret@127.0.0.1/"],
)
def test_urls_with_credentials_are_refused_unsent(http_server: LocalHTTPServer, url: str) -> None:
    """user:password@ is never sent as Basic auth, and the error does not repeat the secret."""
    target = url.replace("127.0.0.1", f"127.0.0.1:{http_server.port}")
    http_server.route("/a", body=PAGE, headers=HTML)
    with pytest.raises(PermanentFetchError, match="credentials") as caught:
        get(target)
    assert "secret" not in str(caught.value) and "secret" not in (caught.value.url or "")
    assert http_server.count() == 0


def test_a_redirect_to_a_url_with_credentials_is_refused(http_server: LocalHTTPServer) -> None:
    """A server cannot make editwatch send Basic auth by redirecting to user:pass@."""
    http_server.redirect("/a", f"http://u:secret@127.0.0.1:{http_server.port}/b")
    http_server.route("/b", body=PAGE, headers=HTML)
    with pytest.raises(PermanentFetchError, match="credentials"):
        get(http_server.url("/a"))
    assert http_server.count("/b") == 0


def test_each_engine_records_the_answering_address(
    http_server: LocalHTTPServer, each_transport: str
) -> None:
    """The evidence of a fetch names the peer that answered, whichever engine carried it."""
    http_server.route("/p", body=PAGE, headers=HTML)
    result = get(http_server.url("/p"))
    assert result.remote_addr == f"127.0.0.1:{http_server.port}"
    assert dict(result.request_headers)["user-agent"] == USER_AGENT


def test_aiohttp_is_the_default_engine_and_httpx_is_selectable() -> None:
    """``fetch.transport`` picks the engine; an unknown name is a config error."""
    from worker.fetch.pinning import PinningTransport
    from worker.fetch.transports import PinnedAiohttpTransport, build_transport

    assert isinstance(build_transport(FetchSettings()), PinnedAiohttpTransport)
    assert isinstance(build_transport(FetchSettings(transport="httpx")), PinningTransport)
    with pytest.raises(ValueError, match="transport"):
        FetchSettings(transport="curl")  # type: ignore[arg-type]


def test_a_long_header_line_is_read_by_either_engine(
    http_server: LocalHTTPServer, each_transport: str
) -> None:
    """A 12 KB Content-Security-Policy (news sites send such) does not fail the fetch."""
    headers = {**HTML, "Content-Security-Policy": "default-src " + "a" * 12_000}
    http_server.route("/csp", body=PAGE, headers=headers)
    assert get(http_server.url("/csp")).content == PAGE
