"""Daily rollups: statistics and the home screen read these, never the records.

``daily_stat`` per (day, user, signature, template), ``daily_total`` per day and
``daily_type`` per (day, SMS type). ``bump`` adds deltas in one upsert per key, so
concurrent senders and workers never lose an increment. The invariant (checked by
tests): every rollup equals a recount of the send records by platform day of send time.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from sqlalchemy.orm import Session

from smsconsole.store.fastsql import Driver

COUNTERS = ("total", "delivered", "failed", "segments")


_STAT_UPSERT = (
    "INSERT INTO daily_stat (day, user_id, sign_name, template_code, sms_type, total, "
    "delivered, failed, segments) VALUES (?,?,?,?,?,?,?,?,?) "
    "ON CONFLICT (day, user_id, sign_name, template_code) DO UPDATE SET "
    + ", ".join(f"{c}=daily_stat.{c}+excluded.{c}" for c in COUNTERS))
_TOTAL_UPSERT = (
    "INSERT INTO daily_total (day, total, delivered, failed, segments) VALUES (?,?,?,?,?) "
    "ON CONFLICT (day) DO UPDATE SET "
    + ", ".join(f"{c}=daily_total.{c}+excluded.{c}" for c in COUNTERS))
_TYPE_UPSERT = (
    "INSERT INTO daily_type (day, sms_type, total, delivered, failed, segments) "
    "VALUES (?,?,?,?,?,?) ON CONFLICT (day, sms_type) DO UPDATE SET "
    + ", ".join(f"{c}=daily_type.{c}+excluded.{c}" for c in COUNTERS))


def bump(session: Session, deltas: Iterable[tuple[date, int, str, str, str, dict]],
         db: Driver | None = None) -> None:
    """Add counter deltas. Each item: (day, user_id, sign_name, template_code, sms_type,
    {"total": n, "delivered": n, "failed": n, "segments": n}) — missing counters are 0."""
    per_key: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    types: dict[tuple, str] = {}
    per_day: dict[date, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    per_type: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for day, user_id, sign_name, template_code, sms_type, counts in deltas:
        key = (day, user_id, sign_name, template_code)
        kind = types[key] = getattr(sms_type, "value", sms_type)
        row, total, typed = per_key[key], per_day[day], per_type[(day, kind)]
        for i, c in enumerate(COUNTERS):
            n = counts.get(c, 0)
            row[i] += n
            total[i] += n
            typed[i] += n
    if not per_key:
        return
    db = db or Driver(session)
    # Sorted keys: concurrent writers take row locks in the same order (no deadlock).
    db.executemany(_STAT_UPSERT, [(db.day_in(k[0]), k[1], k[2], k[3], types[k], *cnt)
                                  for k, cnt in sorted(per_key.items())])
    db.executemany(_TOTAL_UPSERT, [(db.day_in(d), *cnt) for d, cnt in sorted(per_day.items())])
    db.executemany(_TYPE_UPSERT, [(db.day_in(k[0]), k[1], *cnt)
                                  for k, cnt in sorted(per_type.items())])
