"""frontdoor: customer accounts and sessions, verification codes, order confirmations

Revision ID: 0006
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "customer_account",
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), primary_key=True),
        sa.Column("registered_via", sa.String(16), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "customer_session",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("origin", sa.String(64), nullable=False),
    )
    op.create_index("ix_customer_session_user", "customer_session", ["user_id", "created_at"])
    op.create_table(
        "verification_code",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("phone", sa.String(20), nullable=False),
        sa.Column("scenario", sa.String(32), nullable=False),
        sa.Column("code_hash", sa.String(128), nullable=False),
        sa.Column("ip", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent", sa.Boolean(), nullable=False),
        sa.Column("biz_id", sa.String(64), nullable=False),
        sa.Column("sign_name", sa.String(64), nullable=False),
        sa.Column("template_code", sa.String(64), nullable=False),
        sa.Column("result_code", sa.String(64), nullable=False),
    )
    op.create_index("ix_vcode_phone_created", "verification_code", ["phone", "created_at"])
    op.create_index("ix_vcode_ip_created", "verification_code", ["ip", "created_at"])
    op.create_index("ix_vcode_created", "verification_code", ["created_at", "id"])
    op.create_table(
        "order_payment",
        sa.Column("order_id", sa.Integer(), sa.ForeignKey("orders.id"), primary_key=True),
        sa.Column("via", sa.String(16), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("trade_no", sa.String(64), nullable=False),
        sa.Column("notify_id", sa.String(64), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("order_payment")
    op.drop_index("ix_vcode_created", "verification_code")
    op.drop_index("ix_vcode_ip_created", "verification_code")
    op.drop_index("ix_vcode_phone_created", "verification_code")
    op.drop_table("verification_code")
    op.drop_index("ix_customer_session_user", "customer_session")
    op.drop_table("customer_session")
    op.drop_table("customer_account")
