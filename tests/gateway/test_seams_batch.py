"""SendBatchSms with different parameters per number: one task per signature and
parameters, one BizId answered for all of them, every record found by it in
QuerySendDetails and in the pushed reports. (A batch is one decision:
test_batch_decision.py.)"""

from __future__ import annotations

import json
import threading

import pytest
from alibabacloud_dysmsapi20170525 import models as m
from sqlalchemy import select

from smsconsole.cloud.sandbox import client as sbc
from smsconsole.services.pushes import Pusher
from smsconsole.services.worker import ReportWorker
from smsconsole.store.models import SendRecord, SendTask, SmsType
from tests.gateway.conftest import make_customer, sdk
from tests.gateway.receiver import Receiver
from tests.gateway.test_aliyun_api import DAY


@pytest.fixture
def receiver():
    r = Receiver().start()
    yield r
    r.stop()


def batch(client, c, phones, params):
    return client.send_batch_sms(m.SendBatchSmsRequest(
        phone_number_json=json.dumps(phones), sign_name_json=json.dumps([c.sign_name] *
                                                                        len(phones)),
        template_code=c.codes[SmsType.NOTIFICATION], template_param_json=json.dumps(params)))


def found(client, phone: str, biz_id: str) -> int:
    r = client.query_send_details(m.QuerySendDetailsRequest(
        phone_number=phone, send_date=DAY, page_size=10, current_page=1, biz_id=biz_id))
    return int(r.body.total_count)


def test_every_group_found_by_the_one_biz_id(gsvc, gateway, box, receiver):
    svc = gsvc
    c = make_customer(svc)
    svc.keys.set_callbacks(svc.admin, c.user_id, receiver.url + "/r", "")
    client = sdk(gateway.url, c.ak, c.secret)
    phones = ["13700000501", "13700000502", "13700000503"]
    r = batch(client, c, phones, [{"name": "a", "order": "1"}, {"name": "b", "order": "2"},
                                  {"name": "c", "order": "3"}])
    assert r.body.code == "OK"
    with svc.store.read() as s:
        tasks = list(s.scalars(select(SendTask).where(SendTask.user_id == c.user_id)))
        upstream = set(s.scalars(select(SendRecord.biz_id)
                                 .where(SendRecord.user_id == c.user_id)))
    assert len(tasks) == 3 and {t.biz_id for t in tasks} == {r.body.biz_id}
    assert len(upstream) == 3 and r.body.biz_id in upstream  # the first group's
    assert [found(client, p, r.body.biz_id) for p in phones] == [1, 1, 1]
    worker = ReportWorker(svc, wait_seconds=0)
    for _ in range(5):
        sbc.flush_reports(box.endpoints)
        worker.run(once=True)
        Pusher(svc).run(threading.Event(), once=True)
        if len(receiver.items("/r")) >= 3:
            break
    assert sorted((x["phone_number"], x["biz_id"]) for x in receiver.items("/r")) == [
        (p, r.body.biz_id) for p in phones]
