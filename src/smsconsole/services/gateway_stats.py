"""The gateway's traffic per day and customer: requests and refusals (a refused request
records nothing else). Counted in memory by each gateway process and added to the
database every ``FLUSH_EVERY`` seconds, so counting costs no write per request."""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import func, select

from smsconsole.services.context import Context
from smsconsole.store.models import GatewayDaily

FLUSH_EVERY = 2.0


@dataclass(frozen=True)
class Traffic:
    requests: int
    errors: int


class TrafficCounter:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._lock = threading.Lock()
        self._counts: Counter = Counter()  # (day, user_id, "requests"|"errors") -> n
        self._last = time.monotonic()

    def count(self, user_id: int | None, error: bool) -> None:
        day = self.ctx.clock.today()
        with self._lock:
            self._counts[(day, user_id or 0, "requests")] += 1
            if error:
                self._counts[(day, user_id or 0, "errors")] += 1
            due = time.monotonic() - self._last >= FLUSH_EVERY
        if due:
            self.flush()

    def flush(self) -> None:
        with self._lock:
            counts, self._counts = self._counts, Counter()
            self._last = time.monotonic()
        if not counts:
            return
        rows: dict[tuple, dict] = {}
        for (day, user_id, name), n in counts.items():
            rows.setdefault((day, user_id), {"requests": 0, "errors": 0})[name] += n
        try:
            with self.ctx.store.session() as s:
                ins = _insert(s.get_bind().dialect.name)
                for (day, user_id), values in rows.items():
                    stmt = ins(GatewayDaily.__table__).values(day=day, user_id=user_id, **values)
                    s.execute(stmt.on_conflict_do_update(
                        index_elements=["day", "user_id"],
                        set_={"requests": GatewayDaily.requests + values["requests"],
                              "errors": GatewayDaily.errors + values["errors"]}))
        except Exception:  # noqa: BLE001 - the database is away: count them next time
            with self._lock:
                self._counts.update(counts)


def _insert(dialect: str):
    # Per database, not at the top (start-up time: see services.reports._dialect_insert).
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


def today(ctx: Context, user_id: int | None = None) -> Traffic:
    """Requests and refusals today, every gateway process together."""
    with ctx.store.read() as s:
        stmt = select(func.coalesce(func.sum(GatewayDaily.requests), 0),
                      func.coalesce(func.sum(GatewayDaily.errors), 0)).where(
            GatewayDaily.day == ctx.clock.today())
        if user_id is not None:
            stmt = stmt.where(GatewayDaily.user_id == user_id)
        requests, errors = s.execute(stmt).one()
    return Traffic(int(requests), int(errors))
