"""Send-record and task pages: the same rows, in the same order, whatever index serves
them. ``RecordService`` rewrites its queries for speed (a keyset cursor replaces the date
bound it implies; on SQLite ``_plan`` picks the index and writes the other terms ``+col``;
a phone prefix goes through the phone index or a time index depending on its matches):
every filter combination here is walked page by page, forward and back, and compared with
a recount in Python. Also the per-type rollup and the export's time formatting."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import insert

from smsconsole.services import records as records_module
from smsconsole.services.records import RecordFilter, TaskFilter
from smsconsole.store.models import (
    DeliveryStatus,
    SendRecord,
    SendTask,
    SmsType,
    User,
)

START = datetime(2026, 10, 1, tzinfo=UTC)
SIGNS = ["云顶科技", "速达物流", "优选商城"]
CODES = ["SMS_1", "SMS_2", "SMS_3", "SMS_4"]
PHONES = [f"13{i % 7}{(i * 7919) % 10**8:08d}" for i in range(60)] + ["13800000000"]


@pytest.fixture
def dataset(services):
    """4 users, 120 tasks, ~1,500 records over 40 days; big tasks share one send time."""
    rng = random.Random(5)
    now = START
    with services.store.session() as s:
        s.execute(insert(User), [dict(id=u, account=f"u{u}", name=f"U{u}", company="",
                                      phone=f"1990000000{u}", email="", password_hash="",
                                      status="normal", freeze_reason="", max_signatures=5,
                                      max_templates=10, registered_at=START) for u in range(1, 5)])
        tasks, recs = [], []
        rid = 0
        for tid in range(1, 121):
            now += timedelta(minutes=rng.randrange(1, 900))
            uid = rng.randrange(1, 5)
            n = rng.choice((1, 1, 2, 5, 30))
            sign, code = rng.choice(SIGNS), rng.choice(CODES)
            tasks.append(dict(id=tid, user_id=uid, created_at=now, sign_name=sign,
                              template_id=None, template_code=code, template_name="t",
                              sms_type="notification", content="x", params_json="{}",
                              numbers=n, invalid_numbers=0, duplicate_numbers=0,
                              opted_out_numbers=0, segments_each=1, delivered=0, failed=0,
                              status="submitted", result_code="OK", result_message="OK",
                              request_id=""))
            for phone in rng.sample(PHONES, n):
                rid += 1
                status = rng.choice(["delivered"] * 8 + ["failed", "pending"])
                recs.append(dict(id=rid, task_id=tid, user_id=uid, phone=phone, sign_name=sign,
                                 template_code=code, sms_type="notification", segments=1,
                                 biz_id=f"B{tid}^0", status=status, err_code="",
                                 err_msg="", send_time=now, report_time=None,
                                 holding_id=None, content=None, refunded=False))
        s.execute(insert(SendTask), tasks)
        s.execute(insert(SendRecord), recs)
    return recs


def expected(recs, flt: RecordFilter, clock) -> list[int]:
    def keep(r) -> bool:
        if flt.user_id and r["user_id"] != flt.user_id:
            return False
        if flt.status and r["status"] != DeliveryStatus(flt.status).value:
            return False
        if flt.first and clock.day_of(r["send_time"]) < flt.first:
            return False
        if flt.last and clock.day_of(r["send_time"]) > flt.last:
            return False
        if flt.phone and not r["phone"].startswith(flt.phone):
            return False
        if flt.template_code and r["template_code"] != flt.template_code:
            return False
        if flt.sign_name and r["sign_name"] != flt.sign_name:
            return False
        if flt.task_id and r["task_id"] != flt.task_id:
            return False
        return True

    rows = [r for r in recs if keep(r)]
    key = (lambda r: r["id"]) if flt.task_id else (lambda r: (r["send_time"], r["id"]))
    return [r["id"] for r in sorted(rows, key=key, reverse=True)]


def walk(fetch, limit=7) -> tuple[list[int], list[int]]:
    """Ids of every page forward from the first, then of every page back from the last.
    ``fetch(cursor, limit, backward)`` is the list's page function."""
    fwd, page = [], fetch(None, limit, False)
    while True:
        fwd += [r.id for r in page.rows]
        if not page.has_next:
            break
        page = fetch(page.last, limit, False)
    back = [r.id for r in page.rows]
    while page.has_prev and page.rows:
        page = fetch(page.first, limit, True)
        back = [r.id for r in page.rows] + back
    return fwd, back


def record_pages(services, flt, limit=7):
    return walk(lambda c, n, b: services.records.records(flt, c, n, backward=b), limit)


FILTERS = [
    dict(), dict(user_id=2), dict(status="failed"), dict(status=DeliveryStatus.PENDING),
    dict(first=date(2026, 10, 10), last=date(2026, 10, 25)), dict(first=date(2026, 10, 20)),
    dict(last=date(2026, 10, 15)), dict(phone="131"), dict(phone="13"), dict(phone="1"),
    dict(phone=PHONES[3]), dict(template_code="SMS_2"), dict(sign_name="速达物流"),
    dict(task_id=7), dict(task_id=7, status="delivered"),
]


def test_platform_code_sends_page_with_the_records(services, dataset):
    """The platform's own verification-code sends are on the records list as the
    platform's (row id -code id, user "(platform)", no task, status "sent"), merged in
    time order with the customers' records, some at the same instants; in every list that
    is not one customer's, one task's or one status's. Codes that failed to go out are not."""
    from smsconsole.i18n import t
    from smsconsole.store.models import VerificationCode

    rng = random.Random(9)
    times = sorted({r["send_time"] for r in dataset})
    codes = []
    for i in range(1, 90):
        at = rng.choice(times) if i % 2 else START + timedelta(minutes=rng.randrange(57_600))
        codes.append(dict(id=i, phone=rng.choice(PHONES), scenario="register", code_hash="h",
                          ip="", created_at=at, expires_at=at + timedelta(minutes=5),
                          attempts=0, used_at=None, sent=i % 5 != 0, biz_id=f"V{i}^0",
                          sign_name="阿里云短信测试", result_code="OK",
                          template_code="SMS_2" if i % 3 == 0 else "SMS_9"))
    with services.store.session() as s:
        s.execute(insert(VerificationCode), codes)
    rows = dataset + [dict(id=-c["id"], task_id=0, user_id=0, phone=c["phone"], status=None,
                           sign_name=c["sign_name"], template_code=c["template_code"],
                           send_time=c["created_at"]) for c in codes if c["sent"]]
    clock = services.ctx.clock
    combos = FILTERS + [dict(sign_name="阿里云短信测试"), dict(template_code="SMS_9"),
                        dict(phone="13", first=date(2026, 10, 20)),
                        dict(template_code="SMS_2", last=date(2026, 10, 15))]
    with_codes = 0
    for kw in combos:
        flt = RecordFilter(**kw)
        want = expected(rows, flt, clock)
        fwd, back = record_pages(services, flt)
        assert fwd == want, kw
        assert back == want, kw
        with_codes += any(i < 0 for i in want)
    assert with_codes > 8
    first = services.records.records(RecordFilter(sign_name="阿里云短信测试"), None, 3).rows[0]
    assert (first.account, first.user_id, first.task_id) == (t("records.platform"), 0, 0)
    detail = services.records.record(first.id)
    assert detail.record.phone == first.phone
    assert detail.content == t("records.platform_code", scenario=t("records.scenario.register"))


@pytest.mark.parametrize("phone_index_max", [20_000, 3])
def test_every_filter_combination_pages_like_a_recount(services, dataset, monkeypatch,
                                                       phone_index_max):
    # 3: a prefix with more than 3 matches goes through a time index (the 10M-row case)
    monkeypatch.setattr(records_module, "PREFIX_PHONE_INDEX_MAX", phone_index_max)
    clock = services.ctx.clock
    combos = list(FILTERS)
    singles = [f for f in FILTERS if len(f) == 1 and "task_id" not in f]
    dates = {"first", "last"}
    for a, b in itertools.combinations(singles + [f for f in FILTERS if set(f) <= dates], 2):
        if set(a) & set(b) or (set(a) & dates and set(b) & dates):
            continue
        combos.append({**a, **b})
    combos.append(dict(user_id=1, status="delivered", template_code="SMS_1",
                       first=date(2026, 10, 5), last=date(2026, 11, 30)))
    combos.append(dict(user_id=3, status="failed", phone="13", sign_name="云顶科技"))
    checked = 0
    for kw in combos:
        flt = RecordFilter(**kw)
        want = expected(dataset, flt, clock)
        # Pages of 19 (7 elsewhere): still cut inside the big tasks' shared send times,
        # with a third of the queries over this many combinations.
        fwd, back = record_pages(services, flt, limit=19)
        assert fwd == want, kw
        assert back == want, kw
        checked += len(want)
    assert checked > 5000


def test_task_pages_with_dates_like_a_recount(services, dataset):
    from sqlalchemy import select

    with services.store.read() as s:
        tasks = [(t.created_at, t.id, t.user_id) for t in s.scalars(select(SendTask))]
    clock = services.ctx.clock
    for flt in (TaskFilter(), TaskFilter(first=date(2026, 10, 10), last=date(2026, 10, 30)),
                TaskFilter(user_id=2, first=date(2026, 10, 12)), TaskFilter(last=date(2026, 10, 9))):
        want = [tid for at, tid, uid in sorted(tasks, reverse=True)
                if (not flt.user_id or uid == flt.user_id)
                and (not flt.first or clock.day_of(at) >= flt.first)
                and (not flt.last or clock.day_of(at) <= flt.last)]
        fwd, back = walk(lambda c, n, b, flt=flt: services.records.tasks(flt, c, n, backward=b), 6)
        assert fwd == want
        assert back == want


def test_type_rollup_equals_the_stat_rollup(services, dataset):
    from smsconsole.services import rollups
    from smsconsole.services.stats import StatsFilter

    with services.store.session() as s:
        rollups.bump(s, [(date(2026, 10, 2), 1, "云顶科技", "SMS_1", SmsType.VERIFICATION,
                          {"total": 5, "delivered": 3, "failed": 1, "segments": 7}),
                         (date(2026, 10, 2), 2, "速达物流", "SMS_2", "verification",
                          {"total": 2, "segments": 2}),
                         (date(2026, 10, 3), 2, "速达物流", "SMS_3", SmsType.PROMOTION,
                          {"total": 4, "delivered": 4, "segments": 8})])
    by_type = services.stats.daily(date(2026, 10, 1), date(2026, 10, 4),
                                   StatsFilter(sms_type=SmsType.VERIFICATION))
    assert [(r.day.day, r.total, r.delivered, r.failed, r.segments) for r in by_type] == [
        (1, 0, 0, 0, 0), (2, 7, 3, 1, 9), (3, 0, 0, 0, 0), (4, 0, 0, 0, 0)]
    # with a second filter the same numbers come from daily_stat
    both = services.stats.daily(date(2026, 10, 1), date(2026, 10, 4),
                                StatsFilter(sms_type=SmsType.PROMOTION, user_id=2))
    only = services.stats.daily(date(2026, 10, 1), date(2026, 10, 4),
                                StatsFilter(sms_type=SmsType.PROMOTION))
    assert both == only


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "America/New_York", "Australia/Adelaide",
                                  "Asia/Kathmandu", "Australia/Lord_Howe", "Pacific/Chatham",
                                  "Africa/Monrovia"])
def test_export_time_text_equals_the_slow_path(zone):
    from zoneinfo import ZoneInfo

    from smsconsole.services.exports import _fast_time

    tz = ZoneInfo(zone)
    fmt = _fast_time(tz)
    rng = random.Random(zone)
    for i in range(20_000):
        if i % 2:
            moment = datetime(1990, 1, 1, tzinfo=UTC) + timedelta(
                seconds=rng.randrange(60 * 365 * 86400), microseconds=rng.randrange(10**6))
        else:  # around daylight-saving changes
            moment = datetime(rng.randrange(2020, 2028), rng.choice((3, 4, 10, 11)),
                              rng.randrange(1, 29), rng.randrange(24), rng.randrange(60),
                              rng.randrange(60), rng.randrange(10**6), tzinfo=UTC)
        want = moment.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")
        stored = moment.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
        assert fmt(stored) == want  # SQLite's stored text
        assert fmt(stored[:19]) == want
        assert fmt(moment) == want  # PostgreSQL's aware datetimes
        assert fmt(moment.astimezone(ZoneInfo("Europe/Paris"))) == want
        assert fmt(stored) == want  # again, from the caches
    assert fmt(None) == ""
