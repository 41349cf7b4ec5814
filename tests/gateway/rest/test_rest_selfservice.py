"""Self-service with a session token, the public parts, and the API's refusals of bad
requests (never a 500; ``{code, message}`` in the asked language)."""

from __future__ import annotations

from smsconsole.store.models import OrderStatus, ReviewStatus, Signature
from tests.factories import PASSWORD, approved_signature, quota, user

from .helpers import package


def token(client, u) -> dict:
    r = client.post("/api/v1/sessions", json={"login": u.phone, "password": PASSWORD})
    assert r.status_code == 201, r.text
    return {"Authorization": "Bearer " + r.json()["token"]}


def test_public_site_and_packages(gw, client):
    svc, server = gw
    on = package(svc, server.actor, price="400.00", count=10_000, name="通知包 1万条")
    package(svc, server.actor, name="下架包", on_sale=False)
    site = client.get("/api/v1/site").json()
    assert site["company"] == "云顶短信" and site["phone"] == "022-8788-2266"
    assert client.get("/api/v1/packages").json() == [
        {"id": on.id, "name": "通知包 1万条", "type": "notification", "count": 10_000,
         "price_yuan": "400.00", "valid_days": 365, "recommended": False}]


def test_profile_quota_orders(gw, client):
    svc, server = gw
    u = user(svc)
    quota(svc, server.actor, u.id, 300)
    auth = token(client, u)
    assert client.get("/api/v1/me", headers=auth).json()["quota"]["notification"] == 300
    pkg = package(svc, server.actor)
    r = client.post("/api/v1/orders", json={"package_id": pkg.id}, headers=auth)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["amount_yuan"] == "100.00" and body["status"] == "unpaid"
    assert body["pay_url"].startswith(svc.cloud.alipay_settings().gateway + "?")
    assert "alipay%2Freturn" in body["pay_url"]  # the buyer comes back to our page
    listed = client.get("/api/v1/orders", headers=auth).json()
    assert [o["order_no"] for o in listed] == [body["order_no"]]
    one = client.get(f"/api/v1/orders/{body['order_no']}", headers=auth).json()
    assert one["status"] == "unpaid"
    # Another user's order is "not found", like a missing one.
    other = token(client, user(svc))
    r = client.get(f"/api/v1/orders/{body['order_no']}", headers=other)
    assert (r.status_code, r.json()["code"]) == (404, "order.not_found")
    assert client.get("/api/v1/orders", headers=other).json() == []
    # A package no longer on sale, or unknown.
    off = package(svc, server.actor, name="旧包", on_sale=False)
    r = client.post("/api/v1/orders", json={"package_id": off.id}, headers=auth)
    assert (r.status_code, r.json()["code"]) == (409, "package.not_on_sale")
    r = client.post("/api/v1/orders", json={"package_id": 999999}, headers=auth)
    assert r.status_code == 404
    assert svc.orders.get(svc.orders.page().rows[0].id).status == OrderStatus.UNPAID
    assert len(svc.orders.page().rows) == 1


def test_signatures_and_templates(gw, client):
    svc, server = gw
    u = user(svc)
    auth = token(client, u)
    r = client.post("/api/v1/signatures", json={"name": "新客科技", "type": "general"},
                    headers=auth)
    assert r.status_code == 201 and r.json()["status"] == "pending"
    sig_id = r.json()["id"]
    r = client.post("/api/v1/signatures", json={"name": "新客科技"}, headers=auth)
    assert (r.status_code, r.json()["code"]) == (409, "signature.duplicate")
    r = client.post("/api/v1/templates", json={"name": "发货", "type": "notification",
                                               "content": "您的订单${order}已发货。"},
                    headers=auth)
    assert r.status_code == 201 and r.json()["code"] == ""
    tpl_id = r.json()["id"]
    assert [s["id"] for s in client.get("/api/v1/signatures", headers=auth).json()] == [sig_id]
    assert [t["id"] for t in client.get("/api/v1/templates", headers=auth).json()] == [tpl_id]
    # Someone else cannot see or delete them.
    other = token(client, user(svc))
    assert client.get("/api/v1/signatures", headers=other).json() == []
    r = client.delete(f"/api/v1/signatures/{sig_id}", headers=other)
    assert (r.status_code, r.json()["code"]) == (404, "signature.not_found")
    r = client.delete(f"/api/v1/templates/{tpl_id}", headers=other)
    assert r.status_code == 404, (tpl_id, r.text)
    # An approved one stays (it may carry sends).
    approved = approved_signature(svc, u.id, "已批签名")
    r = client.delete(f"/api/v1/signatures/{approved.id}", headers=auth)
    assert (r.status_code, r.json()["code"]) == (409, "application.not_deletable")
    assert client.delete(f"/api/v1/signatures/{sig_id}", headers=auth).status_code == 204
    assert client.delete(f"/api/v1/templates/{tpl_id}", headers=auth).status_code == 204
    with svc.store.read() as s:
        assert s.get(Signature, approved.id).status == ReviewStatus.APPROVED
        assert s.get(Signature, sig_id) is None
    # The limit the admin set.
    svc.users.update(server.actor, u.id, __import__(
        "smsconsole.services.users", fromlist=["UserUpdate"]).UserUpdate(max_signatures=1))
    r = client.post("/api/v1/signatures", json={"name": "再一个"}, headers=auth)
    assert (r.status_code, r.json()["code"]) == (403, "signature.limit")


def test_records_and_statistics(gw, client):
    svc, server = gw
    u = user(svc)
    auth = token(client, u)
    assert client.get("/api/v1/records", headers=auth).json() == []
    days = client.get("/api/v1/statistics/daily", headers=auth).json()
    assert len(days) == 30 and days[-1]["day"] == svc.ctx.clock.today().isoformat()
    r = client.get("/api/v1/records", params={"from": "2026-11-25", "to": "2026-11-01"},
                   headers=auth)
    assert (r.status_code, r.json()["code"]) == (400, "dates.order")
    r = client.get("/api/v1/records", params={"phone": "abc"}, headers=auth)
    assert (r.status_code, r.json()["code"]) == (400, "phone.invalid")
    r = client.get("/api/v1/statistics/daily", params={"from": "2020-01-01"}, headers=auth)
    assert r.status_code == 400
    # Far years (found by schemathesis: they overflowed the day arithmetic, a 500).
    for path in ("/api/v1/records", "/api/v1/statistics/daily"):
        for q in ({"from": "0001-01-01", "to": "0001-01-02"},
                  {"from": "9999-12-30", "to": "9999-12-31"}):
            r = client.get(path, params=q, headers=auth)
            assert (r.status_code, r.json()["code"]) == (400, "date.invalid"), (path, q)
    # Ids beyond the database's integers (a 500 on SQLite before).
    for path in ("/api/v1/signatures/99999999999999999999", "/api/v1/templates/0"):
        r = client.delete(path, headers=auth)
        assert (r.status_code, r.json()["code"]) == (400, "api.bad_request"), path
    r = client.get("/api/v1/orders/" + "9" * 40, headers=auth)
    assert r.status_code == 400


def test_bad_requests(gw, client):
    """Wrong content types, oversized and malformed bodies, unknown fields and routes:
    a 4xx with {code, message}, in the asked language."""
    body = {"phone": "13912345678", "scenario": "register"}
    cases = [
        (dict(content=b"phone=1", headers={"Content-Type": "application/x-www-form-urlencoded"}),
         415, "api.not_json"),
        (dict(content=b"{" + b" " * 70_000 + b"}", headers={"Content-Type": "application/json"}),
         413, "api.too_large"),
        (dict(content=b"{not json", headers={"Content-Type": "application/json"}),
         400, "api.bad_request"),
        (dict(json={**body, "admin": True}), 400, "api.bad_request"),
        (dict(json={**body, "scenario": "login"}), 400, "api.bad_request"),
        (dict(json={"phone": "1" * 100, "scenario": "register"}), 400, "api.bad_request"),
        (dict(json=[1, 2]), 400, "api.bad_request"),
        (dict(json={"phone": "12345", "scenario": "register"}), 400, "phone.invalid"),
    ]
    for kwargs, status, code in cases:
        r = client.post("/api/v1/codes", **kwargs)
        assert (r.status_code, r.json()["code"]) == (status, code), (kwargs, r.text)
        assert r.json()["message"]
    r = client.post("/api/v1/codes", content=b"x", headers={"Content-Type": "text/plain",
                                                              "Accept-Language": "en-US"})
    assert r.json()["message"] == "Send the body as JSON (Content-Type: application/json)."
    r = client.post("/api/v1/codes", content=b"x", headers={"Content-Type": "text/plain",
                                                              "Accept-Language": "zh-CN"})
    assert "JSON" in r.json()["message"] and "请求体" in r.json()["message"]
    r = client.get("/api/v1/nothing-here")
    assert (r.status_code, r.json()["code"]) == (404, "api.not_found")
    r = client.patch("/api/v1/site")
    assert (r.status_code, r.json()["code"]) == (405, "api.method")
    assert client.get("/api/openapi.json").json()["info"]["title"]
    docs = client.get("/api/docs")
    assert docs.status_code == 200 and "/api/openapi.json" in docs.text
