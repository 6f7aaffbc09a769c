"""Raw pages move from ``versions.raw_html`` to their own table ``version_pages``; the index
``ix_checks_watch_started`` goes (``ix_checks_watch_started_outcome`` starts with it).

Why: a check that sees the same state again updates ``versions.last_seen``; with a ~22 KB blob
in the row, SQLite rewrote the whole row on each such UPDATE and every current-version read
stepped over it. Pages are copied byte for byte (still zlib); a version whose page retention
dropped (NULL) gets no row. On SQLite dropping the column rebuilds ``versions`` (batch mode,
run with foreign keys off and checked before the commit by :mod:`worker.store.migrate`). On
PostgreSQL ``versions`` is locked against writers before the copy: a worker of the old release
still running could otherwise save a version after the copy began, and dropping the column
would then drop its page (SQLite's ``BEGIN IMMEDIATE`` already keeps writers out).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "version_pages",
        sa.Column("version_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("raw_html", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["version_id"], ["versions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("version_id"),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("LOCK TABLE versions IN EXCLUSIVE MODE")  # readers go on, writers wait
    op.execute(
        "INSERT INTO version_pages (version_id, raw_html)"
        " SELECT id, raw_html FROM versions WHERE raw_html IS NOT NULL"
    )
    with op.batch_alter_table("versions") as batch_op:
        batch_op.drop_column("raw_html")
    op.drop_index("ix_checks_watch_started", table_name="checks")


def downgrade() -> None:
    op.create_index("ix_checks_watch_started", "checks", ["watch_id", "started_at"])
    with op.batch_alter_table("versions") as batch_op:
        batch_op.add_column(sa.Column("raw_html", sa.LargeBinary(), nullable=True))
    op.execute(
        "UPDATE versions SET raw_html = (SELECT raw_html FROM version_pages"
        " WHERE version_pages.version_id = versions.id)"
    )
    op.drop_table("version_pages")
