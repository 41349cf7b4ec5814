"""records: the (phone, send_time) index gains id

A phone prefix's newest page is then chosen from the index alone on PostgreSQL (an
index-only scan), instead of reading every match's row first: a 4-digit prefix at 10M
messages matches ~22k rows (135 ms; 16 ms from the index). SQLite's indexes carry the
rowid already; it gets the same definition.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_record_phone_time", table_name="send_record")
    op.create_index("ix_record_phone_time", "send_record", ["phone", "send_time", "id"])


def downgrade() -> None:
    op.drop_index("ix_record_phone_time", table_name="send_record")
    op.create_index("ix_record_phone_time", "send_record", ["phone", "send_time"])
