"""Page and server text reaches a terminal as plain text: no markup, no escape sequences."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

from tests.configs import write_config
from tests.httpserver import LocalHTTPServer
from tests.pages import BODY, article_page
from tests.terminal import run_in_terminal

HTML = {"Content-Type": "text/html; charset=utf-8"}
LINK = "[link=http://evil.example/]click[/link]"
HOSTILE = f"{LINK} [bold red]alarm[/bold red] \x1b]0;pwned\x07 \u202eevil\u202c"


def _assert_plain(output: str) -> None:
    """No hyperlink, title or bell, no red from markup, no bidi override reached the terminal."""
    assert "\x1b]" not in output  # OSC: hyperlinks (8) and window titles (0)
    assert "\x07" not in output and "\u202e" not in output
    assert "\x1b[1;31m" not in output  # [bold red] was not interpreted


def test_history_prints_a_hostile_headline_as_plain_text(
    tmp_path: Path, http_server: LocalHTTPServer
) -> None:
    """A headline holding rich markup, an OSC title and U+202E shows as literal, inert text."""
    http_server.route("/story", body=article_page(HOSTILE, BODY), headers=HTML)
    config = write_config(tmp_path / "config", [{"url": http_server.url("/story"), "name": "s"}])
    base = ["--config", str(config), "--data", str(tmp_path / "data")]
    code, output = run_in_terminal([*base, "check"])
    assert code == 0, output
    code, output = run_in_terminal([*base, "history", "s"])
    assert code == 0, output
    _assert_plain(output)
    assert LINK in output and "[bold red]alarm[/bold red]" in output


def _serve_reason_once(reason: bytes) -> tuple[str, socket.socket]:
    """A one-shot server answering 500 with ``reason`` as its reason phrase."""
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        connection, _ = listener.accept()
        with connection:
            connection.recv(65536)
            connection.sendall(
                b"HTTP/1.1 500 " + reason + b"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            )

    threading.Thread(target=serve, daemon=True).start()
    return f"http://127.0.0.1:{listener.getsockname()[1]}/a", listener


def test_check_prints_a_hostile_reason_phrase_as_plain_text(tmp_path: Path) -> None:
    """A server's 500 reason phrase with markup shows literally in the `check` table."""
    url, listener = _serve_reason_once(LINK.encode() + b" [bold red]x[/bold red]")
    config = write_config(
        tmp_path / "config", [{"url": url, "name": "broken", "respect_robots": False}]
    )
    with listener:
        code, output = run_in_terminal(
            ["--config", str(config), "--data", str(tmp_path / "data"), "check"]
        )
    assert code == 1, output
    _assert_plain(output)
    assert LINK in output
