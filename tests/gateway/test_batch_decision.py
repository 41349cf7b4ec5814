"""SendBatchSms is one decision (issue 15 follow-up, item 2): every group (one per
signature and parameters) is validated and charged before any upstream call, so a group
that is invalid or short of quota refuses the whole request with Aliyun's code, charges
nothing and sends nothing. Before, the first group was sent and the refused one silently
left out of an ``OK`` answer."""

from __future__ import annotations

import json

from alibabacloud_dysmsapi20170525 import models as m
from sqlalchemy import func, select

from smsconsole.store.models import Holding, OptOut, SendRecord, SendTask, SmsType
from tests.gateway.conftest import make_customer, sdk


def batch(client, c, phones, params):
    return client.send_batch_sms(m.SendBatchSmsRequest(
        phone_number_json=json.dumps(phones),
        sign_name_json=json.dumps([c.sign_name] * len(phones)),
        template_code=c.codes[SmsType.NOTIFICATION], template_param_json=json.dumps(params)))


def state(svc, user_id: int) -> tuple[int, int, int]:
    """(tasks, records, quota used) of the customer."""
    with svc.store.read() as s:
        tasks = s.scalar(select(func.count()).select_from(SendTask)
                         .where(SendTask.user_id == user_id))
        records = s.scalar(select(func.count()).select_from(SendRecord)
                           .where(SendRecord.user_id == user_id))
        used = s.scalar(select(func.coalesce(func.sum(Holding.used), 0))
                        .where(Holding.user_id == user_id))
    return tasks, records, used


def test_a_group_short_of_quota_refuses_the_whole_batch(gsvc, gateway):
    svc = gsvc
    c = make_customer(svc, quota=1)  # one message: the first group fits, the second not
    client = sdk(gateway.url, c.ak, c.secret)
    r = batch(client, c, ["13700000601", "13700000602"],
              [{"name": "a", "order": "1"}, {"name": "b", "order": "2"}])
    assert r.body.code == "isv.AMOUNT_NOT_ENOUGH"
    assert state(svc, c.user_id) == (0, 0, 0)
    # The quota is still there for a batch that fits.
    ok = batch(client, c, ["13700000603"], [{"name": "a", "order": "1"}])
    assert ok.body.code == "OK"
    assert state(svc, c.user_id) == (1, 1, 1)


def test_an_invalid_group_refuses_the_whole_batch(gsvc, gateway):
    svc = gsvc
    c = make_customer(svc)
    with svc.store.session() as s:  # the second group's only number has opted out
        s.add(OptOut(user_id=c.user_id, phone="13700000702", created_at=svc.ctx.clock.now()))
    client = sdk(gateway.url, c.ak, c.secret)
    r = batch(client, c, ["13700000701", "13700000702"],
              [{"name": "a", "order": "1"}, {"name": "b", "order": "2"}])
    assert r.body.code == "isv.MOBILE_NUMBER_ILLEGAL"
    assert state(svc, c.user_id) == (0, 0, 0)
