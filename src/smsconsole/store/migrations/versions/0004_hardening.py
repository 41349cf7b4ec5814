"""hardening: per-origin login lock; an index that fits the reply's record lookup

``login_lock`` counts failed logins per (admin, origin), so failures from one place
lock only that place; the admin row keeps the slower global count. A reply looks up
the latest send to its phone under its signature: ``ix_record_phone_sign_time`` serves
that directly (the signature index alone walked every record of a big signature).

Revision ID: 0004
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from smsconsole.store.types import UTCDateTime

revision = "0004"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_lock",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("admin_id", sa.Integer(), nullable=False),
        sa.Column("origin", sa.String(length=64), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("locked_until", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["admin_id"], ["admin.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("admin_id", "origin", name="uq_login_lock_admin_origin"),
    )
    op.create_index("ix_record_phone_sign_time", "send_record",
                    ["phone", "sign_name", "send_time"])


def downgrade() -> None:
    op.drop_index("ix_record_phone_sign_time", table_name="send_record")
    op.drop_table("login_lock")
