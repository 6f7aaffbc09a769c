"""The viewer's access rules and the escaping of page text in its templates, as tables."""

from __future__ import annotations

import base64

import pytest
from starlette.requests import Request

from worker.web.app import _safe_next
from worker.web.rendering import environment, xml_safe
from worker.web.security import Access, is_loopback

TOKEN = "tok-123"


def request(headers: dict[str, str]) -> Request:
    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    return Request({"type": "http", "headers": raw, "method": "GET", "path": "/"})


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("localhost", True), ("::1", True), ("[::1]", True),
     ("127.8.9.10", True), ("0.0.0.0", False), ("192.168.1.5", False), ("example.org", False)],
)  # fmt: skip
def test_only_loopback_binds_count_as_local(host: str, loopback: bool) -> None:
    """Binding anything but a loopback address puts the viewer behind the token."""
    assert is_loopback(host) is loopback
    assert Access(TOKEN, loopback=is_loopback(host)).login_required is not loopback


@pytest.mark.parametrize(
    ("authorization", "accepted"),
    [
        (f"Bearer {TOKEN}", True),
        (f"bearer {TOKEN}", True),
        ("Bearer tok-12", False),
        ("Basic " + base64.b64encode(f"anyone:{TOKEN}".encode()).decode(), True),
        ("Basic " + base64.b64encode(f"{TOKEN}:".encode()).decode(), False),
        ("Basic not-base64!", False),
        (TOKEN, False),
        ("", False),
    ],
)
def test_tokens_are_taken_from_bearer_or_basic_only(authorization: str, accepted: bool) -> None:
    """The token counts as a bearer token or a Basic password, nowhere else."""
    assert (
        Access(TOKEN, loopback=False).authenticated(request({"Authorization": authorization}))
        is accepted
    )


def test_without_a_token_nobody_authenticates() -> None:
    """No configured token: no header, cookie or empty value logs anyone in."""
    access = Access(None, loopback=False)
    assert not access.authenticated(request({"Authorization": "Bearer "}))
    assert not access.csrf_ok("") and not access.can_write


@pytest.mark.parametrize(
    ("host", "allowed"),
    [("127.0.0.1:8080", True), ("localhost", True), ("[::1]:8080", True),
     ("evil.example", False), ("127.0.0.1.evil.example:8080", False), ("", False)],
)  # fmt: skip
def test_a_local_viewer_answers_to_local_host_names_only(host: str, allowed: bool) -> None:
    """DNS rebinding sends the attacker's own name in Host; it is refused."""
    assert Access(None).host_allowed(request({"Host": host})) is allowed


@pytest.mark.parametrize(
    ("target", "safe"),
    [("/alerts?state=dead", "/alerts?state=dead"), ("https://evil.example/", "/"),
     ("//evil.example/x", "/"), ("javascript:alert(1)", "/"), ("alerts", "/")],
)  # fmt: skip
def test_login_only_returns_to_paths_of_the_viewer(target: str, safe: str) -> None:
    """A crafted ?next= cannot send a user to another site after logging in."""
    assert _safe_next(target) == safe


def test_templates_escape_page_text_and_drop_characters_xml_forbids() -> None:
    """Autoescape is on for every template; control characters never reach a feed."""
    rendered = environment.from_string("{{ text }}").render(text='<img src=x onerror="x()">\x07')
    assert rendered == "&lt;img src=x onerror=&#34;x()&#34;&gt;"
    assert xml_safe("a\x00b\x1fc") == "abc"
