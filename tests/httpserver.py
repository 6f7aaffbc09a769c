"""A real HTTP server on 127.0.0.1 that a test scripts at run time (pytest fixture ``http_server``).

Why not mocks: fetch and notify behaviour lives in the interaction with a real socket (timeouts,
redirects, compression, conditional requests), so tests talk to a real server they control::

    def test_x(http_server):
        http_server.route("/a", body=b"<html>...</html>", headers={"ETag": '"v1"'})
        url = http_server.url("/a")
        ...
        assert http_server.count("/a") == 1
        assert http_server.requests("/a")[0].headers["User-Agent"].startswith("editwatch/")

A route is either a fixed :class:`Response` (status, headers, body, delay before answering,
delay between body chunks) or a function of the :class:`RecordedRequest` returning one, for
servers that must react to what they were sent (``If-None-Match`` -> 304). Unknown paths get 404.
Routes match on the path without the query string. The server speaks HTTP/1.1 keep-alive.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import pytest

HOST = "127.0.0.1"
POLL_INTERVAL = 0.02  # how quickly close() is noticed; the default 0.5s slows every test
CLIENT_GONE = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, TimeoutError)


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server saw it; header lookup is case-insensitive."""

    method: str
    target: str  # path plus query string, as sent
    path: str
    headers: Message
    body: bytes
    received_at: float  # time.monotonic()


@dataclass(frozen=True)
class Response:
    """What a route answers. ``Content-Length`` is added unless ``headers`` sets it."""

    status: int = 200
    headers: Mapping[str, str] | list[tuple[str, str]] = field(default_factory=dict)
    body: bytes = b""
    delay: float = 0.0  # seconds before the status line is sent
    chunk_delay: float = 0.0  # seconds between body chunks (a slow-dribbling server)
    chunk_size: int = 1024


Handler = Callable[[RecordedRequest], Response]


class LocalHTTPServer:
    """A threaded HTTP/1.1 server on an ephemeral 127.0.0.1 port with run-time routes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._routes: dict[str, Response | Handler] = {}
        self._requests: list[RecordedRequest] = []
        self._stopping = threading.Event()
        self._server = _QuietServer((HOST, 0), _make_handler(self))
        self.port: int = self._server.server_address[1]
        self.base_url = f"http://{HOST}:{self.port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(POLL_INTERVAL,), daemon=True
        )
        self._thread.start()

    # -- scripting -------------------------------------------------------------------------
    def route(
        self,
        path: str,
        *,
        status: int = 200,
        headers: Mapping[str, str] | list[tuple[str, str]] | None = None,
        body: bytes | str = b"",
        delay: float = 0.0,
        chunk_delay: float = 0.0,
        chunk_size: int = 1024,
        handler: Handler | None = None,
    ) -> str:
        """Set (or replace) what ``path`` answers; returns the route's full URL."""
        if handler is None:
            raw = body.encode("utf-8") if isinstance(body, str) else body
            response = Response(status, headers or {}, raw, delay, chunk_delay, chunk_size)
        with self._lock:
            self._routes[path] = handler if handler is not None else response
        return self.url(path)

    def redirect(self, path: str, location: str, status: int = 302) -> str:
        """Make ``path`` redirect to ``location`` (absolute or relative, sent as given)."""
        return self.route(path, status=status, headers={"Location": location})

    def url(self, path: str = "/") -> str:
        return self.base_url + path

    # -- inspecting ------------------------------------------------------------------------
    def requests(self, path: str | None = None) -> list[RecordedRequest]:
        """Requests received so far, oldest first, optionally only those for ``path``."""
        with self._lock:
            return [r for r in self._requests if path is None or r.path == path]

    def count(self, path: str | None = None) -> int:
        return len(self.requests(path))

    def wait_for(self, path: str | None = None, count: int = 1, timeout: float = 5.0) -> bool:
        """Wait until ``count`` requests for ``path`` arrived; ``False`` if the deadline passed."""
        deadline = time.monotonic() + timeout
        while self.count(path) < count:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            self._stopping.wait(min(remaining, 0.01))
        return True

    # -- lifecycle -------------------------------------------------------------------------
    def close(self) -> None:
        self._stopping.set()  # wakes handlers sleeping in a delay
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> LocalHTTPServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- used by the handler ---------------------------------------------------------------
    def _answer(self, request: RecordedRequest) -> Response:
        with self._lock:
            self._requests.append(request)
            route = self._routes.get(request.path)
        if route is None:
            return Response(
                404, {"Content-Type": "text/plain"}, b"no route for " + request.path.encode()
            )
        return route(request) if callable(route) else route

    def _pause(self, seconds: float) -> bool:
        """Sleep unless the server is closing; ``False`` means stop answering."""
        return seconds <= 0 or not self._stopping.wait(seconds)


class _QuietServer(ThreadingHTTPServer):
    """Daemon handler threads, and no traceback on stderr when a client hangs up early
    (tests cut connections on purpose: deadlines, size caps)."""

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], CLIENT_GONE):
            super().handle_error(request, client_address)


def _header_items(headers: Mapping[str, str] | list[tuple[str, str]]) -> list[tuple[str, str]]:
    return list(headers.items()) if isinstance(headers, Mapping) else list(headers)


def _make_handler(server: LocalHTTPServer) -> type[BaseHTTPRequestHandler]:
    class _Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            path = urlsplit(self.path).path
            request = RecordedRequest(
                self.command, self.path, path, self.headers, body, time.monotonic()
            )
            try:
                self._send(server._answer(request))
            except CLIENT_GONE:
                self.close_connection = True

        def _send(self, response: Response) -> None:
            if not server._pause(response.delay):
                self.close_connection = True
                return
            self.send_response(response.status)
            items = (
                list(response.headers.items())
                if isinstance(response.headers, Mapping)
                else response.headers
            )
            names = {name.lower() for name, _ in items}
            for name, value in items:
                self.send_header(name, value)
            if "content-length" not in names and "transfer-encoding" not in names:
                self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            if self.command != "HEAD":
                self._write_body(response)

        def _write_body(self, response: Response) -> None:
            step = max(1, response.chunk_size) if response.chunk_delay else len(response.body) or 1
            for start in range(0, len(response.body), step):
                if start and not server._pause(response.chunk_delay):
                    self.close_connection = True
                    return
                self.wfile.write(response.body[start : start + step])
                self.wfile.flush()

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _handle

        def log_message(self, format: str, *args: Any) -> None:
            """Silence the per-request stderr log; tests inspect ``requests()`` instead."""

    return _Handler


@pytest.fixture
def http_server() -> Iterator[LocalHTTPServer]:
    """A fresh local HTTP server per test, shut down afterwards."""
    with LocalHTTPServer() as server:
        yield server
