"""Plain SQL on the hot paths (report apply, rollups), through SQLAlchemy's connection.

``exec_driver_sql`` skips statement building and compiling, which cost more than running
the statement when thousands of reports a second go through in batches of 16. The SQL
is written once with ``?`` placeholders and works on SQLite and PostgreSQL (both speak
``INSERT .. ON CONFLICT .. DO UPDATE``); values are converted to each database's storage
form here, the way the column types would (see ``store.types.UTCDateTime``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy.orm import Session


class Driver:
    def __init__(self, session: Session) -> None:
        self.conn = session.connection()
        self.pg = self.conn.dialect.name == "postgresql"

    def sql(self, text: str) -> str:
        return text.replace("?", "%s") if self.pg else text

    @staticmethod
    def marks(n: int) -> str:
        return ",".join("?" * n)

    def execute(self, text: str, params=()):
        return self.conn.exec_driver_sql(self.sql(text), tuple(params))

    def executemany(self, text: str, rows: list) -> None:
        if rows:
            self.conn.exec_driver_sql(self.sql(text), rows)

    # --- values -------------------------------------------------------------------------

    def time_in(self, value: datetime | None):
        """An aware datetime as the column stores it (naive UTC text on SQLite)."""
        if value is None:
            return None
        value = value.astimezone(UTC)
        return value if self.pg else value.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")

    def time_out(self, raw) -> datetime | None:
        if raw is None:
            return None
        if isinstance(raw, str):
            return datetime.fromisoformat(raw).replace(tzinfo=UTC)
        return raw.replace(tzinfo=UTC) if raw.tzinfo is None else raw.astimezone(UTC)

    def day_in(self, value: date):
        return value if self.pg else value.isoformat()

    def bool_in(self, value: bool):
        return bool(value) if self.pg else int(bool(value))
