"""Who may read the viewer, and the headers that keep hostile page text inert in a browser.

Access: bound to a loopback address only local users can reach the viewer, so it is open (and
``Host`` must name localhost, so a DNS-rebinding page cannot read it through the browser).
Bound anywhere else it needs ``EDITWATCH_WEB_TOKEN`` (``Authorization: Bearer``, HTTP Basic
with the token as password for feed readers, or the login form's session cookie), unless the
config says ``web.public: true``. The one write action, retrying a dead alert, always needs the
token; a form post also needs the CSRF value of the session, and a cross-site ``Origin`` is
refused outright.

Headers: every answer carries a CSP of ``default-src 'self'`` (no inline script can run, no
third-party request is made), ``nosniff``, ``no-referrer`` and a frame ban; the raw page of a
version gets a CSP ``sandbox`` that blocks everything (see :data:`RAW_FRAME_CSP`).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import ipaddress
from dataclasses import dataclass
from hashlib import sha256
from urllib.parse import urlsplit

from starlette.requests import Request

SESSION_COOKIE = "editwatch_session"
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
RAW_FRAME_CSP = "sandbox; default-src 'none'; frame-ancestors 'self'"
"""The stored page of a version: an opaque origin with nothing allowed to load or run."""
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
}
LOCAL_HOSTNAMES = frozenset({"localhost", "127.0.0.1", "::1"})
OPEN_PATHS = ("/login", "/static/")


def is_loopback(host: str) -> bool:
    """Whether binding ``host`` keeps the viewer reachable from this machine only."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True, slots=True)
class Access:
    """The access rules of one running viewer."""

    token: str | None
    public: bool = False
    loopback: bool = True

    @property
    def login_required(self) -> bool:
        return not (self.public or self.loopback)

    @property
    def can_write(self) -> bool:
        return self.token is not None

    def session_value(self) -> str:
        """The cookie value a login sets: derived from the token, so a new token logs all out."""
        return _mac(self.token or "", "session")

    def csrf_value(self) -> str:
        """The hidden form value every write form carries (unreadable to other sites)."""
        return _mac(self.token or "", "csrf")

    def csrf_ok(self, offered: str | None) -> bool:
        expected = self.csrf_value().encode("utf-8")
        return bool(offered) and hmac.compare_digest((offered or "").encode("utf-8"), expected)

    def token_matches(self, offered: str) -> bool:
        return self.token is not None and hmac.compare_digest(
            offered.encode("utf-8"), self.token.encode("utf-8")
        )

    def authenticated(self, request: Request) -> bool:
        """A valid bearer token, Basic password or session cookie came with the request."""
        if self.token is None:
            return False
        if self.token_matches(_offered_token(request.headers.get("authorization", ""))):
            return True
        cookie = request.cookies.get(SESSION_COOKIE, "")
        return hmac.compare_digest(cookie.encode("utf-8"), self.session_value().encode("utf-8"))

    def by_cookie_only(self, request: Request) -> bool:
        """Authenticated by the ambient cookie, not a header a forged request cannot send."""
        header = _offered_token(request.headers.get("authorization", ""))
        return not self.token_matches(header)

    def may_read(self, request: Request) -> bool:
        return not self.login_required or self.authenticated(request)

    def host_allowed(self, request: Request) -> bool:
        """On loopback the Host header must be local (a rebinding attack names its own)."""
        if not self.loopback:
            return True
        host = urlsplit(f"//{request.headers.get('host', '')}").hostname or ""
        return host in LOCAL_HOSTNAMES


def same_origin(request: Request) -> bool:
    """A write request's ``Origin`` (when the browser sent one) is this viewer's own."""
    origin = request.headers.get("origin")
    if origin is None:
        return True
    return urlsplit(origin).netloc == request.headers.get("host", "")


def open_path(path: str) -> bool:
    """Pages anyone may load: the login form and the stylesheet it uses."""
    return any(path == p or (p.endswith("/") and path.startswith(p)) for p in OPEN_PATHS)


def _offered_token(authorization: str) -> str:
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() == "bearer":
        return value.strip()
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return ""
        return decoded.partition(":")[2]
    return ""


def _mac(key: str, purpose: str) -> str:
    return hmac.new(key.encode("utf-8"), f"editwatch-web:{purpose}".encode(), sha256).hexdigest()
