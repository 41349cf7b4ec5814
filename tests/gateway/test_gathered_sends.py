"""SendSms under concurrency (gathered: services/gathering.py), the nonce spent in the
send's own transaction, the approved-catalog memo and the ASGI route of the SMS API, on a
real uvicorn server driven by the official SDK; the sandbox is the upstream."""

from __future__ import annotations

import asyncio
import json
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
from alibabacloud_dysmsapi20170525 import models as m
from sqlalchemy import func, select, update

from smsconsole.cloud.sandbox import client as sbc
from smsconsole.store.models import ReviewStatus, SendRecord, SmsType, Template
from tests import factories as f
from tests.acs_client import acs3
from tests.consistency import assert_consistent, assert_matches_sandbox
from tests.gateway.conftest import make_customer, sdk
from tests.gateway.test_aliyun_api import DAY, call, drain, notice, remaining, settled


def test_concurrent_customers_each_get_their_own_biz_id_and_details_agree(gsvc, gateway, box):
    """24 SendSms from 3 customers on 8 threads at once: every one answered OK with a
    BizId of its own, by which QuerySendDetails finds exactly its number; the quota
    moved by the records; every upstream call is accounted for."""
    svc = gsvc
    customers = [make_customer(svc) for _ in range(3)]
    before = {c.user_id: remaining(svc, c.user_id) for c in customers}
    jobs = [(customers[i % 3], f"1370000{i:04d}") for i in range(24)]

    def send(job):
        c, phone = job
        r = notice(sdk(gateway.url, c.ak, c.secret), phone, c.codes[SmsType.NOTIFICATION],
                   c.sign_name)
        return c, phone, r.body.code, r.body.biz_id

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(send, jobs))
    assert [a[2] for a in answers] == ["OK"] * 24
    assert len({a[3] for a in answers}) == 24
    drain(svc, box)
    for c, phone, _, biz in answers:
        r = sdk(gateway.url, c.ak, c.secret).query_send_details(m.QuerySendDetailsRequest(
            phone_number=phone, send_date=DAY, page_size=10, current_page=1, biz_id=biz))
        assert r.body.total_count == "1"
        assert r.body.sms_send_detail_dtos.sms_send_detail_dto[0].phone_num == phone
    with svc.store.read() as s:
        out_ids = s.scalar(select(func.count(func.distinct(SendRecord.out_id))))
        for c in customers:
            charged = s.scalar(select(func.sum(SendRecord.segments)).where(
                SendRecord.user_id == c.user_id, SendRecord.refunded.is_(False)))
            assert remaining(svc, c.user_id) == before[c.user_id] - charged
    # One upstream call per OutId (a call shared by several sends carries one).
    assert sum(sbc.request_count(box.endpoints, "sms", a) for a in ("SendSms", "SendBatchSms")
               ) == out_ids
    state = sbc.state(box.endpoints)
    assert assert_matches_sandbox(svc, state) == len(state["messages"]) == 24
    assert_consistent(svc)


def test_a_refused_send_spends_its_nonce(gsvc, gateway, customer):
    """The nonce of a SendSms is taken in its send's transaction; a request refused
    before it gets there spends it too, so it cannot be replayed once the cause of the
    refusal is gone (here: the quota topped up)."""
    c = make_customer(gsvc, quota=1)
    q = {"PhoneNumbers": "13700000070,13700000071", "SignName": c.sign_name,
         "TemplateCode": c.codes[SmsType.NOTIFICATION],
         "TemplateParam": '{"name":"a","order":"1"}'}
    nonce = uuid.uuid4().hex
    r = acs3(gateway.url, c.ak, c.secret, "SendSms", q, nonce=nonce)
    assert (r.status_code, r.json()["Code"]) == (200, "isv.AMOUNT_NOT_ENOUGH")
    bad = dict(q, PhoneNumbers="1370000007x")
    bad_nonce = uuid.uuid4().hex
    r = acs3(gateway.url, c.ak, c.secret, "SendSms", bad, nonce=bad_nonce)
    assert (r.status_code, r.json()["Code"]) == (200, "isv.MOBILE_NUMBER_ILLEGAL")
    f.quota(gsvc, gsvc.admin, c.user_id, 10)
    before = settled(gsvc)
    for again, n in ((q, nonce), (bad, bad_nonce)):
        r = acs3(gateway.url, c.ak, c.secret, "SendSms", again, nonce=n)
        assert (r.status_code, r.json()["Code"]) == (400, "SignatureNonceUsed")
    assert settled(gsvc) == before
    r = acs3(gateway.url, c.ak, c.secret, "SendSms", q)  # a fresh nonce
    assert (r.status_code, r.json()["Code"]) == (200, "OK")


def test_a_template_withdrawn_just_after_a_send_is_refused_at_once(gsvc, gateway, customer):
    """The gateway remembers a customer's approved template for a moment; the send
    checks it again in its own transaction, so a withdrawn one is refused with the same
    code at once and nothing is charged."""
    c = customer
    client = sdk(gateway.url, c.ak, c.secret)
    code = c.codes[SmsType.NOTIFICATION]
    assert call(lambda: notice(client, "13700000080", code, c.sign_name)) == (200, "OK")
    with gsvc.store.session() as s:
        s.execute(update(Template).where(Template.user_id == c.user_id, Template.code == code)
                  .values(status=ReviewStatus.REJECTED))
    before = settled(gsvc)
    assert call(lambda: notice(client, "13700000081", code, c.sign_name)) == (
        200, "isv.SMS_TEMPLATE_ILLEGAL")
    assert settled(gsvc) == before


def test_the_sms_api_route_answers_like_aliyun_for_what_fastapi_never_saw(gateway):
    """``/`` is served by a plain ASGI route: a query that is not UTF-8, a method Aliyun
    does not take and an oversized body get Aliyun's JSON errors; other paths are the
    app's as before."""
    url = gateway.url
    r = httpx.post(f"{url}/?a=%ff", timeout=10)
    assert (r.status_code, r.json()["Code"], r.json()["Message"]) == (
        400, "InvalidParameter", "The request is not valid UTF-8.")
    # A query h11 lets through only percent-encoded (another server may pass it raw).
    sent: list[dict] = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "POST", "scheme": "http", "path": "/", "raw_path": b"/",
             "root_path": "", "query_string": b"a=\xff", "headers": [],
             "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80)}
    asyncio.run(gateway.app(scope, receive, send))
    assert sent[0]["status"] == 400
    assert json.loads(sent[1]["body"])["Message"] == "The request is not valid UTF-8."
    r = httpx.request("OPTIONS", f"{url}/", timeout=10)
    assert (r.status_code, r.json()["Code"]) == (400, "UnsupportedHTTPMethod")
    r = httpx.head(f"{url}/", timeout=10)
    assert r.status_code == 400 and r.content == b""
    r = httpx.post(f"{url}/", content=b"x" * (300 * 1024), timeout=10)
    assert (r.status_code, r.json()["Code"], r.json()["Message"]) == (
        400, "InvalidParameter", "The request is too large.")
    assert r.headers["content-type"] == "application/json;charset=utf-8"
    assert httpx.get(f"{url}/nowhere", timeout=10).status_code == 404
