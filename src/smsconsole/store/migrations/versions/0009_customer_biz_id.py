"""glue: the BizId the gateway gave the customer for a task (``send_task.biz_id``)

A task held by risk control or whose upstream call has an unknown outcome has no upstream
BizId when the gateway answers, and a SendBatchSms of several signatures/parameters is
several tasks: the customer's BizId is kept on each task so that QuerySendDetails, the
REST records and the pushed reports find every record by it.

Revision ID: 0009
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("send_task", schema=None) as batch_op:
        batch_op.add_column(sa.Column("biz_id", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("send_task", schema=None) as batch_op:
        batch_op.drop_column("biz_id")
