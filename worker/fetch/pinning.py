"""Connections go to the address the guard checked, for http and https alike.

Why a network backend and not a rewritten URL: replacing the host by its IP would make the
connection pool key on the IP (a connection for one site reused for another on the same CDN
address) and would move the name out of TLS SNI and the certificate check. Instead the request
keeps its name everywhere (``Host``, SNI, certificate, pool key) and only the socket's
``connect`` is steered: :func:`pinned` marks, for the current task, which checked address a
``host:port`` must be dialled at, and :class:`PinningBackend` (httpcore's network backend, the
layer that opens sockets) dials that address instead of resolving the name a second time. A
DNS server that answers a public address to the guard and ``127.0.0.1`` a moment later (DNS
rebinding) therefore never gets a connection to ``127.0.0.1``. Connections stay pooled per
host: a pooled connection was opened to a checked address, and every request that reuses it
was checked again.

The aiohttp transport is pinned the same way one layer up: its connector asks
:class:`PinningResolver` for the addresses of a name (with aiohttp's DNS cache off, so it asks
for every new connection, inside the task that made the request), and while a pin is set the
answer is the checked address and nothing else. A pin for another host or port than the one
being dialled is refused rather than resolved, since it can only mean the request is not the
one the guard checked.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import aiohttp
import httpcore
import httpx
from aiohttp.abc import AbstractResolver, ResolveResult

from worker.urls import SCHEME_PORTS

# (host as sent on the wire, port, checked address) for the request in flight in this task.
_PIN: ContextVar[tuple[str, int, str] | None] = ContextVar("editwatch_fetch_pin", default=None)
SocketOption = (
    tuple[int, int, int] | tuple[int, int, bytes | bytearray] | tuple[int, int, None, int]
)


def wire_host_and_port(url: str | httpx.URL) -> tuple[str, int]:
    """The host (IDNA-encoded, as httpcore dials it) and port of ``url``."""
    parsed = url if isinstance(url, httpx.URL) else httpx.URL(url)
    return parsed.raw_host.decode("ascii").lower(), parsed.port or SCHEME_PORTS[parsed.scheme]


@contextmanager
def pinned(url: str | httpx.URL, address: str | None) -> Iterator[None]:
    """Inside the block, a new connection for ``url``'s host goes to ``address``."""
    if address is None:
        yield
        return
    host, port = wire_host_and_port(url)
    token = _PIN.set((host, port, address))
    try:
        yield
    finally:
        _PIN.reset(token)


def _dial_address(host: str, port: int) -> str:
    pin = _PIN.get()
    if pin is not None and pin[0] == host.lower() and pin[1] == port:
        return pin[2]
    return host


class PinningBackend(httpcore.AsyncNetworkBackend):
    """httpcore's asyncio backend, dialling the pinned address for the request in flight."""

    def __init__(self) -> None:
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[SocketOption] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        return await self._inner.connect_tcp(
            _dial_address(host, port),
            port,
            timeout=timeout,
            local_address=local_address,
            socket_options=socket_options,
        )

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[SocketOption] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        return await self._inner.connect_unix_socket(
            path, timeout=timeout, socket_options=socket_options
        )

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class PinningTransport(httpx.AsyncHTTPTransport):
    """httpx's transport (no retries: Celery retries) whose pool dials through the pin."""

    def __init__(self, limits: httpx.Limits, verify: ssl.SSLContext | bool = True) -> None:
        super().__init__(retries=0, limits=limits, verify=verify)
        # httpx exposes no network_backend parameter; the pool is rebuilt with the same
        # settings plus the backend (httpx's own constructor stays the source of the rest).
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(verify=verify),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            retries=0,
            network_backend=PinningBackend(),
        )


class PinningResolver(AbstractResolver):
    """aiohttp's resolver, answering the pinned address for the request in flight.

    Without a pin (a literal IP, or private networks allowed: the guard looked nothing up)
    the name is resolved as usual.
    """

    def __init__(self) -> None:
        self._inner = aiohttp.ThreadedResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        pin = _PIN.get()
        if pin is None:
            return await self._inner.resolve(host, port, family)
        if pin[:2] != (host.lower(), port):
            raise OSError(f"refusing to dial {host}:{port}: the checked address is for {pin[0]}")
        address = pin[2]
        return [_result(host, address, port)]

    async def close(self) -> None:
        await self._inner.close()


def _result(host: str, address: str, port: int) -> ResolveResult:
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    return ResolveResult(
        hostname=host, host=address, port=port, family=family, proto=0, flags=socket.AI_NUMERICHOST
    )
