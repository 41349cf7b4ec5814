"""The gateway × reconciliation seam, through the official SDK on a real uvicorn server:
a send whose upstream outcome is unknown (the sandbox delays or drops the call) answers
OK — an error would invite the customer to send twice —, stays pending in
QuerySendDetails by the BizId answered, and when reconciliation settles it the customer
gets the outcome pushed with that BizId (sent: the upstream reports; never sent: NotSent).
SendBatchSms goes through the same OutId machinery. Services on the real clock: the
reconciler asks the sandbox by the day of the send."""

from __future__ import annotations

import json
import threading
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from alibabacloud_dysmsapi20170525 import models as m
from sqlalchemy import select

from smsconsole.cloud.sandbox import client as sbc
from smsconsole.services.pushes import Pusher
from smsconsole.services.reconcile import NOT_SENT, Reconciler
from smsconsole.services.worker import ReportWorker
from smsconsole.store.models import DeliveryStatus, SendRecord, SendTask, SmsType, TaskStatus
from tests import factories as f
from tests.conftest import make_services
from tests.gateway.conftest import Served, make_customer, sdk
from tests.gateway.receiver import Receiver

NOW = dict(grace=timedelta(0), settle_after=timedelta(0))
PARAM = '{"name":"张三","order":"A1"}'
READ_TIMEOUT, LATE = 1.5, 3  # the SMS client's read timeout; a late sandbox's delay


@pytest.fixture
def rsvc(db_url, tmp_path, box):
    svc = make_services(db_url, tmp_path, None, box)
    svc.ctx.cloud.sms_read_timeout = READ_TIMEOUT
    svc.admin = f.configure_sandbox(svc)
    yield svc
    svc.close()


@pytest.fixture
def served(rsvc):
    s = Served(rsvc).start()
    yield s
    s.stop()


@pytest.fixture
def receiver():
    r = Receiver().start()
    yield r
    r.stop()


def today() -> str:
    return datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y%m%d")


def details(client, phone: str, biz_id: str) -> list:
    r = client.query_send_details(m.QuerySendDetailsRequest(
        phone_number=phone, send_date=today(), page_size=10, current_page=1, biz_id=biz_id))
    assert r.body.code == "OK"
    return r.body.sms_send_detail_dtos.sms_send_detail_dto


def wait_sandbox(box, n: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while len(sbc.state(box.endpoints)["messages"]) < n and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(sbc.state(box.endpoints)["messages"]) == n


def pushed(svc, box, receiver, want: int) -> list[dict]:
    """Reports applied and pushed until ``want`` items arrived (bounded)."""
    worker, pusher = ReportWorker(svc, wait_seconds=0), Pusher(svc)
    for _ in range(10):
        sbc.flush_reports(box.endpoints)
        worker.run(once=True, kinds=("report",))
        pusher.run(threading.Event(), once=True)
        if len(receiver.items("/r")) >= want:
            break
    return receiver.items("/r")


def statuses(svc, user_id: int) -> dict:
    with svc.store.read() as s:
        return {p: st for p, st in s.execute(select(SendRecord.phone, SendRecord.status)
                                             .where(SendRecord.user_id == user_id))}


def test_timed_out_send_answers_ok_then_its_reports_carry_the_biz_id(rsvc, served, box,
                                                                      receiver):
    svc = rsvc
    c = make_customer(svc)
    svc.keys.set_callbacks(svc.admin, c.user_id, receiver.url + "/r", "")
    client = sdk(served.url, c.ak, c.secret)
    phones = f.phones(3, 100)
    sbc.inject_fault(box.endpoints, "sms", "SendSms", kind="delay", seconds=LATE)
    r = client.send_sms(m.SendSmsRequest(phone_numbers=",".join(phones), sign_name=c.sign_name,
                                         template_code=c.codes[SmsType.NOTIFICATION],
                                         template_param=PARAM, out_id="order-9"))
    assert (r.status_code, r.body.code) == (200, "OK") and r.body.biz_id.endswith("^0")
    assert set(statuses(svc, c.user_id).values()) == {DeliveryStatus.UNKNOWN}
    dto, = details(client, phones[0], r.body.biz_id)
    assert (dto.send_status, dto.err_code, dto.out_id) == (1, "", "order-9")
    wait_sandbox(box, 3)
    result = Reconciler(svc.ctx, svc.cloud).run(**NOW)
    assert (result.sent, result.not_sent) == (3, 0)
    got = pushed(svc, box, receiver, 3)
    assert sorted((x["phone_number"], x["biz_id"], x["out_id"]) for x in got) == [
        (p, r.body.biz_id, "order-9") for p in phones]
    for p in phones:
        dto, = details(client, p, r.body.biz_id)
        assert dto.send_status in (2, 3)


def test_dropped_send_answers_ok_then_not_sent_is_pushed(rsvc, served, box, receiver):
    svc = rsvc
    c = make_customer(svc)
    svc.keys.set_callbacks(svc.admin, c.user_id, receiver.url + "/r", "")
    client = sdk(served.url, c.ak, c.secret)
    before = svc.users.row(c.user_id).remaining[SmsType.NOTIFICATION]
    sbc.inject_fault(box.endpoints, "sms", "SendSms", kind="drop")
    r = client.send_sms(m.SendSmsRequest(phone_numbers="13700000201", sign_name=c.sign_name,
                                         template_code=c.codes[SmsType.NOTIFICATION],
                                         template_param=PARAM))
    assert (r.status_code, r.body.code) == (200, "OK") and r.body.biz_id
    assert details(client, "13700000201", r.body.biz_id)[0].send_status == 1
    result = Reconciler(svc.ctx, svc.cloud).run(**NOW)
    assert (result.sent, result.not_sent) == (0, 1)
    got = pushed(svc, box, receiver, 1)
    assert [(x["phone_number"], x["biz_id"], x["success"], x["err_code"]) for x in got] == [
        ("13700000201", r.body.biz_id, False, NOT_SENT)]
    dto, = details(client, "13700000201", r.body.biz_id)
    assert (dto.send_status, dto.err_code) == (2, NOT_SENT)
    assert svc.users.row(c.user_id).remaining[SmsType.NOTIFICATION] == before  # refunded


def test_batch_groups_with_unknown_outcome_share_the_biz_id_and_the_out_id_machinery(
        rsvc, served, box, receiver):
    """Two signatures' parameters → two tasks; the first call dropped, the second
    accepted: one BizId answered, every record found by it, each record carrying the
    OutId of its own upstream call (``sending.out_id_for``) so the reconciler settles it."""
    svc = rsvc
    c = make_customer(svc)
    svc.keys.set_callbacks(svc.admin, c.user_id, receiver.url + "/r", "")
    client = sdk(served.url, c.ak, c.secret)
    sbc.inject_fault(box.endpoints, "sms", "SendSms", kind="drop")
    phones = ["13700000301", "13700000302", "13700000303"]
    r = client.send_batch_sms(m.SendBatchSmsRequest(
        phone_number_json=json.dumps(phones), sign_name_json=json.dumps([c.sign_name] * 3),
        template_code=c.codes[SmsType.NOTIFICATION],
        template_param_json=json.dumps([{"name": "a", "order": "1"}, {"name": "b",
                                        "order": "2"}, {"name": "a", "order": "1"}])))
    assert (r.status_code, r.body.code) == (200, "OK") and r.body.biz_id
    with svc.store.read() as s:
        tasks = list(s.scalars(select(SendTask).where(SendTask.user_id == c.user_id)
                               .order_by(SendTask.id)))
        out_ids = {rec.phone: rec.out_id for rec in s.scalars(
            select(SendRecord).where(SendRecord.user_id == c.user_id))}
    assert [t.numbers for t in tasks] == [2, 1]
    assert {t.biz_id for t in tasks} == {r.body.biz_id}
    assert tasks[0].status == TaskStatus.UNKNOWN and tasks[1].status == TaskStatus.SUBMITTED
    assert out_ids[phones[0]] == out_ids[phones[2]] != out_ids[phones[1]]
    assert all(o.startswith(f"sc{t.id}.") for t, o in
               [(tasks[0], out_ids[phones[0]]), (tasks[1], out_ids[phones[1]])])
    for p in phones:
        assert len(details(client, p, r.body.biz_id)) == 1
    result = Reconciler(svc.ctx, svc.cloud).run(**NOW)
    assert (result.sent, result.not_sent) == (0, 2)
    got = pushed(svc, box, receiver, 3)
    assert sorted((x["phone_number"], x["biz_id"]) for x in got) == [
        (p, r.body.biz_id) for p in phones]


def test_reports_applied_late_from_pending_are_pushed(rsvc, served, box, receiver):
    """A report that came before its record had the BizId (the send had not committed
    it yet) is kept, applied later by the worker's retry (``apply_pending_for``), and
    pushed then, not only from the worker's batch apply."""
    from sqlalchemy import update

    from smsconsole.store.models import PendingReport

    svc = rsvc
    c = make_customer(svc)
    svc.keys.set_callbacks(svc.admin, c.user_id, receiver.url + "/r", "")
    client = sdk(served.url, c.ak, c.secret)
    r = client.send_sms(m.SendSmsRequest(phone_numbers="13700000401", sign_name=c.sign_name,
                                         template_code=c.codes[SmsType.NOTIFICATION],
                                         template_param=PARAM))
    assert r.body.code == "OK"
    with svc.store.session() as s:  # the record as it was before the send's commit
        rec = s.scalar(select(SendRecord).where(SendRecord.user_id == c.user_id))
        rid, biz, out_id = rec.id, rec.biz_id, rec.out_id
        s.execute(update(SendRecord).where(SendRecord.id == rid)
                  .values(biz_id=None, out_id="elsewhere"))
    worker = ReportWorker(svc, wait_seconds=0)
    sbc.flush_reports(box.endpoints)
    worker.run(once=True, kinds=("report",))
    with svc.store.read() as s:
        assert s.scalar(select(PendingReport.biz_id)) == biz
    with svc.store.session() as s:
        s.execute(update(SendRecord).where(SendRecord.id == rid)
                  .values(biz_id=biz, out_id=out_id))
    assert worker.retry_pending().applied == 1
    Pusher(svc).run(threading.Event(), once=True)
    got = receiver.items("/r")
    assert [(x["phone_number"], x["biz_id"]) for x in got] == [("13700000401", r.body.biz_id)]
