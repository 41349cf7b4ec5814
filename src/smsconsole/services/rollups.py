"""Daily rollups: statistics and the home screen read these, never the records.

``daily_stat`` per (day, user, signature, template), ``daily_total`` per day,
``daily_type`` per (day, SMS type) and ``daily_template_name`` per (template name, day).
``bump`` adds deltas in one upsert per key, so concurrent senders and workers never lose
an increment. The invariant (checked by tests): every rollup equals a recount of the
send records by platform day of send time.

A template code counts under the name of the first template (lowest id) holding it, as
that name stands when the send or its report is counted: a template deleted later keeps
its history under its name.
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
_NAME_UPSERT = (
    "INSERT INTO daily_template_name (template_name, day, total, delivered, failed, segments) "
    "VALUES (?,?,?,?,?,?) ON CONFLICT (template_name, day) DO UPDATE SET "
    + ", ".join(f"{c}=daily_template_name.{c}+excluded.{c}" for c in COUNTERS))

# daily_template_name from daily_stat (migration 0008 and bench/make_big.py).
NAME_BACKFILL = (
    "INSERT INTO daily_template_name (template_name, day, total, delivered, failed, segments) "
    "SELECT n.name, d.day, sum(d.total), sum(d.delivered), sum(d.failed), sum(d.segments) "
    "FROM daily_stat d "
    "JOIN (SELECT code, min(id) AS id FROM template WHERE code <> '' GROUP BY code) c "
    "ON c.code = d.template_code JOIN template n ON n.id = c.id "
    "GROUP BY n.name, d.day"
)


def code_names(db: Driver, codes: Iterable[str]) -> dict[str, str]:
    """Template code -> the name it counts under (the first template holding it)."""
    codes = sorted({c for c in codes if c})
    if not codes:
        return {}
    names: dict[str, str] = {}
    for code, name in db.rows(f"SELECT code, name FROM template WHERE code IN "
                              f"({db.marks(len(codes))}) ORDER BY id", codes):
        names.setdefault(code, name)
    return names


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
    names = code_names(db, (k[3] for k in per_key))
    per_name: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for key, cnt in per_key.items():
        name = names.get(key[3])
        if name is not None:  # a code no template holds counts under no name
            row = per_name[(name, key[0])]
            for i, n in enumerate(cnt):
                row[i] += n
    if per_name:
        db.executemany(_NAME_UPSERT, [(k[0], db.day_in(k[1]), *cnt)
                                      for k, cnt in sorted(per_name.items())])
