"""The one outbound-HTTP helper notification channels use: guarded, no redirects, typed errors.

Why one helper: every channel that talks HTTP (webhooks, chat services) needs the same three
decisions, and getting any of them wrong is a security or reliability bug:

* the target passes the network guard first (a webhook URL is configuration, and a private
  address would let an alert be aimed at internal services), and the POST goes to the address
  the guard checked, so a second DNS answer cannot swap in a private one (DNS rebinding);
* redirects are not followed (a redirected webhook could land anywhere, including a private
  address the guard never saw, and a POST body must not be replayed blindly);
* failures map to ``NotifyError(permanent=...)`` so the outbox knows whether to retry: the
  statuses :mod:`worker.retry` names (408, 425, 429, 5xx) and network errors are worth
  retrying (honouring ``Retry-After``), other 4xx and 3xx are not.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from worker.errors import BlockedTargetError, NotifyError, TransientFetchError
from worker.netguard import check_url_sync, parse_retry_after
from worker.retry import is_retryable_status

JSON_CONTENT_TYPE = "application/json"


def post_json(
    url: str,
    payload: Mapping[str, Any],
    *,
    headers: Mapping[str, str] | None = None,
    timeout: float,
    allow_private: bool,
    user_agent: str,
) -> int:
    """POST ``payload`` as JSON and return the 2xx status; raise ``NotifyError`` otherwise."""
    return post_bytes(
        url,
        encode_json(payload),
        content_type=JSON_CONTENT_TYPE,
        headers=headers,
        timeout=timeout,
        allow_private=allow_private,
        user_agent=user_agent,
    )


def encode_json(payload: Mapping[str, Any]) -> bytes:
    """The exact bytes a JSON POST sends; a signing channel signs these same bytes."""
    return json.dumps(payload, ensure_ascii=False, default=str).encode("utf-8")


def post_bytes(
    url: str,
    body: bytes,
    *,
    content_type: str,
    headers: Mapping[str, str] | None = None,
    timeout: float,
    allow_private: bool,
    user_agent: str,
) -> int:
    """POST raw ``body`` (form data, text) with the same guard and error mapping as JSON."""
    all_headers = {"Content-Type": content_type, **(headers or {})}
    reply = call_api(
        "POST",
        url,
        headers=all_headers,
        timeout=timeout,
        allow_private=allow_private,
        user_agent=user_agent,
        content=body,
    )
    return reply.status


@dataclass(frozen=True, slots=True)
class ApiReply:
    """A 2xx answer: its status and its body decoded as JSON (``None`` if it is not JSON)."""

    status: int
    data: Any


def call_api(
    method: str,
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    timeout: float,
    allow_private: bool,
    user_agent: str,
    **body: Any,
) -> ApiReply:
    """One guarded request (``body``: httpx's ``content``, ``data`` or ``files``); the 2xx
    answer, whose body an API channel reads (a posted status's id), else ``NotifyError``."""
    address = check_target(url, allow_private=allow_private)
    all_headers = {"User-Agent": user_agent, **(headers or {})}
    try:
        with httpx.Client(timeout=timeout, follow_redirects=False) as client:
            request = _build_request(client, method, url, address, all_headers, body)
            response = client.send(request)
    except httpx.HTTPError as exc:
        kind = "timed out" if isinstance(exc, httpx.TimeoutException) else "network error"
        detail = _scrub(str(exc) or type(exc).__name__, url)
        raise NotifyError(f"{_safe(url)}: {kind}: {detail}") from exc
    except httpx.InvalidURL as exc:
        raise NotifyError(
            f"{_safe(url)}: invalid URL: {_scrub(str(exc), url)}", permanent=True
        ) from exc
    _raise_for_status(url, response)
    try:
        data = response.json()
    except ValueError:
        data = None
    return ApiReply(response.status_code, data)


def _build_request(
    client: httpx.Client,
    method: str,
    url: str,
    address: str | None,
    headers: dict[str, str],
    body: dict[str, Any],
) -> httpx.Request:
    """The request, sent to the checked ``address`` when there is one; the name stays in
    ``Host`` and, for https, in TLS SNI, so the receiver's virtual host and certificate match."""
    if address is None:
        return client.build_request(method, url, headers=headers, **body)
    named = httpx.URL(url)
    headers = {**headers, "Host": named.netloc.decode("ascii")}
    extensions = {"sni_hostname": named.raw_host.decode("ascii")} if named.scheme == "https" else {}
    pinned = named.copy_with(host=address)
    return client.build_request(method, pinned, headers=headers, extensions=extensions, **body)


def check_target(url: str, *, allow_private: bool) -> str | None:
    """Refuse a private or non-http(s) target: permanent; a DNS hiccup is retried.

    Returns the checked address to connect to (see :func:`worker.netguard.check_url`).
    Error messages show the URL without its path and query (they may hold a token).
    """
    try:
        return check_url_sync(url, allow_private=allow_private)
    except BlockedTargetError as exc:
        raise NotifyError(_scrub(str(exc), url), permanent=True) from exc
    except TransientFetchError as exc:
        raise NotifyError(_scrub(str(exc), url)) from exc


def _raise_for_status(url: str, response: httpx.Response) -> None:
    status = response.status_code
    if 200 <= status < 300:
        return
    message = f"{_safe(url)}: answered {status} {response.reason_phrase}".rstrip()
    if is_retryable_status(status):
        retry_after = parse_retry_after(response.headers.get("retry-after"))
        raise NotifyError(message, permanent=False, retry_after=retry_after, status=status)
    if 300 <= status < 400:
        location = response.headers.get("location", "?")
        message += f" (redirect to {location}; redirects are not followed, configure that URL)"
    raise NotifyError(message, permanent=True, status=status)


def _scrub(message: str, url: str) -> str:
    """``message`` with the full URL replaced by its safe form, wherever a library quoted it."""
    return message.replace(url, _safe(url)) if url else message


def _safe(url: str) -> str:
    """The URL without its path and query, which often hold a secret token (Slack, Discord)."""
    parsed = httpx.URL(url) if "://" in url else None
    if parsed is None or not parsed.host:
        return "<webhook URL>"
    port = f":{parsed.port}" if parsed.port else ""
    return f"{parsed.scheme}://{parsed.host}{port}/…"
