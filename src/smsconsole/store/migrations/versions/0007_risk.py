"""risk control: customer limits, blacklist, blocked words, holds and rule hits

Revision ID: 0007
Revises: 0002
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
        "risk_limit",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("day_limit", sa.Integer(), nullable=True),
        sa.Column("month_limit", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("user_id"),
    )
    op.create_table(
        "risk_blacklist",
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("note", sa.String(length=256), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("phone"),
    )
    op.create_table(
        "risk_word",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("word", sa.String(length=64), nullable=False),
        sa.Column("norm", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("norm"),
    )
    op.create_table(
        "risk_hold",
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.String(length=256), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("hold_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=256), nullable=False),
        sa.ForeignKeyConstraint(["task_id"], ["send_task.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("task_id"),
    )
    op.create_index("ix_risk_hold_status", "risk_hold", ["status", "created_at"])
    op.create_index("ix_risk_hold_user_id", "risk_hold", ["user_id"])
    op.create_table(
        "risk_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=16), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("detail", sa.String(length=256), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_risk_event_day_rule", "risk_event", ["day", "rule"])
    op.create_index("ix_risk_event_user_at", "risk_event", ["user_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_risk_event_user_at", table_name="risk_event")
    op.drop_index("ix_risk_event_day_rule", table_name="risk_event")
    op.drop_table("risk_event")
    op.drop_index("ix_risk_hold_user_id", table_name="risk_hold")
    op.drop_index("ix_risk_hold_status", table_name="risk_hold")
    op.drop_table("risk_hold")
    op.drop_table("risk_word")
    op.drop_table("risk_blacklist")
    op.drop_table("risk_limit")
