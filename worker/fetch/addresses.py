"""The guard's answers kept for one batch of checks: each host resolved and checked once.

Why: the network guard (:func:`worker.netguard.check_url`) resolves a URL's host and checks
every address before a request is sent, and a lookup is a ``getaddrinfo`` call in a thread (and
often a DNS query) per fetch. The 25 checks of a batch mostly share a host or two, so
:class:`CheckedAddresses` asks the guard once per host and hands its answer to the others.

What it keeps is what the guard returned after checking: an address that passed, to which the
connection is pinned (:mod:`.pinning`), or ``None`` for a URL that needed no look-up. Nothing
that failed is kept (the next check asks again and gets its own error), and an answer is kept
for ``ADDRESS_TTL`` seconds at most, so a name resolved again is checked again. Checks of one
host that start together wait for one look-up.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from worker.netguard import check_url
from worker.urls import site_prefix

__all__ = ["ADDRESS_TTL", "CheckedAddresses"]

ADDRESS_TTL = 30.0  # seconds an answer serves further checks (a batch lasts seconds)
GuardCall = Callable[..., Awaitable[str | None]]


class CheckedAddresses:
    """A :class:`worker.fetch.Guard` that remembers the wrapped guard's answers per host."""

    def __init__(self, guard: GuardCall = check_url, ttl: float = ADDRESS_TTL) -> None:
        self._guard = guard
        self._ttl = ttl
        self._known: dict[tuple[str, bool], tuple[float, asyncio.Future[str | None]]] = {}

    async def __call__(self, url: str, *, allow_private: bool) -> str | None:
        key = (_host_key(url), allow_private)
        known = self._known.get(key)
        if known is not None and known[0] > time.monotonic():
            if known[1].done():  # the usual case: no future and callbacks to wait on it
                return known[1].result()
            return await asyncio.shield(known[1])
        answer = asyncio.ensure_future(self._guard(url, allow_private=allow_private))
        self._known[key] = (time.monotonic() + self._ttl, answer)
        answer.add_done_callback(lambda done: self._drop_failed(key, done))
        return await asyncio.shield(answer)

    def _drop_failed(self, key: tuple[str, bool], done: asyncio.Future[str | None]) -> None:
        """A refusal or a failed look-up is not kept: the next check asks for itself."""
        if done.cancelled() or done.exception() is not None:
            known = self._known.get(key)
            if known is not None and known[1] is done:
                del self._known[key]


def _host_key(url: str) -> str:
    """The URL's ``scheme://netloc``, lower-cased (scheme and host are case-insensitive), or
    the whole URL when it has none.

    The guard's answer depends on the scheme, host and port only, and this string holds all of
    them as ``urlsplit`` would find them (:func:`worker.urls.site_prefix`), so a key never
    stands for two hosts; two spellings of one port (``:80`` or none) are two keys, each asking
    the guard once. Cut from the string, not parsed: ``urlsplit`` and its ``hostname`` and
    ``port`` cost a 304 check more than the look-up.
    """
    return site_prefix(url).lower()
