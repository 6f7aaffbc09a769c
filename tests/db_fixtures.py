"""Database fixtures: a SQLite file per test and, when a server answers, a PostgreSQL schema.

``store`` / ``store_url`` are parametrised over both backends so one behavioural test runs on
each. PostgreSQL comes from ``EDITWATCH_TEST_PG_URL``; without it, or when the server does
not answer, those cases are *skipped with the reason*, never passed. Each PostgreSQL test gets a
fresh schema (``search_path`` set through the URL) that is dropped afterwards, so concurrent
test runs sharing one database never see each other's rows.
"""

from __future__ import annotations

import os
import queue
import uuid
from collections.abc import Iterator, Sequence
from datetime import datetime
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from worker.store import Store

PG_URL_ENV = "EDITWATCH_TEST_PG_URL"
PG_PROBE_TIMEOUT_S = 3
SCHEMA_PREFIX = "editwatch_test_"
BARRIER_TIMEOUT_S = 60


def with_search_path(url: str, schema: str) -> str:
    """``url`` whose connections use ``schema`` (libpq ``options``), password kept."""
    parsed = sa.make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
    return parsed.render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def pg_admin_engine() -> Iterator[sa.Engine]:
    """An engine on the test server, or a skip saying why there is none."""
    url = os.environ.get(PG_URL_ENV)
    if not url:
        pytest.skip(f"{PG_URL_ENV} is not set (e.g. postgresql+psycopg://postgres@127.0.0.1/test)")
    engine = sa.create_engine(
        url, poolclass=NullPool, connect_args={"connect_timeout": PG_PROBE_TIMEOUT_S}
    )
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError as error:
        engine.dispose()
        shown = sa.make_url(url).render_as_string(hide_password=True)
        reason = " ".join(str(getattr(error, "orig", None) or error).split())
        pytest.skip(f"PostgreSQL at {shown} does not answer: {reason}")
    yield engine
    engine.dispose()


@pytest.fixture
def pg_url(pg_admin_engine: sa.Engine) -> Iterator[str]:
    """A URL onto a schema of its own, dropped with everything in it after the test."""
    schema = f"{SCHEMA_PREFIX}{uuid.uuid4().hex[:16]}"
    with pg_admin_engine.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    base = pg_admin_engine.url.render_as_string(hide_password=False)
    try:
        yield with_search_path(base, schema)
    finally:
        with pg_admin_engine.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'editwatch.db'}"


@pytest.fixture
def sqlite_store(sqlite_url: str) -> Iterator[Store]:
    with Store(sqlite_url) as store:
        yield store


@pytest.fixture
def pg_store(pg_url: str) -> Iterator[Store]:
    with Store(pg_url) as store:
        yield store


@pytest.fixture(
    params=[pytest.param("sqlite"), pytest.param("postgres", marks=pytest.mark.postgres)]
)
def store_url(request: pytest.FixtureRequest) -> str:
    """The URL of an empty database, once per backend."""
    fixture = "sqlite_url" if request.param == "sqlite" else "pg_url"
    url: str = request.getfixturevalue(fixture)
    return url


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """An open, empty store, once per backend."""
    with Store(store_url) as opened:
        yield opened


def claim_in_process(
    url: str, ids: Sequence[int], now: datetime, barrier: Barrier, results: Any
) -> None:
    """Child-process body for claim races: open a store, wait for the others, claim all."""
    with Store(url) as store:
        barrier.wait(BARRIER_TIMEOUT_S)
        won = [i for i in ids if store.claim_notification(i, now) is not None]
    results.put((os.getpid(), won))


def drain(results: Any, count: int, timeout: float) -> list[Any]:
    """``count`` items from a multiprocessing queue, failing after ``timeout`` seconds each."""
    items = []
    for _ in range(count):
        try:
            items.append(results.get(timeout=timeout))
        except queue.Empty:
            pytest.fail(f"only {len(items)} of {count} worker processes reported in time")
    return items
