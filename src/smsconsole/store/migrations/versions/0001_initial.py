"""initial schema

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "admin",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("email"),
        sa.UniqueConstraint("phone"),
    )
    op.create_table(
        "admin_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("admin_id", sa.Integer(), nullable=True),
        sa.Column("admin_name", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target_type", sa.String(length=32), nullable=False),
        sa.Column("target_id", sa.String(length=64), nullable=False),
        sa.Column("target", sa.String(length=256), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("origin", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("admin_log", schema=None) as batch_op:
        batch_op.create_index("ix_admin_log_action_at", ["action", "at"], unique=False)
        batch_op.create_index("ix_admin_log_at", ["at", "id"], unique=False)
        batch_op.create_index("ix_admin_log_target", ["target_type", "target_id"], unique=False)

    op.create_table(
        "aliyun_access",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=64), nullable=False),
        sa.Column("access_key_id", sa.String(length=64), nullable=False),
        sa.Column("access_key_secret_enc", sa.String(length=512), nullable=False),
        sa.Column("sandbox", sa.Boolean(), nullable=False),
        sa.Column("sms_endpoint", sa.String(length=256), nullable=False),
        sa.Column(
            "queue_mode",
            sa.Enum("alicom", "own", name="queuemode", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("mns_endpoint", sa.String(length=256), nullable=False),
        sa.Column("report_queue", sa.String(length=128), nullable=False),
        sa.Column("reply_queue", sa.String(length=128), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "app_setting",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(length=512), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "daily_stat",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("sign_name", sa.String(length=64), nullable=False),
        sa.Column("template_code", sa.String(length=64), nullable=False),
        sa.Column(
            "sms_type",
            sa.Enum(
                "general",
                "notification",
                "verification",
                "promotion",
                name="smstype",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("delivered", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("segments", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "user_id", "sign_name", "template_code"),
    )
    with op.batch_alter_table("daily_stat", schema=None) as batch_op:
        batch_op.create_index("ix_daily_stat_sign_day", ["sign_name", "day"], unique=False)
        batch_op.create_index("ix_daily_stat_template_day", ["template_code", "day"], unique=False)
        batch_op.create_index("ix_daily_stat_user_day", ["user_id", "day"], unique=False)

    op.create_table(
        "daily_total",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("delivered", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("segments", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day"),
    )
    op.create_table(
        "kept_aside",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("queue", sa.String(length=128), nullable=False),
        sa.Column("message_id", sa.String(length=128), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("reason", sa.String(length=512), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("kept_aside", schema=None) as batch_op:
        batch_op.create_index("ix_kept_aside_time", ["received_at", "id"], unique=False)

    op.create_table(
        "package_product",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column(
            "sms_type",
            sa.Enum(
                "general",
                "notification",
                "verification",
                "promotion",
                name="smstype",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("message_count", sa.Integer(), nullable=False),
        sa.Column("unit_price_fen", sa.Integer(), nullable=False),
        sa.Column("validity_days", sa.Integer(), nullable=False),
        sa.Column("price_fen", sa.Integer(), nullable=False),
        sa.Column("recommended", sa.Boolean(), nullable=False),
        sa.Column("on_sale", sa.Boolean(), nullable=False),
        sa.Column("retired", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "payment_config",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("app_id", sa.String(length=32), nullable=False),
        sa.Column("app_private_key_enc", sa.Text(), nullable=False),
        sa.Column("alipay_public_key", sa.Text(), nullable=False),
        sa.Column("notify_host", sa.String(length=256), nullable=False),
        sa.Column("notify_port", sa.Integer(), nullable=False),
        sa.Column("access_type", sa.String(length=8), nullable=False),
        sa.Column("sandbox", sa.Boolean(), nullable=False),
        sa.Column("gateway", sa.String(length=256), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "pending_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("biz_id", sa.String(length=64), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("pending_report", schema=None) as batch_op:
        batch_op.create_index("ix_pending_report_key", ["biz_id", "phone"], unique=False)

    op.create_table(
        "site_info",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("logo_path", sa.String(length=512), nullable=False),
        sa.Column("company", sa.String(length=128), nullable=False),
        sa.Column("address", sa.String(length=256), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "system_authorization",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("company", sa.String(length=128), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("purchase_order_no", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("company", sa.String(length=128), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column(
            "status",
            sa.Enum("normal", "frozen", name="userstatus", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("freeze_reason", sa.String(length=256), nullable=False),
        sa.Column("max_signatures", sa.Integer(), nullable=False),
        sa.Column("max_templates", sa.Integer(), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account"),
        sa.UniqueConstraint("phone"),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_users_name"), ["name"], unique=False)
        batch_op.create_index("ix_users_registered", ["registered_at", "id"], unique=False)

    op.create_table(
        "worker_status",
        sa.Column("worker_id", sa.String(length=128), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("beat_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_receive_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("day", sa.Date(), nullable=True),
        sa.Column("reports_today", sa.Integer(), nullable=False),
        sa.Column("replies_today", sa.Integer(), nullable=False),
        sa.Column("kept_aside", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(length=512), nullable=False),
        sa.Column("backoff_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("stopped", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("worker_id"),
    )
    op.create_table(
        "opt_out",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "phone", name="uq_optout_user_phone"),
    )
    op.create_table(
        "orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_no", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("package_id", sa.Integer(), nullable=False),
        sa.Column("package_name", sa.String(length=64), nullable=False),
        sa.Column(
            "sms_type",
            sa.Enum(
                "general",
                "notification",
                "verification",
                "promotion",
                name="smstype",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("validity_days", sa.Integer(), nullable=False),
        sa.Column("amount_fen", sa.Integer(), nullable=False),
        sa.Column("list_amount_fen", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("unpaid", "paid", "void", name="orderstatus", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("trade_no", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["package_id"],
            ["package_product.id"],
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("order_no"),
    )
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.create_index("ix_orders_created", ["created_at", "id"], unique=False)
        batch_op.create_index("ix_orders_status_created", ["status", "created_at"], unique=False)
        batch_op.create_index("ix_orders_user_created", ["user_id", "created_at"], unique=False)

    op.create_table(
        "reply",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("content", sa.String(length=1000), nullable=False),
        sa.Column("sign_name", sa.String(length=64), nullable=False),
        sa.Column("dest_code", sa.String(length=32), nullable=False),
        sa.Column("sequence_id", sa.String(length=32), nullable=False),
        sa.Column("send_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("unsubscribe", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("phone", "sequence_id", "send_time", name="uq_reply_dedupe"),
    )
    with op.batch_alter_table("reply", schema=None) as batch_op:
        batch_op.create_index("ix_reply_phone_time", ["phone", "send_time"], unique=False)
        batch_op.create_index("ix_reply_time", ["send_time", "id"], unique=False)
        batch_op.create_index("ix_reply_user_time", ["user_id", "send_time"], unique=False)

    op.create_table(
        "signature",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=12), nullable=False),
        sa.Column(
            "sign_type",
            sa.Enum("verification", "general", name="signtype", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("source", sa.Integer(), nullable=False),
        sa.Column("remark", sa.String(length=256), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "in_review",
                "approved",
                "rejected",
                name="reviewstatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("reason", sa.String(length=512), nullable=False),
        sa.Column(
            "origin",
            sa.Enum("applied", "assigned", name="origin", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("signature", schema=None) as batch_op:
        batch_op.create_index("ix_signature_applied", ["applied_at", "id"], unique=False)
        batch_op.create_index("ix_signature_name", ["name"], unique=False)
        batch_op.create_index(
            "ix_signature_status_applied", ["status", "applied_at", "id"], unique=False
        )
        batch_op.create_index("ix_signature_user", ["user_id", "applied_at"], unique=False)

    op.create_table(
        "template",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=30), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column(
            "sms_type",
            sa.Enum(
                "general",
                "notification",
                "verification",
                "promotion",
                name="smstype",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("content", sa.String(length=500), nullable=False),
        sa.Column("remark", sa.String(length=256), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "in_review",
                "approved",
                "rejected",
                name="reviewstatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("reason", sa.String(length=512), nullable=False),
        sa.Column(
            "origin",
            sa.Enum("applied", "assigned", name="origin", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("template", schema=None) as batch_op:
        batch_op.create_index("ix_template_applied", ["applied_at", "id"], unique=False)
        batch_op.create_index("ix_template_code", ["code"], unique=False)
        batch_op.create_index(
            "ix_template_status_applied", ["status", "applied_at", "id"], unique=False
        )
        batch_op.create_index("ix_template_user", ["user_id", "applied_at"], unique=False)

    op.create_table(
        "verification_scenario",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("access_id", sa.Integer(), nullable=False),
        sa.Column("scenario", sa.String(length=32), nullable=False),
        sa.Column("sign_name", sa.String(length=64), nullable=False),
        sa.Column("template_code", sa.String(length=64), nullable=False),
        sa.Column("param_name", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["access_id"],
            ["aliyun_access.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("access_id", "scenario", name="uq_scenario_access"),
    )
    op.create_table(
        "holding",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "sms_type",
            sa.Enum(
                "general",
                "notification",
                "verification",
                "promotion",
                name="smstype",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("used", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "normal", "invalid", "frozen", name="holdingstatus", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column(
            "source",
            sa.Enum("order", "admin", name="holdingsource", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("admin_id", sa.Integer(), nullable=True),
        sa.Column("allocated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["admin_id"],
            ["admin.id"],
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("holding", schema=None) as batch_op:
        batch_op.create_index("ix_holding_allocated", ["allocated_at", "id"], unique=False)
        batch_op.create_index("ix_holding_expires", ["expires_at"], unique=False)
        batch_op.create_index(
            "ix_holding_user_charge", ["user_id", "status", "expires_at"], unique=False
        )

    op.create_table(
        "order_price_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("old_amount_fen", sa.Integer(), nullable=False),
        sa.Column("new_amount_fen", sa.Integer(), nullable=False),
        sa.Column("admin_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=256), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["admin_id"],
            ["admin.id"],
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("order_price_change", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_order_price_change_order_id"), ["order_id"], unique=False
        )

    op.create_table(
        "send_task",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sign_name", sa.String(length=64), nullable=False),
        sa.Column("template_id", sa.Integer(), nullable=True),
        sa.Column("template_code", sa.String(length=64), nullable=False),
        sa.Column("template_name", sa.String(length=64), nullable=False),
        sa.Column(
            "sms_type",
            sa.Enum(
                "general",
                "notification",
                "verification",
                "promotion",
                name="smstype",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("content", sa.String(length=1000), nullable=False),
        sa.Column("params_json", sa.Text(), nullable=False),
        sa.Column("numbers", sa.Integer(), nullable=False),
        sa.Column("invalid_numbers", sa.Integer(), nullable=False),
        sa.Column("duplicate_numbers", sa.Integer(), nullable=False),
        sa.Column("opted_out_numbers", sa.Integer(), nullable=False),
        sa.Column("segments_each", sa.Integer(), nullable=False),
        sa.Column("delivered", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "submitted", "rejected", "sending", name="taskstatus", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column("result_code", sa.String(length=64), nullable=False),
        sa.Column("result_message", sa.String(length=512), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["template.id"],
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("send_task", schema=None) as batch_op:
        batch_op.create_index("ix_task_created", ["created_at", "id"], unique=False)
        batch_op.create_index("ix_task_user_created", ["user_id", "created_at", "id"], unique=False)

    op.create_table(
        "send_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("sign_name", sa.String(length=64), nullable=False),
        sa.Column("template_code", sa.String(length=64), nullable=False),
        sa.Column(
            "sms_type",
            sa.Enum(
                "general",
                "notification",
                "verification",
                "promotion",
                name="smstype",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("content", sa.String(length=1000), nullable=True),
        sa.Column("segments", sa.Integer(), nullable=False),
        sa.Column("biz_id", sa.String(length=64), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "delivered",
                "failed",
                name="deliverystatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("err_code", sa.String(length=64), nullable=False),
        sa.Column("err_msg", sa.String(length=256), nullable=False),
        sa.Column("send_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("report_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("holding_id", sa.Integer(), nullable=True),
        sa.Column("refunded", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["holding_id"],
            ["holding.id"],
        ),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["send_task.id"],
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("biz_id", "phone", name="uq_record_biz_phone"),
    )
    with op.batch_alter_table("send_record", schema=None) as batch_op:
        batch_op.create_index("ix_record_phone_time", ["phone", "send_time"], unique=False)
        batch_op.create_index("ix_record_send_time", ["send_time", "id"], unique=False)
        batch_op.create_index("ix_record_status_time", ["status", "send_time", "id"], unique=False)
        batch_op.create_index("ix_record_task_status", ["task_id", "status", "id"], unique=False)
        batch_op.create_index(
            "ix_record_template_time", ["template_code", "send_time", "id"], unique=False
        )
        batch_op.create_index("ix_record_user_time", ["user_id", "send_time", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("send_record", schema=None) as batch_op:
        batch_op.drop_index("ix_record_user_time")
        batch_op.drop_index("ix_record_template_time")
        batch_op.drop_index("ix_record_task_status")
        batch_op.drop_index("ix_record_status_time")
        batch_op.drop_index("ix_record_send_time")
        batch_op.drop_index("ix_record_phone_time")

    op.drop_table("send_record")
    with op.batch_alter_table("send_task", schema=None) as batch_op:
        batch_op.drop_index("ix_task_user_created")
        batch_op.drop_index("ix_task_created")

    op.drop_table("send_task")
    with op.batch_alter_table("order_price_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_order_price_change_order_id"))

    op.drop_table("order_price_change")
    with op.batch_alter_table("holding", schema=None) as batch_op:
        batch_op.drop_index("ix_holding_user_charge")
        batch_op.drop_index("ix_holding_expires")
        batch_op.drop_index("ix_holding_allocated")

    op.drop_table("holding")
    op.drop_table("verification_scenario")
    with op.batch_alter_table("template", schema=None) as batch_op:
        batch_op.drop_index("ix_template_user")
        batch_op.drop_index("ix_template_status_applied")
        batch_op.drop_index("ix_template_code")
        batch_op.drop_index("ix_template_applied")

    op.drop_table("template")
    with op.batch_alter_table("signature", schema=None) as batch_op:
        batch_op.drop_index("ix_signature_user")
        batch_op.drop_index("ix_signature_status_applied")
        batch_op.drop_index("ix_signature_name")
        batch_op.drop_index("ix_signature_applied")

    op.drop_table("signature")
    with op.batch_alter_table("reply", schema=None) as batch_op:
        batch_op.drop_index("ix_reply_user_time")
        batch_op.drop_index("ix_reply_time")
        batch_op.drop_index("ix_reply_phone_time")

    op.drop_table("reply")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index("ix_orders_user_created")
        batch_op.drop_index("ix_orders_status_created")
        batch_op.drop_index("ix_orders_created")

    op.drop_table("orders")
    op.drop_table("opt_out")
    op.drop_table("worker_status")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index("ix_users_registered")
        batch_op.drop_index(batch_op.f("ix_users_name"))

    op.drop_table("users")
    op.drop_table("system_authorization")
    op.drop_table("site_info")
    with op.batch_alter_table("pending_report", schema=None) as batch_op:
        batch_op.drop_index("ix_pending_report_key")

    op.drop_table("pending_report")
    op.drop_table("payment_config")
    op.drop_table("package_product")
    with op.batch_alter_table("kept_aside", schema=None) as batch_op:
        batch_op.drop_index("ix_kept_aside_time")

    op.drop_table("kept_aside")
    op.drop_table("daily_total")
    with op.batch_alter_table("daily_stat", schema=None) as batch_op:
        batch_op.drop_index("ix_daily_stat_user_day")
        batch_op.drop_index("ix_daily_stat_template_day")
        batch_op.drop_index("ix_daily_stat_sign_day")

    op.drop_table("daily_stat")
    op.drop_table("app_setting")
    op.drop_table("aliyun_access")
    with op.batch_alter_table("admin_log", schema=None) as batch_op:
        batch_op.drop_index("ix_admin_log_target")
        batch_op.drop_index("ix_admin_log_at")
        batch_op.drop_index("ix_admin_log_action_at")

    op.drop_table("admin_log")
    op.drop_table("admin")
