"""The limiter's script link against a real Redis: replies in order, NOSCRIPT, errors, time-outs."""

from __future__ import annotations

import asyncio
import socket

import pytest
import redis

from worker.fetch.scriptlink import ScriptLink, link_for

ECHO = "redis.call('SET', KEYS[1], ARGV[1]); return {tonumber(ARGV[2]), redis.call('GET', KEYS[1])}"


def test_calls_from_many_tasks_get_their_own_replies(redis_client: redis.Redis) -> None:
    """Pipelined on one connection, each of 300 concurrent calls is answered with its own
    reply, and the keys land in the client's database (SELECT was sent)."""

    async def main() -> list[object]:
        link = link_for(redis_client, asyncio.get_running_loop())
        try:
            calls = (link.run(ECHO, [f"sl:{i}"], [f"v{i}", i]) for i in range(300))
            return list(await asyncio.gather(*calls))
        finally:
            link.close()

    replies = asyncio.run(main())
    assert replies == [[i, f"v{i}".encode()] for i in range(300)]
    assert redis_client.get("sl:299") == b"v299"


def test_calls_of_one_loop_iteration_go_out_in_one_write(redis_client: redis.Redis) -> None:
    """A batch's checks ask for their slots together: their 25 commands are one ``send``, not
    25 (the system call is most of a script call's CPU), and each still gets its reply."""
    writes: list[int] = []

    async def main() -> list[object]:
        link = link_for(redis_client, asyncio.get_running_loop())
        try:
            await link.run(ECHO, ["sl:warm"], ["v", 0])  # connected, script loaded
            transport = link._replies.transport if link._replies else None
            assert transport is not None
            write = transport.write
            transport.write = lambda data: (writes.append(len(data)), write(data))[1]  # type: ignore[method-assign]
            calls = (link.run(ECHO, [f"sl:{i}"], [f"v{i}", i]) for i in range(25))
            return list(await asyncio.gather(*calls))
        finally:
            link.close()

    replies = asyncio.run(main())
    assert replies == [[i, f"v{i}".encode()] for i in range(25)]
    assert len(writes) == 1


def test_a_flushed_script_cache_is_refilled(redis_client: redis.Redis) -> None:
    """After SCRIPT FLUSH (or a restarted Redis) EVALSHA answers NOSCRIPT: the script is sent."""

    async def main() -> tuple[object, object]:
        link = link_for(redis_client, asyncio.get_running_loop())
        try:
            first = await link.run(ECHO, ["sl:a"], ["x", 1])
            redis_client.script_flush()
            return first, await link.run(ECHO, ["sl:a"], ["y", 2])
        finally:
            link.close()

    assert asyncio.run(main()) == ([1, b"x"], [2, b"y"])


def test_a_script_error_is_a_response_error(redis_client: redis.Redis) -> None:
    async def main() -> None:
        link = link_for(redis_client, asyncio.get_running_loop())
        try:
            await link.run("return redis.call('NO_SUCH_COMMAND')", [], [])
        finally:
            link.close()

    with pytest.raises(redis.ResponseError):
        asyncio.run(main())


def test_a_dropped_connection_is_replaced(redis_client: redis.Redis) -> None:
    """Redis closing the link's connection (a restart, CLIENT KILL) costs no failed call."""

    async def main() -> object:
        link = link_for(redis_client, asyncio.get_running_loop())
        try:
            await link.run(ECHO, ["sl:b"], ["x", 1])
            assert redis_client.client_kill_filter(_type="normal", skipme=True) >= 1
            await asyncio.sleep(0.05)  # the close reaches the link's connection
            return await link.run(ECHO, ["sl:b"], ["y", 2])
        finally:
            link.close()

    assert asyncio.run(main()) == [2, b"y"]


def test_no_answer_within_socket_timeout_is_a_timeout_error() -> None:
    """A server that accepts and never answers: the call fails after ``timeout`` seconds."""

    accepted: list[asyncio.StreamWriter] = []

    async def main() -> None:
        server = await asyncio.start_server(lambda _r, w: accepted.append(w), "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        link = ScriptLink(asyncio.get_running_loop(), host="127.0.0.1", port=port, timeout=0.2)
        try:
            await link.run("return 1", [], [])
        finally:
            link.close()
            for writer in accepted:
                writer.close()
            server.close()
            await server.wait_closed()

    with pytest.raises(redis.TimeoutError):
        asyncio.run(main())


def test_a_refused_connection_is_a_connection_error() -> None:
    with socket.socket() as probe:  # a port that nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    async def main() -> None:
        link = ScriptLink(asyncio.get_running_loop(), host="127.0.0.1", port=port)
        await link.run("return 1", [], [])

    with pytest.raises(redis.ConnectionError):
        asyncio.run(main())


def test_a_refused_password_fails_every_waiting_call(redis_client: redis.Redis) -> None:
    """Redis refuses the AUTH: the first call and every call that waited on the same
    connection attempt fail with a Redis error at once, none waits forever."""
    kwargs = redis_client.connection_pool.connection_kwargs

    async def main() -> list[BaseException | None]:
        link = ScriptLink(
            asyncio.get_running_loop(),
            host=kwargs.get("host", "localhost"),
            port=kwargs.get("port", 6379),
            path=kwargs.get("path"),
            password="not-the-password",
        )
        calls = [link.run("return 1", [], []) for _ in range(3)]
        try:
            done = await asyncio.wait_for(asyncio.gather(*calls, return_exceptions=True), 5)
        finally:
            link.close()
        return [r if isinstance(r, BaseException) else None for r in done]

    outcomes = asyncio.run(main())
    assert all(isinstance(outcome, redis.RedisError) for outcome in outcomes), outcomes
