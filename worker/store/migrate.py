"""Schema revisions: which one a database is at, and upgrading it safely while others wait.

The tables are defined once, in :mod:`worker.store.schema`; each change to them is also written
down as an Alembic revision in ``migrations/versions`` (``editwatch db revision`` drafts one,
and a test checks that the models and the newest revision agree). Databases then move forward
with ``editwatch db upgrade`` instead of "recreate it".

How an open goes (:func:`ensure_current`):

- an *empty* database gets the newest tables at once (``create_all``) and is stamped with the
  head revision, as Alembic recommends for new databases (written as Alembic's stamp writes
  it, :data:`VERSION_TABLE`, without importing Alembic);
- a database at the head revision is used as it is (one cheap query, without importing
  Alembic: the head is read from the revision files' names, :func:`head_on_disk`; every
  worker process opens the store, and a pool process's memory starts at its parent's);
- an older one (including a *legacy* database from before migrations, which is exactly
  revision ``0001``) is refused with a message naming ``editwatch db upgrade``, unless the
  operator opted in to ``db.auto_upgrade``;
- a revision this release does not know (a newer editwatch upgraded it) is refused too.

Upgrades run in one transaction under a lock, so several workers starting at once upgrade once:
``pg_advisory_xact_lock`` on PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite. On SQLite, foreign keys
are switched off for the upgrade: a batch migration rebuilds a table by copying and dropping
it, and with foreign keys on, dropping ``watches`` would cascade-delete every version. They are
checked (``PRAGMA foreign_key_check``) before the commit instead.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import sqlalchemy as sa
from sqlalchemy import exc
from sqlalchemy.engine import Connection, Engine

from worker.errors import StoreError
from worker.store.engine import (
    BEGIN_MODE_OPTION,
    SCHEMA_LOCK_KEY,
    create_store_engine,
    describe_url,
    open_error,
)
from worker.store.schema import metadata

if TYPE_CHECKING:  # Alembic (~11 MB) is imported only to read or change revisions, see below
    from alembic.config import Config
    from alembic.script import ScriptDirectory

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
BASELINE = "0001"
"""The revision that is exactly the schema ``create_all`` made before migrations existed."""
LEGACY = "legacy"
UPGRADE_COMMAND = "editwatch db upgrade"
SchemaState = Literal["empty", "legacy", "behind", "current", "unknown"]

# Alembic logs "Context impl SQLiteImpl." at INFO on every look at the revision (each open);
# the commands report what an upgrade did themselves.
logging.getLogger("alembic").setLevel(logging.WARNING)


class SchemaOutOfDate(StoreError):
    """The database's schema is older (or newer) than this release; nothing was changed."""


@dataclass(frozen=True, slots=True)
class SchemaStatus:
    """Where a database stands: its revision (``None`` if empty), the head, and the verdict."""

    current: str | None
    head: str
    state: SchemaState

    def describe(self) -> str:
        shown = {None: "none (empty database)", LEGACY: "from before migrations (0.x)"}
        current = shown.get(self.current, self.current)
        return f"schema revision {current}; this editwatch needs {self.head} ({self.state})"


def alembic_config(connection: Connection | None = None) -> Config:
    """An in-memory Alembic config on the package's migrations (no ``alembic.ini``)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    config.attributes["connection"] = connection
    return config


@lru_cache(maxsize=1)
def scripts() -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config())


def head() -> str:
    revision = scripts().get_current_head()
    if revision is None:
        raise StoreError(f"no migrations found in {MIGRATIONS_DIR}")
    return revision


VERSION_TABLE = sa.Table(
    "alembic_version",
    sa.MetaData(),
    sa.Column("version_num", sa.String(32), nullable=False),
    sa.PrimaryKeyConstraint("version_num", name="alembic_version_pkc"),
)
"""Alembic's version table as its stamp makes it (``DefaultImpl.version_table_impl``); a test
holds the two equal. A new database is stamped through it, so the first start imports no
Alembic in the pool process that creates the tables either."""


def head_on_disk() -> str | None:
    """The head revision as the newest revision file's number, without Alembic.

    Revision ids are the numbers the file names start with (``file_template`` is
    ``rev_slug`` and :func:`new_revision` numbers each one head + 1), so the highest is the
    head; a test holds this equal to Alembic's own head. ``None`` if there are no files.
    """
    numbers = [path.name.split("_", 1)[0] for path in (MIGRATIONS_DIR / "versions").glob("*.py")]
    return max((number for number in numbers if number.isdigit()), default=None)


def _stamps(connection: Connection) -> list[str] | None:
    """The revisions in ``alembic_version``, or ``None`` when there is no such table (a cheap
    read that needs no Alembic)."""
    if not sa.inspect(connection).has_table(VERSION_TABLE.name):
        return None
    return list(connection.scalars(sa.select(VERSION_TABLE.c.version_num)))


def status_on(connection: Connection) -> SchemaStatus:
    """The schema state of the database behind ``connection`` (reads only).

    Unstamped (empty or legacy) and at-head databases are told apart without Alembic; only
    another stamp (older, unknown, or several) is judged by Alembic's own reading of it.
    """
    target = head_on_disk()
    stamps = _stamps(connection)
    if target is not None and stamps is None:
        return _unstamped(connection, target)
    if target is not None and stamps == [target]:
        return SchemaStatus(target, target, "current")
    return _status_by_alembic(connection)


def _status_by_alembic(connection: Connection) -> SchemaStatus:
    from alembic.runtime.migration import MigrationContext

    target = head()
    current = MigrationContext.configure(connection).get_current_revision()
    if current is None:
        return _unstamped(connection, target)
    if current == target:
        return SchemaStatus(current, target, "current")
    known = {script.revision for script in scripts().walk_revisions()}
    return SchemaStatus(current, target, "behind" if current in known else "unknown")


def _unstamped(connection: Connection, target: str) -> SchemaStatus:
    """No revision recorded: a 0.x database if its tables are there, else an empty one."""
    legacy = sa.inspect(connection).has_table("watches")
    return SchemaStatus(LEGACY if legacy else None, target, "legacy" if legacy else "empty")


def status(engine: Engine) -> SchemaStatus:
    with _opening(engine):
        return _status_raw(engine)


def _status_raw(engine: Engine) -> SchemaStatus:
    with engine.connect() as connection:
        return status_on(connection)


SQLITE_OPEN_ATTEMPTS = 5  # processes starting together on one new or old SQLite file


def ensure_current(engine: Engine, *, auto_upgrade: bool = False) -> SchemaStatus:
    """Make a new database, accept a current one, upgrade or refuse an old one (see module).

    On SQLite a process can be told "database is locked" at once, without the busy timeout's
    wait, when its lock request would deadlock with another process creating or upgrading the
    schema (SQLite's deadlock avoidance); it then tries again, a few times, after a pause.
    """
    for attempt in range(1, SQLITE_OPEN_ATTEMPTS + 1):
        try:
            return _ensure_current_once(engine, auto_upgrade)
        except exc.OperationalError as error:
            busy = engine.dialect.name == "sqlite" and "database is locked" in str(error)
            if not busy or attempt == SQLITE_OPEN_ATTEMPTS:
                raise open_error(engine, error) from error
            time.sleep(0.2 * attempt)
        except exc.SQLAlchemyError as error:
            raise open_error(engine, error) from error
    raise AssertionError("unreachable")


def _ensure_current_once(engine: Engine, auto_upgrade: bool) -> SchemaStatus:
    found = _status_raw(engine)
    if found.state == "current":
        return found
    with locked(engine) as connection:
        found = status_on(connection)  # another process may have acted while we waited
        if found.state == "empty":
            _create_fresh(connection)
        elif found.state in ("legacy", "behind") and auto_upgrade:
            _upgrade_on(connection, found)
        elif found.state != "current":
            raise SchemaOutOfDate(refusal(engine, found))
    return _status_raw(engine)


def upgrade(engine: Engine) -> tuple[SchemaStatus, SchemaStatus]:
    """Bring the database to the head revision; returns the status before and after."""
    with _opening(engine), locked(engine) as connection:
        before = status_on(connection)
        if before.state == "unknown":
            raise SchemaOutOfDate(refusal(engine, before))
        if before.state == "empty":
            _create_fresh(connection)
        elif before.state != "current":
            _upgrade_on(connection, before)
    return before, status(engine)


def refusal(engine: Engine, found: SchemaStatus) -> str:
    shown = describe_url(engine.url.render_as_string(hide_password=False))
    if found.state == "unknown":
        return (
            f"database {shown} is at schema revision {found.current}, which this editwatch "
            f"does not know (it needs {found.head}): a newer editwatch upgraded it; run that "
            "version, or restore a backup taken before the upgrade"
        )
    return (
        f"database {shown} is out of date: {found.describe()}. Back it up, then run "
        f"`{UPGRADE_COMMAND}` (or set db.auto_upgrade: true in editwatch.yaml to upgrade "
        "automatically on start)"
    )


def differences(engine: Engine) -> list[object]:
    """What autogenerate would change to make the database match the models (empty = agree)."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, metadata))


def run_all_revisions(engine: Engine) -> None:
    """Build an empty database by running every revision (not ``create_all``): what the
    models-agree-with-migrations check and :func:`new_revision` compare against."""
    from alembic import command

    with _opening(engine), locked(engine) as connection:
        command.upgrade(alembic_config(connection), "head")


def new_revision(message: str, workdir: Path) -> Path:
    """Draft the next numbered revision: the models compared with a database built by every
    existing revision, in a scratch SQLite file under ``workdir``. Review it before committing."""
    from alembic import command

    number = f"{int(head()) + 1:04d}"
    scratch = sa.create_engine(f"sqlite:///{workdir / 'draft-revision.db'}")
    try:
        run_all_revisions(scratch)
        with scratch.connect() as connection:
            config = alembic_config(connection)
            script = command.revision(config, message=message, autogenerate=True, rev_id=number)
    finally:
        scratch.dispose()
        scripts.cache_clear()
    if script is None or isinstance(script, list):
        raise StoreError("alembic drafted no single revision")
    return Path(script.path)


@contextmanager
def locked(engine: Engine) -> Iterator[Connection]:
    """One write transaction that no other editwatch process can run beside (see module)."""
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as connection:
        if sqlite:
            _sqlite_foreign_keys(connection, on=False)
        try:
            writer = connection.execution_options(**{BEGIN_MODE_OPTION: "IMMEDIATE"})
            with writer.begin():
                if engine.dialect.name == "postgresql":
                    writer.execute(
                        sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK_KEY}
                    )
                yield writer
                if sqlite:
                    _check_foreign_keys(writer)
        finally:
            if sqlite:
                _sqlite_foreign_keys(connection, on=True)


def _sqlite_foreign_keys(connection: Connection, *, on: bool) -> None:
    """Set the pragma on the driver connection: it is a no-op inside a transaction, and
    SQLAlchemy would begin one around a statement sent through the connection."""
    driver = connection.connection.dbapi_connection
    if driver is None:
        raise StoreError("the SQLite connection was closed during an upgrade")
    driver.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


def _create_fresh(connection: Connection) -> None:
    target = head_on_disk()
    if target is None:
        raise StoreError(f"no migrations found in {MIGRATIONS_DIR}")
    metadata.create_all(connection)
    VERSION_TABLE.create(connection)
    connection.execute(VERSION_TABLE.insert().values(version_num=target))


def _upgrade_on(connection: Connection, found: SchemaStatus) -> None:
    from alembic import command

    config = alembic_config(connection)
    if found.state == "legacy":
        command.stamp(config, BASELINE)
    command.upgrade(config, "head")


def _check_foreign_keys(connection: Connection) -> None:
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise StoreError(f"the upgrade would break {len(broken)} foreign keys, e.g. {broken[0]}")


@contextmanager
def _opening(engine: Engine) -> Iterator[None]:
    """Connection and SQL failures become a :class:`StoreError` saying what to check."""
    try:
        yield
    except exc.SQLAlchemyError as error:
        raise open_error(engine, error) from error


def status_of(url: str) -> SchemaStatus:
    """:func:`status` for a database URL (for ``editwatch db current``)."""
    engine = create_store_engine(url)
    try:
        return status(engine)
    finally:
        engine.dispose()


def upgrade_url(url: str) -> tuple[SchemaStatus, SchemaStatus]:
    """:func:`upgrade` for a database URL (for ``editwatch db upgrade``)."""
    engine = create_store_engine(url)
    try:
        return upgrade(engine)
    finally:
        engine.dispose()
