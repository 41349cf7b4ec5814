"""The customer's journey end to end over HTTP (httpx → uvicorn → services → sandbox):
request a code, read it from the sandbox's messages, register, log in, buy a package,
pay at the sandbox's cashier, the sandbox notifies, the holding appears — to the
customer and in the console's user detail —, then the admin assigns a signature and a
template, the customer creates an AccessKey over REST and sends through the
Aliyun-compatible API with the official SDK: the quota moves."""

from __future__ import annotations

import json
import re

from alibabacloud_dysmsapi20170525 import models as m

from smsconsole.cloud.sandbox import client as sbc
from smsconsole.store.models import SignType, SmsType
from tests.gateway.conftest import sdk
from tests.services.cloudseed import sandbox_catalog

from .helpers import package, wait_for


def test_customer_journey(gw, client, gw_sandbox):
    svc, server = gw
    pkg = package(svc, server.actor, price="400.00", count=10_000, name="通知包 1万条")
    phone = "13912349999"
    assert client.post("/api/v1/codes", json={"phone": phone, "scenario": "register"}
                       ).status_code == 202
    [msg] = sbc.state(gw_sandbox.endpoints, phone=phone)["messages"]
    code = re.search(r"\d{6}", msg["content"]).group(0)
    r = client.post("/api/v1/accounts", json={
        "phone": phone, "code": code, "email": "buyer@example.com", "password": "Buyer12345",
        "company": "买家公司", "name": "李四"})
    assert r.status_code == 201, r.text
    user_id = r.json()["id"]
    r = client.post("/api/v1/sessions", json={"login": "buyer@example.com",
                                              "password": "Buyer12345"})
    auth = {"Authorization": "Bearer " + r.json()["token"]}
    [offer] = client.get("/api/v1/packages").json()
    assert offer["id"] == pkg.id
    r = client.post("/api/v1/orders", json={"package_id": offer["id"]}, headers=auth)
    assert r.status_code == 201, r.text
    order = r.json()
    # The buyer pays at Alipay (the sandbox's cashier) and comes back to our page.
    paid = sbc.pay(gw_sandbox.endpoints, order["pay_url"])
    assert paid["location"].startswith(server.url + "/alipay/return?")

    def status():
        return client.get(f"/api/v1/orders/{order['order_no']}", headers=auth).json()["status"]

    assert wait_for(lambda: status() == "paid")
    back = client.get(paid["location"].removeprefix(server.url),
                      headers={"Accept-Language": "zh-CN"})
    assert "已支付" in back.text
    me = client.get("/api/v1/me", headers=auth).json()
    assert me["quota"]["notification"] == 10_000
    # The console's user detail shows the same holding, bought with that order.
    [h] = svc.holdings.for_user(user_id)
    assert (h.sms_type, h.total, h.order_no) == (SmsType.NOTIFICATION, 10_000,
                                                  order["order_no"])
    assert svc.orders.payment(svc.orders.page().rows[0].id).via == "notify"
    # The admin assigns a signature and a notification template (the console's assign).
    signs, templates = sandbox_catalog(svc)
    sign = next(x for x in signs if x.sign_type in ("general", None))
    svc.signatures.assign(server.actor, user_id, sign.name, SignType.GENERAL)
    tpl = next(x for x in templates if x.template_type == SmsType.NOTIFICATION.value)  # as cloudseed
    svc.templates.assign(server.actor, user_id, tpl.code)
    # An AccessKey over REST, then SendSms with the official SDK: the quota moves.
    r = client.post("/api/v1/keys", headers=auth)
    assert r.status_code == 201, r.text
    key = r.json()
    sent = sdk(server.url, key["access_key_id"], key["access_key_secret"]).send_sms(
        m.SendSmsRequest(phone_numbers="13700009901,13700009902", sign_name=sign.name,
                         template_code=tpl.code, template_param=json.dumps(
                             {v: "A1" for v in re.findall(r"\$\{(\w+)\}", tpl.content)})))
    assert (sent.status_code, sent.body.code) == (200, "OK"), sent.body.message
    after = client.get("/api/v1/me", headers=auth).json()["quota"]["notification"]
    records = client.get("/api/v1/records", headers=auth,
                         params={"biz_id": sent.body.biz_id}).json()
    assert len(records) == 2
    assert after == 10_000 - sum(x["segments"] for x in records) < 10_000
