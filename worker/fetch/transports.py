"""The HTTP engine under the fetch stage's ``httpx.AsyncClient`` (``fetch.transport``).

Why two: httpx's own engine (httpcore) costs several times more CPU per request than aiohttp's,
and a worker's fetches are a large share of its CPU. ``aiohttp`` (the default) puts aiohttp
under httpx's API with ``httpx-aiohttp``, so everything above the transport (the guard,
redirects by hand, the bounded inflater, time-outs, the deadline, error mapping) stays one
code path for both. ``httpx`` stays selectable. Both are pinned to the guard's checked address
(:mod:`.pinning`), keep no cookies, never retry and never decompress (the fetch stage does,
within its size cap).

What this module adds to ``httpx-aiohttp``: the pinning resolver with aiohttp's DNS cache off
(a cached answer would skip the pin), every aiohttp error surfacing as an ``httpx`` transport
error (so it maps to a ``TransientFetchError``, never an internal error), and the peer address
of the connection for the evidence record.
"""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import aiohttp
import httpx
from aiohttp.client_reqrep import ClientRequest
from aiohttp.connector import Connection
from aiohttp.tracing import Trace
from httpx_aiohttp import AiohttpTransport

from worker.config import FetchSettings
from worker.fetch.pinning import PinningResolver, PinningTransport

# aiohttp refuses a header line over 8 KiB; httpx (h11) takes a head of up to 16 KiB, and news
# sites do send long Content-Security-Policy and Link headers.
HEADER_LIMIT = 16 * 1024
# A request extension: the request's headers as ``request.headers.items()`` gives them, made by
# the fetch client's GET builder with the headers (worker.fetch._text_headers), so the
# transport does not decode them again for aiohttp.
TEXT_HEADERS = "editwatch.text_headers"
# The peer (host, port) of the connection that answered the request in flight in this task.
_PEER: ContextVar[tuple[str, int] | None] = ContextVar("editwatch_fetch_peer", default=None)


def build_transport(
    settings: FetchSettings, verify: ssl.SSLContext | bool = True
) -> httpx.AsyncBaseTransport:
    """The transport ``fetch.transport`` names, its pool sized by ``fetch.concurrency``."""
    limits = httpx.Limits(
        max_connections=settings.concurrency, max_keepalive_connections=settings.concurrency
    )
    if settings.transport == "httpx":
        return PinningTransport(limits, verify=verify)
    return PinnedAiohttpTransport(limits, verify=verify)


class PinnedAiohttpTransport(AiohttpTransport):
    """aiohttp under httpx's API: pinned, cookie-less, errors as httpx's, peer address told."""

    def __init__(self, limits: httpx.Limits, verify: ssl.SSLContext | bool = True) -> None:
        super().__init__(verify=verify, limits=limits, client=self._session)
        self._timeouts: dict[tuple[float | None, ...], aiohttp.ClientTimeout] = {}

    def _session(self) -> aiohttp.ClientSession:
        """Built on first use, inside the event loop (aiohttp binds a session to its loop)."""
        connector = _PeerTellingConnector(
            limit=self.limits.max_connections or 0,
            keepalive_timeout=self.limits.keepalive_expiry,
            ssl=self.ssl_context,
            resolver=PinningResolver(),
            use_dns_cache=False,
        )
        return aiohttp.ClientSession(
            connector=connector,
            cookie_jar=aiohttp.DummyCookieJar(),
            auto_decompress=False,
            max_line_size=HEADER_LIMIT,
            max_field_size=HEADER_LIMIT,
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """The request through aiohttp; any aiohttp error becomes the right httpx error."""
        _PEER.set(None)
        try:
            if request.method == "GET" and _bodiless(request):
                response = await self._get(request)
            else:
                response = await super().handle_async_request(request)
                response.stream = _MappedStream(response.stream)
        except _MAPPED as exc:
            raise _httpx_error(exc) from exc
        peer = _PEER.get()
        if peer is not None:
            response.extensions["network_stream"] = _PeerInfo(peer)
        return response

    async def _get(self, request: httpx.Request) -> httpx.Response:
        """A GET (every page fetch) straight to aiohttp's session: what ``httpx-aiohttp`` does
        for any request, less its per-request costs a GET does not need (a new aiohttp
        time-out object, a header mapping read key by key, body and proxy handling, a second
        error-mapping layer), which for a 304 were a tenth of the fetch stage's CPU."""
        if not isinstance(self.client, aiohttp.ClientSession):
            self.client = self.get_client()
        answer = await self.client.request(
            "GET",
            # Quoted again by yarl, as before: handing it httpx's encoding as is would send
            # '%', '|', '{}', '[]' and '^' raw, which strict servers answer with 400.
            str(request.url),
            headers=request.extensions.get(TEXT_HEADERS) or request.headers.items(),
            allow_redirects=False,
            auto_decompress=False,
            timeout=self._timeout(request.extensions.get("timeout", {})),
            server_hostname=request.extensions.get("sni_hostname"),
        )
        extensions = {"http_version": b"HTTP/1.1"}
        if answer.reason:
            extensions["reason_phrase"] = answer.reason.encode()
        return httpx.Response(
            status_code=answer.status,
            headers=answer.raw_headers,
            stream=_AiohttpBody(answer),
            request=request,
            extensions=extensions,
        )

    def _timeout(self, timeouts: dict[str, float | None]) -> aiohttp.ClientTimeout:
        """httpx's time-outs as aiohttp's, made once per distinct set (one, in practice)."""
        key = (timeouts.get("connect"), timeouts.get("read"), timeouts.get("pool"))
        made = self._timeouts.get(key)
        if made is None:
            made = self._timeouts[key] = aiohttp.ClientTimeout(
                sock_connect=key[0], sock_read=key[1], connect=key[2]
            )
        return made


def _bodiless(request: httpx.Request) -> bool:
    try:
        return not request.content
    except httpx.RequestNotRead:  # a streamed body
        return False


class _AiohttpBody(httpx.AsyncByteStream):
    """A GET's body straight from aiohttp, its errors mapped as they happen (one layer, not
    ``httpx-aiohttp``'s stream under :class:`_MappedStream`), in reads of up to ``CHUNK``
    bytes: a 100 KB page is two or three steps through the fetch stage's loop, not seven."""

    CHUNK = 64 * 1024

    def __init__(self, answer: aiohttp.ClientResponse) -> None:
        self._answer = answer

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._answer.content.iter_chunked(self.CHUNK):
                yield chunk
        except _MAPPED as exc:
            raise _httpx_error(exc) from exc

    async def aclose(self) -> None:
        try:
            await self._answer.__aexit__(None, None, None)
        except _MAPPED as exc:
            raise _httpx_error(exc) from exc


class _MappedStream(httpx.AsyncByteStream):
    """The response body, with aiohttp's errors mapped while it is read."""

    def __init__(self, inner: httpx.SyncByteStream | httpx.AsyncByteStream) -> None:
        assert isinstance(inner, httpx.AsyncByteStream)
        self._inner = inner

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _httpx_errors():
            async for chunk in self._inner:
                yield chunk

    async def aclose(self) -> None:
        with _httpx_errors():
            await self._inner.aclose()


# What the transport maps to httpx's errors. A plain ``try``/``except`` at each place and not
# a ``@contextmanager``: a 304 passes three of them, and the generator machinery of each cost
# more than the rest of the mapping.
_MAPPED = (httpx.TransportError, aiohttp.ClientError, OSError)


@contextmanager
def _httpx_errors() -> Iterator[None]:
    """aiohttp's errors as httpx's (:func:`_httpx_error`), for the streams of requests that
    are not a plain GET."""
    try:
        yield
    except _MAPPED as exc:
        raise _httpx_error(exc) from exc


def _httpx_error(exc: BaseException) -> httpx.TransportError:
    """aiohttp's errors as httpx's by what happened (httpx-aiohttp calls a refused connection
    a time-out), so the fetch stage reports "timed out" only for a time-out."""
    cause = exc.__cause__ if isinstance(exc, httpx.TransportError) else exc
    message = str(cause or exc) or type(cause or exc).__name__
    return _error_class(cause or exc)(message)


def _error_class(cause: BaseException) -> type[httpx.TransportError]:
    if isinstance(cause, aiohttp.ServerTimeoutError | TimeoutError):
        return (
            httpx.ReadTimeout
            if isinstance(cause, aiohttp.SocketTimeoutError)
            else httpx.TimeoutException
        )
    if isinstance(cause, aiohttp.ClientConnectorError | OSError):
        return httpx.ConnectError  # refused, unreachable, or a dial the pin refused
    if isinstance(cause, aiohttp.ClientPayloadError | aiohttp.ServerDisconnectedError):
        return httpx.ReadError
    if isinstance(cause, httpx.TransportError):
        return type(cause)
    return httpx.RemoteProtocolError  # a malformed answer


class _PeerInfo:
    """Answers ``get_extra_info("server_addr")`` like httpcore's network stream does."""

    def __init__(self, peer: tuple[str, int]) -> None:
        self._peer = peer

    def get_extra_info(self, name: str) -> object:
        return self._peer if name == "server_addr" else None


class _PeerTellingConnector(aiohttp.TCPConnector):
    """aiohttp's connector, noting (for the requesting task) the peer of each connection used.

    Here and not in a trace hook: a small answer read at once releases its connection before
    aiohttp's "request end" hook, so the hook no longer sees the socket.
    """

    async def connect(
        self, req: ClientRequest, traces: list[Trace], timeout: aiohttp.ClientTimeout
    ) -> Connection:
        connection = await super().connect(req, traces, timeout)
        transport = connection.transport
        peer = transport.get_extra_info("peername") if transport is not None else None
        if isinstance(peer, tuple) and len(peer) >= 2:
            _PEER.set((str(peer[0]), int(peer[1])))
        return connection
