"""What a check needs: the watch with its id, the settings, store and client, and politeness.

The politeness adapters are protocols so workers can share state through Redis while
``editwatch check`` keeps it in memory for one run (``MemoryRobots``, ``LocalGate``).
"""

from __future__ import annotations

import asyncio
from array import array
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from dataclasses import replace as dc_replace
from typing import Any, Protocol

from worker.clock import utcnow as utcnow  # the pipeline's modules import the clock from here
from worker.config import Settings
from worker.fetch import Client, redact_credentials, robots
from worker.fetch.addresses import CheckedAddresses
from worker.fetch.hostlimits import Busy, Lease, Verdict
from worker.fetch.robots import Policy as RobotsPolicy
from worker.models import CheckOutcome, CheckResult, Watch
from worker.store import Store


@dataclass(frozen=True, slots=True)
class Target:
    """A configured (or feed-discovered) watch paired with its database id."""

    id: int
    watch: Watch


class RobotsSource(Protocol):
    """Where parsed robots.txt policies are cached: Redis for workers, a dict for one run."""

    def get(self, host: str) -> robots.Policy | None: ...

    def put(self, host: str, policy: robots.Policy) -> None: ...


class HostGate(Protocol):
    """Per-host request slots and the circuit breaker (``worker.fetch.hostlimits.HostLimiter``)."""

    async def acquire(self, host: str, *, max_wait: float) -> Lease | Busy: ...

    async def finish(
        self, lease: Lease, verdict: Verdict = "none", retry_after: float | None = None
    ) -> float | None:
        """Release the slot, telling the breaker whether the request worked."""
        ...


class MemoryRobots(dict[str, robots.Policy]):
    """A robots.txt cache that lives as long as one ``editwatch check`` run."""

    def put(self, host: str, policy: robots.Policy) -> None:
        self[host] = policy


class LocalGate:
    """Per-host slots inside one process, for ``editwatch check`` without a shared Redis."""

    def __init__(self, max_in_flight: int) -> None:
        self._slots: dict[str, asyncio.Semaphore] = {}
        self._max = max_in_flight

    async def acquire(self, host: str, *, max_wait: float) -> Lease | Busy:
        await self._slots.setdefault(host, asyncio.Semaphore(self._max)).acquire()
        return Lease(host, "local")

    async def finish(
        self, lease: Lease, verdict: Verdict = "none", retry_after: float | None = None
    ) -> float | None:
        """Free the slot; the breaker needs state shared across runs (Redis), so none here."""
        self._slots[lease.host].release()
        return None


@dataclass
class Context:
    """Everything a check needs, built once per process (worker) or per run (CLI)."""

    settings: Settings
    store: Store
    client: Client
    robots: RobotsSource = field(default_factory=MemoryRobots)
    gate: HostGate | None = None
    robots_pending: dict[str, asyncio.Task[RobotsPolicy]] = field(default_factory=dict)
    max_wait: float | None = None  # seconds a check waits for its host; None: politeness.max_wait
    # The network guard, each host resolved and checked once per context (a worker's batch).
    guard: CheckedAddresses = field(default_factory=CheckedAddresses)

    @property
    def host_wait(self) -> float:
        """How long a check waits in line for its host's slot before it is deferred.

        Workers defer soon (``politeness.max_wait``) and reschedule; ``editwatch check`` has
        no later tick, so it waits in line for the gap (a paused host is still not waited for).
        """
        return self.settings.politeness.max_wait if self.max_wait is None else self.max_wait


def result_for(watch: Watch, outcome: CheckOutcome, **values: Any) -> CheckResult:
    """A ``CheckResult`` for ``watch``: every outcome of every step is built the same way.

    The URL is shown without ``user:password@`` (a feed may list such links; they are refused
    unsent, and their secret must not reach ``check --json`` either).
    """
    return CheckResult(watch.name, redact_credentials(watch.url), outcome, **values)


def register_watches(store: Store, watches: Sequence[Watch]) -> dict[str, int]:
    """Insert new watches and rename known ones; url -> id. It writes: call it once per
    config load (the worker when its config changes, the CLI once per command)."""
    return store.sync_watches(watches)


def targets_for(
    store: Store, watches: Sequence[Watch], registered: Mapping[str, int] | None = None
) -> list[Target]:
    """Pair each configured watch with its id (``registered``, else registering them now).

    Watches that feeds discovered earlier (stored with their feed as ``source``) come along,
    with the feed's channels and tags, as long as that feed is still configured
    (:func:`discovered_targets`). A watch merged into another (the same article under another
    URL) is left out. With ``registered`` this only reads.
    """
    if registered is None or any(w.url not in registered for w in watches):
        registered = register_watches(store, watches)
    targets = [Target(registered[w.url], w) for w in watches]
    return _unmerged(store, targets + discovered_targets(store, watches))


def configured_ids(store: Store, watches: Sequence[Watch]) -> array[int]:
    """The id of each watch, in ``watches``' order, registering them first (see
    :func:`register_watches`): a flat array, so a pool process with 100,000 watches makes no
    ``Target`` for each, and the url -> id map is gone when this returns."""
    registered = register_watches(store, watches)
    return array("q", (registered[w.url] for w in watches))


def _unmerged(store: Store, targets: list[Target]) -> list[Target]:
    """Leave out watches merged into an older one: that one checks the article."""
    merged = store.merged_watch_ids()
    return [t for t in targets if t.id not in merged] if merged else targets


# A feed-discovered watch inserted by another process may commit after a higher id is already
# visible (PostgreSQL sequences): the incremental look-up re-reads this many ids below the last.
DISCOVERY_SLACK = 1000


def discovered_targets(store: Store, watches: Sequence[Watch], after_id: int = 0) -> list[Target]:
    """The watches that configured feeds discovered (ids above ``after_id``), each with its
    feed's policy, channels and tags; one query on the watches of those feeds only."""
    feeds = {w.url: w for w in watches if w.is_source}
    if not feeds:
        return []
    configured = {w.url for w in watches}
    return [
        Target(watch_id, discovered_watch(url, name, feeds[source]))
        for watch_id, url, name, source in store.discovered_watches(list(feeds), after_id)
        if url not in configured
    ]


def discovered_watch(url: str, name: str, feed: Watch) -> Watch:
    """The article watch a feed item became, with the feed's policy, channels and tags."""
    return dc_replace(feed, url=url, name=name, kind="article", source=feed.url)
