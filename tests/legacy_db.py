"""Build the database editwatch 0.x made (``create_all``, before migrations), with its rows.

The schema and rows come from the committed fixture in ``tests/fixtures/schema_v0`` (written by
that release, see ``make_fixture.py``), so later schema changes cannot leak into it.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.pool import NullPool

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "schema_v0"
TABLES = ("watches", "checks", "versions", "changes", "notifications")


def build_legacy(url: str) -> None:
    """Create the old tables with the old rows in the empty database at ``url``."""
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        connection = sqlite3.connect(str(parsed.database))
        connection.executescript((FIXTURE / "sqlite.sql").read_text())
        connection.close()
        return
    engine = sa.create_engine(url, poolclass=NullPool)
    with engine.begin() as connection:
        connection.exec_driver_sql((FIXTURE / "postgresql.sql").read_text())
    engine.dispose()


def snapshot(url: str) -> dict[str, list[dict[str, Any]]]:
    """Every row of every editwatch table, in id order, with the values the driver returns."""
    engine = sa.create_engine(url, poolclass=NullPool)
    found: dict[str, list[dict[str, Any]]] = {}
    with engine.connect() as connection:
        for name in TABLES:
            table = sa.Table(name, sa.MetaData(), autoload_with=connection)
            rows = connection.execute(sa.select(table).order_by(table.c.id)).mappings()
            found[name] = [dict(row) for row in rows]
        _fold_pages(connection, found["versions"])
    engine.dispose()
    return found


def _fold_pages(connection: sa.Connection, versions: list[dict[str, Any]]) -> None:
    """Put each version's page back in its row as ``raw_html`` (NULL: none kept), where pages
    live in their own table (revision 0007 on), so a snapshot compares across the move."""
    if not sa.inspect(connection).has_table("version_pages"):
        return
    pages = dict(
        connection.execute(sa.text("SELECT version_id, raw_html FROM version_pages")).all()
    )
    for row in versions:
        row["raw_html"] = pages.get(row["id"])


def alembic_revision(url: str) -> str | None:
    engine = sa.create_engine(url, poolclass=NullPool)
    with engine.connect() as connection:
        if not sa.inspect(connection).has_table("alembic_version"):
            return None
        revision: str | None = connection.scalar(sa.text("SELECT version_num FROM alembic_version"))
    engine.dispose()
    return revision
