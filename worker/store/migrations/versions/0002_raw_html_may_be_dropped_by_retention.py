"""versions.raw_html may be NULL: retention.raw_html drops old pages, never their text or hashes.

On SQLite this rebuilds ``versions`` (batch mode); :mod:`worker.store.migrate` runs it with
foreign keys off and checks them before the commit, so no change row loses its versions.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("versions") as batch_op:
        batch_op.alter_column("raw_html", existing_type=sa.LargeBinary(), nullable=True)


def downgrade() -> None:
    # A dropped page cannot come back: store an empty compressed page where one is missing.
    op.execute(
        sa.text("UPDATE versions SET raw_html = :empty WHERE raw_html IS NULL").bindparams(
            sa.bindparam("empty", b"x\x9c\x03\x00\x00\x00\x00\x01", type_=sa.LargeBinary())
        )
    )
    with op.batch_alter_table("versions") as batch_op:
        batch_op.alter_column("raw_html", existing_type=sa.LargeBinary(), nullable=False)
