"""Schema 0: the tables exactly as editwatch's ``create_all`` made them before migrations.

A database created by that release has these tables and no ``alembic_version``;
``editwatch db upgrade`` stamps it as this revision (nothing to create) and goes on from here.
Frozen: never edit this file, add a revision instead.

Revision ID: 0001
Revises:
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

OUTCOMES = ("new", "unchanged", "not_modified", "changed", "error", "blocked_robots", "deferred")
STATES = ("pending", "held", "debounced", "sending", "sent", "merged", "dead")
KINDS = ("change", "digest", "operator")
STAMP = sa.DateTime(timezone=True)


def _in(column: str, values: tuple[str, ...]) -> sa.ColumnElement[bool]:
    return sa.column(column).in_(values)


def upgrade() -> None:
    op.create_table(
        "watches",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("url", sa.String(2048), nullable=False, unique=True),
        sa.Column("name", sa.String(512), nullable=False),
        sa.Column("source", sa.String(2048), nullable=True),
        sa.Column("created_at", STAMP, nullable=False),
        sa.Column("etag", sa.String(512), nullable=True),
        sa.Column("last_modified", sa.String(64), nullable=True),
        sa.Column("last_checked_at", STAMP, nullable=True),
        sa.Column("last_outcome", sa.String(64), nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("consecutive_failures", sa.Integer, nullable=False),
        sa.Column("current_version_id", sa.Integer, nullable=True),
    )
    _watch_children()
    _notifications()


def _watch_children() -> None:
    watch_fk = sa.ForeignKey("watches.id", ondelete="CASCADE")
    op.create_table(
        "checks",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("watch_id", sa.Integer, watch_fk, nullable=False),
        sa.Column("started_at", STAMP, nullable=False),
        sa.Column("duration_ms", sa.Float, nullable=False),
        sa.Column("status", sa.Integer, nullable=True),
        sa.Column("bytes", sa.Integer, nullable=False),
        sa.Column("outcome", sa.String(64), nullable=False),
        sa.Column("error", sa.Text, nullable=True),
        sa.CheckConstraint(_in("outcome", OUTCOMES), name="ck_checks_outcome"),
    )
    op.create_index("ix_checks_watch_started", "checks", ["watch_id", "started_at"])
    op.create_table(
        "versions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "watch_id", sa.Integer, sa.ForeignKey("watches.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("fingerprint", sa.String(128), nullable=False),
        sa.Column("article", sa.Text, nullable=False),
        sa.Column("raw_html", sa.LargeBinary, nullable=False),
        sa.Column("extractor_version", sa.String(64), nullable=False),
        sa.Column("first_seen", STAMP, nullable=False),
        sa.Column("last_seen", STAMP, nullable=False),
        sa.UniqueConstraint("watch_id", "fingerprint", name="uq_versions_watch_fingerprint"),
        sa.UniqueConstraint("watch_id", "number", name="uq_versions_watch_number"),
    )
    op.create_table(
        "changes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "watch_id", sa.Integer, sa.ForeignKey("watches.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("old_version_id", sa.Integer, sa.ForeignKey("versions.id"), nullable=True),
        sa.Column("new_version_id", sa.Integer, sa.ForeignKey("versions.id"), nullable=False),
        sa.Column("kinds", sa.Text, nullable=False),
        sa.Column("significance", sa.String(64), nullable=False),
        sa.Column("silent", sa.Boolean, nullable=False),
        sa.Column("diff", sa.Text, nullable=False),
        sa.Column("detected_at", STAMP, nullable=False),
    )
    op.create_index("ix_changes_watch_detected", "changes", ["watch_id", "detected_at"])


def _notifications() -> None:
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "change_id", sa.Integer, sa.ForeignKey("changes.id", ondelete="CASCADE"), nullable=True
        ),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(512), nullable=False),
        sa.Column("digest_id", sa.Integer, nullable=True),
        sa.Column("dedupe_key", sa.String(512), nullable=True),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("state", sa.String(64), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", STAMP, nullable=False),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("created_at", STAMP, nullable=False),
        sa.Column("updated_at", STAMP, nullable=False),
        sa.Column("sent_at", STAMP, nullable=True),
        sa.UniqueConstraint("change_id", "channel", name="uq_notifications_change_channel"),
        sa.UniqueConstraint("dedupe_key", "channel", name="uq_notifications_dedupe_channel"),
        sa.CheckConstraint(_in("state", STATES), name="ck_notifications_state"),
        sa.CheckConstraint(_in("kind", KINDS), name="ck_notifications_kind"),
    )
    op.create_index("ix_notifications_state_due", "notifications", ["state", "next_attempt_at"])
    op.create_index("ix_notifications_digest", "notifications", ["digest_id"])


def downgrade() -> None:
    for table in ("notifications", "changes", "versions", "checks", "watches"):
        op.drop_table(table)
