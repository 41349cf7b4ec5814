"""scale: per-type daily rollup, covering indexes for statistics by template

Statistics filtered by SMS type alone read ``daily_type`` (one row a day and type,
filled here from ``daily_stat`` and kept by ``services.rollups.bump`` from now on);
a template-name filter finds its codes on (name, code) and sums ``daily_stat`` from a
covering index; the send-records list gets indexes for its signature and task filters.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SMS_TYPE = sa.Enum("general", "notification", "verification", "promotion", name="smstype",
                   native_enum=False, length=16)


def upgrade() -> None:
    op.create_table(
        "daily_type",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("sms_type", SMS_TYPE, nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("delivered", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("segments", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "sms_type"),
    )
    op.execute(
        "INSERT INTO daily_type (day, sms_type, total, delivered, failed, segments) "
        "SELECT day, sms_type, sum(total), sum(delivered), sum(failed), sum(segments) "
        "FROM daily_stat GROUP BY day, sms_type"
    )
    op.drop_index("ix_daily_stat_template_day", table_name="daily_stat")
    op.create_index("ix_daily_stat_template_cover", "daily_stat",
                    ["template_code", "day", "total", "delivered", "failed", "segments"],
                    unique=False)
    op.create_index("ix_template_name_code", "template", ["name", "code"], unique=False)
    op.create_index("ix_record_sign_time", "send_record", ["sign_name", "send_time", "id"],
                    unique=False)
    op.create_index("ix_record_task_id", "send_record", ["task_id", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_record_task_id", table_name="send_record")
    op.drop_index("ix_record_sign_time", table_name="send_record")
    op.drop_index("ix_template_name_code", table_name="template")
    op.drop_index("ix_daily_stat_template_cover", table_name="daily_stat")
    op.create_index("ix_daily_stat_template_day", "daily_stat", ["template_code", "day"],
                    unique=False)
    op.drop_table("daily_type")
