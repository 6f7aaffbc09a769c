"""One article across URL changes: its current address, merged watches, every known address.

- ``watches.canonical_url``: the article's current address (trusted canonical link or redirect
  target); NULL until the next check reads it, so an upgrade records no URL change.
- ``watches.merged_into``: a watch found to follow the same article as an older one.
- ``watch_urls``: every address an article was seen under, unique by identity key; filled
  with each existing watch's own URL here (the key is computed as :mod:`worker.urls` does).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from worker.urls import identity_key

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

STAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("watches") as batch_op:
        batch_op.add_column(sa.Column("canonical_url", sa.String(length=2048), nullable=True))
        batch_op.add_column(sa.Column("merged_into", sa.Integer(), nullable=True))
    op.create_table(
        "watch_urls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("watch_id", sa.Integer(), nullable=False),
        sa.Column("url_key", sa.String(length=2048), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("first_seen", STAMP, nullable=False),
        sa.ForeignKeyConstraint(["watch_id"], ["watches.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("url_key", name="uq_watch_urls_key"),
    )
    op.create_index("ix_watch_urls_watch", "watch_urls", ["watch_id"], unique=False)
    _known_addresses()


def _known_addresses() -> None:
    """Each existing watch's own URL (the lowest id wins when two spell one key), first seen
    when the watch was created."""
    connection = op.get_bind()
    rows = connection.execute(sa.text("SELECT id, url FROM watches ORDER BY id")).all()
    seen: set[str] = set()
    for watch_id, url in rows:
        key = identity_key(url)
        if not key or key in seen:
            continue
        seen.add(key)
        connection.execute(
            sa.text(
                "INSERT INTO watch_urls (watch_id, url_key, url, first_seen)"
                " SELECT id, :key, url, created_at FROM watches WHERE id = :id"
            ),
            {"key": key, "id": watch_id},
        )


def downgrade() -> None:
    op.drop_index("ix_watch_urls_watch", table_name="watch_urls")
    op.drop_table("watch_urls")
    with op.batch_alter_table("watches") as batch_op:
        batch_op.drop_column("merged_into")
        batch_op.drop_column("canonical_url")
