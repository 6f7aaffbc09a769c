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

Waiting for a slot does not poll. Releasing a slot publishes on the host's channel inside the
release script (no extra round trip), and each process keeps one subscriber connection that wakes
one of its own waiters for that host; a release in the same process wakes a local waiter at
once. A waiter never trusts the signal alone: it asks again when the earliest lease on the host
expires (a worker that died holding a slot sends nothing) and after ``IN_FLIGHT_RECHECK`` at the
latest (a message lost with a dropped connection). The pipeline uses the async API
(:meth:`HostLimiter.acquire`, :meth:`HostLimiter.finish`: one round trip each, on
``redis.asyncio``); the synchronous methods serve tools and tests that hold no event loop.
"""

from __future__ import annotations

import asyncio
import uuid
import weakref
from collections import deque
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple, cast

import redis
import redis.asyncio as aioredis

from worker.config import PolitenessSettings, Settings
from worker.fetch.robots import RobotsCache

DEFAULTS = PolitenessSettings()  # the defaults live in config, once
IN_FLIGHT_RECHECK = 1.0  # the longest a waiter trusts release signals alone before asking again
SYNC_POLL = 0.1  # the in-flight wait hint for synchronous callers, who get no release signal
SUBSCRIBE_WAIT = 1.0  # how long a first waiter on a host waits for Redis to confirm its channel

BusyReason = Literal["in_flight", "gap", "paused"]
Verdict = Literal["success", "failure", "none"]  # what a finished request tells the breaker
_REASONS: dict[int, BusyReason] = {1: "in_flight", 2: "gap", 3: "paused"}

_NOW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
"""

# grant(in-flight zset, last-start key, pause key, token, max, gap, lease ttl) returns
# {0, token} when granted, else {reason, wait seconds as a string}; for a full host the wait is
# until its earliest lease expires (a release usually comes sooner).
_GRANT = """
local function grant(inflight, last_key, pause_key, token, max, gap, ttl)
  local paused = tonumber(redis.call('GET', pause_key) or '0')
  if paused > now then return {3, tostring(paused - now)} end
  redis.call('ZREMRANGEBYSCORE', inflight, '-inf', now)
  if redis.call('ZCARD', inflight) >= tonumber(max) then
    local first = redis.call('ZRANGE', inflight, 0, 0, 'WITHSCORES')
    return {1, tostring(tonumber(first[2]) - now)}
  end
  local last = tonumber(redis.call('GET', last_key) or '0')
  if now < last + tonumber(gap) then return {2, tostring(last + tonumber(gap) - now)} end
  redis.call('ZADD', inflight, now + tonumber(ttl), token)
  redis.call('EXPIRE', inflight, math.ceil(tonumber(ttl)) + 1)
  redis.call('SET', last_key, tostring(now), 'EX', math.ceil(tonumber(gap)) + 1)
  return {0, token}
end
"""

# KEYS = in-flight zset, last-start key, pause key. ARGV = token, max, gap, lease ttl.
_ACQUIRE = (
    _NOW + _GRANT + "return grant(KEYS[1], KEYS[2], KEYS[3], ARGV[1], ARGV[2], ARGV[3], ARGV[4])"
)

# count_failure(failure counter, pause key, threshold, breaker pause, retry-after or '') returns
# the pause end as a string, or '' when the host is not paused by this failure.
_COUNT_FAILURE = """
local function count_failure(failures_key, pause_key, threshold, pause, retry_after)
  local until_ = 0
  local failures = redis.call('INCR', failures_key)
  redis.call('EXPIRE', failures_key, 86400)
  if failures >= tonumber(threshold) then
    until_ = now + tonumber(pause)
    redis.call('DEL', failures_key)
  end
  if retry_after ~= '' then until_ = math.max(until_, now + tonumber(retry_after)) end
  if until_ == 0 then return '' end
  local current = tonumber(redis.call('GET', pause_key) or '0')
  until_ = math.max(until_, current)
  redis.call('SET', pause_key, tostring(until_), 'EX', math.ceil(until_ - now) + 1)
  return tostring(until_)
end
"""

# KEYS = failure counter, pause key. ARGV = threshold, breaker pause, retry-after ('' = none).
_FAILURE = (
    _NOW + _COUNT_FAILURE + "return count_failure(KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[3])"
)

# KEYS = in-flight zset, failure counter, pause key, last-start key. ARGV = token, channel,
# sender, verdict, threshold, breaker pause, retry-after, then a waiter's token ('' = none), max,
# gap, lease ttl. Frees the slot and feeds the breaker; hands the slot to the waiter if it may
# start now, else tells every process's waiters. Returns {pause end or '', grant code, value}.
_RELEASE = (
    _NOW
    + _COUNT_FAILURE
    + _GRANT
    + """
local removed = redis.call('ZREM', KEYS[1], ARGV[1])
if ARGV[4] == 'success' then redis.call('DEL', KEYS[2]) end
local until_ = ''
if ARGV[4] == 'failure' then until_ = count_failure(KEYS[2], KEYS[3], ARGV[5], ARGV[6], ARGV[7]) end
local next = {-1, ''}
if ARGV[8] ~= '' then
  next = grant(KEYS[1], KEYS[4], KEYS[3], ARGV[8], ARGV[9], ARGV[10], ARGV[11])
end
if removed == 1 and next[1] ~= 0 then redis.call('PUBLISH', ARGV[2], ARGV[3]) end
return {until_, next[1], next[2]}
"""
)


class HostLimit(NamedTuple):
    """A host's own limits (config: ``hosts: {example.com: {max_in_flight: 1, min_gap: 5s}}``)."""

    max_in_flight: int
    min_gap: float


@dataclass(frozen=True, slots=True)
class Lease:
    """One request slot on ``host``; give it back with :meth:`HostLimiter.finish`."""

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
        self._release = client.register_script(_RELEASE)
        self._paused: dict[str, float] = {}  # host -> pause end (loop time), read once

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

    def _acquire_call(self, host: str) -> tuple[list[str], list[str | float]]:
        keys = [self._key(host, "inflight"), self._key(host, "last"), self._key(host, "pause")]
        return keys, self._grant_args(host, uuid.uuid4().hex)

    def _grant_args(self, host: str, token: str) -> list[str | float]:
        limit = self.limit_for(host)
        return [token, limit.max_in_flight, limit.min_gap, self.lease_ttl]

    def _release_call(
        self, lease: Lease, sender: str, verdict: Verdict, retry_after: float | None, heir: str
    ) -> tuple[list[str], list[str | float]]:
        host = lease.host
        keys = [self._key(host, "inflight"), self._key(host, "failures"), self._key(host, "pause")]
        keys.append(self._key(host, "last"))
        capped = "" if retry_after is None else min(max(retry_after, 0.0), self.retry_after_cap)
        args: list[str | float] = [lease.token, self._key(host, "released"), sender, verdict]
        args += [self.failure_threshold, self.breaker_pause, capped]
        return keys, args + (self._grant_args(host, heir) if heir else ["", 0, 0, 0])

    # -- the pipeline's async API: one round trip per grant and per release ---------------------

    async def acquire(self, host: str, *, max_wait: float) -> Lease | Busy:
        """Wait (asynchronously) up to ``max_wait`` seconds for a slot; a pause is not waited.

        A full host is waited for by signal (a release), bounded by its earliest lease expiry;
        a gap is slept exactly.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max_wait
        wire = _wire(self.client)
        while True:
            grant = self._known_pause(host, loop) or await self._grant(wire, host)
            remaining = deadline - loop.time()
            if isinstance(grant, Lease) or grant.reason == "paused":
                return grant
            if remaining <= 0 or (grant.reason == "gap" and grant.wait > remaining):
                return Busy(host, grant.reason, min(grant.wait, IN_FLIGHT_RECHECK))
            if grant.reason == "gap":
                await asyncio.sleep(max(grant.wait, 0.001))
            else:
                bound = min(grant.wait, remaining, IN_FLIGHT_RECHECK)
                handed = await wire.wait_release(self._key(host, "released"), bound, self._orphan)
                if handed is not None:
                    return handed

    async def _grant(self, wire: _Wire, host: str) -> Lease | Busy:
        keys, args = self._acquire_call(host)
        script = wire.script(_ACQUIRE)
        code, value = cast(list[Any], await script(keys=keys, args=args))
        return self._decode(host, code, value, asyncio.get_running_loop())

    def _decode(
        self, host: str, code: int, value: bytes, loop: asyncio.AbstractEventLoop | None = None
    ) -> Lease | Busy:
        if code == 0:
            return Lease(host, value.decode())
        busy = Busy(host, _REASONS[int(code)], max(0.0, float(value)))
        if busy.reason == "paused" and loop is not None:
            self._paused[host.lower()] = loop.time() + busy.wait
        return busy

    def _known_pause(self, host: str, loop: asyncio.AbstractEventLoop) -> Busy | None:
        """A pause this limiter already saw: no Redis call for the host's other checks."""
        until = self._paused.get(host.lower())
        if until is None or until <= loop.time():
            return None
        return Busy(host, "paused", until - loop.time())

    async def finish(
        self, lease: Lease, verdict: Verdict = "none", retry_after: float | None = None
    ) -> float | None:
        """Give the slot back and feed the breaker, in one round trip.

        ``verdict`` ``failure`` counts a failed request (``retry_after`` seconds, from a
        429/503, pause the host at once, capped at 6 h) and returns the pause end (Redis time)
        if the host is paused now; ``success`` starts the failure count again. When one of this
        process's checks waits for the host, the same round trip hands it the slot (gap and
        pause permitting) and it starts its request before this one goes on to its page.
        """
        wire = _wire(self.client)
        channel = self._key(lease.host, "released")
        heir = wire.first_waiter(channel)
        token = uuid.uuid4().hex if heir is not None else ""
        keys, args = self._release_call(lease, wire.sender, verdict, retry_after, token)
        until, code, value = cast(list[Any], await wire.script(_RELEASE)(keys=keys, args=args))
        if heir is not None:
            handed = self._decode(lease.host, code, value) if code >= 0 else None
            wire.hand(heir, handed if isinstance(handed, Lease) else None, self._orphan)
            await asyncio.sleep(0)  # let the heir send its request now
        return float(until) if until else None

    def _orphan(self, lease: Lease) -> None:
        """A lease handed to a waiter that stopped waiting: give it back, in the background."""
        task = asyncio.get_running_loop().create_task(self.finish(lease))
        _BACKGROUND.add(task)
        task.add_done_callback(_BACKGROUND.discard)

    @asynccontextmanager
    async def slot(self, host: str, *, max_wait: float) -> AsyncIterator[Lease | Busy]:
        """``async with limiter.slot(host, max_wait=5) as grant:`` releases a granted lease."""
        grant = await self.acquire(host, max_wait=max_wait)
        try:
            yield grant
        finally:
            if isinstance(grant, Lease):
                await self.finish(grant)

    # -- synchronous API, for callers without an event loop (tools, tests) ----------------------

    def try_acquire(self, host: str) -> Lease | Busy:
        """Take a request slot on ``host`` now, or say how long to wait (never blocks).

        Without release signals a full host can only be asked again: its wait is a poll hint.
        """
        keys, args = self._acquire_call(host)
        code, value = cast(list[Any], self._acquire(keys=keys, args=args))
        grant = self._decode(host, code, value)
        if isinstance(grant, Busy) and grant.reason == "in_flight":
            return Busy(host, "in_flight", min(grant.wait, SYNC_POLL))
        return grant

    def release(self, lease: Lease) -> None:
        """Give a slot back (a lease that already expired is a no-op); wakes waiters."""
        keys, args = self._release_call(lease, "", "none", None, "")
        self._release(keys=keys, args=args)

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


@dataclass(eq=False)
class _Wire:
    """One process's async Redis link for one event loop: scripts, and release signals.

    ``waiting`` holds, per host channel, the futures of this process's waiters (first come,
    first woken); one subscriber connection receives every process's releases.
    """

    client: aioredis.Redis
    loop: asyncio.AbstractEventLoop
    sender: str = field(default_factory=lambda: uuid.uuid4().hex)
    waiting: dict[str, deque[asyncio.Future[Lease | None]]] = field(default_factory=dict)
    confirmed: dict[str, asyncio.Future[None]] = field(default_factory=dict)
    scripts: dict[str, Any] = field(default_factory=dict)
    pubsub: Any = None
    reader: asyncio.Task[None] | None = None
    keeper: asyncio.Task[None] | None = None

    def __post_init__(self) -> None:
        self.keeper = self.loop.create_task(self._close_with_the_loop())

    async def _close_with_the_loop(self) -> None:
        """Parked until the loop shuts down (``asyncio.run`` cancels it), then closes the link."""
        try:
            await asyncio.Event().wait()
        finally:
            if self.reader is not None:
                self.reader.cancel()
            if self.pubsub is not None:
                await self.pubsub.aclose()
            await self.client.aclose()

    def script(self, text: str) -> Any:
        """The script on the async client (EVALSHA, loaded once on a NOSCRIPT)."""
        if text not in self.scripts:
            self.scripts[text] = self.client.register_script(text)
        return self.scripts[text]

    async def wait_release(
        self, channel: str, timeout: float, orphan: Callable[[Lease], None]
    ) -> Lease | None:
        """Wait for a release on the channel's host, at most ``timeout`` seconds.

        Returns the slot when a release in this process handed it over, else ``None`` (ask
        again). The timer sets the same future, so a wake-up costs one loop step, not several.
        """
        await self._subscribe(channel)
        waiter: asyncio.Future[Lease | None] = self.loop.create_future()
        queue = self.waiting.setdefault(channel, deque())
        queue.append(waiter)
        timer = self.loop.call_later(timeout, _settle, waiter, None)
        try:
            return await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled() and waiter.result() is not None:
                orphan(cast(Lease, waiter.result()))  # handed over as this check was stopped
            raise
        finally:
            timer.cancel()
            with suppress(ValueError):
                queue.remove(waiter)

    def first_waiter(self, channel: str) -> asyncio.Future[Lease | None] | None:
        """Take this process's longest-waiting waiter on ``channel`` (if any)."""
        queue = self.waiting.get(channel)
        while queue:
            waiter = queue.popleft()
            if not waiter.done():
                return waiter
        return None

    def hand(
        self,
        waiter: asyncio.Future[Lease | None],
        lease: Lease | None,
        orphan: Callable[[Lease], None],
    ) -> None:
        """Give ``waiter`` the slot (or just wake it); a waiter that gave up returns it."""
        if not waiter.done():
            waiter.set_result(lease)
        elif lease is not None:
            orphan(lease)

    def wake(self, channel: str) -> None:
        """Wake this process's longest-waiting waiter on ``channel``: a slot may be free."""
        waiter = self.first_waiter(channel)
        if waiter is not None:
            waiter.set_result(None)

    async def _subscribe(self, channel: str) -> None:
        """Listen on ``channel``; the first waiter waits until Redis confirms (no lost wake-up).

        Later waiters do not wait for the confirmation: if it never comes (a dropped link),
        their bounded waits still get them the slot.
        """
        if channel in self.confirmed:
            return
        confirmed = self.confirmed[channel] = self.loop.create_future()
        if self.pubsub is None:
            self.pubsub = self.client.pubsub()
        await self.pubsub.subscribe(channel)
        if self.reader is None or self.reader.done():
            self.reader = self.loop.create_task(self._read())
        with suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(confirmed), SUBSCRIBE_WAIT)

    async def _read(self) -> None:
        """Dispatch release messages to waiters; on a dropped link, subscribe afresh later."""
        try:
            async for message in self.pubsub.listen():
                self._dispatch(message)
        except (redis.RedisError, OSError):
            self.pubsub, self.confirmed = None, {}  # waiters fall back to their bounded waits

    def _dispatch(self, message: dict[str, Any]) -> None:
        channel = message["channel"].decode()
        if message["type"] == "subscribe":
            confirmed = self.confirmed.get(channel)
            if confirmed is not None and not confirmed.done():
                confirmed.set_result(None)
        elif message["type"] == "message" and message["data"] != self.sender.encode():
            self.wake(channel)


def _settle(waiter: asyncio.Future[Lease | None], value: Lease | None) -> None:
    if not waiter.done():
        waiter.set_result(value)


_BACKGROUND: set[asyncio.Task[float | None]] = set()  # orphaned leases being given back
_WIRES: weakref.WeakKeyDictionary[redis.Redis, _Wire] = weakref.WeakKeyDictionary()
_TWIN_KWARGS = frozenset(
    {"host", "port", "db", "username", "password", "socket_timeout", "socket_connect_timeout"}
    | {"ssl_certfile", "ssl_keyfile", "ssl_ca_certs", "ssl_cert_reqs", "ssl_check_hostname"}
)  # what a redis.asyncio client needs to reach the same server and database


def _wire(client: redis.Redis) -> _Wire:
    """The async link for ``client``'s server on the running loop, made once per loop."""
    loop = asyncio.get_running_loop()
    wire = _WIRES.get(client)
    if wire is None or wire.loop is not loop:
        wire = _WIRES[client] = _Wire(async_twin(client), loop)
    return wire


def async_twin(client: redis.Redis) -> aioredis.Redis:
    """An ``redis.asyncio`` client for the same server and database as ``client``."""
    pool = client.connection_pool
    kwargs = {k: v for k, v in pool.connection_kwargs.items() if k in _TWIN_KWARGS}
    if issubclass(pool.connection_class, redis.UnixDomainSocketConnection):
        return aioredis.Redis(unix_socket_path=pool.connection_kwargs["path"], **kwargs)
    return aioredis.Redis(ssl=issubclass(pool.connection_class, redis.SSLConnection), **kwargs)


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
