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
one of its own waiters for that host (:mod:`.wakeups`); a release in the same process hands the
slot to its own next waiter in that same script, gap and pause permitting; on a host without a
gap it hands the lease itself over with no round trip at all, for up to ``HANDOFF_SPAN`` after
Redis granted it (a cross-process pause or a failure-count reset reaches that lease at most
that late; a failure in this process still goes to Redis at once). While another process is
refused a slot on the host (a refusal publishes a want on the host's channel), a process passes
on only its share of the host's slots and gives the others back through Redis, so that two
pool processes on a one-host workload both work. A waiter never trusts
the signal alone: it asks again when the earliest lease on the host expires (a worker that died
holding a slot sends nothing) and after ``IN_FLIGHT_RECHECK`` at the latest (a message lost with a
dropped connection). The pipeline uses the async API (:meth:`HostLimiter.acquire`,
:meth:`HostLimiter.finish`: one round trip each, on one pipelined connection,
:mod:`.scriptlink`); the synchronous methods serve tools and tests that hold no event loop.
"""

from __future__ import annotations

import asyncio
import math
import os
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple, cast

import redis

from worker.config import PolitenessSettings, Settings
from worker.fetch.robots import RobotsCache
from worker.fetch.wakeups import Wire, wire_for

DEFAULTS = PolitenessSettings()  # the defaults live in config, once
IN_FLIGHT_RECHECK = 1.0  # the longest a waiter trusts release signals alone before asking again
# How long after Redis granted it a lease may be passed from check to check inside the process
# without a round trip (hosts without a gap only): a pause set by another process, a failure
# count to reset, are seen by Redis at most this late.
HANDOFF_SPAN = 1.0
SYNC_POLL = 0.1  # the in-flight wait hint for synchronous callers, who get no release signal
# How long a process that was refused a slot counts as waiting for the host: it asks again
# within IN_FLIGHT_RECHECK while it still waits, and says so again each time it is refused.
CONTEST_SPAN = 1.5 * IN_FLIGHT_RECHECK
# How long a process that gave a slot back for another one's waiter leaves the host to it
# before its own checks ask again, unless another process's release comes first (a wake-up
# through Redis takes a millisecond or so, but a loaded machine can hold a process back for
# tens): the longest a slot given back to a process that no longer wants it stays idle.
YIELD_HEAD_START = 0.2

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
  -- (no gap, no check: 'last' is kept to 0.1 ms and may read as after 'now' in one script)
  if tonumber(gap) > 0 and now < last + tonumber(gap) then
    return {2, tostring(last + tonumber(gap) - now)}
  end
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

# KEYS = in-flight zset, last-start key, pause key. ARGV = token stem, count, max, gap, lease
# ttl, the host's release channel, a want message. Grants up to count slots in one call (tokens
# stem:1, stem:2, ...) and stops at the first refusal; a refusal because the host is full tells
# the processes holding its slots that this one wants one too (see HostLimiter._share).
# Returns {0 or the refusal's reason, its wait, the granted tokens...}.
_ACQUIRE_MANY = (
    _NOW
    + _GRANT
    + """
local result, granted = {0, ''}, {}
for i = 1, tonumber(ARGV[2]) do
  result = grant(KEYS[1], KEYS[2], KEYS[3], ARGV[1] .. ':' .. i, ARGV[3], ARGV[4], ARGV[5])
  if result[1] ~= 0 then break end
  granted[#granted + 1] = result[2]
end
if result[1] == 1 then redis.call('PUBLISH', ARGV[6], ARGV[7]) end
return {result[1], result[2], unpack(granted)}
"""
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
# gap, lease ttl, then '1' when successes passed on in the process reset the failure count
# first. Frees the slot and feeds the breaker; hands the slot to the waiter if it may start now,
# else tells every process's waiters. Returns {pause end or '', grant code, value}.
_RELEASE = (
    _NOW
    + _COUNT_FAILURE
    + _GRANT
    + """
local removed = redis.call('ZREM', KEYS[1], ARGV[1])
if ARGV[4] == 'success' or ARGV[12] == '1' then redis.call('DEL', KEYS[2]) end
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


@dataclass(slots=True)
class _Held:
    """This process's leases on one host as Redis granted them: token -> loop time of the
    grant, and whether a success passed on inside the process still has to reset the host's
    failure count (sent with the next release that goes to Redis)."""

    granted: dict[str, float]
    reset: bool = False


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
        self._db = int(client.connection_pool.connection_kwargs.get("db") or 0)
        self.default = HostLimit(max_in_flight, min_gap)
        self.overrides = {h.lower(): HostLimit(*v) for h, v in (overrides or {}).items()}
        self._limits: dict[str, HostLimit] = {}  # host -> its limit (limit_for), as asked
        self.lease_ttl = lease_ttl
        self.failure_threshold = failure_threshold
        self.breaker_pause = breaker_pause
        self.retry_after_cap = retry_after_cap
        self._acquire = client.register_script(_ACQUIRE)
        self._failure = client.register_script(_FAILURE)
        self._release = client.register_script(_RELEASE)
        self._paused: dict[str, float] = {}  # host -> pause end (loop time), read once
        self._held: dict[str, _Held] = {}  # host -> this process's leases Redis granted
        self._returned: dict[str, int] = {}  # host -> leases this process gave back to Redis
        self._asking: dict[str, list[asyncio.Future[Lease | Busy]]] = {}  # host -> joined checks
        self._wire: Wire[Lease] | None = None  # the running loop's, from wire_for
        # a lease is passed on for HANDOFF_SPAN, and never near its expiry in Redis
        self._span = min(HANDOFF_SPAN, lease_ttl / 2)

    def limit_for(self, host: str) -> HostLimit:
        """The override for ``host`` or its nearest parent domain, else the defaults.

        Found once per host, then remembered (the overrides are fixed for the limiter's life):
        every check asks two or three times, and the walk up the labels was 3.5 us a time.
        """
        found = self._limits.get(host)
        if found is None:
            found = self._limits[host] = self._nearest_limit(host)
        return found

    def _nearest_limit(self, host: str) -> HostLimit:
        labels = host.lower().split(".")
        for start in range(len(labels)):
            found = self.overrides.get(".".join(labels[start:]))
            if found is not None:
                return found
        return self.default

    def _key(self, host: str, part: str) -> str:
        return f"{self.prefix}:{host.lower()}:{part}"

    def _channel(self, host: str) -> str:
        """The host's release channel. Pub/sub ignores Redis's database number, so the channel
        carries it: deployments (or test sessions) on one server, in databases of their own
        under the same prefix, must not wake or contest each other's waiters."""
        return f"{self._key(host, 'released')}@{self._db}"

    def _acquire_call(self, host: str) -> tuple[list[str], list[str | float]]:
        keys = [self._key(host, "inflight"), self._key(host, "last"), self._key(host, "pause")]
        return keys, self._grant_args(host, _token())

    def _grant_args(self, host: str, token: str) -> list[str | float]:
        limit = self.limit_for(host)
        return [token, limit.max_in_flight, limit.min_gap, self.lease_ttl]

    def _release_call(
        self,
        lease: Lease,
        sender: str,
        verdict: Verdict,
        retry_after: float | None,
        heir: str,
        reset: bool = False,
    ) -> tuple[list[str], list[str | float]]:
        host = lease.host
        keys = [self._key(host, "inflight"), self._key(host, "failures"), self._key(host, "pause")]
        keys.append(self._key(host, "last"))
        capped = "" if retry_after is None else min(max(retry_after, 0.0), self.retry_after_cap)
        args: list[str | float] = [lease.token, self._channel(host), sender, verdict]
        args += [self.failure_threshold, self.breaker_pause, capped]
        args += self._grant_args(host, heir) if heir else ["", 0, 0, 0]
        return keys, [*args, "1" if reset else ""]

    # -- the pipeline's async API: one round trip per grant and per release ---------------------

    async def acquire(self, host: str, *, max_wait: float) -> Lease | Busy:
        """Wait (asynchronously) up to ``max_wait`` seconds for a slot; a pause is not waited.

        A full host is waited for by signal (a release), bounded by its earliest lease expiry;
        a gap is slept exactly. A host whose slots this process holds all of (leases granted
        within ``HANDOFF_SPAN``) is full without asking Redis: the check waits for one of them.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max_wait
        wire = self._wire_now()
        channel = self._channel(host)
        while True:
            grant = (
                self._known_pause(host, loop)
                or self._held_full(host, loop)
                or await self._grant(wire, host)
            )
            remaining = deadline - loop.time()
            if isinstance(grant, Lease) or grant.reason == "paused":
                return grant
            if remaining <= 0 or (grant.reason == "gap" and grant.wait > remaining):
                return Busy(host, grant.reason, min(grant.wait, IN_FLIGHT_RECHECK))
            if grant.reason == "gap":
                await asyncio.sleep(max(grant.wait, 0.001))
            else:
                bound = min(grant.wait, remaining, IN_FLIGHT_RECHECK)
                handed = await wire.wait_release(channel, bound, self._orphan)
                if handed is not None:
                    return handed

    async def _grant(self, wire: Wire[Lease], host: str) -> Lease | Busy:
        """A slot from Redis. The checks of one host that ask in the same loop step (a batch
        starting) share one call: the first waits a step for the others, then asks for all."""
        loop = asyncio.get_running_loop()
        joined = self._asking.get(host.lower())
        if joined is not None:
            mine: asyncio.Future[Lease | Busy] = loop.create_future()
            joined.append(mine)
            return await mine
        joined = self._asking[host.lower()] = []
        try:
            try:
                await asyncio.sleep(0)  # the step in which the others ask
            finally:  # later checks make a call of their own
                del self._asking[host.lower()]
            grants = await self._grant_many(wire, host, 1 + len(joined), loop)
        except BaseException as exc:
            for waiter in joined:
                _settle_grant(waiter, exc if isinstance(exc, Exception) else None, host)
            raise
        for waiter, grant in zip(joined, grants[1:], strict=True):
            if waiter.done() and isinstance(grant, Lease):
                self._orphan(grant)  # that check was stopped while it waited
            elif not waiter.done():
                waiter.set_result(grant)
        return grants[0]

    async def _grant_many(
        self, wire: Wire[Lease], host: str, count: int, loop: asyncio.AbstractEventLoop
    ) -> list[Lease | Busy]:
        """``count`` grants in one round trip: leases while the host has room, then refusals."""
        keys = [self._key(host, "inflight"), self._key(host, "last"), self._key(host, "pause")]
        limit = self.limit_for(host)
        args: list[str | float] = [_token(), count, limit.max_in_flight, limit.min_gap]
        args += [self.lease_ttl, self._channel(host), wire.want]
        returned = self._returned.get(host.lower(), 0)
        code, value, *tokens = cast(list[Any], await wire.link.run(_ACQUIRE_MANY, keys, args))
        grants: list[Lease | Busy] = [Lease(host, token.decode()) for token in tokens]
        for lease in grants:
            self._note_grant(cast(Lease, lease), loop)
        if len(grants) < count:
            busy = self._decode(host, code, value, loop)
            if code == 1 and self._held_count(host) < limit.max_in_flight:
                # refused for another process's leases (its own filling the host say nothing)
                wire.refused[self._channel(host)] = loop.time()
                if self._returned.get(host.lower(), 0) != returned:
                    # this process gave a lease back while the call was out (its checks had
                    # left the wait queue to ask, so it had no heir): that release's signal
                    # never wakes this process's own waiters, so they ask again at once
                    # instead of sleeping IN_FLIGHT_RECHECK beside a free slot
                    busy = Busy(host, "in_flight", 0.0)
            grants += [busy] * (count - len(grants))
        return grants

    def _wire_now(self) -> Wire[Lease]:
        """The running loop's :class:`Wire`, remembered here: ``wire_for``'s weak-keyed look-up
        makes a weak reference on every call, and every check asks twice."""
        wire = self._wire
        if wire is None or wire.loop is not asyncio.get_running_loop():
            wire = self._wire = wire_for(self.client)
        return wire

    def _held_full(self, host: str, loop: asyncio.AbstractEventLoop) -> Busy | None:
        """``in_flight`` when this process's own young leases fill its share of the host (no
        Redis call), waiting until the oldest of them may no longer be passed on (then Redis
        is asked); and while the head start this process just gave another one lasts."""
        wire = self._wire
        if wire is not None and (wait := wire.holding_back(self._channel(host))) > 0:
            return Busy(host, "in_flight", wait)
        held = self._held.get(host.lower())
        if held is None:
            return None
        now = loop.time()
        young = [at for at in held.granted.values() if now - at < self._span]
        if len(young) < self._share(host, loop, asking=True):
            return None
        return Busy(host, "in_flight", min(young) + self._span - now)

    def _held_count(self, host: str) -> int:
        """How many of the host's leases this process holds (young or not)."""
        held = self._held.get(host.lower())
        return 0 if held is None else len(held.granted)

    def _share(self, host: str, loop: asyncio.AbstractEventLoop, *, asking: bool) -> int:
        """How many of the host's slots this process may keep passing on among its checks.

        All of them while no other process waits for the host. While one does (it was refused
        a slot within ``CONTEST_SPAN``), half, at least one: otherwise the process that got the
        slots first would pass them from check to check and the others would idle until its
        batch ran out, with one core working for a one-host workload (half rounded up: of
        three slots, two and one, none idle). When ``asking`` (may a check ask Redis for one
        more?), this process's own recent refusal halves it too, until another process releases
        a slot: the other keeps its half, and asking again per check would only be refused.
        """
        limit = self.limit_for(host).max_in_flight
        wire, channel = self._wire, self._channel(host)
        if wire is None:
            return limit
        refused = asking and wire.refused_lately(channel, CONTEST_SPAN)
        return (limit + 1) // 2 if refused or wire.wanted_lately(channel, CONTEST_SPAN) else limit

    def _wanted(self, host: str) -> bool:
        """Was another process refused a slot on ``host`` within ``CONTEST_SPAN``?"""
        wire = self._wire
        return wire is not None and wire.wanted_lately(self._channel(host), CONTEST_SPAN)

    def _yields(self, lease: Lease, loop: asyncio.AbstractEventLoop) -> bool:
        """Does this lease go back to Redis, for another process's waiter, rather than to a
        check of this process? While another process wants the host: when this process holds
        more than its :meth:`_share`; on a one-slot host also when the lease may no longer be
        passed on anyway, so that processes take turns at least every ``HANDOFF_SPAN`` (on a
        larger host each keeps its share: a turn at every span end cost the slots pass 14 %
        of its slot time in hand-overs).
        """
        held = self._held.get(lease.host.lower())
        if held is None or not self._wanted(lease.host):
            return False
        granted = held.granted.get(lease.token, -math.inf)
        share = self._share(lease.host, loop, asking=False)
        if len(held.granted) > share:
            return True
        one_slot = self.limit_for(lease.host).max_in_flight == 1
        return one_slot and loop.time() - granted >= self._span

    def _note_grant(self, lease: Lease, loop: asyncio.AbstractEventLoop) -> None:
        """Remember a lease Redis granted, for :meth:`_held_full` and :meth:`_passes_on`."""
        held = self._held.get(lease.host.lower())
        if held is None:
            held = self._held[lease.host.lower()] = _Held({})
        held.granted[lease.token] = loop.time()

    def _passes_on(self, lease: Lease, verdict: Verdict, loop: asyncio.AbstractEventLoop) -> bool:
        """May this lease go straight to a waiter of this process, with no round trip?

        Only on a host without a gap (a gap needs Redis's clock), for a lease Redis granted
        less than ``HANDOFF_SPAN`` ago, after a request that did not fail (a failure feeds the
        breaker at once) and while the host is not known to be paused.
        """
        held = self._held.get(lease.host.lower())
        granted = held.granted.get(lease.token) if held is not None else None
        if granted is None or verdict == "failure" or loop.time() - granted >= self._span:
            return False
        return self.limit_for(lease.host).min_gap == 0 and not self._known_pause(lease.host, loop)

    def _stop_passing_on(self, host: str) -> None:
        """After a failure the host may be paused: its other leases go back through Redis
        (which knows the pause) instead of straight to the next check."""
        held = self._held.get(host.lower())
        if held is not None:
            for token in held.granted:
                held.granted[token] = -math.inf

    def _forget(self, lease: Lease) -> bool:
        """The lease goes back to Redis: drop it, and say whether a failure-count reset from
        successes passed on in the process must go with it."""
        held = self._held.get(lease.host.lower())
        if held is None:
            return False
        held.granted.pop(lease.token, None)
        reset, held.reset = held.reset, False
        if not held.granted and not reset:
            del self._held[lease.host.lower()]
        return reset

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
        pause permitting) and it starts its request before this one goes on to its page; on a
        host without a gap, a lease granted less than ``HANDOFF_SPAN`` ago goes to that check
        with no round trip at all (:meth:`_passes_on`), its success's reset sent later.
        """
        wire = self._wire_now()
        channel = self._channel(lease.host)
        loop = asyncio.get_running_loop()
        yields = self._yields(lease, loop)
        heir = None if yields else wire.first_waiter(channel)
        if heir is not None and self._passes_on(lease, verdict, loop):
            self._pass_on(lease, verdict, heir, wire)
            await asyncio.sleep(0)  # let the heir send its request now
            return None
        token = _token() if heir is not None else ""
        if verdict == "failure":
            self._stop_passing_on(lease.host)
        reset = self._forget(lease)
        if not yields:  # a yield's slot is for another process first (see Wire.gave_back)
            self._returned[lease.host.lower()] = self._returned.get(lease.host.lower(), 0) + 1
        keys, args = self._release_call(lease, wire.sender, verdict, retry_after, token, reset)
        until, code, value = cast(list[Any], await wire.link.run(_RELEASE, keys, args))
        if yields:
            wire.gave_back(channel, YIELD_HEAD_START)
        if heir is not None:
            handed = self._decode(lease.host, code, value) if code >= 0 else None
            if isinstance(handed, Lease):
                self._note_grant(handed, loop)
            wire.hand(heir, handed if isinstance(handed, Lease) else None, self._orphan)
            await asyncio.sleep(0)  # let the heir send its request now
        return float(until) if until else None

    def _pass_on(
        self, lease: Lease, verdict: Verdict, heir: asyncio.Future[Lease | None], wire: Wire[Lease]
    ) -> None:
        """Hand the same lease to the process's next waiter; a success's reset of the failure
        count goes to Redis with the host's next release."""
        if verdict == "success":
            self._held[lease.host.lower()].reset = True
        wire.hand(heir, lease, self._orphan)

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
        keys, args = self._release_call(lease, "", "none", None, "", self._forget(lease))
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


_BACKGROUND: set[asyncio.Task[float | None]] = set()  # orphaned leases being given back


def _settle_grant(waiter: asyncio.Future[Lease | Busy], error: Exception | None, host: str) -> None:
    """A check that joined a grant call which failed: it fails the same way, or (the asking
    check was cancelled) it is told the host is busy and asks again at once."""
    if waiter.done():
        return
    if error is not None:
        waiter.set_exception(error)
    else:
        waiter.set_result(Busy(host, "in_flight", 0.0))


def _token() -> str:
    """A lease's random identity: 128 bits from ``os.urandom`` as 32 hex digits, what
    ``uuid.uuid4().hex`` gave less its fixed version bits, at a quarter of its CPU (0.4 us,
    not 1.7; a check takes one, two when it hands its slot on)."""
    return os.urandom(16).hex()


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
