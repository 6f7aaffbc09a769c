"""Requests go to the address the guard checked, not to a second DNS answer (DNS rebinding).

The names used here end in ``.invalid`` (RFC 6761: never resolves), so a request that reaches
the local test server under such a name can only have been sent to the pinned address.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.fetch_transports import TRANSPORTS
from tests.httpserver import LocalHTTPServer
from tests.netns import run_in_netns
from worker.config import FetchSettings
from worker.errors import BlockedTargetError
from worker.fetch import fetch, make_client
from worker.models import FetchResult, Validators
from worker.netguard import check_resolved, check_url, check_url_sync
from worker.notify.http import post_json

PAGE = b"<!doctype html><html><head><title>T</title></head><body><p>Hi</p></body></html>"
HTML = {"Content-Type": "text/html; charset=utf-8"}
LOOPBACK = "127.0.0.1"


async def _pin_everything_to_loopback(url: str, *, allow_private: bool) -> str | None:
    """A guard that approved the loopback address for every name (as a rebinding DNS might)."""
    return LOOPBACK


def _fetch(url: str, settings: FetchSettings) -> FetchResult:
    async def go() -> FetchResult:
        async with make_client(settings) as client:
            return await fetch(
                client, url, Validators(), settings, guard=_pin_everything_to_loopback
            )

    return asyncio.run(go())


@pytest.mark.usefixtures("each_transport")
def test_fetch_connects_to_the_checked_address_and_keeps_the_name(
    http_server: LocalHTTPServer,
) -> None:
    """A fetch goes to the guard's address with the name in Host; no second lookup happens."""
    http_server.route("/x", body=PAGE, headers=HTML)
    url = f"http://page.invalid:{http_server.port}/x"
    result = _fetch(url, FetchSettings())
    assert (result.status, result.final_url) == (200, url)
    [request] = http_server.requests("/x")
    assert request.headers["Host"] == f"page.invalid:{http_server.port}"


@pytest.mark.usefixtures("each_transport")
def test_every_redirect_hop_is_pinned_again(http_server: LocalHTTPServer) -> None:
    """Each hop is checked and connected to by its own checked address, its name in Host."""
    port = http_server.port
    http_server.redirect("/a", f"http://other.invalid:{port}/b")
    http_server.route("/b", body=PAGE, headers=HTML)
    result = _fetch(f"http://first.invalid:{port}/a", FetchSettings())
    assert result.final_url == f"http://other.invalid:{port}/b"
    hosts = [request.headers["Host"] for request in http_server.requests()]
    assert hosts == [f"first.invalid:{port}", f"other.invalid:{port}"]


@pytest.mark.usefixtures("each_transport")
def test_fetch_of_a_name_resolving_to_loopback_is_refused_unsent(
    http_server: LocalHTTPServer,
) -> None:
    """With the real guard on, ``localhost`` is refused before any request reaches the server."""
    url = http_server.route("/x", body=PAGE, headers=HTML).replace(LOOPBACK, "localhost")

    async def go() -> FetchResult:
        async with make_client(FetchSettings()) as client:
            return await fetch(client, url, Validators(), FetchSettings())

    with pytest.raises(BlockedTargetError, match="loopback"):
        asyncio.run(go())
    assert http_server.count() == 0


def test_notification_post_connects_to_the_checked_address(
    http_server: LocalHTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A webhook POST goes to the address the guard approved, with its own name in Host."""
    monkeypatch.setattr("worker.notify.http.check_url_sync", lambda url, **_: LOOPBACK)
    http_server.route("/hook", status=204)
    url = f"http://hook.invalid:{http_server.port}/hook"
    status = post_json(url, {"a": 1}, timeout=5.0, allow_private=False, user_agent="editwatch/t")
    assert status == 204
    [request] = http_server.requests("/hook")
    assert request.headers["Host"] == f"hook.invalid:{http_server.port}"
    assert request.body == b'{"a": 1}'


def test_the_guard_returns_the_first_checked_address() -> None:
    """The address handed to the connection is one that was checked (the resolver's first)."""
    infos = [
        (
            socket.AF_INET6,
            socket.SOCK_STREAM,
            6,
            "",
            ("2606:2800:220:1:248:1893:25c8:1946", 80, 0, 0),
        ),
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", 80)),
    ]
    assert check_resolved("http://public.example/", infos) == "2606:2800:220:1:248:1893:25c8:1946"


@pytest.mark.parametrize("url", ["http://93.184.216.34/", "http://localhost:8000/"])
def test_nothing_to_pin_for_literal_addresses_or_when_private_is_allowed(url: str) -> None:
    """A literal IP cannot rebind, and with the guard off the name is used as it is."""
    allow_private = "localhost" in url
    assert asyncio.run(check_url(url, allow_private=allow_private)) is None
    assert check_url_sync(url, allow_private=allow_private) is None


# -- https: SNI and certificate checks still use the name ---------------------------------------

TLS_NAME = "secure.invalid"


class _TLSServer(ThreadingHTTPServer):
    """A threaded https server that records the SNI names and Host headers it received."""

    def __init__(self, context: ssl.SSLContext) -> None:
        super().__init__((LOOPBACK, 0), _NameRecordingHandler)
        self.sni_names: list[str] = []
        self.hosts: list[str] = []
        context.sni_callback = self._record_sni
        self.socket = context.wrap_socket(self.socket, server_side=True)

    def _record_sni(self, _sock: Any, name: str, _context: ssl.SSLContext) -> None:
        self.sni_names.append(name)


class _NameRecordingHandler(BaseHTTPRequestHandler):
    server: _TLSServer
    protocol_version = "HTTP/1.1"  # keep-alive, so pooled connections can be seen

    def do_GET(self) -> None:
        self.server.hosts.append(self.headers["Host"])
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.do_GET()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the test asserts on what was received, not on the log."""


def _serve_tls(tmp_path: Path, name: str) -> tuple[_TLSServer, Path, threading.Thread]:
    """An https server on 127.0.0.1 whose self-signed certificate names only ``name``."""
    cert, key = tmp_path / f"{name}.pem", tmp_path / f"{name}.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(key), "-out", str(cert), "-subj", f"/CN={name}",
         "-addext", f"subjectAltName=DNS:{name}"],
        check=True, capture_output=True,
    )  # fmt: skip
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    server = _TLSServer(context)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    return server, cert, thread


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[_TLSServer, Path]]:
    """An https server for TLS_NAME (a name that never resolves: only pinning reaches it)."""
    server, cert, thread = _serve_tls(tmp_path, TLS_NAME)
    yield server, cert
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def localhost_tls_server(tmp_path: Path) -> Iterator[tuple[_TLSServer, Path]]:
    """An https server for ``localhost`` (resolved from /etc/hosts, never by a DNS server)."""
    server, cert, thread = _serve_tls(tmp_path, "localhost")
    yield server, cert
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def test_https_pinned_post_verifies_the_certificate_for_the_name(
    tls_server: tuple[_TLSServer, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A webhook over https goes to the checked address, with the name as SNI and in the cert
    check (webhook posts use a client of their own, so a pinned connection is never shared)."""
    server, cert = tls_server
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # httpx trusts this CA for the test
    monkeypatch.setattr("worker.notify.http.check_url_sync", lambda url, **_: LOOPBACK)
    url = f"https://{TLS_NAME}:{server.server_address[1]}/hook"
    assert post_json(url, {"a": 1}, timeout=5.0, allow_private=False, user_agent="t") == 200
    assert server.sni_names == [TLS_NAME]
    assert server.hosts == [f"{TLS_NAME}:{server.server_address[1]}"]


def _tls_fetch(url: str, cert: Path, guard: Any, settings: FetchSettings) -> FetchResult:
    """One fetch through the pinning transport, trusting only the test certificate."""
    trust = ssl.create_default_context(cafile=str(cert))

    async def go() -> FetchResult:
        async with make_client(settings, verify=trust) as client:
            return await fetch(client, url, Validators(), settings, guard=guard)

    return asyncio.run(go())


@pytest.mark.usefixtures("each_transport")
def test_https_fetch_is_pinned_with_the_name_as_sni_and_in_the_cert_check(
    tls_server: tuple[_TLSServer, Path],
) -> None:
    """A page over https goes to the guard's address; SNI, certificate and Host use the name
    (the name never resolves, so only the pinned connection can reach the server)."""
    server, cert = tls_server
    url = f"https://{TLS_NAME}:{server.server_address[1]}/x"
    assert _tls_fetch(url, cert, _pin_everything_to_loopback, FetchSettings()).status == 200
    assert server.sni_names == [TLS_NAME]
    assert server.hosts == [f"{TLS_NAME}:{server.server_address[1]}"]


@pytest.mark.usefixtures("each_transport")
def test_https_connections_stay_pooled_per_host(tls_server: tuple[_TLSServer, Path]) -> None:
    """Two pinned https fetches of one host share one TLS connection (one handshake)."""
    server, cert = tls_server
    url = f"https://{TLS_NAME}:{server.server_address[1]}/x"
    trust = ssl.create_default_context(cafile=str(cert))

    async def go() -> None:
        async with make_client(FetchSettings(), verify=trust) as client:
            for _ in range(2):
                await fetch(
                    client, url, Validators(), FetchSettings(), guard=_pin_everything_to_loopback
                )

    asyncio.run(go())
    assert len(server.hosts) == 2 and server.sni_names == [TLS_NAME]


def _rebinding_resolver(first: str, then: str) -> list[str]:
    """A DNS that answers ``first`` to the first lookup of ``rebind.test``, ``then`` after.

    A rebinding DNS server cannot be put behind the system resolver here, so the one function
    that asks it is replaced; everything else (guard, transport, sockets) is real.
    """
    answers: list[str] = []
    real = socket.getaddrinfo

    def lookup(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode("ascii") if isinstance(host, bytes) else host  # anyio sends bytes
        if name != "rebind.test":
            return real(host, port, *args, **kwargs)
        answer = first if not answers else then
        answers.append(answer)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answer, int(port)))]

    socket.getaddrinfo = lookup
    return answers


class _ConnectionCounter:
    """A TCP listener on 127.0.0.1 that only counts the connections it accepts."""

    def __init__(self) -> None:
        self.listener = socket.create_server((LOOPBACK, 0))
        self.listener.settimeout(0.05)
        self.port = self.listener.getsockname()[1]
        self.accepted = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._count, daemon=True)
        self._thread.start()

    def _count(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self.listener.accept()
            except TimeoutError:
                continue
            self.accepted += 1
            connection.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.listener.close()


PUBLIC = "93.184.216.34"  # unreachable inside the namespace: no route but loopback


def rebinding_scenario(scheme: str, transport: str) -> dict[str, Any]:
    """(In a network namespace) fetch a name whose DNS rebinds public -> 127.0.0.1."""
    counter = _ConnectionCounter()
    answers = _rebinding_resolver(first=PUBLIC, then=LOOPBACK)
    settings = FetchSettings(connect_timeout=1, deadline=3, transport=transport)  # type: ignore[arg-type]
    try:
        asyncio.run(_fetch_with_real_guard(f"{scheme}://rebind.test:{counter.port}/", settings))
        error = ""
    except Exception as exc:
        error = type(exc).__name__
    finally:
        counter.close()
    return {"answers": answers, "accepted": counter.accepted, "error": error}


async def _fetch_with_real_guard(url: str, settings: FetchSettings) -> FetchResult:
    async with make_client(settings) as client:
        return await fetch(client, url, Validators(), settings)


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("scheme", ["http", "https"])
def test_a_rebinding_dns_gets_no_connection_to_loopback(scheme: str, transport: str) -> None:
    """The guard sees a public answer, a second lookup would give 127.0.0.1: no connection to
    127.0.0.1 is made over http or https, through either engine (the fetch fails on the
    unreachable public address)."""
    scenario = "tests.integration.test_netguard_pinning:rebinding_scenario"
    seen = run_in_netns(scenario, scheme, transport)
    assert seen["answers"][0] == PUBLIC
    assert seen["accepted"] == 0
    assert seen["error"] == "TransientFetchError"
