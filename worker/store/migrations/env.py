"""Alembic's environment: migrate the connection the caller handed over, inside its transaction.

:mod:`worker.store.migrate` opens the connection, takes the lock (``pg_advisory_xact_lock`` on
PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite) and begins the transaction, so every revision of an
upgrade commits together or not at all. ``render_as_batch`` makes autogenerate write SQLite-safe
``batch_alter_table`` blocks (SQLite cannot ALTER most things in place).
"""

from __future__ import annotations

from alembic import context

from worker.store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through worker.store.migrate (editwatch db upgrade)")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=True,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
