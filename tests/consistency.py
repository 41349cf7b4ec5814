"""Recounts: the numbers the admin sees must equal a recount from the send records."""

from __future__ import annotations

from collections import Counter, defaultdict

from sqlalchemy import select

from smsconsole.store.models import (
    DailyStat,
    DailyTemplateName,
    DailyTotal,
    DailyType,
    DeliveryStatus,
    Holding,
    SendRecord,
    SendTask,
    Template,
)


def assert_consistent(services) -> dict:
    """Task counts, rollups and holdings equal recounts from the records. Returns a
    summary (records by status) for further checks."""
    clock = services.ctx.clock
    with services.store.read() as s:
        records = s.execute(select(SendRecord.task_id, SendRecord.user_id, SendRecord.sign_name,
                                   SendRecord.template_code, SendRecord.status,
                                   SendRecord.send_time, SendRecord.segments,
                                   SendRecord.holding_id, SendRecord.refunded)).all()
        tasks = {t.id: t for t in s.scalars(select(SendTask))}
        stats = {(d.day, d.user_id, d.sign_name, d.template_code): d
                 for d in s.scalars(select(DailyStat))}
        totals = {d.day: d for d in s.scalars(select(DailyTotal))}
        typed = {(d.day, d.sms_type): d for d in s.scalars(select(DailyType))}
        holdings = {h.id: h for h in s.scalars(select(Holding))}
        named = {(d.template_name, d.day): d for d in s.scalars(select(DailyTemplateName))}
        code_name = {}
        for code, name in s.execute(select(Template.code, Template.name)
                                    .where(Template.code != "").order_by(Template.id)):
            code_name.setdefault(code, name)
    by_task = defaultdict(Counter)
    by_key = defaultdict(Counter)
    by_day = defaultdict(Counter)
    charged = Counter()
    for r in records:
        by_task[r.task_id][r.status] += 1
        key = (clock.day_of(r.send_time), r.user_id, r.sign_name, r.template_code)
        for bucket in (by_key[key], by_day[key[0]]):
            bucket["total"] += 1
            bucket[r.status] += 1
            bucket["segments"] += r.segments
        if r.holding_id is not None and not r.refunded:
            charged[r.holding_id] += r.segments
        assert not (r.refunded and r.status != DeliveryStatus.FAILED), "refund without failure"
    for tid, task in tasks.items():
        c = by_task[tid]
        assert task.numbers == sum(c.values()), f"task {tid} numbers"
        assert task.delivered == c[DeliveryStatus.DELIVERED], f"task {tid} delivered"
        assert task.failed == c[DeliveryStatus.FAILED], f"task {tid} failed"
    assert set(stats) == set(by_key)
    for key, row in stats.items():
        c = by_key[key]
        assert (row.total, row.delivered, row.failed) == (
            c["total"], c[DeliveryStatus.DELIVERED], c[DeliveryStatus.FAILED]), key
        assert row.segments == c["segments"], key
    assert set(totals) == set(by_day)
    for day, row in totals.items():
        c = by_day[day]
        assert (row.total, row.delivered, row.failed, row.segments) == (
            c["total"], c[DeliveryStatus.DELIVERED], c[DeliveryStatus.FAILED], c["segments"])
    by_type = defaultdict(Counter)
    for key, row in stats.items():
        bucket = by_type[(key[0], row.sms_type)]
        for c in ("total", "delivered", "failed", "segments"):
            bucket[c] += getattr(row, c)
    assert set(typed) == set(by_type)
    for key, row in typed.items():
        c = by_type[key]
        assert (row.total, row.delivered, row.failed, row.segments) == (
            c["total"], c["delivered"], c["failed"], c["segments"]), key
    by_name = defaultdict(Counter)  # a code counts under its first template's name
    for key, row in stats.items():
        if key[3] in code_name:
            bucket = by_name[(code_name[key[3]], key[0])]
            for c in ("total", "delivered", "failed", "segments"):
                bucket[c] += getattr(row, c)
    assert set(named) == set(by_name)
    for key, row in named.items():
        c = by_name[key]
        assert (row.total, row.delivered, row.failed, row.segments) == (
            c["total"], c["delivered"], c["failed"], c["segments"]), key
    for hid, h in holdings.items():
        assert 0 <= h.used <= h.total, f"holding {hid} out of range"
        assert h.used == charged[hid], f"holding {hid}: used {h.used} != charged {charged[hid]}"
    return Counter(r.status for r in records)


def assert_matches_sandbox(services, sandbox_state: dict) -> int:
    """Every record's status equals the outcome the sandbox reported for it."""
    outcome = {}
    for m in sandbox_state["messages"]:
        outcome[(m["biz_id"], m["phone"])] = m
    with services.store.read() as s:
        rows = s.execute(select(SendRecord.biz_id, SendRecord.phone, SendRecord.status,
                                SendRecord.err_code)).all()
    checked = 0
    for biz_id, phone, status, err_code in rows:
        if biz_id is None:
            continue
        m = outcome[(biz_id, phone)]
        want = DeliveryStatus(m["outcome"])
        assert status == want, (biz_id, phone, status, m)
        assert err_code == m["err_code"]
        checked += 1
    return checked
