"""The outbound-request guard: editwatch only talks to public http(s) addresses by default.

Why: watch URLs and webhook URLs come from configuration and from feeds, and a redirect can
point anywhere. Without a guard, a hostile page could make a worker fetch
``http://169.254.169.254/`` (cloud metadata) or an admin panel on the private network and
leak the answer through a diff or a notification (server-side request forgery). So every URL
is resolved first and refused unless *every* address it resolves to is globally routable.
The fetch stage calls this on the first URL and again on every redirect hop; the notification
helper (:mod:`worker.notify.http`) calls it before every delivery.

The check returns the address it approved, and the callers connect to *that* address (the
URL's host replaced by it, the name kept in the ``Host`` header and in TLS SNI, so virtual
hosting and certificate checks still use the name). Resolving the name a second time when
connecting would let a DNS server answer a public address to the check and a private one to
the connection a moment later (DNS rebinding); connecting to the checked address closes that
window. Nothing to pin is returned for a literal IP (it cannot change) or when the guard is off.
Page fetches keep the name in the URL and steer only the socket (``worker.fetch.pinning``), so
https is pinned too while connections stay pooled per host.

Local demos and tests that serve pages from 127.0.0.1 turn the guard off with
``fetch.allow_private_networks: true`` or ``EDITWATCH_ALLOW_PRIVATE_NETWORKS=1``.

Known limit: only the first approved address is used, so a host whose first address does not
answer fails this attempt (and is retried later) instead of falling back to its other addresses.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Sequence
from datetime import UTC
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

from worker.clock import utcnow
from worker.errors import BlockedTargetError, TransientFetchError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

ALLOWED_SCHEMES = frozenset({"http", "https"})
HOW_TO_ALLOW = "set fetch.allow_private_networks: true or EDITWATCH_ALLOW_PRIVATE_NETWORKS=1"

NAT64_PREFIX = ipaddress.ip_network("64:ff9b::/96")  # embeds an IPv4 address in the low bits

# Properties of an address that make it non-public, with the word used in error messages.
BLOCKING_PROPERTIES: tuple[tuple[str, str], ...] = (
    ("is_loopback", "loopback"),
    ("is_private", "private"),
    ("is_link_local", "link-local"),
    ("is_multicast", "multicast"),
    ("is_unspecified", "unspecified"),
    ("is_reserved", "reserved"),
    ("is_site_local", "site-local"),
)


def _embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address hidden inside an IPv6 one (mapped, 6to4, NAT64), which is what routes."""
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in NAT64_PREFIX:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _why_blocked(address: IPAddress) -> str | None:
    """The reason ``address`` is not a public one, or ``None`` when it is public."""
    embedded = _embedded_ipv4(address)
    if embedded is not None:
        return _why_blocked(embedded)
    for attribute, reason in BLOCKING_PROPERTIES:
        if getattr(address, attribute, False):
            return reason
    if not address.is_global:  # e.g. carrier-grade NAT 100.64.0.0/10
        return "non-public"
    return None


def check_address(ip: str | IPAddress, *, url: str = "") -> None:
    """Raise :class:`BlockedTargetError` unless ``ip`` is a globally routable address."""
    address = ipaddress.ip_address(ip.split("%", 1)[0] if isinstance(ip, str) else ip)
    reason = _why_blocked(address)
    if reason is not None:
        target = url or str(address)
        raise BlockedTargetError(
            f"{target}: refused, it resolves to the {reason} address {address}; "
            f"to allow local or private targets {HOW_TO_ALLOW}",
            url=url,
        )


def _host_and_port(url: str) -> tuple[str, int]:
    """The host and port to resolve; refuses other schemes and URLs without a host."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise BlockedTargetError(f"{url}: refused, not a valid URL ({exc})", url=url) from exc
    if parts.scheme.lower() not in ALLOWED_SCHEMES:
        raise BlockedTargetError(
            f"{url}: refused, only http and https URLs are fetched (got {parts.scheme!r})", url=url
        )
    if not parts.hostname:
        raise BlockedTargetError(f"{url}: refused, the URL has no host", url=url)
    default_port = 443 if parts.scheme.lower() == "https" else 80
    return parts.hostname, port or default_port


def _literal_address(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def check_resolved(url: str, infos: Sequence[tuple[Any, ...]]) -> str:
    """The address to connect to (the resolver's first); every resolved address must pass.

    One private answer among public ones is enough to refuse: a name that mixes them is either
    misconfigured or aimed at us, and a later lookup could prefer the private one.
    """
    if not infos:
        raise TransientFetchError(f"{url}: the host name resolved to no address", url=url)
    addresses = [str(sockaddr[0]) for _family, _kind, _proto, _name, sockaddr in infos]
    for address in addresses:
        check_address(address, url=url)
    return addresses[0]


def _dns_error(url: str, host: str, exc: Exception) -> TransientFetchError:
    return TransientFetchError(f"{url}: cannot resolve host {host!r}: {exc}", url=url)


def _needs_lookup(url: str, *, allow_private: bool) -> tuple[str, int] | None:
    """Checks that need no DNS: the scheme always, a literal IP at once; else (host, port)."""
    host, port = _host_and_port(url)
    if allow_private:
        return None
    literal = _literal_address(host)
    if literal is not None:
        check_address(literal, url=url)
        return None
    return host, port


async def check_url(url: str, *, allow_private: bool) -> str | None:
    """Refuse ``url`` unless it is http(s) and every address its host resolves to is public.

    Returns the checked address to connect to, or ``None`` when nothing was looked up (a
    literal IP, or private networks allowed) and the URL may be requested as it is.
    """
    target = _needs_lookup(url, allow_private=allow_private)
    if target is None:
        return None
    host, port = target
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise _dns_error(url, host, exc) from exc
    return check_resolved(url, infos)


def check_url_sync(url: str, *, allow_private: bool) -> str | None:
    """The blocking twin of :func:`check_url`, for synchronous callers (notification channels)."""
    target = _needs_lookup(url, allow_private=allow_private)
    if target is None:
        return None
    host, port = target
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise _dns_error(url, host, exc) from exc
    return check_resolved(url, infos)


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date).

    It lives here, beside the guard, because both outbound paths (fetching pages and posting
    notifications) honour it and neither stage may import the other.
    """
    if not value or not value.strip():
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - utcnow()).total_seconds())
