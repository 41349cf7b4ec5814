"""gateway: customers' AccessKeys, per-customer gateway settings, signature nonces,
report/reply pushes to customers' callback URLs, gateway traffic per day, the
customer's OutId on send tasks

Revision ID: 0005
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0003"
branch_labels = None
depends_on = None

KEY_STATUS = sa.Enum("enabled", "disabled", name="keystatus", native_enum=False, length=16)
PUSH_STATUS = sa.Enum("pending", "done", "given_up", name="pushstatus", native_enum=False,
                      length=16)


def upgrade() -> None:
    with op.batch_alter_table("send_task") as batch:
        batch.add_column(sa.Column("out_id", sa.String(length=256), nullable=False,
                                   server_default=""))
    op.create_table(
        "customer_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("access_key_id", sa.String(length=32), nullable=False),
        sa.Column("secret_enc", sa.String(length=512), nullable=False),
        sa.Column("status", KEY_STATUS, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("access_key_id"),
    )
    op.create_index("ix_customer_key_user", "customer_key", ["user_id", "id"])
    op.create_table(
        "customer_gateway",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("qps_limit", sa.Integer(), nullable=True),
        sa.Column("report_url", sa.String(length=512), nullable=False),
        sa.Column("reply_url", sa.String(length=512), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("user_id"),
    )
    op.create_table(
        "gateway_nonce",
        sa.Column("nonce", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("nonce"),
    )
    op.create_index("ix_gateway_nonce_at", "gateway_nonce", ["at"])
    op.create_table(
        "push_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("status", PUSH_STATUS, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=256), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_push_item_due", "push_item", ["status", "next_at", "id"])
    op.create_index("ix_push_item_user", "push_item", ["user_id", "status", "id"])
    op.create_table(
        "gateway_daily",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("requests", sa.Integer(), nullable=False),
        sa.Column("errors", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "user_id"),
    )


def downgrade() -> None:
    with op.batch_alter_table("send_task") as batch:
        batch.drop_column("out_id")
    op.drop_table("gateway_daily")
    op.drop_index("ix_push_item_user", table_name="push_item")
    op.drop_index("ix_push_item_due", table_name="push_item")
    op.drop_table("push_item")
    op.drop_index("ix_gateway_nonce_at", table_name="gateway_nonce")
    op.drop_table("gateway_nonce")
    op.drop_table("customer_gateway")
    op.drop_index("ix_customer_key_user", table_name="customer_key")
    op.drop_table("customer_key")
