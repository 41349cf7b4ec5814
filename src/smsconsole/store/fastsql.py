"""Plain SQL on the hot paths (report apply, rollups, exports), in the session's transaction.

Plain SQL skips statement building and compiling, which cost more than running the
statement when thousands of reports a second go through in batches of 16. The SQL
is written once with ``?`` placeholders and works on SQLite and PostgreSQL (both speak
``INSERT .. ON CONFLICT .. DO UPDATE``); values are converted to each database's storage
form here, the way the column types would (see ``store.types.UTCDateTime``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session


class Driver:
    """Plain SQL in the session's transaction. ``rows`` and ``executemany`` go to a cursor
    of the DBAPI connection itself (the session's, so the same transaction): at batch
    sizes of 16 SQLAlchemy's per-statement bookkeeping cost as much as SQLite's work.
    Driver errors are raised as SQLAlchemy's (``DBAPIError`` and its subclasses), as
    ``exec_driver_sql`` would, so callers catch the same exceptions."""

    def __init__(self, session: Session) -> None:
        self.conn = session.connection()
        self.pg = self.conn.dialect.name == "postgresql"
        self._cur = None

    def sql(self, text: str) -> str:
        return text.replace("?", "%s") if self.pg else text

    @staticmethod
    def marks(n: int) -> str:
        return ",".join("?" * n)

    def execute(self, text: str, params=()):
        """Through SQLAlchemy (a ``CursorResult``)."""
        return self.conn.exec_driver_sql(self.sql(text), tuple(params))

    def _cursor(self):
        if self._cur is None:
            self._cur = self.conn.connection.driver_connection.cursor()
        return self._cur

    def _raise(self, exc: Exception, sql: str, params) -> None:
        dbapi = self.conn.dialect.loaded_dbapi
        if isinstance(exc, dbapi.Error):
            raise DBAPIError.instance(sql, params, exc, dbapi.Error,
                                      dialect=self.conn.dialect) from exc
        raise exc

    def rows(self, text: str, params=()) -> list[tuple]:
        """All rows of a query, as the driver returns them."""
        sql = self.sql(text)
        cur = self._cursor()
        try:
            cur.execute(sql, tuple(params))
            return cur.fetchall()
        except Exception as exc:  # noqa: BLE001 - re-raised as SQLAlchemy's
            self._raise(exc, sql, params)

    def count(self, text: str, params=()) -> int:
        """Run a write statement on the cursor; → the rows it changed."""
        sql = self.sql(text)
        cur = self._cursor()
        try:
            cur.execute(sql, tuple(params))
            return cur.rowcount
        except Exception as exc:  # noqa: BLE001 - re-raised as SQLAlchemy's
            self._raise(exc, sql, params)

    def executemany(self, text: str, rows: list) -> None:
        if rows:
            sql = self.sql(text)
            try:
                self._cursor().executemany(sql, rows)
            except Exception as exc:  # noqa: BLE001 - re-raised as SQLAlchemy's
                self._raise(exc, sql, rows)

    # --- values -------------------------------------------------------------------------

    def time_in(self, value: datetime | None):
        """An aware datetime as the column stores it (naive UTC text on SQLite)."""
        if value is None:
            return None
        value = value.astimezone(UTC)
        if self.pg:
            return value
        # "%Y-%m-%d %H:%M:%S.%f", as SQLAlchemy's SQLite DATETIME writes it (isoformat
        # with microseconds is the same text for years 1000-9999, at a third of the cost)
        return value.replace(tzinfo=None).isoformat(" ", "microseconds")

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

    # --- streaming reads ------------------------------------------------------------------

    def stream(self, stmt, batch: int):
        """Run a Core SELECT on this transaction's DBAPI connection and yield its rows in
        lists of up to ``batch`` tuples, as the driver returns them (no result processing:
        SQLite times are their stored text, PostgreSQL's aware datetimes). For exports of
        millions of rows, where building a Row per row cost more than reading it.
        PostgreSQL: a server-side cursor, so memory stays flat."""
        dialect = self.conn.dialect
        compiled = stmt.compile(dialect=dialect)
        values = compiled.construct_params(escape_names=False)
        escaped = compiled.escaped_bind_names or {}

        def bound(name):
            proc = compiled.binds[name].type.bind_processor(dialect)
            return proc(values[name]) if proc else values[name]

        if compiled.positional:
            params = tuple(bound(name) for name in compiled.positiontup)
        else:
            params = {escaped.get(name, name): bound(name) for name in values}
        sql = str(compiled)
        raw = self.conn.connection.driver_connection
        cur = raw.cursor(name="smsconsole_stream") if self.pg else raw.cursor()
        try:
            if self.pg:
                cur.itersize = batch
            try:
                cur.execute(sql, params)
            except Exception as exc:  # noqa: BLE001 - re-raised as SQLAlchemy's
                self._raise(exc, sql, params)
            while True:
                try:
                    rows = cur.fetchmany(batch)
                except Exception as exc:  # noqa: BLE001 - re-raised as SQLAlchemy's
                    self._raise(exc, sql, params)
                if not rows:
                    return
                yield rows
        finally:
            cur.close()
