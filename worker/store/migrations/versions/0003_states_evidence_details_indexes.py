"""Removal as a state, last_changed_at, why a check was unchanged, evidence per version, the
viewer's indexes; the outbox's one coalescing state.

- ``versions.state`` (``live`` / ``removed``): a removal is one state however the site said it;
  older releases wrote removals as fingerprint ``removed:<status>``, which are marked here.
- ``watches.last_changed_at``: the decay ladder counts from the last change of state, filled
  from the current version's ``first_seen`` for existing watches.
- ``checks.detail``: why an unchanged check was unchanged (``history --verbose``).
- ``evidence``: hashes, headers and the address connected to, chained per watch.
- Four indexes for the web viewer's range scans.
- Outbox rows an older release left ``debounced`` are ``held``: one state for coalescing.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

STAMP = sa.DateTime(timezone=True)
VERSION_STATES = ("live", "removed")


def upgrade() -> None:
    _evidence()
    with op.batch_alter_table("versions") as batch_op:
        batch_op.add_column(
            sa.Column("state", sa.String(64), nullable=False, server_default="live")
        )
        batch_op.create_check_constraint(
            "ck_versions_state", sa.column("state").in_(VERSION_STATES)
        )
    op.execute("UPDATE versions SET state = 'removed' WHERE fingerprint LIKE 'removed:%'")
    with op.batch_alter_table("watches") as batch_op:
        batch_op.add_column(sa.Column("last_changed_at", STAMP, nullable=True))
        batch_op.create_index("ix_watches_name", ["name", "id"], unique=False)
    op.execute(
        "UPDATE watches SET last_changed_at = (SELECT first_seen FROM versions"
        " WHERE versions.id = watches.current_version_id)"
    )
    with op.batch_alter_table("checks") as batch_op:
        batch_op.add_column(sa.Column("detail", sa.Text(), nullable=True))
        batch_op.create_index(
            "ix_checks_watch_started_outcome", ["watch_id", "started_at", "outcome"], unique=False
        )
    op.create_index("ix_changes_detected", "changes", ["detected_at"], unique=False)
    op.create_index("ix_notifications_change", "notifications", ["change_id"], unique=False)
    op.execute("UPDATE notifications SET state = 'held' WHERE state = 'debounced'")


def _evidence() -> None:
    op.create_table(
        "evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("watch_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("raw_sha256", sa.String(length=64), nullable=False),
        sa.Column("text_sha256", sa.String(length=64), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("request_url", sa.String(length=2048), nullable=False),
        sa.Column("final_url", sa.String(length=2048), nullable=False),
        sa.Column("request_headers", sa.Text(), nullable=False),
        sa.Column("response_headers", sa.Text(), nullable=False),
        sa.Column("remote_addr", sa.String(length=512), nullable=False),
        sa.Column("fetched_at", STAMP, nullable=False),
        sa.Column("extractor_version", sa.String(length=64), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=True),
        sa.Column("record_hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["version_id"], ["versions.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["watch_id"], ["watches.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("version_id"),
        sa.UniqueConstraint("watch_id", "number", name="uq_evidence_watch_number"),
    )


def downgrade() -> None:
    op.drop_index("ix_notifications_change", table_name="notifications")
    op.drop_index("ix_changes_detected", table_name="changes")
    with op.batch_alter_table("checks") as batch_op:
        batch_op.drop_index("ix_checks_watch_started_outcome")
        batch_op.drop_column("detail")
    with op.batch_alter_table("watches") as batch_op:
        batch_op.drop_index("ix_watches_name")
        batch_op.drop_column("last_changed_at")
    with op.batch_alter_table("versions") as batch_op:
        batch_op.drop_constraint("ck_versions_state", type_="check")
        batch_op.drop_column("state")
    op.drop_table("evidence")
