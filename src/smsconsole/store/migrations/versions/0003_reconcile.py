"""reconcile: sends whose outcome is unknown are found again and settled

``send_record.out_id`` (the OutId of the cloud call that carried the message, echoed by
QuerySendDetails and by reports) with an (out_id, phone) index; ``send_task.beat_at``
(the sender's last sign of life, so a ``sending`` task without a live owner is found
after a crash). The new ``unknown`` statuses need no change: statuses are VARCHARs.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("send_record", schema=None) as batch_op:
        batch_op.add_column(sa.Column("out_id", sa.String(length=64), nullable=True))
        batch_op.create_index("ix_record_out_phone", ["out_id", "phone"], unique=False)
    with op.batch_alter_table("send_task", schema=None) as batch_op:
        batch_op.add_column(sa.Column("beat_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("send_task", schema=None) as batch_op:
        batch_op.drop_column("beat_at")
    with op.batch_alter_table("send_record", schema=None) as batch_op:
        batch_op.drop_index("ix_record_out_phone")
        batch_op.drop_column("out_id")
