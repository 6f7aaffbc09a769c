"""Politeness for a check: robots.txt (fetched once per origin, then cached) and the host slot.

Per-host slots and the circuit breaker are the ``HostGate`` in ``worker.pipeline.context``. A
slot covers the request only (:func:`host_slot`): extracting and storing a page does not keep
the next check of the same host waiting.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from worker.errors import FetchError
from worker.fetch import fetch, robots
from worker.fetch.hostlimits import Busy, Lease, Verdict
from worker.models import FetchResult, Validators
from worker.pipeline.context import Context
from worker.urls import hostname_of


async def robots_policy(url: str, context: Context) -> robots.Policy:
    """The robots.txt policy for ``url``'s origin (fetched once per origin, then cached)."""
    key = robots.origin(url)
    policy = context.robots.get(key)
    if policy is not None:
        return policy
    pending = context.robots_pending.get(key)
    if pending is None:  # checks of one site running together share one robots.txt fetch
        pending = asyncio.ensure_future(_fetch_robots(url, context))
        context.robots_pending[key] = pending
    try:
        policy = await asyncio.shield(pending)
    finally:
        context.robots_pending.pop(key, None)
    context.robots.put(key, policy)
    return policy


async def _fetch_robots(url: str, context: Context) -> robots.Policy:
    """RFC 9309: 4xx means allow all; 5xx means disallow for now.

    A host that refuses connections or is refused by the address guard raises: the page
    itself would fail the same way, and the error says why better than "blocked".
    """
    try:
        page = await fetch(
            context.client,
            robots.robots_url(url),
            Validators(),
            context.settings.fetch,
            guard=context.guard,
            accept=None,
        )
    except FetchError as exc:
        if exc.status is None:
            raise
        return robots.parse(None, exc.status)
    return robots.parse(page.content, page.status)


@dataclass
class HostSlot:
    """The slot a check holds on its URL's host (``grant`` None: no gate, nothing to hold).

    :meth:`fetch` remembers what the request tells the circuit breaker; the verdict is sent
    with the release, in the same round trip.
    """

    url: str
    context: Context
    grant: Lease | Busy | None = None
    verdict: Verdict = "none"
    retry_after: float | None = None

    async def fetch(
        self, validators: Validators, accept: frozenset[str] | None, url: str | None = None
    ) -> FetchResult:
        """Fetch the URL (or ``url`` on the same host: an article's moved address); a
        transient failure counts against the host, a success resets it."""
        settings = self.context.settings.fetch
        target = url or self.url
        try:
            page = await fetch(
                self.context.client,
                target,
                validators,
                settings,
                guard=self.context.guard,
                accept=accept,
            )
        except FetchError as exc:
            if exc.transient:
                self.verdict, self.retry_after = "failure", exc.retry_after
            raise
        self.verdict = "success"
        return page

    async def __aenter__(self) -> HostSlot:
        gate = self.context.gate
        if gate is not None:
            host = hostname_of(self.url)  # cached per site: every check asks
            self.grant = await gate.acquire(host, max_wait=self.context.host_wait)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        gate = self.context.gate
        if gate is not None and isinstance(self.grant, Lease):
            await gate.finish(self.grant, self.verdict, self.retry_after)


def host_slot(url: str, context: Context) -> HostSlot:
    """A slot on ``url``'s host for an ``async with`` block (``grant`` is a ``Busy`` when
    none came in time).

    Leave the block as soon as the request is done: the slot is released on the way out. The
    slot is its own context manager, not an ``@asynccontextmanager`` generator: every check
    enters one, and the generator machinery cost more than the block's own work.
    """
    return HostSlot(url, context)
