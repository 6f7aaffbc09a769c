"""Release signals for the host limiter: one async Redis link per process and event loop.

Why a module of its own: the limiter's rules live in :mod:`.hostlimits` (Lua scripts, leases,
the breaker); this is the plumbing that lets a waiter sleep until a slot is released instead of
polling. A :class:`Wire` holds the link the limiter's scripts run on (:mod:`.scriptlink`, one
pipelined connection), the ``redis.asyncio`` twin of the worker's Redis client for one pub/sub
connection that receives every process's releases (and wants: another process was refused a
slot), and this process's waiters per host channel, first come first woken. The value a
waiter may be handed (the limiter's ``Lease``) is opaque here.
"""

from __future__ import annotations

import asyncio
import uuid
import weakref
from collections import deque
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar, cast

import redis
import redis.asyncio as aioredis

from worker.fetch.scriptlink import ScriptLink, link_for

T = TypeVar("T")
SUBSCRIBE_WAIT = 1.0  # how long a first waiter on a host waits for Redis to confirm its channel
WANT = b"want:"  # a message that starts so says its sender was refused a slot, not released one


@dataclass(eq=False)
class Wire(Generic[T]):
    """One process's async Redis links for one event loop: scripts, and release signals.

    ``link`` runs the scripts; ``client`` carries the pub/sub connection. ``waiting`` holds,
    per host channel, the futures of this process's waiters (first come, first woken); one
    subscriber connection receives every process's releases.
    """

    client: aioredis.Redis
    loop: asyncio.AbstractEventLoop
    link: ScriptLink
    sender: str = field(default_factory=lambda: uuid.uuid4().hex)
    waiting: dict[str, deque[asyncio.Future[T | None]]] = field(default_factory=dict)
    confirmed: dict[str, asyncio.Future[None]] = field(default_factory=dict)
    wanted: dict[str, float] = field(default_factory=dict)  # channel -> loop time of a want
    refused: dict[str, float] = field(default_factory=dict)  # channel -> loop time we were
    yielded: dict[str, float] = field(default_factory=dict)  # channel -> end of a head start
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
            self.link.close()
            await self.client.aclose()

    async def wait_release(
        self, channel: str, timeout: float, orphan: Callable[[T], None]
    ) -> T | None:
        """Wait for a release on the channel's host, at most ``timeout`` seconds.

        Returns the slot when a release in this process handed it over, else ``None`` (ask
        again). The timer sets the same future, so a wake-up costs one loop step, not several.
        The waiter that subscribes the process to the channel asks again at once: a release
        published between its refusal and the subscription reached nobody here.
        """
        if await self._subscribe(channel):
            return None
        waiter: asyncio.Future[T | None] = self.loop.create_future()
        queue = self.waiting.setdefault(channel, deque())
        queue.append(waiter)
        timer = self.loop.call_later(timeout, _settle, waiter, None)
        try:
            return await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled() and waiter.result() is not None:
                orphan(cast(T, waiter.result()))  # handed over as this check was stopped
            raise
        finally:
            timer.cancel()
            if waiter in queue:  # not when a release took it: a failed remove costs a repr
                queue.remove(waiter)

    @property
    def want(self) -> str:
        """What this process publishes on a host's channel when the host refused it a slot."""
        return f"{WANT.decode()}{self.sender}"

    def wanted_lately(self, channel: str, span: float) -> bool:
        """Did another process say, less than ``span`` seconds ago, that it waits for a slot
        on the channel's host (and no slot was given back for it since)?"""
        at = self.wanted.get(channel)
        return at is not None and self.loop.time() - at < span

    def refused_lately(self, channel: str, span: float) -> bool:
        """Was this process refused a slot on the channel's host less than ``span`` seconds
        ago, with no release from another process since (which may have freed one)?"""
        at = self.refused.get(channel)
        return at is not None and self.loop.time() - at < span

    def gave_back(self, channel: str, head_start: float) -> None:
        """A slot went back to Redis for the process that wanted it: that want is served (if
        it wants more, its next refusal says so), and this process's own first waiter asks
        again after ``head_start`` seconds, in case nobody takes the slot (a want that went
        stale): its own release signal never wakes it. Until then, or until another process
        releases a slot on the host, this process's checks do not ask for it
        (:meth:`holding_back`): the other process gets the slot however busy this loop is."""
        self.wanted.pop(channel, None)
        self.yielded[channel] = self.loop.time() + head_start
        self.loop.call_later(head_start, self.wake, channel)

    def holding_back(self, channel: str) -> float:
        """Seconds left of the head start this process gave another one on the channel's host
        (0 when none)."""
        until = self.yielded.get(channel)
        return 0.0 if until is None else max(0.0, until - self.loop.time())

    def first_waiter(self, channel: str) -> asyncio.Future[T | None] | None:
        """Take this process's longest-waiting waiter on ``channel`` (if any)."""
        queue = self.waiting.get(channel)
        while queue:
            waiter = queue.popleft()
            if not waiter.done():
                return waiter
        return None

    def hand(
        self,
        waiter: asyncio.Future[T | None],
        lease: T | None,
        orphan: Callable[[T], None],
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

    async def _subscribe(self, channel: str) -> bool:
        """Listen on ``channel``; the first waiter waits until Redis confirms (no lost wake-up)
        and is told so (True).

        Later waiters do not wait for the confirmation: if it never comes (a dropped link),
        their bounded waits still get them the slot.
        """
        if channel in self.confirmed:
            return False
        confirmed = self.confirmed[channel] = self.loop.create_future()
        if self.pubsub is None:
            self.pubsub = self.client.pubsub()
        try:
            await self.pubsub.subscribe(channel)
        except BaseException:  # not subscribed: the next waiter must try again, not skip it
            self.confirmed.pop(channel, None)
            raise
        if self.reader is None or self.reader.done():
            self.reader = self.loop.create_task(self._read())
        with suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(confirmed), SUBSCRIBE_WAIT)
        return True

    async def _read(self) -> None:
        """Dispatch release messages to waiters; on a dropped link, subscribe afresh later."""
        pubsub = self.pubsub
        if pubsub is None:
            return
        try:
            async for message in pubsub.listen():
                self._dispatch(message)
        except (redis.RedisError, OSError):
            pass  # waiters fall back to their bounded waits until the next subscription
        finally:  # however the reader ended, the next waiter subscribes on a new connection
            if self.pubsub is pubsub:
                self.pubsub, self.confirmed = None, {}
            with suppress(redis.RedisError, OSError):
                await pubsub.aclose()

    def _dispatch(self, message: dict[str, Any]) -> None:
        channel = message["channel"].decode()
        if message["type"] == "subscribe":
            confirmed = self.confirmed.get(channel)
            if confirmed is not None and not confirmed.done():
                confirmed.set_result(None)
        elif message["type"] == "message":
            self._signal(channel, message["data"])

    def _signal(self, channel: str, data: bytes) -> None:
        """Another process released a slot (wake a waiter here) or wants one (note it)."""
        if data.startswith(WANT):
            if data[len(WANT) :] != self.sender.encode():
                self.wanted[channel] = self.loop.time()
        elif data != self.sender.encode():
            self.refused.pop(channel, None)
            self.yielded.pop(channel, None)  # the slot given back was taken and is free again
            self.wake(channel)


def _settle(waiter: asyncio.Future[T | None], value: T | None) -> None:
    if not waiter.done():
        waiter.set_result(value)


_WIRES: weakref.WeakKeyDictionary[redis.Redis, Wire[Any]] = weakref.WeakKeyDictionary()
_TWIN_KWARGS = frozenset(
    {"host", "port", "db", "username", "password", "socket_timeout", "socket_connect_timeout"}
    | {"ssl_certfile", "ssl_keyfile", "ssl_ca_certs", "ssl_cert_reqs", "ssl_check_hostname"}
)  # what a redis.asyncio client needs to reach the same server and database


def wire_for(client: redis.Redis) -> Wire[Any]:
    """The async link for ``client``'s server on the running loop, made once per loop."""
    loop = asyncio.get_running_loop()
    wire = _WIRES.get(client)
    if wire is None or wire.loop is not loop:
        wire = _WIRES[client] = Wire(async_twin(client), loop, link_for(client, loop))
    return wire


def async_twin(client: redis.Redis) -> aioredis.Redis:
    """An ``redis.asyncio`` client for the same server and database as ``client``."""
    pool = client.connection_pool
    kwargs = {k: v for k, v in pool.connection_kwargs.items() if k in _TWIN_KWARGS}
    if issubclass(pool.connection_class, redis.UnixDomainSocketConnection):
        return aioredis.Redis(unix_socket_path=pool.connection_kwargs["path"], **kwargs)
    return aioredis.Redis(ssl=issubclass(pool.connection_class, redis.SSLConnection), **kwargs)
