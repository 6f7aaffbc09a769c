"""A store built by the real pipeline, and the web viewer served on a free 127.0.0.1 port.

``web_store`` runs ``editwatch check`` twice over the demo news site (the Vox caption edit)
and over a local article whose headline carries ``<script>`` and ``<img onerror>`` and whose
body changes one word; its alerts go to a webhook that refuses them, so a dead alert exists.
``serve`` runs :func:`worker.web.create_app` under uvicorn in a thread (pytest fixtures
``web_store``, ``web_server``; plugin registered in ``tests/conftest.py``).
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from typer.testing import CliRunner

from tests.configs import write_config
from tests.httpserver import LocalHTTPServer
from tests.pages import BODY, article_page
from tests.waiting import wait_for
from worker.cli import cli
from worker.config import Settings, load_settings
from worker.demo.site import ARTICLE_SLUGS, DemoSite
from worker.store import Store
from worker.web import Access, create_app

HTML = {"Content-Type": "text/html; charset=utf-8"}
XSS_HEADLINE = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"> Budget'
XSS_EDITED = XSS_HEADLINE + " passes"
CHANGED_FROM, CHANGED_TO = "approve", "reject"
VOX = "why-russia-just-sent-troops-to-venezuela"
TOKEN = "s3cret-token-for-tests"


@dataclass(frozen=True)
class WebStore:
    """Where the pipeline left its data, and the settings that read it."""

    config: Path
    data: Path
    settings: Settings
    xss_url: str


def _check(config: Path, data: Path, expect: int = 0) -> None:
    """One `editwatch check`; exit 1 is expected once the always-failing webhook's alert died."""
    result = CliRunner().invoke(cli, ["--config", str(config), "--data", str(data), "check"])
    assert result.exit_code == expect, result.output


def _xss_body(edited: bool) -> tuple[str, ...]:
    first = BODY[0].replace(CHANGED_FROM, CHANGED_TO) if edited else BODY[0]
    return (first, *BODY[1:])


@pytest.fixture(scope="session")
def web_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebStore]:
    """Demo articles and the XSS article, each checked before and after its edit."""
    root = tmp_path_factory.mktemp("web")
    with DemoSite(port=0) as site, LocalHTTPServer() as server:
        server.route("/hook", status=400, body=b"no such hook")
        xss_url = server.route(
            "/politics/budget", body=article_page(XSS_HEADLINE, BODY), headers=HTML
        )
        watches = [
            {"url": site.url_for(slug), "name": slug, "tags": ["demo"]} for slug in ARTICLE_SLUGS
        ]
        watches.append(
            {"url": xss_url, "name": "budget", "tags": ["politics"], "channels": ["hook"]}
        )
        config = write_config(
            root / "config",
            watches,
            channels={
                "archive": {"type": "file", "path": "alerts.jsonl"},
                "hook": {"type": "webhook", "url": server.url("/hook")},
            },
            extra={"notify": {"max_attempts": 1}},
        )
        data = root / "data"
        _check(config, data)
        site.capture = 2
        server.route(
            "/politics/budget", body=article_page(XSS_EDITED, _xss_body(True)), headers=HTML
        )
        _check(config, data, expect=1)  # the edit's alert to the failing hook is dead
    yield WebStore(config, data, load_settings(config, data), xss_url)


@dataclass(frozen=True)
class WebServer:
    base_url: str
    store: WebStore


@contextmanager
def serve(data: WebStore, access: Access) -> Iterator[str]:
    """The viewer on a free port of 127.0.0.1 until the block ends; yields its base URL."""
    store = Store.open(data.settings.data_dir, data.settings.database_url)
    app = create_app(store, data.settings, access)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        wait_for(lambda: server.started, timeout=20)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)
        sock.close()
        store.close()


@pytest.fixture(scope="session")
def web_server(web_store: WebStore) -> Iterator[WebServer]:
    """The viewer as a local user runs it: loopback, no token needed to read, token set."""
    with serve(web_store, Access(token=TOKEN, loopback=True)) as url:
        yield WebServer(url, web_store)
