"""Opening a database and running transactions on it, with errors people can act on.

SQLite needs care to be shared by a Celery worker and the CLI at once: WAL so readers never
block the writer, a busy timeout so a second writer waits instead of failing, and
``BEGIN IMMEDIATE`` for write transactions. A deferred transaction that reads and then writes
fails at once with "database is locked" if another writer committed in between, and the busy
timeout cannot help it; taking the write lock up front turns that into an orderly wait.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event, exc
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import URL, Connection, Engine
from sqlalchemy.pool import ConnectionPoolEntry, StaticPool

from worker.errors import StoreError

DEFAULT_SQLITE_FILENAME = "editwatch.db"
SQLITE_BUSY_TIMEOUT_MS = 30_000
POSTGRES_CONNECT_TIMEOUT_S = 10
# busy_timeout first: switching a new file to WAL takes a lock, and without the timeout a
# process opening the database while another creates it fails at once with "database is locked".
SQLITE_PRAGMAS = (
    f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}",
    "PRAGMA journal_mode=WAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA synchronous=NORMAL",
)
SQLITE_MEMORY_DATABASES = ("", ":memory:")
BEGIN_MODE_OPTION = "editwatch_sqlite_begin"
SCHEMA_LOCK_KEY = 0x6564_6974  # "edit": the advisory lock held while creating or upgrading
URL_EXAMPLES = "sqlite:////var/lib/editwatch/editwatch.db or postgresql+psycopg://user:pw@host/db"
POSTGRES_DRIVER_HINT = "install the PostgreSQL driver: pip install 'editwatch[postgres]'"


def sqlite_url_for(data_dir: Path) -> str:
    """The default database: one SQLite file in the data directory."""
    return f"sqlite:///{(data_dir / DEFAULT_SQLITE_FILENAME).resolve()}"


def describe_url(url: str) -> str:
    """The URL with any password masked, fit for error messages and logs."""
    try:
        return sa.make_url(url).render_as_string(hide_password=True)
    except exc.ArgumentError:
        scheme, _, _ = url.partition("://")
        return f"{scheme}://..." if scheme else "<unparseable URL>"


def create_store_engine(url: str) -> Engine:
    """Build the engine for ``url``, set up for several processes sharing one database."""
    shown = describe_url(url)
    try:
        parsed = sa.make_url(url)
        engine = sa.create_engine(parsed, **_engine_options(parsed))
    except exc.NoSuchModuleError as error:
        raise StoreError(
            f"cannot open database {shown}: unknown database kind ({error}); "
            f"expected a SQLAlchemy URL such as {URL_EXAMPLES}"
        ) from error
    except exc.ArgumentError as error:
        raise StoreError(
            f"cannot open database {shown}: not a database URL ({error}); "
            f"expected something like {URL_EXAMPLES}"
        ) from error
    except ImportError as error:
        raise StoreError(
            f"cannot open database {shown}: its driver is not installed ({error}); "
            f"{POSTGRES_DRIVER_HINT} or set DATABASE_URL to another database"
        ) from error
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
    return engine


def open_error(engine: Engine, error: exc.SQLAlchemyError) -> StoreError:
    """A failure to open ``engine``'s database, with advice on what to check."""
    shown = describe_url(engine.url.render_as_string(hide_password=False))
    engine.dispose()
    return StoreError(f"cannot open database {shown}: {_reason(error)}; {_open_hint(engine)}")


@contextmanager
def transaction(engine: Engine, *, write: bool, action: str) -> Iterator[Connection]:
    """One transaction; SQLAlchemy errors leave as :class:`StoreError` naming ``action``.

    Anything raised inside rolls the whole transaction back, so callers get all or nothing.
    """
    try:
        with transaction_on(engine, write=write) as connection:
            yield connection
    except exc.SQLAlchemyError as error:
        shown = describe_url(engine.url.render_as_string(hide_password=False))
        raise StoreError(f"{action} failed on {shown}: {_reason(error)}") from error


def conflict_insert(connection: Connection, table: sa.Table) -> Any:
    """An INSERT of ``table`` in the connection's dialect, so ``on_conflict_do_nothing`` /
    ``on_conflict_do_update`` can be added: one statement where two processes may write the
    same key at once (a select-then-insert would fail the second on the key)."""
    if connection.dialect.name == "postgresql":
        return postgresql_dialect().insert(table)
    return sqlite.insert(table)


def postgresql_dialect() -> Any:
    """SQLAlchemy's PostgreSQL dialect, imported on first use: a PostgreSQL engine has loaded
    it already, and a SQLite store (``editwatch check`` on a laptop) never pays its ~20 ms."""
    from sqlalchemy.dialects import postgresql

    return postgresql


def inserted_id(result: sa.CursorResult[Any]) -> int:
    """The primary key of the row an INSERT just wrote."""
    key = result.inserted_primary_key
    if key is None or key[0] is None:
        raise StoreError("the database did not report the id of the row just inserted")
    return int(key[0])


@contextmanager
def transaction_on(engine: Engine, *, write: bool) -> Iterator[Connection]:
    """A plain transaction; writes take SQLite's write lock up front (``BEGIN IMMEDIATE``)."""
    with engine.connect() as connection:
        if write:
            connection = connection.execution_options(**{BEGIN_MODE_OPTION: "IMMEDIATE"})
        with connection.begin():
            yield connection


def _engine_options(url: URL) -> dict[str, Any]:
    if url.get_backend_name() == "sqlite":
        if (url.database or "") in SQLITE_MEMORY_DATABASES:
            # One in-memory database per connection otherwise: share the one connection.
            return {"poolclass": StaticPool, "connect_args": {"check_same_thread": False}}
        return {}
    options: dict[str, Any] = {"pool_pre_ping": True}
    if url.get_backend_name() == "postgresql" and "connect_timeout" not in url.query:
        options["connect_args"] = {"connect_timeout": POSTGRES_CONNECT_TIMEOUT_S}
    return options


def _configure_sqlite(engine: Engine) -> None:
    """Take over BEGIN from the sqlite3 module so writes can ask for ``BEGIN IMMEDIATE``."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        dbapi_connection.isolation_level = None  # sqlite3 must not emit its own BEGIN
        cursor = dbapi_connection.cursor()
        try:
            for pragma in SQLITE_PRAGMAS:
                cursor.execute(pragma)
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        mode = connection.get_execution_options().get(BEGIN_MODE_OPTION, "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")


def _reason(error: exc.SQLAlchemyError) -> str:
    """The driver's own words when there are some; they say what actually went wrong."""
    original = getattr(error, "orig", None)
    text = str(original if original is not None else error)
    return " ".join(text.split())


def _open_hint(engine: Engine) -> str:
    if engine.dialect.name == "sqlite":
        return "check that the directory exists and is writable, or set DATABASE_URL"
    return (
        "check DATABASE_URL (e.g. postgresql+psycopg://user:pw@host:5432/db), that the server "
        "is running and accepts this user, and that the user may create tables"
    )
