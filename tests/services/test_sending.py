"""Sending through the real SDK to the sandbox: numbers, opt-outs, quota, refusals."""

from __future__ import annotations

import random
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from smsconsole.cloud.sandbox import client as sandbox_client
from smsconsole.cloud.segments import count_segments
from smsconsole.services.errors import Invalid, Refused
from smsconsole.services.sending import VARIABLE, SendRequest
from smsconsole.store.models import (
    DailyStat,
    DailyTotal,
    DeliveryStatus,
    Holding,
    OptOut,
    SendRecord,
    SmsType,
    TaskStatus,
)
from tests import factories as f
from tests.services.cloudseed import sender
from tests.services.helpers import refused


def params_for(services, template_id: int, value: str = "1234") -> dict:
    with services.store.read() as s:
        from smsconsole.store.models import Template

        content = s.get(Template, template_id).content
    return {name: value for name in VARIABLE.findall(content)}


def request(services, who, phones, kind=SmsType.NOTIFICATION, sign=None, value="1234"):
    tid = who.templates[kind]
    return SendRequest(user_id=who.user_id, template_id=tid, sign_name=sign or who.sign_name,
                       phones=phones, params=params_for(services, tid, value))


@pytest.fixture
def admin(cloud_services):
    from smsconsole.services import Actor

    a = cloud_services.auth.login("admin@example.com", f.PASSWORD)
    return Actor(a.admin_id, a.name)


def test_send_validates_dedupes_skips_optouts_and_charges(cloud_services, admin, sandbox):
    svc = cloud_services
    who = sender(svc, admin)
    f.quota(svc, admin, who.user_id, 100)
    with svc.store.session() as s:
        s.add(OptOut(user_id=who.user_id, phone="13700000003", source="admin",
                     created_at=svc.ctx.clock.now()))
    out = svc.sending.send(request(svc, who, ["13700000001", "+86 137-0000-0002", "13700000001",
                                              "12345", "13700000003", "8613700000004"]))
    assert out.status == TaskStatus.SUBMITTED and out.result_code == "OK"
    assert out.accepted == 3 and out.invalid == ["12345"]
    assert out.duplicates == 1 and out.opted_out == 1
    assert out.charged == 3 * out.segments_each and len(out.biz_ids) == 1
    with svc.store.read() as s:
        recs = s.scalars(select(SendRecord).where(SendRecord.task_id == out.task_id)).all()
        assert sorted(r.phone for r in recs) == ["13700000001", "13700000002", "13700000004"]
        assert {r.biz_id for r in recs} == set(out.biz_ids)
        assert {r.status for r in recs} == {DeliveryStatus.PENDING}
        used = s.scalar(select(func.sum(Holding.used)))
        assert used == out.charged
        day = svc.ctx.clock.today()
        assert s.get(DailyTotal, day).total == 3
        assert s.scalar(select(func.sum(DailyStat.total))) == 3
    # What the "cloud" accepted is exactly what we recorded.
    state = sandbox_client.state(sandbox.endpoints, biz_id=out.biz_ids[0])
    assert sorted(m["phone"] for m in state["messages"]) == sorted(r.phone for r in recs)


def test_long_messages_cost_more_segments(cloud_services, admin):
    svc = cloud_services
    who = sender(svc, admin)
    f.quota(svc, admin, who.user_id, 100)
    out = svc.sending.send(request(svc, who, ["13700000011"], value="长" * 80))
    assert out.segments_each >= 2
    assert out.segments_each == count_segments(svc.records.task(out.task_id).content)
    assert svc.users.row(who.user_id).remaining[SmsType.NOTIFICATION] == 100 - out.segments_each


def test_earliest_expiring_first_general_serves_every_type(cloud_services, admin, clock):
    svc = cloud_services
    who = sender(svc, admin)
    late = f.quota(svc, admin, who.user_id, 5, SmsType.NOTIFICATION, days=60)
    early = f.quota(svc, admin, who.user_id, 2, SmsType.GENERAL, days=10)
    promo = f.quota(svc, admin, who.user_id, 50, SmsType.PROMOTION, days=5)
    svc.sending.send(request(svc, who, f.phones(4, 100)))
    with svc.store.read() as s:
        assert s.get(Holding, early.id).used == 2  # general, expires first
        assert s.get(Holding, late.id).used == 2
        assert s.get(Holding, promo.id).used == 0  # other type: never charged


def test_refusals_change_nothing(cloud_services, admin, clock):
    svc = cloud_services
    who = sender(svc, admin)
    holding = f.quota(svc, admin, who.user_id, 3)
    with refused(svc, "error.send.quota", cls=Refused):
        svc.sending.send(request(svc, who, f.phones(4, 200)))
    with refused(svc, "error.send.no_valid_numbers", cls=Invalid):
        svc.sending.send(request(svc, who, ["123", "abc"]))
    with refused(svc, "error.send.missing_params", cls=Invalid):
        svc.sending.send(SendRequest(who.user_id, who.templates[SmsType.NOTIFICATION],
                                     who.sign_name, ["13700000001"], {}))
    svc.holdings.set_status(admin, holding.id, "frozen")
    with refused(svc, "error.send.quota", cls=Refused):
        svc.sending.send(request(svc, who, f.phones(1, 300)))
    svc.holdings.set_status(admin, holding.id, "normal")
    clock.advance(days=31)  # the holding expired
    with refused(svc, "error.send.quota", cls=Refused):
        svc.sending.send(request(svc, who, f.phones(1, 300)))
    clock.advance(days=-31)
    svc.users.freeze(admin, who.user_id, "欠费停机")
    with refused(svc, "error.send.user_frozen", cls=Refused) as info:
        svc.sending.send(request(svc, who, f.phones(1, 300)))
    assert "欠费停机" in info.value.message("zh")


def test_cloud_refusal_fails_records_and_gives_quota_back(cloud_services, admin, sandbox):
    """The sandbox limits verification codes to 1 a minute per number: the second call
    is refused (isv.BUSINESS_LIMIT_CONTROL) and costs nothing."""
    svc = cloud_services
    who = sender(svc, admin)
    f.quota(svc, admin, who.user_id, 10, SmsType.VERIFICATION)
    svc.risk.save_settings(admin, {"verification_minute": 0})  # our own cap would refuse first
    from tests.services.cloudseed import verification_sign

    sign = verification_sign(svc)
    number = f"137{random.randrange(10**8):08d}"  # the sandbox outlives this test
    first = svc.sending.send(request(svc, who, [number], SmsType.VERIFICATION, sign))
    assert first.status == TaskStatus.SUBMITTED
    second = svc.sending.send(request(svc, who, [number], SmsType.VERIFICATION, sign))
    assert second.status == TaskStatus.REJECTED
    assert second.result_code == "isv.BUSINESS_LIMIT_CONTROL"
    task = svc.records.task(second.task_id)
    assert (task.failed, task.pending) == (1, 0)
    rec = svc.records.records().rows[0]
    assert rec.task_id == second.task_id and rec.status == DeliveryStatus.FAILED
    assert rec.err_code == "isv.BUSINESS_LIMIT_CONTROL"
    remaining = svc.users.row(who.user_id).remaining[SmsType.VERIFICATION]
    assert remaining == 10 - first.charged


def test_concurrent_sends_never_overspend(cloud_services, admin):
    """8 threads send at once against one user's quota (SQLite: 8 threads; see the
    PostgreSQL process test below)."""
    svc = cloud_services
    who = sender(svc, admin)
    f.quota(svc, admin, who.user_id, 25, days=5)
    f.quota(svc, admin, who.user_id, 25, days=9)
    results, errors = [], []
    barrier = threading.Barrier(8)

    def one(i):
        barrier.wait()
        try:
            results.append(svc.sending.send(request(svc, who, f.phones(10, 1000 + i * 10))))
        except Refused as exc:
            errors.append(exc.key)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    charged = sum(r.charged for r in results)
    assert len(results) + len(errors) == 8 and set(errors) <= {"error.send.quota"}
    with svc.store.read() as s:
        holdings = s.scalars(select(Holding).where(Holding.user_id == who.user_id)).all()
        records = s.scalar(select(func.sum(SendRecord.segments))
                           .where(SendRecord.user_id == who.user_id))
    assert all(0 <= h.used <= h.total for h in holdings)
    assert sum(h.used for h in holdings) == charged == records
    assert sum(h.total - h.used for h in holdings) + charged == 50
    assert len(results) == 50 // (10 * results[0].segments_each)


def _proc_send(db_url, data_dir, endpoints, user_id, template_id, sign, params, start, q):
    from smsconsole.services import build
    from smsconsole.services.secrets import SecretBox
    from tests.conftest import TEST_SECRET_KEY

    svc = build(db_url, data_dir, migrate=False, secrets=SecretBox(TEST_SECRET_KEY))
    svc.ctx.extra["sandbox_endpoints"] = endpoints
    try:
        out = svc.sending.send(SendRequest(user_id, template_id, sign,
                                           f.phones(10, start), params))
        q.put(("ok", out.charged))
    except Refused as exc:
        q.put(("refused", exc.key))
    except Exception as exc:  # noqa: BLE001
        q.put(("error", repr(exc)))
    finally:
        svc.close()


@pytest.mark.postgres
def test_concurrent_processes_never_overspend_on_postgres(pg_database, tmp_path, clock, sandbox):
    import multiprocessing as mp

    from tests.conftest import _truncate_pg, make_services

    _truncate_pg(pg_database)
    svc = make_services(pg_database, tmp_path, None, sandbox)
    try:
        admin = f.configure_sandbox(svc)
        who = sender(svc, admin)
        expires = svc.ctx.clock.today() + timedelta(days=30)
        svc.holdings.allocate(admin, who.user_id, 35, expires, "notification")
        tid = who.templates[SmsType.NOTIFICATION]
        params = params_for(svc, tid)
        ctx = mp.get_context("spawn")
        q = ctx.Queue()
        procs = [ctx.Process(target=_proc_send,
                             args=(pg_database, tmp_path, sandbox.endpoints, who.user_id, tid,
                                   who.sign_name, params, 5000 + i * 10, q)) for i in range(4)]
        for p in procs:
            p.start()
        outcomes = [q.get(timeout=120) for _ in procs]
        for p in procs:
            p.join(30)
        assert all(kind in ("ok", "refused") for kind, _ in outcomes), outcomes
        charged = sum(v for kind, v in outcomes if kind == "ok")
        with svc.store.read() as s:
            h = s.scalars(select(Holding).where(Holding.user_id == who.user_id)).one()
        assert 0 <= h.used <= h.total == 35
        assert h.used == charged and charged <= 35
        oks = [v for kind, v in outcomes if kind == "ok"]
        assert oks and len(oks) == 35 // oks[0]  # as many sends as the quota allows
    finally:
        svc.close()
