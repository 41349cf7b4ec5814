"""The customer's journey end to end over HTTP (httpx → uvicorn → services → sandbox):
request a code, read it from the sandbox's messages, register, log in, buy a package,
pay at the sandbox's cashier, the sandbox notifies, the holding appears — to the
customer and in the console's user detail. (Sending through the Aliyun-compatible
gateway with the official SDK belongs to the gateway branch and is added at merge.)"""

from __future__ import annotations

import re

from smsconsole.cloud.sandbox import client as sbc
from smsconsole.store.models import SmsType

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
        "phone": phone, "code": code, "email": "buyer@example.com", "password": "Buyer7Lake93",
        "company": "买家公司", "name": "李四"})
    assert r.status_code == 201
    user_id = r.json()["id"]
    r = client.post("/api/v1/sessions", json={"login": "buyer@example.com",
                                              "password": "Buyer7Lake93"})
    auth = {"Authorization": "Bearer " + r.json()["token"]}
    [offer] = client.get("/api/v1/packages").json()
    assert offer["id"] == pkg.id
    r = client.post("/api/v1/orders", json={"package_id": offer["id"]}, headers=auth)
    assert r.status_code == 201
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
