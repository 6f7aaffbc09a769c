"""``editwatch db stats``: rows and bytes per table, and the watches that take the most room.

Bytes are what the database itself reports where it can: ``pg_total_relation_size`` (table,
indexes and TOAST) on PostgreSQL, the ``dbstat`` table (pages of the table and its indexes) on
SQLite. Where ``dbstat`` is not compiled in, table bytes are ``None`` and only rows are shown.
Per watch, the figure is the stored payload (compressed pages plus extracted articles), which is
what retention and a watch's removal would free.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import exc
from sqlalchemy.engine import Connection, Engine

from worker.store.engine import transaction
from worker.store.schema import (
    VERSIONS_WITH_PAGES,
    checks,
    metadata,
    version_pages,
    versions,
    watches,
)

TOP_WATCHES = 10


@dataclass(frozen=True, slots=True)
class TableStats:
    name: str
    rows: int
    bytes: int | None


@dataclass(frozen=True, slots=True)
class WatchStats:
    watch_id: int
    name: str
    versions: int
    checks: int
    payload_bytes: int


@dataclass(frozen=True, slots=True)
class DbStats:
    """The whole report; ``per_row`` is a table's bytes over its rows, ``per_version`` a
    version's with its page (``versions`` and ``version_pages`` bytes over versions)."""

    backend: str
    tables: tuple[TableStats, ...]
    top_watches: tuple[WatchStats, ...]
    raw_html_kept: int
    raw_html_dropped: int

    def per_row(self, table: str) -> float | None:
        found = next((t for t in self.tables if t.name == table), None)
        if found is None or found.bytes is None or found.rows == 0:
            return None
        return found.bytes / found.rows

    def per_version(self) -> float | None:
        rows, pages = self.per_row("versions"), self._bytes("version_pages")
        count = next((t.rows for t in self.tables if t.name == "versions"), 0)
        if rows is None or pages is None:
            return rows
        return rows + pages / count

    def _bytes(self, table: str) -> int | None:
        return next((t.bytes for t in self.tables if t.name == table), None)


def collect(engine: Engine, top: int = TOP_WATCHES) -> DbStats:
    with transaction(engine, write=False, action="collecting database statistics") as connection:
        sizes = _table_bytes(connection)
        tables = tuple(
            TableStats(table.name, _count(connection, table), sizes.get(table.name))
            for table in metadata.sorted_tables
        )
        kept = _count(connection, version_pages)
        dropped = _count(connection, versions) - kept
        return DbStats(engine.dialect.name, tables, _top_watches(connection, top), kept, dropped)


def _count(
    connection: Connection, table: sa.Table, where: sa.ColumnElement[bool] | None = None
) -> int:
    query = sa.select(sa.func.count()).select_from(table)
    if where is not None:
        query = query.where(where)
    return int(connection.scalar(query) or 0)


def _table_bytes(connection: Connection) -> dict[str, int]:
    if connection.dialect.name == "postgresql":
        return {
            table.name: int(
                connection.scalar(
                    sa.text("SELECT pg_total_relation_size(CAST(:name AS regclass))"),
                    {"name": table.name},
                )
                or 0
            )
            for table in metadata.sorted_tables
        }
    if connection.dialect.name == "sqlite":
        return _sqlite_table_bytes(connection)
    return {}


def _sqlite_table_bytes(connection: Connection) -> dict[str, int]:
    """Pages of each table plus its indexes, from ``dbstat`` (empty when not compiled in)."""
    query = sa.text(
        "SELECT m.tbl_name, SUM(d.pgsize) FROM dbstat AS d "
        "JOIN sqlite_master AS m ON m.name = d.name GROUP BY m.tbl_name"
    )
    try:
        with connection.begin_nested():
            return {name: int(size) for name, size in connection.execute(query)}
    except exc.OperationalError:
        return {}


def _top_watches(connection: Connection, top: int) -> tuple[WatchStats, ...]:
    payload = sa.func.coalesce(sa.func.length(version_pages.c.raw_html), 0) + sa.func.length(
        versions.c.article
    )
    stored = (
        sa.select(
            versions.c.watch_id,
            sa.func.count().label("versions"),
            sa.func.sum(payload).label("payload"),
        )
        .select_from(VERSIONS_WITH_PAGES)
        .group_by(versions.c.watch_id)
        .subquery()
    )
    checked = (
        sa.select(checks.c.watch_id, sa.func.count().label("checks"))
        .group_by(checks.c.watch_id)
        .subquery()
    )
    query = (
        sa.select(
            watches.c.id, watches.c.name, stored.c.versions, stored.c.payload, checked.c.checks
        )
        .select_from(
            watches.join(stored, stored.c.watch_id == watches.c.id).outerjoin(
                checked, checked.c.watch_id == watches.c.id
            )
        )
        .order_by(stored.c.payload.desc(), watches.c.id)
        .limit(top)
    )
    return tuple(
        WatchStats(row.id, row.name, int(row.versions), int(row.checks or 0), int(row.payload))
        for row in connection.execute(query)
    )
