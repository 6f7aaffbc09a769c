"""Who may read and write through the viewer, and the headers and sandbox around page text."""

from __future__ import annotations

import base64
import re
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from tests.waiting import wait_for
from tests.webdata import TOKEN, VOX, WebServer, WebStore, serve
from worker.cli import cli
from worker.config import load_settings
from worker.web import Access

pytestmark = pytest.mark.slow


class Tags(HTMLParser):
    """Every element and attribute a browser would build from a page."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.seen.append((tag, attrs))


def watch_id(base_url: str, name: str, **headers: str) -> int:
    answer = httpx.get(base_url + "/api/v1/watches", params={"q": name}, headers=headers).json()
    return int(next(w["id"] for w in answer["watches"] if w["name"] == name))


@pytest.fixture
def copied_store(web_store: WebStore, tmp_path: Path) -> WebStore:
    """A private copy of the pipeline's data, for tests that change it (retrying alerts)."""
    data = tmp_path / "data"
    shutil.copytree(web_store.data, data)
    return replace(web_store, data=data, settings=load_settings(web_store.config, data))


@pytest.fixture
def remote(web_store: WebStore) -> Iterator[str]:
    """The viewer as served off localhost: the token is required."""
    with serve(web_store, Access(token=TOKEN, loopback=False)) as url:
        yield url


def test_every_answer_carries_the_security_headers(web_server: WebServer) -> None:
    """CSP default-src 'self' (no inline script), nosniff and a referrer policy everywhere."""
    budget = watch_id(web_server.base_url, "budget")
    for path in ("/", f"/w/{budget}/diff/1/2", "/api/v1/watches", "/feeds/changes.atom", "/nope"):
        headers = httpx.get(web_server.base_url + path).headers
        csp = headers["content-security-policy"]
        assert "default-src 'self'" in csp and "'unsafe-inline'" not in csp, path
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"
    for path in ("/", f"/w/{budget}", f"/w/{budget}/diff/1/2"):
        tags = Tags()
        tags.feed(httpx.get(web_server.base_url + path).text)
        assert tags.seen and "script" not in {tag for tag, _ in tags.seen}, path
        attributes = {name for _, attrs in tags.seen for name, _ in attrs}
        assert not {a for a in attributes if a.startswith("on") or a == "style"}, path


def test_raw_html_is_a_download_or_a_sandboxed_frame(web_server: WebServer) -> None:
    """The stored page is text/plain as an attachment, or framed with a CSP sandbox."""
    budget = watch_id(web_server.base_url, "budget")
    download = httpx.get(f"{web_server.base_url}/w/{budget}/v/1/raw")
    assert download.headers["content-type"].startswith("text/plain")
    assert download.headers["content-disposition"].startswith("attachment;")
    assert b"<h1>" in download.content
    frame = httpx.get(f"{web_server.base_url}/w/{budget}/v/1/frame")
    csp = frame.headers["content-security-policy"]
    assert csp.startswith("sandbox;") and "default-src 'none'" in csp
    page = httpx.get(f"{web_server.base_url}/w/{budget}/v/1").text
    assert re.search(r'<iframe class="raw"[^>]* sandbox=""', page)


def test_a_foreign_host_name_is_refused_on_loopback(web_server: WebServer) -> None:
    """A DNS-rebinding page (Host: evil.example) cannot read a local viewer."""
    answer = httpx.get(web_server.base_url + "/api/v1/watches", headers={"Host": "evil.example"})
    assert answer.status_code == 421


def test_off_localhost_reading_needs_the_token(remote: str) -> None:
    """Without a token pages redirect to the login form and the API answers 401."""
    page = httpx.get(remote + "/w/1?x=1")
    assert page.status_code == 303 and page.headers["location"] == "/login?next=/w/1%3Fx%3D1"
    api = httpx.get(remote + "/api/v1/watches")
    assert api.status_code == 401 and "Bearer" in api.headers["www-authenticate"]
    assert httpx.get(remote + "/feeds/changes.atom").status_code == 401
    wrong = httpx.get(remote + "/api/v1/watches", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    right = httpx.get(remote + "/api/v1/watches", headers={"Authorization": f"Bearer {TOKEN}"})
    assert right.status_code == 200 and right.json()["total"] == 4
    basic = base64.b64encode(f"reader:{TOKEN}".encode()).decode()
    feed = httpx.get(remote + "/feeds/changes.atom", headers={"Authorization": f"Basic {basic}"})
    assert feed.status_code == 200  # feed readers speak Basic
    assert httpx.get(remote + "/static/style.css").status_code == 200  # the login page's style


def test_the_login_form_sets_a_strict_http_only_cookie(remote: str) -> None:
    """A wrong token is refused; the right one sets the session cookie and goes back."""
    with httpx.Client(base_url=remote) as client:
        assert "Token" in client.get("/login").text
        wrong = client.post("/login", data={"token": "guess", "next": "/alerts"})
        assert wrong.status_code == 401 and "wrong token" in wrong.text
        right = client.post("/login", data={"token": TOKEN, "next": "https://evil.example/"})
        assert right.status_code == 303 and right.headers["location"] == "/"
        cookie = right.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
        assert TOKEN not in cookie
        assert client.get("/").status_code == 200
        client.post("/logout")
        assert client.get("/").status_code == 303


def test_public_serves_off_localhost_without_a_token(web_store: WebStore) -> None:
    """`web.public: true` opens reading to anyone; writing still needs a token."""
    with serve(web_store, Access(token=None, public=True, loopback=False)) as url:
        assert httpx.get(url + "/").status_code == 200
        refused = httpx.post(url + "/api/v1/alerts/1/retry")
        assert refused.status_code == 403 and "EDITWATCH_WEB_TOKEN" in refused.json()["detail"]


def dead_alert(url: str, **headers: str) -> int:
    (dead,) = httpx.get(url + "/api/v1/alerts?state=dead", headers=headers).json()["alerts"]
    return int(dead["id"])


def test_retrying_a_dead_alert_needs_the_token_and_csrf(copied_store: WebStore) -> None:
    """The retry form needs a session and its CSRF value; then the alert is pending again."""
    with (
        serve(copied_store, Access(token=TOKEN, loopback=True)) as url,
        httpx.Client(base_url=url) as client,
    ):
        alert = dead_alert(url)
        assert client.post(f"/alerts/{alert}/retry").status_code == 401  # not logged in
        client.post("/login", data={"token": TOKEN, "next": "/alerts"})
        page = client.get("/alerts?state=dead").text
        csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page)
        assert csrf is not None
        assert client.post(f"/alerts/{alert}/retry", data={"csrf": "0" * 64}).status_code == 403
        foreign = client.post(
            f"/alerts/{alert}/retry",
            data={"csrf": csrf.group(1)},
            headers={"Origin": "https://evil.example"},
        )
        assert foreign.status_code == 403
        done = client.post(f"/alerts/{alert}/retry", data={"csrf": csrf.group(1)})
        assert done.status_code == 303
        states = {a["id"]: a["state"] for a in client.get("/api/v1/alerts").json()["alerts"]}
        assert states[alert] == "pending"
        assert (
            client.post(f"/alerts/{alert}/retry", data={"csrf": csrf.group(1)}).status_code == 409
        )


def test_the_api_retries_with_a_bearer_token(copied_store: WebStore) -> None:
    """`POST /api/v1/alerts/{id}/retry` with the bearer token makes the alert pending."""
    with serve(copied_store, Access(token=TOKEN, loopback=True)) as url:
        alert = dead_alert(url)
        assert httpx.post(f"{url}/api/v1/alerts/{alert}/retry").status_code == 401
        answer = httpx.post(
            f"{url}/api/v1/alerts/{alert}/retry", headers={"Authorization": f"Bearer {TOKEN}"}
        )
        assert answer.status_code == 200 and answer.json() == {"id": alert, "state": "pending"}


def test_the_command_refuses_to_serve_off_localhost_without_a_token(
    web_store: WebStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`editwatch web --host 0.0.0.0` with no token exits 2 and says how to fix it."""
    monkeypatch.delenv("EDITWATCH_WEB_TOKEN", raising=False)
    result = CliRunner().invoke(
        cli,
        [
            "--config",
            str(web_store.config),
            "--data",
            str(web_store.data),
            "web",
            "--host",
            "0.0.0.0",
        ],
    )
    assert result.exit_code == 2
    assert "EDITWATCH_WEB_TOKEN" in result.stderr and "web.public: true" in result.stderr


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_editwatch_web_after_the_demo_shows_the_demo_articles(
    web_store: WebStore, tmp_path: Path
) -> None:
    """Right after `make demo` (./data empty, ./data/demo filled) `editwatch web` shows it."""
    data = tmp_path / "data"
    shutil.copytree(web_store.data, data / "demo")
    port = free_port()
    command = [sys.executable, "-m", "worker", "--config", str(web_store.config),
               "--data", str(data), "web", "--port", str(port)]  # fmt: skip
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        url = f"http://127.0.0.1:{port}"

        def answers() -> httpx.Response | None:
            try:
                return httpx.get(url + "/api/v1/watches")
            except httpx.TransportError:
                return None

        names = {w["name"] for w in wait_for(answers, timeout=60).json()["watches"]}
        assert VOX in names
        vox = watch_id(url, VOX)
        assert "caption" in httpx.get(f"{url}/w/{vox}/diff/1/2").text
    finally:
        server.terminate()
        _, err = server.communicate(timeout=30)
    assert "showing the demo's database" in err.decode()
