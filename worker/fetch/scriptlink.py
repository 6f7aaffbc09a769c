"""The limiter's Lua scripts over one pipelined connection: cheap enough to run twice a check.

Why not ``redis.asyncio``: every check takes a host slot and gives it back, one script call
each, and ``redis.asyncio`` spends about 80 us of Python a call (command packing in Python, a
connection taken from and returned to its pool, retry and observability wrappers) where the
script itself costs Redis a few. Here a call is one ``hiredis`` pack, a write on a connection
that stays open (the calls of one loop iteration joined in one), and a future resolved by
``hiredis``'s reply parser; calls from many checks at once are pipelined on that connection,
their replies matched in order (Redis answers in order).

What it keeps of a Redis client: the server, database, credentials, TLS and time-outs of the
synchronous client it is made from (:func:`link_for`), ``EVALSHA`` with the script sent again
after a ``NOSCRIPT`` (a restarted or flushed Redis), Redis errors as ``redis.ResponseError``,
a lost connection as ``redis.ConnectionError`` (the call is tried once more on a new one, as
``redis.asyncio`` retries it) and a reply late past ``socket_timeout`` as ``redis.TimeoutError``
(the connection is dropped, since the replies behind it would no longer match).
"""

from __future__ import annotations

import asyncio
import hashlib
import ssl
from collections import deque
from collections.abc import Sequence
from typing import Any, cast

import hiredis
import redis

__all__ = ["ScriptLink", "link_for"]


class _Replies(asyncio.Protocol):
    """One connection: writes commands, resolves the oldest waiting future with each reply."""

    def __init__(self) -> None:
        self.parser = hiredis.Reader()
        self.waiting: deque[asyncio.Future[Any]] = deque()
        self.transport: asyncio.Transport | None = None
        self.lost: BaseException | None = None
        self.unsent: list[bytes] = []  # commands of this loop iteration, written at its end

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.parser.feed(data)
        while (reply := self.parser.gets()) is not False:
            waiter = self.waiting.popleft()
            if not waiter.done():
                waiter.set_result(reply)

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        self.fail(redis.ConnectionError(f"connection to Redis lost: {exc or 'closed'}"))

    def fail(self, error: BaseException) -> None:
        """Every call still waiting on this connection fails with ``error``."""
        self.lost = error
        while self.waiting:
            waiter = self.waiting.popleft()
            if not waiter.done():
                waiter.set_exception(error)

    def send(self, packed: bytes, loop: asyncio.AbstractEventLoop) -> asyncio.Future[Any]:
        waiter: asyncio.Future[Any] = loop.create_future()
        if self.transport is None or self.lost is not None:
            waiter.set_exception(self.lost or redis.ConnectionError("not connected to Redis"))
            return waiter
        self.waiting.append(waiter)
        if not self.unsent:
            loop.call_soon(self.flush)
        self.unsent.append(packed)
        return waiter

    def flush(self) -> None:
        """Write the commands sent since the last flush in one system call: a batch's checks
        ask for their host slots in the same loop iteration, and one ``send`` of 25 commands
        costs little more than one of one. If the connection went in between, its loss has
        failed their waiters already."""
        unsent, self.unsent = self.unsent, []
        if self.transport is not None and self.lost is None:
            self.transport.write(b"".join(unsent))


class ScriptLink:
    """Lua scripts on one Redis server and database, over one connection per event loop."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        *,
        host: str = "localhost",
        port: int = 6379,
        path: str | None = None,
        db: int = 0,
        username: str | None = None,
        password: str | None = None,
        tls: ssl.SSLContext | None = None,
        timeout: float | None = None,
        connect_timeout: float | None = None,
    ) -> None:
        self.loop = loop
        self._where = (host, port, path, tls)
        self._hello = _hello_commands(db, username, password)
        self._timeout = timeout
        self._connect_timeout = connect_timeout
        self._replies: _Replies | None = None
        self._connecting: asyncio.Future[_Replies] | None = None
        self._shas: dict[str, bytes] = {}

    async def run(self, script: str, keys: Sequence[str], args: Sequence[str | float]) -> Any:
        """``EVALSHA`` the script (``EVAL`` after a ``NOSCRIPT``); its reply, decoded by hiredis."""
        sha = self._shas.get(script)
        if sha is None:
            sha = self._shas[script] = hashlib.sha1(script.encode()).hexdigest().encode()
        reply = await self._call(_pack(b"EVALSHA", sha, len(keys), *keys, *args))
        if isinstance(reply, hiredis.ReplyError) and str(reply).startswith("NOSCRIPT"):
            reply = await self._call(_pack(b"EVAL", script, len(keys), *keys, *args))
        if isinstance(reply, hiredis.ReplyError):
            raise redis.ResponseError(str(reply))
        return reply

    async def _call(self, packed: bytes) -> Any:
        """One command, tried once more on a fresh connection when the connection is lost."""
        try:
            return await self._once(packed)
        except redis.ConnectionError:
            return await self._once(packed)

    async def _once(self, packed: bytes) -> Any:
        replies = self._replies
        if replies is None or replies.lost is not None:
            replies = await self._connected()
        waiter = replies.send(packed, self.loop)
        if self._timeout is None:
            return await waiter
        timer = self.loop.call_later(self._timeout, _expire, replies, waiter)
        try:
            return await waiter
        finally:
            timer.cancel()

    async def _connected(self) -> _Replies:
        """The open connection, made once however many calls ask for it at the same moment."""
        if self._connecting is None or self._connecting.done():
            self._connecting = self.loop.create_future()
            connecting = self._connecting
            try:
                replies = await asyncio.wait_for(self._open(), self._connect_timeout)
            except (OSError, TimeoutError) as exc:
                error = redis.ConnectionError(f"cannot connect to Redis: {exc}")
                _settle(connecting, error)
                raise error from exc
            except BaseException as exc:  # refused AUTH, a cancelled first caller, a bug:
                _settle(connecting, redis.ConnectionError(f"cannot connect to Redis: {exc!r}"))
                raise  # the calls waiting on this attempt fail with it instead of hanging
            self._replies = replies
            connecting.set_result(replies)
            return replies
        return await asyncio.shield(self._connecting)

    async def _open(self) -> _Replies:
        host, port, path, tls = self._where
        if path is not None:
            _, replies = await self.loop.create_unix_connection(_Replies, path)
        else:
            _, replies = await self.loop.create_connection(_Replies, host, port, ssl=tls)
        for command in self._hello:  # AUTH and SELECT, answered before any script call
            reply = await replies.send(command, self.loop)
            if isinstance(reply, hiredis.ReplyError):
                if replies.transport is not None:
                    replies.transport.close()
                raise redis.AuthenticationError(str(reply))
        return replies

    def close(self) -> None:
        """Close the connection; calls still waiting fail with ``redis.ConnectionError``."""
        if self._replies is not None and self._replies.transport is not None:
            self._replies.transport.close()
        self._replies = None


def _pack(*parts: bytes | str | float) -> bytes:
    """One command in RESP (hiredis's packer; its type stubs take one-element tuples only)."""
    return bytes(hiredis.pack_command(cast(Any, parts)))


def _hello_commands(db: int, username: str | None, password: str | None) -> list[bytes]:
    commands = []
    if password is not None:
        auth = (b"AUTH", username, password) if username else (b"AUTH", password)
        commands.append(_pack(*auth))
    if db:
        commands.append(_pack(b"SELECT", db))
    return commands


def _expire(replies: _Replies, waiter: asyncio.Future[Any]) -> None:
    """A reply later than ``socket_timeout``: the replies behind it would no longer match, so
    the connection goes, and with it every call waiting on it."""
    if waiter.done():
        return
    replies.fail(redis.TimeoutError("Redis did not answer within socket_timeout"))
    if replies.transport is not None:
        replies.transport.close()


def link_for(client: redis.Redis, loop: asyncio.AbstractEventLoop) -> ScriptLink:
    """A link to the same server and database as the synchronous ``client``."""
    pool = client.connection_pool
    kwargs = pool.connection_kwargs
    common: dict[str, Any] = {
        "db": int(kwargs.get("db") or 0),
        "username": kwargs.get("username"),
        "password": kwargs.get("password"),
        "timeout": kwargs.get("socket_timeout"),
        "connect_timeout": kwargs.get("socket_connect_timeout"),
    }
    if issubclass(pool.connection_class, redis.UnixDomainSocketConnection):
        return ScriptLink(loop, path=kwargs["path"], **common)
    tls = _tls_context(kwargs) if issubclass(pool.connection_class, redis.SSLConnection) else None
    host, port = kwargs.get("host", "localhost"), int(kwargs.get("port", 6379))
    return ScriptLink(loop, host=host, port=port, tls=tls, **common)


def _tls_context(kwargs: dict[str, Any]) -> ssl.SSLContext:
    """The TLS settings of a ``rediss://`` client, as an ``ssl`` context."""
    context = ssl.create_default_context(cafile=kwargs.get("ssl_ca_certs"))
    if kwargs.get("ssl_certfile"):
        context.load_cert_chain(kwargs["ssl_certfile"], kwargs.get("ssl_keyfile"))
    reqs = kwargs.get("ssl_cert_reqs", "required")
    if reqs in ("none", ssl.CERT_NONE, None):
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    else:
        context.check_hostname = bool(kwargs.get("ssl_check_hostname", True))
    return context


def _settle(connecting: asyncio.Future[_Replies], error: Exception) -> None:
    """Fail a connection attempt for every call waiting on it (retrieved at once: a call that
    did not wait need not see it)."""
    if not connecting.done():
        connecting.set_exception(error)
        connecting.exception()
