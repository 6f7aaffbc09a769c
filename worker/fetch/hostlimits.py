"""Per-host politeness shared by every worker process through Redis.

Why Redis and Lua: limits must hold across all workers on all machines, so the state (requests
in flight, time of the last request, consecutive failures, pause) lives in Redis and every
decision is one atomic script using Redis ``TIME``. Nothing here blocks inside Redis.

Per host:

* at most ``max_in_flight`` requests at once (default 2) and ``min_gap`` seconds between the
  starts of two requests (default 1 s), overridable per host (and its subdomains);
* a slot is a *lease* that expires after ``lease_ttl`` seconds, so a worker that dies while
  holding one cannot block the host forever;
* a circuit breaker: ``failure_threshold`` consecutive failures (default 5) pause the host for
  ``pause`` seconds (default 30 min); a ``Retry-After`` pauses it until then (capped at 6 h).

None of this says anything about content: a paused or busy host is rescheduled, never reported
as a change.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Literal, NamedTuple, cast

import redis

from worker.config import PolitenessSettings, Settings
from worker.fetch.robots import RobotsCache

DEFAULTS = PolitenessSettings()  # the defaults live in config, once
IN_FLIGHT_POLL = 0.1  # a full host may free a slot any moment: look again this soon

BusyReason = Literal["in_flight", "gap", "paused"]
_REASONS: dict[int, BusyReason] = {1: "in_flight", 2: "gap", 3: "paused"}

# KEYS = in-flight zset, last-start key, pause key. ARGV = token, max, gap, lease ttl, poll.
# Returns {0, token} when granted, else {reason, wait seconds as a string}.
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local paused = tonumber(redis.call('GET', KEYS[3]) or '0')
if paused > now then return {3, tostring(paused - now)} end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
  local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return {1, tostring(math.min(tonumber(first[2]) - now, tonumber(ARGV[5])))}
end
local last = tonumber(redis.call('GET', KEYS[2]) or '0')
local gap = tonumber(ARGV[3])
if now < last + gap then return {2, tostring(last + gap - now)} end
local ttl = tonumber(ARGV[4])
redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
redis.call('EXPIRE', KEYS[1], math.ceil(ttl) + 1)
redis.call('SET', KEYS[2], tostring(now), 'EX', math.ceil(gap) + 1)
return {0, ARGV[1]}
"""

# KEYS = failure counter, pause key. ARGV = threshold, breaker pause, retry-after ('' = none).
# Returns the pause end as a string, or '' when the host is not paused by this failure.
_FAILURE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local until_ = 0
local failures = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], 86400)
if failures >= tonumber(ARGV[1]) then
  until_ = now + tonumber(ARGV[2])
  redis.call('DEL', KEYS[1])
end
if ARGV[3] ~= '' then until_ = math.max(until_, now + tonumber(ARGV[3])) end
if until_ == 0 then return '' end
local current = tonumber(redis.call('GET', KEYS[2]) or '0')
until_ = math.max(until_, current)
redis.call('SET', KEYS[2], tostring(until_), 'EX', math.ceil(until_ - now) + 1)
return tostring(until_)
"""


class HostLimit(NamedTuple):
    """A host's own limits (config: ``hosts: {example.com: {max_in_flight: 1, min_gap: 5s}}``)."""

    max_in_flight: int
    min_gap: float


@dataclass(frozen=True, slots=True)
class Lease:
    """One request slot on ``host``; give it back with :meth:`HostLimiter.release`."""

    host: str
    token: str


@dataclass(frozen=True, slots=True)
class Busy:
    """No slot now: try again in ``wait`` seconds (for ``paused``, the pause end)."""

    host: str
    reason: BusyReason
    wait: float


class HostLimiter:
    """Per-host concurrency, minimum gap and circuit breaker, shared through Redis."""

    def __init__(
        self,
        client: redis.Redis,
        prefix: str = "editwatch",
        *,
        max_in_flight: int = DEFAULTS.max_in_flight,
        min_gap: float = DEFAULTS.min_gap,
        overrides: Mapping[str, tuple[int, float]] | None = None,
        lease_ttl: float = DEFAULTS.slot_lease,
        failure_threshold: int = DEFAULTS.failure_threshold,
        breaker_pause: float = DEFAULTS.breaker_pause,
        retry_after_cap: float = DEFAULTS.retry_after_cap,
    ) -> None:
        self.client = client
        self.prefix = f"{prefix}:host"
        self.default = HostLimit(max_in_flight, min_gap)
        self.overrides = {h.lower(): HostLimit(*v) for h, v in (overrides or {}).items()}
        self.lease_ttl = lease_ttl
        self.failure_threshold = failure_threshold
        self.breaker_pause = breaker_pause
        self.retry_after_cap = retry_after_cap
        self._acquire = client.register_script(_ACQUIRE)
        self._failure = client.register_script(_FAILURE)

    def limit_for(self, host: str) -> HostLimit:
        """The override for ``host`` or its nearest parent domain, else the defaults."""
        labels = host.lower().split(".")
        for start in range(len(labels)):
            found = self.overrides.get(".".join(labels[start:]))
            if found is not None:
                return found
        return self.default

    def _key(self, host: str, part: str) -> str:
        return f"{self.prefix}:{host.lower()}:{part}"

    def try_acquire(self, host: str) -> Lease | Busy:
        """Take a request slot on ``host`` now, or say how long to wait (never blocks)."""
        limit = self.limit_for(host)
        keys = [self._key(host, "inflight"), self._key(host, "last"), self._key(host, "pause")]
        token = uuid.uuid4().hex
        args: list[str | float] = [
            token,
            limit.max_in_flight,
            limit.min_gap,
            self.lease_ttl,
            IN_FLIGHT_POLL,
        ]
        code, value = cast(list[int | bytes], self._acquire(keys=keys, args=args))
        if code == 0:
            return Lease(host, token)
        return Busy(host, _REASONS[int(code)], max(0.0, float(cast(bytes, value))))

    async def acquire(self, host: str, *, max_wait: float) -> Lease | Busy:
        """Wait (asynchronously) up to ``max_wait`` seconds for a slot; a pause is not waited."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max_wait
        while True:
            grant = self.try_acquire(host)
            remaining = deadline - loop.time()
            if isinstance(grant, Lease) or grant.reason == "paused" or grant.wait > remaining:
                return grant
            await asyncio.sleep(max(grant.wait, 0.005))

    @asynccontextmanager
    async def slot(self, host: str, *, max_wait: float) -> AsyncIterator[Lease | Busy]:
        """``async with limiter.slot(host, max_wait=5) as grant:`` releases a granted lease."""
        grant = await self.acquire(host, max_wait=max_wait)
        try:
            yield grant
        finally:
            if isinstance(grant, Lease):
                self.release(grant)

    def release(self, lease: Lease) -> None:
        """Give a slot back (a lease that already expired is a no-op)."""
        self.client.zrem(self._key(lease.host, "inflight"), lease.token)

    def in_flight(self, host: str) -> int:
        """Live leases on ``host`` (expired ones not counted)."""
        now = self._now()
        return int(self.client.zcount(self._key(host, "inflight"), now, "+inf"))

    def record_success(self, host: str) -> None:
        """A request to ``host`` worked: the consecutive-failure count starts again."""
        self.client.delete(self._key(host, "failures"))

    def record_failure(self, host: str, retry_after: float | None = None) -> float | None:
        """Count a failed request; returns the pause end (Redis time) if the host is paused now.

        ``retry_after`` (seconds, from a 429/503) pauses the host at once, capped at 6 h.
        """
        capped = "" if retry_after is None else min(max(retry_after, 0.0), self.retry_after_cap)
        keys = [self._key(host, "failures"), self._key(host, "pause")]
        args: list[str | float] = [self.failure_threshold, self.breaker_pause, capped]
        until = cast(bytes, self._failure(keys=keys, args=args))
        return float(until) if until else None

    def paused_until(self, host: str) -> float | None:
        """When the pause on ``host`` ends (Redis time), or None if it is not paused."""
        value = cast(bytes | None, self.client.get(self._key(host, "pause")))
        if value is None:
            return None
        until = float(value)
        return until if until > self._now() else None

    def _now(self) -> float:
        seconds, micros = self.client.time()
        return seconds + micros / 1_000_000


def shared_politeness(client: redis.Redis, settings: Settings) -> tuple[RobotsCache, HostLimiter]:
    """The robots.txt cache and per-host limiter on ``client``, from ``politeness`` settings.

    Workers and ``editwatch check`` both build their politeness here, so the two modes keep the
    same per-host gap, Retry-After pauses, circuit breaker and robots.txt cache.
    """
    polite = settings.politeness
    robots = RobotsCache(
        client, settings.redis_prefix, polite.robots_ttl, error_ttl=polite.robots_error_ttl
    )
    limiter = HostLimiter(
        client,
        settings.redis_prefix,
        max_in_flight=polite.max_in_flight,
        min_gap=polite.min_gap,
        overrides=polite.overrides(),
        lease_ttl=polite.slot_lease,
        failure_threshold=polite.failure_threshold,
        breaker_pause=polite.breaker_pause,
        retry_after_cap=polite.retry_after_cap,
    )
    return robots, limiter
