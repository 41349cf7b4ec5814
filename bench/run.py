"""The scale benchmark (issue 9): our own services on a big database.

Measures, through the functions the screens call, against a database made by
``bench/make_big.py`` (built first when missing):

- send-records pages of 50 (``services.records.records``): first page and a page deep in
  the list (5M rows at 10M messages; half the matches when fewer), unfiltered and
  filtered by user, status, date range; a phone-number prefix search; a phone's
  timeline — each against the same query in raw sqlite3/psycopg (ratio printed);
- the home dashboard (``services.stats.dashboard``);
- statistics for 365 days with each filter plus the chart's series (what the statistics
  screen's worker does), against a raw GROUP BY on the rollup;
- the report worker's step alone (``ReportWorker.process_batch``: parse, apply, rollups,
  commit, batches of 16) on pending records created for the purpose, against raw
  sqlite3/psycopg doing the same updates, alternating rounds in the same run;
- an export of ~1M records to CSV (``services.exports.export``) in a subprocess (peak
  RSS), against a raw fetchmany + csv.writer stream;
- the console (``smsconsole``) in a pseudo-terminal: launch to login drawn, enter to
  home drawn with its numbers, peak RSS.

Prints ``name: value unit (target T) ok|FAIL`` (medians of repeated runs; the machine
is shared) and exits 1 if any FAIL.

    python bench/run.py [--db URL] [--quick] [--only pages,stats,...] [--repeat 7]

``--quick``: 200k messages in a temporary directory (targets scaled where they depend
on size: the deep page is half the matches, the export 100k rows).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    DEFAULT_DB,
    FULL_MESSAGES,
    Figures,
    data_dir_for,
    db_url,
    human,
    is_pg,
    pg_dsn,
    secret_key,
    sqlite_path,
    timed,
)

PARTS = ("pages", "search", "combos", "dashboard", "stats", "apply", "export", "console")
REC_COLS = ("id, task_id, user_id, phone, sign_name, template_code, sms_type, segments, biz_id, "
            "status, err_code, err_msg, send_time, report_time")
EXPORT_COLS = ("task_id, user_id, phone, sign_name, template_code, biz_id, segments, status, "
               "err_code, send_time, report_time")


# --- raw baselines ------------------------------------------------------------------------------

class Raw:
    """The same queries by hand: sqlite3 (the app's pragmas) or psycopg."""

    def __init__(self, url: str) -> None:
        self.pg = is_pg(url)
        if self.pg:
            import psycopg

            # No server-side prepares: after five runs psycopg prepares a statement and
            # PostgreSQL may settle on a generic plan, which for a phone range is a walk
            # of the time index (seconds for a narrow prefix). A baseline gets custom plans.
            self.con = psycopg.connect(pg_dsn(url), autocommit=True, prepare_threshold=None)
        else:
            import sqlite3

            self.con = sqlite3.connect(sqlite_path(url), isolation_level=None)
            self.con.execute("PRAGMA cache_size=-16384")

    def q(self, sql: str, params=()) -> list:
        if self.pg:
            sql = sql.replace("?", "%s")
        return self.con.execute(sql, params).fetchall()

    def time_text(self, moment: datetime):
        return moment if self.pg else moment.astimezone(UTC).replace(tzinfo=None).strftime(
            "%Y-%m-%d %H:%M:%S.%f")


# --- the run ------------------------------------------------------------------------------------

@dataclass
class Env:
    url: str
    data_dir: Path
    quick: bool
    repeat: int
    figs: Figures
    services: object = None
    raw: Raw | None = None
    scale: float = 1.0
    messages: int = 0


def open_services(env: Env):
    from smsconsole.services import build
    from smsconsole.services.secrets import SecretBox

    return build(env.url, env.data_dir, secrets=SecretBox(secret_key()))


def ensure_db(args) -> tuple[str, Path, bool]:
    """(url, data dir, temporary) — building the database when there is none."""
    import make_big

    if args.quick and not args.db:
        tmp = Path(tempfile.mkdtemp(prefix="smsconsole-quick-"))
        url = f"sqlite:///{tmp / 'smsconsole.db'}"
        make_big.build_big(url, 200_000, verbose=True)
        return url, tmp, True
    url = db_url(args.db)
    if is_pg(url):
        import psycopg

        with psycopg.connect(pg_dsn(url)) as con:
            has = con.execute("SELECT to_regclass('send_record') IS NOT NULL").fetchone()[0]
            has = has and con.execute("SELECT EXISTS (SELECT 1 FROM send_record)").fetchone()[0]
        data_dir = data_dir_for(url)
        if not has:
            make_big.build_big(url, 200_000 if args.quick else FULL_MESSAGES, data_dir=data_dir)
        return url, data_dir, False
    path = sqlite_path(url)
    if not path.exists():
        print(f"# no database at {path}: building it (make_big)", flush=True)
        make_big.build_big(url, 200_000 if args.quick else FULL_MESSAGES)
    return url, path.parent, False


def deep_cursor(env: Env, flt, depth: int):
    """The keyset cursor of the row ``depth`` rows into the filtered list (found once, by
    OFFSET, outside the timing)."""
    from smsconsole.store.models import SendRecord

    svc = env.services
    stmt = (svc.records.record_stmt(flt)
            .order_by(SendRecord.send_time.desc(), SendRecord.id.desc()).offset(depth).limit(1))
    with svc.store.read() as s:
        row = s.execute(stmt).first()
    return (row.send_time, row.id)


def raw_page_sql(where: list[str], cursor: bool) -> str:
    conds = list(where) + (["(send_time, id) < (?, ?)"] if cursor else [])
    w = f" WHERE {' AND '.join(conds)}" if conds else ""
    return f"SELECT {REC_COLS} FROM send_record{w} ORDER BY send_time DESC, id DESC LIMIT 51"


def bench_pages(env: Env) -> None:
    from smsconsole.services.records import RecordFilter
    from smsconsole.store.models import DeliveryStatus

    svc, raw, figs = env.services, env.raw, env.figs
    today = svc.ctx.clock.today()
    total = raw.q("SELECT sum(total) FROM daily_total")[0][0]
    top_user = raw.q("SELECT user_id FROM daily_stat GROUP BY user_id ORDER BY sum(total) DESC "
                     "LIMIT 1")[0][0]
    user_total = raw.q("SELECT sum(total) FROM daily_stat WHERE user_id = ?", (top_user,))[0][0]
    failed = raw.q("SELECT sum(failed) FROM daily_total")[0][0]
    first, last = today - timedelta(days=300), today - timedelta(days=30)
    in_range = raw.q("SELECT sum(total) FROM daily_total WHERE day >= ? AND day <= ?",
                     (first if raw.pg else first.isoformat(), last if raw.pg else last.isoformat()))[0][0]
    start, end = svc.ctx.clock.day_range(first, last)
    want = int(5_000_000 * env.scale)
    cases = [
        ("all", RecordFilter(), [], (), total),
        ("user", RecordFilter(user_id=top_user), ["user_id = ?"], (top_user,), user_total),
        ("status", RecordFilter(status=DeliveryStatus.FAILED), ["status = ?"], ("failed",), failed),
        ("dates", RecordFilter(first=first, last=last), ["send_time >= ?", "send_time < ?"],
         (raw.time_text(start), raw.time_text(end)), in_range),
    ]
    figs.note(f"records: {total:,}; user {top_user} has {user_total:,}; failed {failed:,}; "
              f"dates {first}..{last} hold {in_range:,}")
    for name, flt, where, params, matches in cases:
        for deep in (False, True):
            depth = min(want, matches // 2) if deep else 0
            cursor = deep_cursor(env, flt, depth) if deep else None
            ms, _ = timed(lambda flt=flt, cursor=cursor: svc.records.records(flt, cursor),
                          env.repeat)
            sql = raw_page_sql(where, deep)
            rparams = tuple(params) + ((raw.time_text(cursor[0]), cursor[1]) if deep else ())
            rms, _ = timed(lambda sql=sql, rparams=rparams: raw.q(sql, rparams), env.repeat)
            label = f"records.page.{'deep' if deep else 'first'}.{name}"
            figs.line(label, ms, "ms", "< 20", ms < 20,
                      f" (raw {rms:.2f} ms, x{ms / max(rms, 1e-3):.1f}"
                      + (f"; depth {depth:,} of {matches:,})" if deep else ")"))


def bench_combos(env: Env) -> None:
    """Beyond the issue's list: the other filters the screens offer, alone and combined
    (the planner's hard cases), the task list, a task's records."""
    from smsconsole.services.records import RecordFilter, TaskFilter
    from smsconsole.store.models import DeliveryStatus

    svc, raw, figs = env.services, env.raw, env.figs
    today = svc.ctx.clock.today()
    top_user = raw.q("SELECT user_id FROM daily_stat GROUP BY user_id ORDER BY sum(total) DESC "
                     "LIMIT 1")[0][0]
    code = raw.q("SELECT template_code FROM daily_stat WHERE user_id = ? GROUP BY template_code "
                 "ORDER BY sum(total) DESC LIMIT 1", (top_user,))[0][0]
    rare_sign = raw.q("SELECT sign_name FROM daily_stat GROUP BY sign_name ORDER BY sum(total) "
                      "LIMIT 1")[0][0]
    big_task = raw.q("SELECT id FROM send_task WHERE created_at < ? ORDER BY numbers DESC "
                     "LIMIT 1", (raw.time_text(svc.ctx.clock.day_start(today - timedelta(days=90))),))[0][0]
    first, last = today - timedelta(days=300), today - timedelta(days=30)
    cases = [
        ("sign_rare", RecordFilter(sign_name=rare_sign)),
        ("template", RecordFilter(template_code=code)),
        ("user+pending", RecordFilter(user_id=top_user, status=DeliveryStatus.PENDING)),
        ("user+failed", RecordFilter(user_id=top_user, status=DeliveryStatus.FAILED)),
        ("user+dates", RecordFilter(user_id=top_user, first=first, last=last)),
        ("status+template+dates", RecordFilter(status=DeliveryStatus.FAILED, template_code=code,
                                               first=first, last=last)),
        ("pending+prefix", RecordFilter(status=DeliveryStatus.PENDING, phone="13")),
        ("task", RecordFilter(task_id=big_task)),
        ("task+failed", RecordFilter(task_id=big_task, status=DeliveryStatus.FAILED)),
    ]
    for name, flt in cases:
        ms, _ = timed(lambda flt=flt: svc.records.records(flt), env.repeat)
        page = svc.records.records(flt)
        worst = ms
        if page.has_next:
            nxt, _ = timed(lambda flt=flt, c=page.last: svc.records.records(flt, c), env.repeat)
            worst = max(ms, nxt)
        figs.line(f"records.page.combo.{name}", worst, "ms", "< 20", worst < 20,
                  f" (first and next page; {len(page.rows)} rows)")
    for name, flt in (("all", TaskFilter()), ("dates", TaskFilter(first=first, last=last)),
                      ("user", TaskFilter(user_id=top_user))):
        ms, _ = timed(lambda flt=flt: svc.records.tasks(flt), env.repeat)
        total = raw.q("SELECT count(*) FROM send_task")[0][0] if name == "all" else None
        depth = (total or 2_000_000) // 2 if name != "user" else 10_000
        from smsconsole.store.models import SendTask

        with svc.store.read() as s:
            row = s.execute(svc.records.task_stmt(flt).order_by(
                SendTask.created_at.desc(), SendTask.id.desc()).offset(depth).limit(1)).first()
        deep = None
        if row is not None:
            deep, _ = timed(lambda flt=flt, c=(row.created_at, row.id): svc.records.tasks(flt, c),
                            env.repeat)
        worst = max(ms, deep or 0)
        figs.line(f"tasks.page.{name}", worst, "ms", "< 20", worst < 20,
                  f" (first {ms:.2f}" + (f", {depth:,} deep {deep:.2f}" if deep else "") + " ms)")


def bench_search(env: Env) -> None:
    from smsconsole.services.records import RecordFilter
    from smsconsole.services.validation import phone_prefix_range

    svc, raw, figs = env.services, env.raw, env.figs
    # numbers that replied: their timelines hold messages and replies
    phones = [r[0] for r in raw.q("SELECT phone FROM reply ORDER BY id DESC LIMIT 5")]
    sample = raw.q("SELECT phone FROM send_record WHERE id = ?",
                   (raw.q("SELECT max(id) FROM send_record")[0][0] // 3,))[0][0]
    phones.append(sample)
    worst, worst_raw, items = 0.0, 0.0, 0
    for phone in phones:
        ms, _ = timed(lambda phone=phone: svc.records.timeline(phone), env.repeat)
        rms, _ = timed(lambda phone=phone: (
            raw.q("SELECT id, send_time, user_id, sign_name, status, err_code, task_id FROM "
                  "send_record WHERE phone = ? ORDER BY send_time DESC LIMIT 200", (phone,)),
            raw.q("SELECT send_time, user_id, content, sign_name, unsubscribe FROM reply WHERE "
                  "phone = ? ORDER BY send_time DESC LIMIT 200", (phone,))), env.repeat)
        if ms > worst:
            worst, worst_raw = ms, rms
            items = len(svc.records.timeline(phone))
    figs.line("records.timeline", worst, "ms", "< 20", worst < 20,
              f" (worst of {len(phones)} numbers, {items} items; raw {worst_raw:.2f} ms)")
    for digits in (3, 4, 5, 6, 7, 9):
        prefix = sample[:digits]
        flt = RecordFilter(phone=prefix)
        ms, _ = timed(lambda flt=flt: svc.records.records(flt), env.repeat)
        page = svc.records.records(flt)
        ms2 = None
        if page.has_next:
            ms2, _ = timed(lambda flt=flt, c=page.last: svc.records.records(flt, c), env.repeat)
        lo, hi = phone_prefix_range(prefix)
        rms, _ = timed(lambda lo=lo, hi=hi: raw.q(raw_page_sql(["phone BETWEEN ? AND ?"], False),
                                                  (lo, hi)), max(3, env.repeat // 2))
        worst_ms = max(ms, ms2 or 0)
        figs.line(f"records.prefix.{digits}", worst_ms, "ms", "< 50", worst_ms < 50,
                  f" (first {ms:.2f}" + (f", next {ms2:.2f}" if ms2 is not None else "")
                  + f" ms; {len(page.rows)} rows; raw single query {rms:.2f} ms)")


def bench_dashboard(env: Env) -> None:
    svc, figs = env.services, env.figs
    ms, times = timed(svc.stats.dashboard, env.repeat)
    figs.line("home.dashboard", ms, "ms", "< 50", ms < 50, f" (max {max(times):.1f} ms)")


def bench_stats(env: Env) -> None:
    from smsconsole.services.stats import StatsFilter
    from smsconsole.store.models import SmsType
    from smsconsole.widgets.chart import trend_data

    svc, raw, figs = env.services, env.raw, env.figs
    today = svc.ctx.clock.today()
    first = today - timedelta(days=364)
    top_user = raw.q("SELECT user_id FROM daily_stat GROUP BY user_id ORDER BY sum(total) DESC "
                     "LIMIT 1")[0][0]
    sign = raw.q("SELECT sign_name FROM daily_stat GROUP BY sign_name ORDER BY sum(total) DESC "
                 "LIMIT 1")[0][0]
    code, tname = raw.q("SELECT d.template_code, t.name FROM daily_stat d JOIN template t ON "
                        "t.code = d.template_code GROUP BY d.template_code, t.name ORDER BY "
                        "sum(d.total) DESC LIMIT 1")[0]

    def load(flt):  # what the statistics screen's worker does
        if flt.template_name.strip():
            svc.records.template_codes_named(flt.template_name)
        rows = svc.stats.daily(first, today, flt)
        return trend_data(rows)

    d0, d1 = (first, today) if raw.pg else (first.isoformat(), today.isoformat())
    agg = ("SELECT day, sum(total), sum(delivered), sum(failed), sum(segments) FROM daily_stat "
           "WHERE day >= ? AND day <= ? AND {} GROUP BY day")
    cases = [
        ("none", StatsFilter(), "SELECT day, total, delivered, failed, segments FROM daily_total "
                                "WHERE day >= ? AND day <= ?", (d0, d1)),
        ("user", StatsFilter(user_id=top_user), agg.format("user_id = ?"), (d0, d1, top_user)),
        ("sign", StatsFilter(sign_name=sign), agg.format("sign_name = ?"), (d0, d1, sign)),
        ("type", StatsFilter(sms_type=SmsType.VERIFICATION), agg.format("sms_type = ?"),
         (d0, d1, "verification")),
        ("template", StatsFilter(template_code=code), agg.format("template_code = ?"),
         (d0, d1, code)),
        ("template_name", StatsFilter(template_name=tname),
         agg.format("template_code IN (SELECT code FROM template WHERE name LIKE ? AND code <> '')"),
         (d0, d1, f"%{tname}%")),
    ]
    for name, flt, sql, params in cases:
        ms, _ = timed(lambda flt=flt: load(flt), env.repeat)
        rms, _ = timed(lambda sql=sql, params=params: raw.q(sql, params), env.repeat)
        figs.line(f"stats.365_days.{name}", ms, "ms", "< 50", ms < 50,
                  f" (with the chart's series; raw GROUP BY {rms:.2f} ms)")


# --- report apply -------------------------------------------------------------------------------

BENCH_ACCOUNT = "bench_apply"


def seed_pending(env: Env, n: int, tag: str) -> list[tuple[str, str, str]]:
    """``n`` pending records of a bench user sent now, in tasks of 1,000, consistent
    with the rollups, task counts and the holding they are charged to. Returns
    (biz_id, phone, send time in China time) per record."""
    import make_big
    from sqlalchemy import insert, select

    from smsconsole.services import rollups
    from smsconsole.services.users import Registration
    from smsconsole.store.models import Holding, SendRecord, SendTask, SmsType, User

    svc = env.services
    clock = svc.ctx.clock
    with svc.store.read() as s:
        uid = s.scalar(select(User.id).where(User.account == BENCH_ACCOUNT))
    if uid is None:
        uid = svc.users.register(Registration(BENCH_ACCOUNT, "Bench", "19999999999", "Bench1234")).id
    now = clock.now()
    with svc.store.session() as s:
        holding = Holding(user_id=uid, sms_type=SmsType.NOTIFICATION, total=n, used=0,
                          expires_at=now + timedelta(days=30), status="normal", source="admin",
                          allocated_at=now)
        s.add(holding)
        s.flush()
    china = now.astimezone(clock.tz).strftime("%Y-%m-%d %H:%M:%S")
    keys = []
    rng = random.Random(tag)
    audience = max(5000, env.messages // 5)  # make_big's numbers: realistic prefixes
    with svc.store.session() as s:
        for start in range(0, n, 1000):
            k = min(1000, n - start)
            task = SendTask(user_id=uid, created_at=now, sign_name="云顶科技", template_id=None,
                            template_code="SMS_BENCH", template_name="bench",
                            sms_type=SmsType.NOTIFICATION, content="【云顶科技】bench",
                            params_json="{}", numbers=k, segments_each=1, status="submitted",
                            result_code="OK", result_message="OK")
            s.add(task)
            s.flush()
            biz = f"B{tag}{start // 1000:06d}^0"
            rows = []
            for idx in rng.sample(range(audience), k):
                phone = make_big.phone_of(idx)
                keys.append((biz, phone, china))
                rows.append(dict(task_id=task.id, user_id=uid, phone=phone, sign_name="云顶科技",
                                 template_code="SMS_BENCH", sms_type=SmsType.NOTIFICATION,
                                 segments=1, biz_id=biz, status="pending", err_code="",
                                 err_msg="", send_time=now, holding_id=holding.id, refunded=False))
            s.execute(insert(SendRecord), rows)
        h = s.get(Holding, holding.id)
        h.used = n
        rollups.bump(s, [(clock.day_of(now), uid, "云顶科技", "SMS_BENCH", "notification",
                          {"total": n, "segments": n})])
    return keys


def remove_seeded(env: Env) -> int:
    """Take the bench user's records, tasks and holdings out again, and their share of
    the rollups (negative deltas through ``rollups.bump``), so the big database is as
    make_big left it and the next run measures the same thing."""
    from collections import defaultdict

    from sqlalchemy import delete, func, select

    from smsconsole.services import rollups
    from smsconsole.store.models import (
        DailyStat,
        DailyTotal,
        DailyType,
        Holding,
        SendRecord,
        SendTask,
        User,
    )

    svc = env.services
    clock = svc.ctx.clock
    with svc.store.session() as s:
        uid = s.scalar(select(User.id).where(User.account == BENCH_ACCOUNT))
        if uid is None:
            return 0
        r = SendRecord
        mine = (r.user_id == uid, r.template_code == "SMS_BENCH")
        deltas = defaultdict(lambda: [0, 0, 0, 0])
        for sent, sign, code, typ, status, n, segments in s.execute(
                select(r.send_time, r.sign_name, r.template_code, r.sms_type, r.status,
                       func.count(), func.sum(r.segments)).where(*mine)
                .group_by(r.send_time, r.sign_name, r.template_code, r.sms_type, r.status)):
            d = deltas[(clock.day_of(sent), sign, code, getattr(typ, "value", typ))]
            d[0] -= n
            d[1] -= n if status == "delivered" else 0
            d[2] -= n if status == "failed" else 0
            d[3] -= int(segments)
        rollups.bump(s, [(day, uid, sign, code, typ,
                          dict(zip(("total", "delivered", "failed", "segments"), d, strict=True)))
                         for (day, sign, code, typ), d in deltas.items()])
        removed = s.execute(delete(SendRecord).where(*mine)).rowcount
        s.execute(delete(SendTask).where(SendTask.user_id == uid,
                                         SendTask.template_code == "SMS_BENCH"))
        s.execute(delete(Holding).where(Holding.user_id == uid))
        # rollup rows that held nothing but the bench's
        for model in (DailyStat, DailyTotal, DailyType):
            s.execute(delete(model).where(model.total == 0, model.delivered == 0,
                                          model.failed == 0, model.segments == 0))
    return removed


def report_bodies(keys, seed: int) -> list[bytes]:
    rng = random.Random(seed)
    out = []
    for biz, phone, china in keys:
        ok = rng.random() > 0.08
        out.append(json.dumps({
            "phone_number": phone, "success": ok, "biz_id": biz, "out_id": "",
            "send_time": china, "report_time": china, "err_code": "DELIVERED" if ok else "UNDELIV",
            "err_msg": "用户接收成功" if ok else "无法送达", "sms_size": "1"},
            ensure_ascii=False).encode())
    # arrival: roughly in send order, shuffled within a few seconds' worth
    for start in range(0, len(out), 2000):
        chunk = out[start:start + 2000]
        rng.shuffle(chunk)
        out[start:start + 2000] = chunk
    return out


class RawApply:
    """Raw sqlite3 / psycopg doing the apply step's updates (records, task counts,
    refunds, both rollups), one transaction per 16 reports."""

    def __init__(self, url: str) -> None:
        self.pg = is_pg(url)
        if self.pg:
            import psycopg

            self.con = psycopg.connect(pg_dsn(url), autocommit=True)
        else:
            import sqlite3

            self.con = sqlite3.connect(sqlite_path(url), isolation_level=None,
                                       check_same_thread=False)
            for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=10000",
                           "cache_size=-65536"):
                self.con.execute(f"PRAGMA {pragma}")
        self.days: dict = {}

    def run(self, bodies: list[bytes]) -> float:
        from smsconsole.clock import CHINA

        con, pg = self.con, self.pg
        mark = "%s" if pg else "?"

        def sql(text: str) -> str:
            return text.replace("?", "%s") if pg else text

        up_rec = sql("UPDATE send_record SET status=?, err_code=?, err_msg=?, report_time=?, "
                     "refunded=? WHERE id=? AND status='pending'")
        up_task = sql("UPDATE send_task SET delivered=delivered+?, failed=failed+? WHERE id=?")
        up_hold = sql("UPDATE holding SET used=used-? WHERE id=?")
        up_stat = sql("INSERT INTO daily_stat VALUES (?,?,?,?,?,0,?,?,0) ON CONFLICT (day, user_id, "
                      "sign_name, template_code) DO UPDATE SET delivered=daily_stat.delivered+"
                      "excluded.delivered, failed=daily_stat.failed+excluded.failed")
        up_total = sql("INSERT INTO daily_total VALUES (?,0,?,?,0) ON CONFLICT (day) DO UPDATE SET "
                       "delivered=daily_total.delivered+excluded.delivered, "
                       "failed=daily_total.failed+excluded.failed")
        up_type = sql("INSERT INTO daily_type VALUES (?,?,0,?,?,0) ON CONFLICT (day, sms_type) DO "
                      "UPDATE SET delivered=daily_type.delivered+excluded.delivered, "
                      "failed=daily_type.failed+excluded.failed")
        cur = con.cursor()
        t0 = time.perf_counter()
        for start in range(0, len(bodies), 16):
            batch = [json.loads(b) for b in bodies[start:start + 16]]
            bizs = sorted({r["biz_id"] for r in batch})
            phones = sorted({r["phone_number"] for r in batch})
            cur.execute("BEGIN" if pg else "BEGIN IMMEDIATE")
            cur.execute(
                f"SELECT id, biz_id, phone, task_id, status, user_id, sign_name, template_code, "
                f"sms_type, send_time, holding_id FROM send_record WHERE biz_id IN "
                f"({','.join([mark] * len(bizs))}) AND phone IN ({','.join([mark] * len(phones))})"
                + (" FOR UPDATE" if pg else ""), bizs + phones)
            found = {(r[1], r[2]): r for r in cur.fetchall() if r[4] == "pending"}
            ups, tasks, holds, stats, totals, types = [], {}, {}, {}, {}, {}
            for r in batch:
                hit = found.pop((r["biz_id"], r["phone_number"]), None)
                if hit is None:
                    continue
                ok = r["success"]
                rid, _, _, tid, _, uid, sign, code, typ, sent, hid = hit
                report = datetime.fromisoformat(r["report_time"]).replace(tzinfo=CHINA).astimezone(UTC)
                ups.append(("delivered" if ok else "failed", r["err_code"], r["err_msg"],
                            report if pg else report.replace(tzinfo=None).isoformat(" "),
                            (not ok) if pg else int(not ok), rid))
                d, f = tasks.get(tid, (0, 0))
                tasks[tid] = (d + ok, f + (not ok))
                if not ok:
                    holds[hid] = holds.get(hid, 0) + 1
                day = self.days.get(sent)
                if day is None:
                    moment = sent if pg else datetime.fromisoformat(sent).replace(tzinfo=UTC)
                    day = self.days[sent] = moment.astimezone(CHINA).date()
                key = (day if pg else day.isoformat(), uid, sign, code, typ)
                d, f = stats.get(key, (0, 0))
                stats[key] = (d + ok, f + (not ok))
                d, f = totals.get(key[0], (0, 0))
                totals[key[0]] = (d + ok, f + (not ok))
                d, f = types.get((key[0], typ), (0, 0))
                types[(key[0], typ)] = (d + ok, f + (not ok))
            if ups:
                cur.executemany(up_rec, ups)
                cur.executemany(up_task, [(d, f, t) for t, (d, f) in sorted(tasks.items())])
                if holds:
                    cur.executemany(up_hold, [(n, h) for h, n in sorted(holds.items())])
                cur.executemany(up_stat, [(*k, d, f) for k, (d, f) in sorted(stats.items())])
                cur.executemany(up_total, [(k, d, f) for k, (d, f) in sorted(totals.items())])
                cur.executemany(up_type, [(*k, d, f) for k, (d, f) in sorted(types.items())])
            cur.execute("COMMIT")
        return time.perf_counter() - t0


def ours_apply(env: Env, bodies: list[bytes]) -> float:
    from collections import namedtuple

    from smsconsole.services.worker import ReportWorker

    Msg = namedtuple("Msg", "body receipt_handle message_id")
    worker = ReportWorker(env.services, worker_id="bench")
    msgs = [Msg(b, f"h{i}", f"m{i}") for i, b in enumerate(bodies)]
    t0 = time.perf_counter()
    applied = 0
    for start in range(0, len(msgs), 16):
        applied += worker.process_batch("report", msgs[start:start + 16])[0]
    elapsed = time.perf_counter() - t0
    if applied != len(msgs):
        env.figs.note(f"warning: applied {applied} of {len(msgs)}")
    return elapsed


def bench_apply(env: Env) -> None:
    figs = env.figs
    n = 8_000 if env.quick else 40_000
    tag = datetime.now(UTC).strftime("%m%d%H%M%S")
    remove_seeded(env)  # a run that stopped half way
    keys_raw = seed_pending(env, n, tag + "r")
    keys_ours = seed_pending(env, n, tag + "o")
    bodies_raw, bodies_ours = report_bodies(keys_raw, 1), report_bodies(keys_ours, 2)
    raw = RawApply(env.url)
    rounds = 4
    step = -(-n // rounds)
    t_raw = t_ours = 0.0
    for i in range(rounds):  # alternate, so both see the same machine load
        t_raw += raw.run(bodies_raw[i * step:(i + 1) * step])
        t_ours += ours_apply(env, bodies_ours[i * step:(i + 1) * step])
    raw.con.close()
    removed = remove_seeded(env)
    rate_raw, rate_ours = len(bodies_raw) / t_raw, len(bodies_ours) / t_ours
    figs.line("apply.raw_baseline", rate_raw, "reports/s", "baseline", None, fmt=",.0f")
    # PostgreSQL: each batch is a transaction whose commit waits for the WAL flush, which
    # bounds raw psycopg too; the target there is the ratio alone.
    target = 0 if is_pg(env.url) else 10_000
    figs.line("apply.worker_step", rate_ours, "reports/s",
              (f">= {target:,} and " if target else "") + ">= 1/2 raw",
              rate_ours >= target and rate_ours >= rate_raw / 2,
              f" (ratio {rate_ours / rate_raw:.2f} of raw; {n:,} each, batches of 16, "
              f"{rounds} alternating rounds; the {removed:,} records removed afterwards)",
              fmt=",.0f")


# --- export ---------------------------------------------------------------------------------------

def export_child(args) -> int:
    """In a subprocess: one export, then its time, rows and peak RSS as JSON."""
    import resource

    first, last = date.fromisoformat(args.first), date.fromisoformat(args.last)
    out = Path(args.out)
    t0 = time.perf_counter()
    if args.child == "export-ours":
        from smsconsole.services import build
        from smsconsole.services.records import RecordFilter
        from smsconsole.services.secrets import SecretBox

        svc = build(args.db, Path(args.data_dir), secrets=SecretBox(secret_key()), migrate=False)
        t0 = time.perf_counter()
        rows = svc.exports.export("records", out, "csv", RecordFilter(first=first, last=last)).rows
        svc.close()
    else:
        from smsconsole.clock import Clock

        start, end = Clock().day_range(first, last)
        if is_pg(args.db):
            import psycopg

            con = psycopg.connect(pg_dsn(args.db))
            cur = con.cursor(name="export")
            cur.itersize = 5000
            cur.execute(f"SELECT {EXPORT_COLS} FROM send_record WHERE send_time >= %s AND "
                        "send_time < %s ORDER BY send_time DESC, id DESC", (start, end))
        else:
            import sqlite3

            con = sqlite3.connect(sqlite_path(args.db))
            con.execute("PRAGMA cache_size=-16384")
            fmt = "%Y-%m-%d %H:%M:%S.%f"
            cur = con.execute(f"SELECT {EXPORT_COLS} FROM send_record WHERE send_time >= ? AND "
                              "send_time < ? ORDER BY send_time DESC, id DESC",
                              (start.replace(tzinfo=None).strftime(fmt),
                               end.replace(tzinfo=None).strftime(fmt)))
        rows = 0
        with out.open("w", encoding="utf-8-sig", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(EXPORT_COLS.split(", "))
            while True:
                batch = cur.fetchmany(5000)
                if not batch:
                    break
                w.writerows(batch)
                rows += len(batch)
        con.close()
    elapsed = time.perf_counter() - t0
    hwm = next(int(line.split()[1]) for line in Path("/proc/self/status").read_text().splitlines()
               if line.startswith("VmHWM:"))
    print(json.dumps({"rows": rows, "seconds": elapsed, "bytes": out.stat().st_size,
                      "vmhwm_kib": hwm,
                      "maxrss_self_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
    return 0


# Runs a command and adds its peak RSS as getrusage(RUSAGE_CHILDREN) sees it. A small
# process in between, because Linux carries a process's maxrss across fork+exec: a child
# forked from this (big) process would report at least this process's size.
LAUNCHER = """
import json, resource, subprocess, sys
out = subprocess.run(sys.argv[1:], capture_output=True, text=True, check=True).stdout
data = json.loads(out.strip().splitlines()[-1])
data["maxrss_children_kib"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps(data))
"""


def bench_export(env: Env) -> None:
    figs, raw, svc = env.figs, env.raw, env.services
    want = 100_000 if env.quick else 1_000_000
    today = svc.ctx.clock.today()
    days = raw.q("SELECT day, total FROM daily_total ORDER BY day DESC")
    acc, first = 0, today
    for day, total in days:
        acc += total
        first = day if isinstance(day, date) else date.fromisoformat(day)
        if acc >= want:
            break
    tmp = Path(tempfile.mkdtemp(prefix="smsconsole-export-"))
    results = {}
    try:
        for _ in range(3):  # alternate; medians
            for kind in ("export-raw", "export-ours"):
                out = tmp / f"{kind}.csv"
                proc = subprocess.run(
                    [sys.executable, "-c", LAUNCHER,
                     sys.executable, __file__, "--child", kind, "--db", env.url, "--data-dir",
                     str(env.data_dir), "--first", first.isoformat(), "--last", today.isoformat(),
                     "--out", str(out)], capture_output=True, text=True, check=True)
                results.setdefault(kind, []).append(json.loads(proc.stdout.strip().splitlines()[-1]))
                out.unlink(missing_ok=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    def med(kind, key):
        return statistics.median(r[key] for r in results[kind])

    rows = results["export-ours"][0]["rows"]
    rate_raw = med("export-raw", "rows") / med("export-raw", "seconds")
    rate_ours = rows / med("export-ours", "seconds")
    rss_ours = max(r["maxrss_children_kib"] for r in results["export-ours"]) / 1024
    rss_raw = max(r["maxrss_children_kib"] for r in results["export-raw"]) / 1024
    hwm_ours = max(r["vmhwm_kib"] for r in results["export-ours"]) / 1024
    figs.line("export.raw_baseline", rate_raw, "rows/s", "baseline", None,
              f" ({med('export-raw', 'seconds'):.2f} s; peak RSS {rss_raw:.0f} MiB)", fmt=",.0f")
    figs.line("export.records_csv", rate_ours, "rows/s", ">= 1/2 raw", rate_ours >= rate_raw / 2,
              f" (ratio {rate_ours / rate_raw:.2f}; {rows:,} rows {first}..{today} in "
              f"{med('export-ours', 'seconds'):.2f} s, {results['export-ours'][0]['bytes'] / 2**20:.0f} MiB)",
              fmt=",.0f")
    figs.line("export.peak_rss", rss_ours, "MiB", "< 120", rss_ours < 120,
              f" (getrusage children maxrss; the process's own VmHWM {hwm_ours:.0f} MiB)",
              fmt=",.0f")


# --- the console ------------------------------------------------------------------------------------

ANSI = re.compile(r"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|"
                  r"\x1b[=>78cDEHMNOZ]")


class Screen:
    """``smsconsole`` in a pseudo-terminal (pexpect), its output as plain text."""

    def __init__(self, env: Env) -> None:
        import pexpect

        exe = Path(sys.executable).with_name("smsconsole")
        argv = [str(exe)] if exe.exists() else [sys.executable, "-m", "smsconsole"]
        environ = {k: v for k, v in os.environ.items() if not k.startswith("SMSCONSOLE_")}
        environ.update(TERM="xterm-256color", LANG="C.UTF-8", COLUMNS="120", LINES="36",
                       TEXTUAL_ANIMATIONS="none", SMSCONSOLE_CONFIG=os.devnull,
                       SMSCONSOLE_DB_URL=env.url, SMSCONSOLE_DATA_DIR=str(env.data_dir),
                       SMSCONSOLE_SECRET_KEY=secret_key().decode(), SMSCONSOLE_LANG="en")
        self.start = time.perf_counter()
        self.child = pexpect.spawn(argv[0], argv[1:], env=environ, dimensions=(36, 120),
                                   encoding="utf-8", codec_errors="replace")
        self.raw = ""
        self.seen = 0

    def text(self) -> str:
        return re.sub(r"\s+", " ", ANSI.sub(" ", self.raw))

    def wait_for(self, needle: str, timeout: float = 30.0) -> float:
        """perf_counter() when ``needle`` appears (in output after the last wait)."""
        import pexpect

        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            try:
                self.raw += self.child.read_nonblocking(65536, timeout=0.01)
            except pexpect.TIMEOUT:
                continue
            except pexpect.EOF:
                break
            text = self.text()
            if needle in text[self.seen:]:
                self.seen = len(text)
                return time.perf_counter()
        raise TimeoutError(f"{needle!r} not drawn; last output: {self.text()[-300:]!r}")

    def type(self, data: str, gap: float = 0.02) -> None:
        for char in data:
            self.child.send(char)
            time.sleep(gap)
            try:
                self.raw += self.child.read_nonblocking(65536, timeout=0)
            except Exception:  # noqa: BLE001 - nothing there
                pass

    def rss_mib(self) -> tuple[float, float]:
        """(current, peak) resident memory of the console process."""
        fields = {}
        for line in Path(f"/proc/{self.child.pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            fields[key] = value.strip()
        return (int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024)

    def close(self) -> None:
        try:
            self.child.send("\x11")  # ctrl+q
            self.child.expect(__import__("pexpect").EOF, timeout=5)
        except Exception:  # noqa: BLE001
            self.child.terminate(force=True)
        self.child.close(force=True)


def bench_console(env: Env) -> None:
    figs = env.figs
    runs = 3 if env.quick else 5
    login, home, rss, hwm = [], [], [], []
    for _ in range(runs):
        screen = Screen(env)
        try:
            login.append((screen.wait_for("Email or phone") - screen.start) * 1000)
            time.sleep(0.3)  # a person reads the screen; the database opens meanwhile
            screen.type(ADMIN_EMAIL + "\r")
            screen.type(ADMIN_PASSWORD)
            pressed = time.perf_counter()
            screen.type("\r", gap=0)
            home.append((screen.wait_for("kept aside") - pressed) * 1000)
            time.sleep(1.0)
            now_rss, peak = screen.rss_mib()
            rss.append(now_rss)
            hwm.append(peak)
        finally:
            screen.close()
    med = statistics.median
    figs.line("console.launch_to_login_drawn", med(login), "ms", "< 400 (aim 300)",
              med(login) < 400, f" (runs {', '.join(f'{x:.0f}' for x in login)})", fmt=",.0f")
    figs.line("console.enter_to_home_drawn", med(home), "ms", "< 500", med(home) < 500,
              f" (runs {', '.join(f'{x:.0f}' for x in home)})", fmt=",.0f")
    figs.line("console.peak_rss", max(hwm), "MiB", "< 200", max(hwm) < 200,
              f" (after home: {max(rss):.0f} MiB)", fmt=",.0f")


# --- main -----------------------------------------------------------------------------------------

def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", help=f"database URL or SQLite file (default {DEFAULT_DB})")
    ap.add_argument("--quick", action="store_true", help="200k messages in a temporary directory")
    ap.add_argument("--only", default="", help="comma-separated parts: " + ",".join(PARTS))
    ap.add_argument("--repeat", type=int, default=7, help="runs per figure (median)")
    ap.add_argument("--keep", action="store_true", help="keep the --quick database")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--data-dir", help=argparse.SUPPRESS)
    ap.add_argument("--first", help=argparse.SUPPRESS)
    ap.add_argument("--last", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        return export_child(args)
    parts = [p.strip() for p in args.only.split(",") if p.strip()] or list(PARTS)
    unknown = set(parts) - set(PARTS)
    if unknown:
        ap.error(f"unknown parts: {', '.join(sorted(unknown))}")
    t0 = time.perf_counter()
    url, data_dir, temporary = ensure_db(args)
    figs = Figures()
    env = Env(url=url, data_dir=data_dir, quick=args.quick, repeat=args.repeat, figs=figs)
    try:
        env.services = open_services(env)
        env.raw = Raw(url)
        env.messages = env.raw.q("SELECT sum(total) FROM daily_total")[0][0]
        env.scale = env.messages / FULL_MESSAGES
        size = "" if is_pg(url) else f", {sqlite_path(url).stat().st_size / 2**30:.1f} GiB"
        figs.note(f"{url}: {human(env.messages)} messages{size}; medians of {args.repeat}")
        runners = {"pages": bench_pages, "search": bench_search, "combos": bench_combos,
                   "dashboard": bench_dashboard,
                   "stats": bench_stats, "apply": bench_apply, "export": bench_export,
                   "console": bench_console}
        for part in parts:
            try:
                runners[part](env)
            except Exception as exc:  # noqa: BLE001 - one part failing does not hide the rest
                figs.line(f"{part}.error", 0, "", "runs", False, f" ({type(exc).__name__}: {exc})")
    finally:
        if env.services is not None:
            env.services.close()
        if temporary and not args.keep:
            shutil.rmtree(data_dir, ignore_errors=True)
    print(f"# {len(figs.failed)} FAIL; {time.perf_counter() - t0:.0f} s"
          + (f": {', '.join(figs.failed)}" if figs.failed else ""), flush=True)
    return 1 if figs.failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
