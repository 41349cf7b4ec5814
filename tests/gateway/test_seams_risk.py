"""The gateway × risk control seam, through the official SDK on a real uvicorn server:
whole-task refusals answer Aliyun's risk codes (HTTP 200, nothing charged), per-number
refusals send the rest, a held task is accepted, pending in QuerySendDetails and its
reports are pushed with the answered BizId when it is released or rejected."""

from __future__ import annotations

import threading

import pytest
from alibabacloud_dysmsapi20170525 import models as m
from sqlalchemy import func, select

from smsconsole.cloud.sandbox import client as sbc
from smsconsole.services.pushes import Pusher
from smsconsole.services.risk import REJECTED_CODE
from smsconsole.services.worker import ReportWorker
from smsconsole.store.models import SendRecord, SendTask, SmsType, TaskStatus
from tests.gateway.conftest import sdk
from tests.gateway.receiver import Receiver
from tests.gateway.test_aliyun_api import DAY, notice, remaining

PARAM = '{"name":"张三","order":"A1"}'


@pytest.fixture
def receiver():
    r = Receiver().start()
    yield r
    r.stop()


def records(svc, user_id: int) -> int:
    with svc.store.read() as s:
        return s.scalar(select(func.count()).select_from(SendRecord)
                        .where(SendRecord.user_id == user_id))


def refused_cleanly(svc, c, answer, code: str, message: str, before: tuple) -> None:
    assert (answer.status_code, answer.body.code, answer.body.message) == (200, code, message)
    assert answer.body.biz_id is None
    assert (remaining(svc, c.user_id), records(svc, c.user_id)) == before


def test_whole_task_refusals_answer_the_risk_codes_and_charge_nothing(gsvc, gateway, customer,
                                                                     clock):
    svc, c = gsvc, customer
    client = sdk(gateway.url, c.ak, c.secret)
    code = c.codes[SmsType.NOTIFICATION]
    # A blocked word in a parameter.
    svc.risk.add_word(svc.admin, "代开发票")
    before = (remaining(svc, c.user_id), records(svc, c.user_id))
    refused_cleanly(svc, c, notice(client, "13700000101", code, c.sign_name,
                                   '{"name":"代 开 发 票","order":"A1"}'),
                    "isv.BLACK_KEY_CONTROL_LIMIT", "黑名单管控", before)
    # A verification code twice to one number within the minute.
    vcode = c.codes[SmsType.VERIFICATION]
    first = client.send_sms(m.SendSmsRequest(phone_numbers="13700000102",
                                             sign_name=c.verify_sign, template_code=vcode,
                                             template_param='{"code":"123456"}'))
    assert first.body.code == "OK", first.body.message
    before = (remaining(svc, c.user_id, SmsType.VERIFICATION), records(svc, c.user_id))
    again = client.send_sms(m.SendSmsRequest(phone_numbers="13700000102",
                                             sign_name=c.verify_sign, template_code=vcode,
                                             template_param='{"code":"654321"}'))
    assert (again.status_code, again.body.code, again.body.message) == (
        200, "isv.BUSINESS_LIMIT_CONTROL", "业务限流")
    assert (remaining(svc, c.user_id, SmsType.VERIFICATION), records(svc, c.user_id)) == before
    # Daily, then monthly limits.
    svc.risk.save_settings(svc.admin, {"day_limit": 2, "month_limit": 3})
    assert notice(client, "13700000103,13700000104", code, c.sign_name).body.code == "OK"
    before = (remaining(svc, c.user_id), records(svc, c.user_id))
    refused_cleanly(svc, c, notice(client, "13700000105", code, c.sign_name),
                    "isv.DAY_LIMIT_CONTROL", "触发日发送限额", before)
    clock.advance(days=1)  # 2026-11-26: 2 of 3 sent this month
    assert notice(client, "13700000106", code, c.sign_name).body.code == "OK"
    before = (remaining(svc, c.user_id), records(svc, c.user_id))
    refused_cleanly(svc, c, notice(client, "13700000107", code, c.sign_name),
                    "isv.MONTH_LIMIT_CONTROL", "触发月发送限额", before)


def test_per_number_refusals_send_the_rest(gsvc, gateway, customer):
    svc, c = gsvc, customer
    svc.risk.add_number(svc.admin, "13700000201", "投诉")
    before = remaining(svc, c.user_id)
    r = notice(sdk(gateway.url, c.ak, c.secret), "13700000201,13700000202",
               c.codes[SmsType.NOTIFICATION], c.sign_name)
    assert r.body.code == "OK" and r.body.biz_id
    with svc.store.read() as s:
        phones = list(s.scalars(select(SendRecord.phone)
                                .where(SendRecord.user_id == c.user_id)))
        segments = s.scalar(select(func.sum(SendRecord.segments))
                            .where(SendRecord.user_id == c.user_id))
    assert phones == ["13700000202"] and remaining(svc, c.user_id) == before - segments


def _details(client, phone: str, biz_id: str = ""):
    r = client.query_send_details(m.QuerySendDetailsRequest(
        phone_number=phone, send_date=DAY, page_size=10, current_page=1, biz_id=biz_id or None))
    assert r.body.code == "OK"
    return r.body.sms_send_detail_dtos.sms_send_detail_dto


def _push(svc, receiver, want: int) -> list[dict]:
    """Run the push loop until ``want`` items arrived (bounded)."""
    pusher = Pusher(svc)
    for _ in range(20):
        pusher.run(threading.Event(), once=True)
        if len(receiver.items("/report")) >= want:
            break
    return receiver.items("/report")


def test_held_task_answers_ok_is_pending_and_reported_when_decided(gsvc, gateway, customer,
                                                                   box, receiver):
    svc, c = gsvc, customer
    svc.keys.set_callbacks(svc.admin, c.user_id, receiver.url + "/report", "")
    svc.risk.save_settings(svc.admin, {"volume_hold": True, "volume_absolute": 1,
                                       "volume_floor": 0, "volume_multiple": 10})
    client = sdk(gateway.url, c.ak, c.secret)
    code = c.codes[SmsType.NOTIFICATION]
    before = remaining(svc, c.user_id)
    kept = notice(client, "13700000301,13700000302", code, c.sign_name, out_id="held-1")
    dropped = notice(client, "13700000303", code, c.sign_name)
    assert (kept.status_code, kept.body.code) == (200, "OK")
    assert dropped.body.code == "OK" and "^" in kept.body.biz_id
    assert kept.body.biz_id != dropped.body.biz_id
    with svc.store.read() as s:
        tasks = {t.biz_id: t for t in s.scalars(select(SendTask)
                                                .where(SendTask.user_id == c.user_id))}
    assert {t.status for t in tasks.values()} == {TaskStatus.HELD}
    assert remaining(svc, c.user_id) < before  # charged while held
    for phone, biz in [("13700000301", ""), ("13700000302", kept.body.biz_id),
                       ("13700000303", dropped.body.biz_id)]:
        dto, = _details(client, phone, biz)
        assert (dto.send_status, dto.err_code, dto.receive_date) == (1, "", "")
    # Rejected: failed with the reason, quota back, the report pushed with the BizId.
    svc.risk.reject(svc.admin, tasks[dropped.body.biz_id].id, "内容与报备不符")
    dto, = _details(client, "13700000303", dropped.body.biz_id)
    assert (dto.send_status, dto.err_code) == (2, REJECTED_CODE)
    got = _push(svc, receiver, 1)
    assert [(x["phone_number"], x["biz_id"], x["success"], x["err_msg"]) for x in got] == [
        ("13700000303", dropped.body.biz_id, False, "内容与报备不符")]
    # Released: sent upstream; its reports carry the BizId the customer got.
    svc.risk.release(svc.admin, tasks[kept.body.biz_id].id)
    worker = ReportWorker(svc, wait_seconds=0)
    for _ in range(3):
        sbc.flush_reports(box.endpoints)
        worker.run(once=True)
    got = [x for x in _push(svc, receiver, 3) if x["phone_number"] != "13700000303"]
    assert sorted((x["phone_number"], x["biz_id"], x["out_id"]) for x in got) == [
        ("13700000301", kept.body.biz_id, "held-1"), ("13700000302", kept.body.biz_id,
                                                      "held-1")]
    for phone in ("13700000301", "13700000302"):
        dto, = _details(client, phone, kept.body.biz_id)
        assert dto.send_status in (2, 3)
