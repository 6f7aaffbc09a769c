"""``posts``: the last public post per (posting channel, article), so the next post about the
article replies to it (the ``mastodon`` channel's threads, bot mode).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "posts",
        sa.Column("channel", sa.String(512), nullable=False),
        sa.Column("watch_id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.String(512), nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["watch_id"], ["watches.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("channel", "watch_id"),
    )


def downgrade() -> None:
    op.drop_table("posts")
