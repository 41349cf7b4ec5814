"""Daily rollups: statistics and the home screen read these, never the records.

``bump`` adds deltas in one upsert per key, so concurrent senders and workers never
lose an increment. The invariant (checked by tests): every rollup equals a recount of
the send records by platform day of send time.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from sqlalchemy.orm import Session

from smsconsole.store.models import DailyStat, DailyTotal

COUNTERS = ("total", "delivered", "failed", "segments")


def _insert(session: Session):
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


def bump(session: Session, deltas: Iterable[tuple[date, int, str, str, str, dict]]) -> None:
    """Add counter deltas. Each item: (day, user_id, sign_name, template_code, sms_type,
    {"total": n, "delivered": n, "failed": n, "segments": n}) — missing counters are 0."""
    per_key: dict[tuple, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTERS, 0))
    types: dict[tuple, str] = {}
    per_day: dict[date, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTERS, 0))
    for day, user_id, sign_name, template_code, sms_type, counts in deltas:
        key = (day, user_id, sign_name, template_code)
        types[key] = sms_type
        for c, n in counts.items():
            per_key[key][c] += n
            per_day[day][c] += n
    if not per_key:
        return
    insert = _insert(session)
    stat = DailyStat.__table__
    rows = [dict(day=k[0], user_id=k[1], sign_name=k[2], template_code=k[3],
                 sms_type=types[k], **cnt) for k, cnt in sorted(per_key.items())]
    stmt = insert(stat)
    stmt = stmt.on_conflict_do_update(
        index_elements=["day", "user_id", "sign_name", "template_code"],
        set_={c: stat.c[c] + stmt.excluded[c] for c in COUNTERS},
    )
    session.execute(stmt, rows)
    total = DailyTotal.__table__
    rows = [dict(day=d, **cnt) for d, cnt in sorted(per_day.items())]
    stmt = insert(total)
    stmt = stmt.on_conflict_do_update(
        index_elements=["day"], set_={c: total.c[c] + stmt.excluded[c] for c in COUNTERS}
    )
    session.execute(stmt, rows)
