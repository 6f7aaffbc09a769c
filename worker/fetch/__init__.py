"""Fetch stage: one URL -> :class:`FetchResult`, or a :class:`FetchError` saying why not.

Why it looks like this:

* **Async, one client per worker process.** Many pages are in flight at once on one event loop;
  :func:`make_client` builds the shared ``httpx.AsyncClient`` on the engine ``fetch.transport``
  names (:mod:`.transports`: aiohttp's by default, as it costs far less CPU per request than
  httpx's own, which stays selectable); everything in this module works the same on both.
* **Redirects by hand.** Each hop is a new target, so each hop goes through the network guard
  (:mod:`worker.netguard`) before it is requested; at most ``fetch.max_redirects`` hops.
  The connection goes to the address the guard checked, not to a second DNS answer for the
  name (which could be a private address: DNS rebinding), over http and https alike; the name
  stays in ``Host``, TLS SNI, the certificate check and the pool key (:mod:`.pinning`).
  A URL holding credentials (``user:pass@``) is refused before anything is sent.
* **Bounded work per page.** Connect/read time-outs per operation *and* a total deadline (a
  server dribbling one byte per second never trips a read time-out), plus a size cap counted
  after decompression. gzip/deflate are decoded here with a bounded inflater, so a small
  compressed "bomb" costs at most the cap in memory, not the expansion of a whole network read.
  Only those two are advertised, and any other (or stacked) ``Content-Encoding`` is a clean
  :class:`PermanentFetchError`. A body shorter than its ``Content-Length`` or a compressed
  stream that stops before its end is a :class:`TransientFetchError`, never a page.
* **Conditional requests.** ETag / Last-Modified from the previous fetch are sent back; a 304
  is a result (``not_modified``), not an error, and costs no body read and no decoding.
* **Decoding like a browser.** BOM, then the ``Content-Type`` charset, then ``<meta>`` in the
  first 4 KiB, else UTF-8; undecodable bytes become U+FFFD instead of failing the check.
"""

from __future__ import annotations

import asyncio
import codecs
import dataclasses
import functools
import re
import ssl
import time
import zlib
from collections.abc import Awaitable, Sequence
from typing import Any, Protocol

import httpx

from worker.clock import utcnow
from worker.config import FetchSettings
from worker.errors import FetchError, PermanentFetchError, TransientFetchError
from worker.fetch.pinning import pinned
from worker.fetch.transports import TEXT_HEADERS, build_transport
from worker.models import FetchResult, Validators
from worker.netguard import check_url, parse_retry_after
from worker.retry import is_retryable_status

__all__ = [
    "HTML_CONTENT_TYPES",
    "Client",
    "declared_encoding",
    "decode_html",
    "fetch",
    "make_client",
    "redact_credentials",
]

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
HTML_CONTENT_TYPES = frozenset({"text/html", "application/xhtml+xml"})
Client = httpx.AsyncClient  # the type other stages name, so they need not import httpx
ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1"
ACCEPT_ENCODING = "gzip, deflate"  # only what the bounded inflater below can decode
SNIFF_BYTES = 4096
DEFAULT_ENCODING = "utf-8"

# The BOMs a browser honours (WHATWG "BOM sniff"), longest first.
BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Labels whose WHATWG meaning is a superset of the Python codec of the same name: pages
# labelled latin-1 are really windows-1252 (curly quotes in 0x80-0x9f), and so on.
ENCODING_ALIASES = {
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "ascii": "cp1252",
    "us-ascii": "cp1252",
    "iso-8859-9": "cp1254",
    "tis-620": "cp874",
    "gb2312": "gbk",
    "shift_jis": "cp932",
    "sjis": "cp932",
    "euc-kr": "cp949",
}
# A <meta charset> or <meta http-equiv content="...; charset=..."> in the document head.
META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
HTML_START = re.compile(rb"<(?:!doctype\s+html|html|head|body|meta|title)\b", re.I)
GZIP_ENCODINGS = frozenset({"gzip", "x-gzip"})
ZLIB_HEADER_METHOD = 8  # deflate; the low nibble of a zlib stream's first byte


class Guard(Protocol):
    """The check run on every URL before it is requested (default: ``netguard.check_url``).

    It returns the checked address to connect to, or ``None`` to request the URL as it is.
    """

    def __call__(self, url: str, *, allow_private: bool) -> Awaitable[str | None]: ...


def make_client(
    settings: FetchSettings,
    transport: httpx.AsyncBaseTransport | None = None,
    *,
    verify: ssl.SSLContext | bool = True,
) -> httpx.AsyncClient:
    """The one ``AsyncClient`` a worker process shares across all its fetches.

    ``transport`` swaps the HTTP engine; the default is the one ``fetch.transport`` names
    (:func:`.transports.build_transport`: aiohttp's or httpx's, no retries, retrying is
    Celery's job), a pool sized by ``fetch.concurrency`` and connections dialled to the
    guard's checked address. ``verify`` is the TLS trust for that default transport. A custom
    transport brings its own pool limits (and loses pinning unless it is a pinning one).
    Cookies are never stored: checks of unrelated sites must not leak state into one another.
    """
    timeout = httpx.Timeout(
        connect=settings.connect_timeout,
        read=settings.read_timeout,
        write=settings.read_timeout,
        pool=settings.deadline,
    )
    return _CookielessClient(
        transport=transport or build_transport(settings, verify),
        timeout=timeout,
        follow_redirects=False,
        headers={
            "User-Agent": settings.user_agent,
            "Accept": ACCEPT,
            "Accept-Encoding": ACCEPT_ENCODING,
        },
    )


class _NoCookies(httpx.Cookies):
    """An empty jar that never takes a cookie: checks of unrelated sites share no state.

    httpx hands every response to the client's jar; a jar whose policy refuses everything
    still paid for a ``urllib`` request and an ``email`` message built per response (about
    a fifth of httpx's own CPU for a 304).
    """

    def extract_cookies(self, response: httpx.Response) -> None:
        """Nothing is kept."""


class _CookielessClient(httpx.AsyncClient):
    """``httpx.AsyncClient`` whose cookie jar is always the empty :class:`_NoCookies`.

    It also keeps each URL it requested as httpx parsed it (:meth:`target`): a watch's URL
    is requested again on every check, and parsing it was the largest single cost of
    building a 304's request (httpx.URL validates and normalises every component in Python).
    """

    _NONE = _NoCookies()
    PARSED_URLS = 20_000  # ~0.8 KB each (a 110-character URL, key counted): ~16 MB at most

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._parsed: dict[str, tuple[httpx.URL, bytes]] = {}

    @property
    def cookies(self) -> httpx.Cookies:
        return self._NONE

    @cookies.setter
    def cookies(self, cookies: Any) -> None:
        """Cookies given to the client are dropped, as the jar drops those of responses."""

    def get_request(self, url: str, headers: dict[str, str]) -> httpx.Request:
        """The GET that ``build_request("GET", url, headers=headers)`` builds, for less.

        ``build_request`` merges a base URL, query parameters, cookies and headers into copies
        for every request (a fifth of the fetch stage's CPU for a 304); this client has no base
        URL, parameters or cookies, so its own headers followed by the request's are all there
        is to merge (a request header replaces a client one of the same name, as there).
        ``Host`` is put first here, as ``httpx.Request`` would (it otherwise builds the header
        list twice and runs its body encoder for the empty body of a GET).
        """
        target, netloc = self.target(url)
        own: list[tuple[bytes, bytes]] = self.headers.raw
        if headers:
            names = {name.lower().encode("ascii") for name in headers}
            own = [(k, v) for k, v in own if k.lower() not in names]
        pairs: list[tuple[bytes, bytes]] = []
        has_host = any(k.lower() == b"host" for k, _ in own)
        if not has_host and not any(name.lower() == "host" for name in headers) and target.host:
            pairs.append((b"Host", netloc))
        pairs.extend(own)
        pairs.extend((k.encode("ascii"), v.encode("ascii")) for k, v in headers.items())
        extensions: dict[str, Any] = {"timeout": self.timeout.as_dict()}
        text = _text_headers(pairs)
        if text is not None:
            extensions[TEXT_HEADERS] = text
        request = httpx.Request(
            "GET", target, headers=pairs, stream=httpx.ByteStream(b""), extensions=extensions
        )
        request.read()  # a GET's empty body counts as read, as in httpx's own build
        return request

    async def send_plain(self, request: httpx.Request) -> httpx.Response:
        """``send(request, stream=True)`` for the requests the fetch stage sends, for less.

        ``send`` runs an auth flow (an async generator), the event hooks and redirect
        handling, and wraps the body in a timing stream; this client has no auth, no hooks
        and follows no redirects (the fetch stage does, hop by hop), so the request goes
        straight to the transport ``send`` would pick for its URL (the client is always given
        one, so httpx routes no environment proxies either way): some 10 us of a 304's CPU
        less.
        """
        if self.is_closed:
            raise RuntimeError("Cannot send a request, as the client has been closed.")
        response = await self._transport_for_url(request.url).handle_async_request(request)
        response.request = request
        response.default_encoding = self._default_encoding
        return response

    def target(self, url: str) -> tuple[httpx.URL, bytes]:
        """``url`` as ``httpx.URL`` parses it, with its ``Host`` value: parsed once, then kept.

        ``httpx.URL`` is immutable, so one parse serves every request for that string (an
        invalid URL raises here each time, and is not kept). The oldest entry goes when
        :attr:`PARSED_URLS` are kept: a fleet larger than that costs a parse per check, as before.
        """
        found = self._parsed.get(url)
        if found is None:
            parsed = httpx.URL(url)
            found = (parsed, parsed.netloc)
            if len(self._parsed) >= self.PARSED_URLS:
                del self._parsed[next(iter(self._parsed))]
            self._parsed[url] = found
        return found


def _text_headers(pairs: list[tuple[bytes, bytes]]) -> list[tuple[str, str]] | None:
    """``httpx.Headers(pairs).items()`` as a list, made from the pairs at hand: names lower-cased,
    text decoded. When every byte is ASCII (httpx's header encoding is then ASCII) and no name
    comes twice (nothing for ``items()`` to join), it is exactly that, for a fifth of the cost
    (``items()`` was some 20 us of a 304); otherwise ``None``, and the transport asks httpx."""
    try:
        text = [(k.lower().decode("ascii"), v.decode("ascii")) for k, v in pairs]
    except UnicodeDecodeError:
        return None
    return text if len({k for k, _ in text}) == len(text) else None


async def fetch(
    client: httpx.AsyncClient,
    url: str,
    validators: Validators,
    settings: FetchSettings,
    *,
    guard: Guard = check_url,
    accept: frozenset[str] | None = HTML_CONTENT_TYPES,
) -> FetchResult:
    """Fetch ``url`` within ``settings.deadline`` seconds, following redirects by hand.

    ``accept`` lists the content types worth reading (HTML pages by default); ``None`` takes
    any type, for robots.txt and feeds.

    Raises :class:`TransientFetchError` (time-outs, network errors, 5xx, 408/425/429; with
    ``retry_after`` from the header or ``None``), :class:`PermanentFetchError` (other 4xx with
    ``status``, not HTML, too large, too many redirects) or ``BlockedTargetError`` (guard).
    """
    attempt = _Attempt(client, url, validators, settings, guard, accept, time.monotonic())
    try:
        async with asyncio.timeout(settings.deadline):
            return await _follow_redirects(attempt)
    except TimeoutError as exc:
        message = f"{url}: no complete answer within {settings.deadline:g}s (fetch.deadline)"
        raise TransientFetchError(message, url=url) from exc
    except httpx.HTTPError as exc:
        raise _network_error(attempt, exc) from exc
    except httpx.InvalidURL as exc:
        raise PermanentFetchError(f"{url}: invalid URL on the way: {exc}", url=url) from exc


@dataclasses.dataclass
class _Attempt:
    """One fetch in progress: what was asked, and the hops taken so far."""

    client: httpx.AsyncClient
    url: str
    validators: Validators
    settings: FetchSettings
    guard: Guard
    accept: frozenset[str] | None = HTML_CONTENT_TYPES
    started: float = 0.0  # time.monotonic() when the fetch began
    hops: list[str] = dataclasses.field(default_factory=list)

    @property
    def current(self) -> str:
        return self.hops[-1] if self.hops else self.url

    def elapsed_ms(self) -> float:
        """Since the fetch began: the result is built with it (no copy to add it after)."""
        return (time.monotonic() - self.started) * 1000


async def _follow_redirects(attempt: _Attempt) -> FetchResult:
    """Request, and while the answer is a redirect, check and request the next hop."""
    settings = attempt.settings
    while True:
        _refuse_credentials(attempt)
        address = await attempt.guard(
            attempt.current, allow_private=settings.allow_private_networks
        )
        request = _build_request(attempt)
        if address is None:  # nothing was looked up: nothing to pin
            response = await _send(attempt.client, request)
        else:
            with pinned(request.url, address):  # the URL as parsed for the request, not again
                response = await _send(attempt.client, request)
        try:
            target = _redirect_target(response, attempt.current)
            if target is None:
                return await _final_result(response, attempt)
        finally:
            await _close(response)
        if len(attempt.hops) >= settings.max_redirects:
            chain = " -> ".join([attempt.url, *attempt.hops, target])
            raise PermanentFetchError(
                f"{attempt.url}: more than {settings.max_redirects} redirects "
                f"(fetch.max_redirects): {chain}",
                url=attempt.url,
                status=response.status_code,
            )
        attempt.hops.append(target)


def _build_request(attempt: _Attempt) -> httpx.Request:
    """A GET for the current hop, by name; :func:`pinned` steers its connection."""
    headers = _conditional_headers(attempt.validators)
    if isinstance(attempt.client, _CookielessClient):
        return attempt.client.get_request(attempt.current, headers)
    return attempt.client.build_request("GET", attempt.current, headers=headers)


async def _send(client: httpx.AsyncClient, request: httpx.Request) -> httpx.Response:
    """The request, its body left to stream (:meth:`_CookielessClient.send_plain` when the
    client is the fetch stage's own)."""
    if isinstance(client, _CookielessClient):
        return await client.send_plain(request)
    return await client.send(request, stream=True)


def _refuse_credentials(attempt: _Attempt) -> None:
    """``user:pass@`` in a URL would be sent as Basic auth and shown in every log line."""
    if "@" not in attempt.current:  # no userinfo without an "@": skip parsing the URL
        return
    parsed = httpx.URL(attempt.current)
    if parsed.userinfo:
        where = str(parsed.copy_with(username=None, password=None))
        raise PermanentFetchError(
            f"{where}: refused, the URL holds credentials (user:password@); editwatch does not "
            "send them: watch a URL without credentials",
            url=redact_credentials(attempt.url),
        )


def redact_credentials(url: str) -> str:
    """``url`` without its ``user:password@`` part (for messages and logs)."""
    if "@" not in url:  # every check's log context asks: no parse when there is nothing to cut
        return url
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        return url
    return str(parsed.copy_with(username=None, password=None)) if parsed.userinfo else url


def _conditional_headers(validators: Validators) -> dict[str, str]:
    headers = {}
    if validators.etag:
        headers["If-None-Match"] = validators.etag
    if validators.last_modified:
        headers["If-Modified-Since"] = validators.last_modified
    return headers


def _redirect_target(response: httpx.Response, current: str) -> str | None:
    """The absolute URL a redirect points to, or ``None`` when this is not a redirect."""
    if response.status_code not in REDIRECT_STATUSES:  # before the header look-up: most are not
        return None
    location = response.headers.get("location")
    if not location:
        return None
    return str(httpx.URL(current).join(location.strip()))


async def _final_result(response: httpx.Response, attempt: _Attempt) -> FetchResult:
    """Turn the last response of the chain into a result, reading the body only if needed."""
    where = attempt.current
    if response.status_code == 304:
        validators = _merge_validators(attempt.validators, response)
        return FetchResult(
            attempt.url,
            where,
            304,
            validators=validators,
            redirects=_hops(attempt),
            elapsed_ms=attempt.elapsed_ms(),
        )
    _raise_for_status(response, attempt)
    content_type = _mime_type(response)
    if attempt.accept is None:
        return await _any_result(response, attempt, content_type)
    if content_type and content_type not in attempt.accept:
        raise PermanentFetchError(
            f"{where}: not an HTML page (Content-Type {content_type}); only HTML is watched",
            url=attempt.url,
            status=response.status_code,
        )
    content = await _read_body(response, attempt)
    if not content_type and not looks_like_html(content):
        raise PermanentFetchError(
            f"{where}: no Content-Type and the body does not look like HTML",
            url=attempt.url,
            status=response.status_code,
        )
    encoding, text = decode_html(content, _charset(response))
    return FetchResult(
        url=attempt.url,
        final_url=where,
        status=response.status_code,
        content=content,
        text=text,
        content_type=content_type or "text/html",
        encoding=encoding,
        validators=_validators_from(response),
        redirects=_hops(attempt),
        elapsed_ms=attempt.elapsed_ms(),
        **_exchange(response),
    )


async def _any_result(
    response: httpx.Response, attempt: _Attempt, content_type: str
) -> FetchResult:
    """A non-HTML resource (robots.txt, a feed): raw bytes, decoded text as a convenience."""
    content = await _read_body(response, attempt)
    encoding = _charset(response) or "utf-8"
    try:
        text = content.decode(encoding, errors="replace")
    except LookupError:  # a charset name Python does not know
        encoding, text = "utf-8", content.decode("utf-8", errors="replace")
    return FetchResult(
        url=attempt.url,
        final_url=attempt.current,
        status=response.status_code,
        content=content,
        text=text,
        content_type=content_type,
        encoding=encoding,
        validators=_validators_from(response),
        redirects=_hops(attempt),
        elapsed_ms=attempt.elapsed_ms(),
        **_exchange(response),
    )


def _exchange(response: httpx.Response) -> dict[str, Any]:
    """The evidence of the final request and answer: headers both ways, peer address, time."""
    return {
        "request_headers": tuple(response.request.headers.multi_items()),
        "response_headers": tuple(response.headers.multi_items()),
        "remote_addr": _peer_address(response),
        "fetched_at": utcnow(),
    }


def _peer_address(response: httpx.Response) -> str:
    """``ip:port`` of the connection that carried the answer, if the transport tells."""
    stream = response.extensions.get("network_stream")
    peer = stream.get_extra_info("server_addr") if stream is not None else None
    if isinstance(peer, tuple) and len(peer) >= 2:
        host = str(peer[0])
        return f"[{host}]:{peer[1]}" if ":" in host else f"{host}:{peer[1]}"
    return ""


def _hops(attempt: _Attempt) -> tuple[str, ...]:
    return tuple(attempt.hops)


def _raise_for_status(response: httpx.Response, attempt: _Attempt) -> None:
    """Map an unsuccessful status to the error the scheduler and the reports need."""
    status = response.status_code
    if 200 <= status < 300:
        return
    message = f"{attempt.current}: the server answered {status} {response.reason_phrase}".rstrip()
    if is_retryable_status(status):
        retry_after = parse_retry_after(response.headers.get("retry-after"))
        raise TransientFetchError(message, url=attempt.url, status=status, retry_after=retry_after)
    raise PermanentFetchError(message, url=attempt.url, status=status)


def _mime_type(response: httpx.Response) -> str:
    header: str = response.headers.get("content-type", "")
    return header.split(";", 1)[0].strip().lower()


def _validators_from(response: httpx.Response) -> Validators:
    return Validators(response.headers.get("etag"), response.headers.get("last-modified"))


def _merge_validators(old: Validators, response: httpx.Response) -> Validators:
    """A 304 may refresh the validators; whatever it does not resend stays as it was."""
    fresh = _validators_from(response)
    return Validators(fresh.etag or old.etag, fresh.last_modified or old.last_modified)


_CLOSED = httpx.ByteStream(b"")


async def _close(response: httpx.Response) -> None:
    """Close the answer and let go of its body stream at once.

    httpx's stream points back at its response (it sets ``elapsed`` on close), so each
    answer, with aiohttp's response, headers and reader behind it (some 40 objects), was a
    reference cycle left for the garbage collector: a worker pool's young collections took
    0.19-0.23 s of its 12-15 s in a bench run, 0.10-0.13 s without the cycles.
    """
    try:
        await response.aclose()
    finally:
        response.stream = _CLOSED


async def _read_body(response: httpx.Response, attempt: _Attempt) -> bytes:
    """Stream the body, decompressing and counting, and stop as soon as the cap is passed.

    Everything that can go wrong with the bytes (an unsupported coding, a corrupt or cut
    stream, a body shorter than declared) becomes a :class:`FetchError` here, never a page.
    """
    limit = attempt.settings.max_bytes
    declared = response.headers.get("content-length", "").strip()
    # The declared length is the compressed size; decompressed is never smaller in practice.
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(attempt, response.status_code)
    try:
        inflater = BoundedInflater(response.headers.get("content-encoding", ""), limit)
        received = 0
        async for chunk in response.aiter_raw():
            received += len(chunk)
            inflater.feed(chunk)
        _check_complete(attempt, response, received, declared)
        return inflater.finish()
    except BodyTooLargeError:
        raise _too_large(attempt, response.status_code) from None
    except TruncatedBodyError as exc:
        message = f"{attempt.current}: the body was cut short ({exc}); not stored, retrying later"
        raise TransientFetchError(message, url=attempt.url, status=response.status_code) from None
    except UnsupportedEncodingError as exc:
        raise PermanentFetchError(
            f"{attempt.current}: {exc}; editwatch accepts {ACCEPT_ENCODING} (what it asks for)",
            url=attempt.url,
            status=response.status_code,
        ) from None
    except (zlib.error, ValueError) as exc:
        raise PermanentFetchError(
            f"{attempt.current}: the body cannot be decoded: {exc}",
            url=attempt.url,
            status=response.status_code,
        ) from exc


def _check_complete(
    attempt: _Attempt, response: httpx.Response, received: int, declared: str
) -> None:
    """A connection closed before ``Content-Length`` bytes arrived is a cut body."""
    if declared.isdigit() and received < int(declared):
        raise TruncatedBodyError(f"{received} of the {declared} bytes in Content-Length")


def _too_large(attempt: _Attempt, status: int) -> PermanentFetchError:
    limit = attempt.settings.max_bytes
    return PermanentFetchError(
        f"{attempt.current}: the page is larger than {limit} bytes (fetch.max_bytes)",
        url=attempt.url,
        status=status,
    )


class BodyTooLargeError(Exception):
    """Internal signal from :class:`BoundedInflater`; surfaces as a ``PermanentFetchError``."""


class TruncatedBodyError(Exception):
    """Internal signal: the body or its compressed stream ended early (transient)."""


class UnsupportedEncodingError(Exception):
    """Internal signal: a ``Content-Encoding`` that was not asked for (permanent)."""


class BoundedInflater:
    """Collects a body, undoing gzip/deflate, refusing to hold more than ``limit`` bytes.

    ``zlib``'s ``max_length`` stops inflation one byte past the cap, so a compressed bomb is
    caught after at most ``limit + 1`` bytes of output, whatever the compression ratio. Only
    one coding is accepted: stacked ones (``gzip, gzip``) multiply what a bomb can expand to and
    no server sends them to a client that asked for one.
    """

    def __init__(self, content_encoding: str, limit: int) -> None:
        codings = [c.strip().lower() for c in content_encoding.split(",") if c.strip()]
        codings = [c for c in codings if c != "identity"]
        if len(codings) > 1 or (codings and codings[0] not in {*GZIP_ENCODINGS, "deflate"}):
            raise UnsupportedEncodingError(f"unsupported Content-Encoding {content_encoding!r}")
        self._coding = codings[0] if codings else ""
        self._limit = limit
        self._parts: list[bytes] = []
        self._size = 0
        self._inflater: Any = None  # a zlib decompress object, made from the first bytes

    def feed(self, raw: bytes) -> None:
        if not raw:
            return
        data = self._decode(raw) if self._coding else raw
        self._add(data)

    def finish(self) -> bytes:
        """The whole body; a compressed stream must have reached its end marker."""
        if self._inflater is not None:
            self._add(self._inflater.flush())
            if not self._inflater.eof:
                raise TruncatedBodyError(f"the {self._coding} stream stops before its end")
        return b"".join(self._parts)

    def _decode(self, raw: bytes) -> bytes:
        if self._inflater is None:
            self._inflater = zlib.decompressobj(self._window_bits(raw))
        return bytes(self._inflater.decompress(raw, self._limit - self._size + 1))

    def _window_bits(self, first: bytes) -> int:
        """gzip framing, zlib framing, or (from misconfigured servers) raw deflate."""
        if self._coding in GZIP_ENCODINGS:
            return zlib.MAX_WBITS | 16
        is_zlib = len(first) >= 2 and first[0] & 0x0F == ZLIB_HEADER_METHOD
        is_zlib = is_zlib and int.from_bytes(first[:2], "big") % 31 == 0
        return zlib.MAX_WBITS if is_zlib else -zlib.MAX_WBITS

    def _add(self, data: bytes) -> None:
        self._size += len(data)
        if self._size > self._limit:
            raise BodyTooLargeError
        self._parts.append(data)


def _charset(response: httpx.Response) -> str | None:
    """``response.charset_encoding``, worked out once per distinct ``Content-Type`` value: httpx
    parses the header with ``email.message`` on every call (some 40 us of a page's fetch),
    and a site sends the same value with every page."""
    return _content_type_charset(response.headers.get("content-type"))


@functools.lru_cache(maxsize=256)
def _content_type_charset(value: str | None) -> str | None:
    if value is None:
        return None
    return httpx.Response(200, headers=[("content-type", value)]).charset_encoding


def looks_like_html(content: bytes) -> bool:
    """For bodies sent without a Content-Type: an HTML tag near the start."""
    return HTML_START.search(content[:1024]) is not None


def decode_html(content: bytes, header_charset: str | None = None) -> tuple[str, str]:
    """``(encoding, text)``: BOM, then header charset, then ``<meta>``, else UTF-8."""
    for bom, encoding in BOMS:
        if content.startswith(bom):
            return encoding, content[len(bom) :].decode(encoding, errors="replace")
    encoding = (
        _known_encoding(header_charset) or _meta_encoding(content[:SNIFF_BYTES]) or DEFAULT_ENCODING
    )
    return encoding, content.decode(encoding, errors="replace")


def declared_encoding(content: bytes, headers: Sequence[tuple[str, str]] = ()) -> str | None:
    """The encoding a stored page declares, as its fetch found it: BOM, the answer's
    ``Content-Type`` charset (parsed by httpx, as the fetch's), then ``<meta>``; ``None`` when
    nothing does (:func:`decode_html` then assumes UTF-8, which a re-read cannot check)."""
    for bom, encoding in BOMS:
        if content.startswith(bom):
            return encoding
    header = httpx.Response(200, headers=list(headers)).charset_encoding
    return _known_encoding(header) or _meta_encoding(content[:SNIFF_BYTES])


def _known_encoding(label: str | bytes | None) -> str | None:
    """The Python codec for a charset label, or ``None`` when the label is unknown."""
    if not label:
        return None
    name = label.decode("ascii", "replace") if isinstance(label, bytes) else label
    name = name.strip().strip("\"'").lower()
    try:
        return codecs.lookup(ENCODING_ALIASES.get(name, name)).name
    except LookupError:
        return None


def _meta_encoding(head: bytes) -> str | None:
    match = META_CHARSET.search(head)
    encoding = _known_encoding(match.group(1)) if match else None
    # A <meta> readable as ASCII cannot be UTF-16; browsers read such pages as UTF-8.
    if encoding and encoding.startswith("utf-16"):
        return DEFAULT_ENCODING
    return encoding


def _network_error(attempt: _Attempt, exc: httpx.HTTPError) -> FetchError:
    """Time-outs and connection failures are worth retrying; say which operation failed.

    The hop is named by its URL, not by the request's, which may hold the pinned address.
    """
    kind = "timed out" if isinstance(exc, httpx.TimeoutException) else "network error"
    detail = str(exc) or type(exc).__name__
    return TransientFetchError(f"{attempt.current}: {kind}: {detail}", url=attempt.url)
