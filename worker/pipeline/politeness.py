"""robots.txt for a check: fetched once per origin through the fetch stage, then cached.

Per-host slots and the circuit breaker are the ``HostGate`` in ``worker.pipeline.context``.
"""

from __future__ import annotations

import asyncio

from worker.errors import FetchError
from worker.fetch import fetch, robots
from worker.models import Validators
from worker.pipeline.context import Context


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
            accept=None,
        )
    except FetchError as exc:
        if exc.status is None:
            raise
        return robots.parse(None, exc.status)
    return robots.parse(page.content, page.status)
