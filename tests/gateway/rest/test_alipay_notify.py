"""``POST /alipay/notify`` on a real uvicorn: RSA2 verification, the order's app id,
number and amount, paid + holding once under repeats and concurrent duplicates,
``success`` only after the commit; the return page; the sandbox paying and notifying."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx

from smsconsole.cloud.sandbox import client as sbc
from smsconsole.store.models import OrderStatus

from .helpers import holdings, order_for, payment, signed_notify, wait_for

FORM = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}


def post(client, params):
    return client.post("/alipay/notify", data=params)


def test_a_signed_notification_pays_the_order_once(gw, client, gw_sandbox):
    svc, server = gw
    u, order = order_for(svc, server.actor)
    r = post(client, signed_notify(gw_sandbox, order))
    assert (r.status_code, r.text) == (200, "success")
    paid = svc.orders.get(order.id)
    assert paid.status == OrderStatus.PAID and paid.trade_no.endswith(order.order_no[-8:])
    [h] = holdings(svc, order.id)
    assert (h.user_id, h.total, h.used) == (u.id, 1000, 0)
    conf = payment(svc, order.id)
    assert conf.via == "notify" and conf.notify_id == "n" + order.order_no
    assert conf.confirmed_at == svc.ctx.clock.now()


def test_five_repeats_change_nothing_more(gw, client, gw_sandbox):
    svc, server = gw
    _, order = order_for(svc, server.actor)
    params = signed_notify(gw_sandbox, order)
    answers = [post(client, params).text for _ in range(5)]
    assert answers == ["success"] * 5
    assert len(holdings(svc, order.id)) == 1


def test_two_at_once_grant_one_holding(gw, gw_sandbox):
    svc, server = gw
    for _ in range(3):  # a few rounds: the race is real only if both run together
        _, order = order_for(svc, server.actor)
        params = signed_notify(gw_sandbox, order)

        def one(p):
            with httpx.Client(base_url=server.url, timeout=20, trust_env=False) as c:
                return post(c, p).text

        with ThreadPoolExecutor(2) as pool:
            assert list(pool.map(one, [params, params])) == ["success", "success"]
        assert len(holdings(svc, order.id)) == 1
        assert svc.orders.get(order.id).status == OrderStatus.PAID


def _unpaid(svc, order):
    assert svc.orders.get(order.id).status == OrderStatus.UNPAID
    assert holdings(svc, order.id) == [] and payment(svc, order.id) is None


def test_bad_notifications_answer_fail_and_change_nothing(gw, client, gw_sandbox):
    svc, server = gw
    _, order = order_for(svc, server.actor)
    good = signed_notify(gw_sandbox, order)
    cases = {
        "bad signature": {**good, "sign": good["sign"][:-8] + "AAAAAAA="},
        "tampered after signing": {**good, "total_amount": "0.01"},
        "no signature": {k: v for k, v in good.items() if k != "sign"},
        "wrong app id": signed_notify(gw_sandbox, order, app_id="2021009999999999"),
        "wrong amount": signed_notify(gw_sandbox, order, total_amount="99.99"),
        "garbage amount": signed_notify(gw_sandbox, order, total_amount="1e3"),
        "unknown order": signed_notify(gw_sandbox, order, out_trade_no="2026112599999999"),
        "RSA instead of RSA2": {**good, "sign_type": "RSA"},
    }
    for name, params in cases.items():
        r = post(client, params)
        assert r.text == "fail", name
        _unpaid(svc, order)
    # Not a form, or far too big: refused before anything is parsed.
    r = client.post("/alipay/notify", json=good)
    assert (r.status_code, r.text) == (400, "fail")
    r = client.post("/alipay/notify", content=b"a=" + b"x" * 20_000, headers=FORM)
    assert (r.status_code, r.text) == (400, "fail")
    _unpaid(svc, order)
    # A closed trade is acknowledged and changes nothing.
    r = post(client, signed_notify(gw_sandbox, order, trade_status="TRADE_CLOSED",
                                   gmt_payment=None))
    assert r.text == "success"
    _unpaid(svc, order)


def test_fail_when_the_commit_fails(gw, client, gw_sandbox, monkeypatch):
    """``success`` only after the commit: a failing transaction answers ``fail``."""
    svc, server = gw
    _, order = order_for(svc, server.actor)
    portal = server.app.state.ctx.ctx.extra  # the Portal the routes built (Services.ctx)
    r = post(client, signed_notify(gw_sandbox, order, out_trade_no="x"))  # builds it
    assert r.text == "fail"
    orders = portal["portal"].orders
    from smsconsole.services import holdings as hmod

    def boom(*a, **k):
        raise RuntimeError("disk full")

    monkeypatch.setattr("smsconsole.services.orders.add_holding", boom)
    assert post(client, signed_notify(gw_sandbox, order)).text == "fail"
    _unpaid(svc, order)
    monkeypatch.setattr("smsconsole.services.orders.add_holding", hmod.add_holding)
    assert post(client, signed_notify(gw_sandbox, order)).text == "success"
    assert orders.get(order.id).status == OrderStatus.PAID


def test_the_sandbox_pays_notifies_and_retries(gw, client, gw_sandbox):
    """The buyer pays at the sandbox's cashier; the sandbox POSTs the signed notify to
    the order's notify URL (retrying while the server answers fail) and lists it."""
    svc, server = gw
    u, order = order_for(svc, server.actor)
    ret = server.url + "/alipay/return"
    url = svc.orders.pay_url(order.id, ret)
    result = sbc.pay(gw_sandbox.endpoints, url)
    assert result["status"] == 302
    assert wait_for(lambda: svc.orders.get(order.id).status == OrderStatus.PAID)
    assert payment(svc, order.id).via == "notify"
    assert len(holdings(svc, order.id)) == 1

    def trade():
        [t] = [t for t in sbc.state(gw_sandbox.endpoints)["trades"]
               if t["out_trade_no"] == order.order_no]
        return t

    t = wait_for(lambda: trade()["notify_state"] == "done" and trade())
    assert t["notify_attempts"] == 1 and t["last_notify_answer"] == "success"
    notes = [n for n in sbc.state(gw_sandbox.endpoints)["notifications"]
             if n["out_trade_no"] == order.order_no]
    assert [(n["status"], n["answer"]) for n in notes] == [(200, "success")]
    # The browser comes back: the page says it is paid (in the asked language).
    page = client.get("/alipay/return", params=result["return_params"],
                      headers={"Accept-Language": "en"})
    assert page.status_code == 200 and "is paid" in page.text
    forged = {**result["return_params"], "total_amount": "0.01"}
    assert client.get("/alipay/return", params=forged).status_code == 400


def test_the_sandbox_retries_until_the_server_says_success(gw, gw_sandbox, monkeypatch):
    svc, server = gw
    _, order = order_for(svc, server.actor)
    real = svc.orders.handle_notify.__func__
    calls = []

    def flaky(self, form):
        calls.append(1)
        return "fail" if len(calls) < 3 else real(self, form)

    monkeypatch.setattr("smsconsole.services.orders.OrderService.handle_notify", flaky)
    sbc.pay(gw_sandbox.endpoints, svc.orders.pay_url(order.id))
    assert wait_for(lambda: svc.orders.get(order.id).status == OrderStatus.PAID)

    def answers() -> list[str]:
        return [n["answer"] for n in sbc.state(gw_sandbox.endpoints)["notifications"]
                if n["out_trade_no"] == order.order_no]

    # The order is paid when the third handler commits; the sandbox records that answer
    # only once the response reaches it, a moment later.
    assert wait_for(lambda: len(answers()) >= 3)
    assert answers() == ["fail", "fail", "success"]


def test_the_admins_check_is_recorded_as_such(gw, gw_sandbox, monkeypatch):
    """The order detail says how the order was confirmed: here by the admin's check,
    while every notification failed; a late notification then changes nothing."""
    svc, server = gw
    _, order = order_for(svc, server.actor)
    monkeypatch.setattr("smsconsole.services.orders.OrderService.handle_notify",
                        lambda self, form: "fail")
    sbc.pay(gw_sandbox.endpoints, svc.orders.pay_url(order.id))
    check = svc.orders.check_payment(server.actor, order.id)
    assert check.outcome == "paid_now"
    conf = payment(svc, order.id)
    assert conf.via == "check" and conf.trade_no == svc.orders.get(order.id).trade_no
    changes, conf2 = svc.orders.detail(order.id)
    assert changes == [] and conf2.via == "check"
    monkeypatch.undo()
    with httpx.Client(base_url=server.url, timeout=20, trust_env=False) as c:
        assert post(c, signed_notify(gw_sandbox, order)).text == "success"
    assert payment(svc, order.id).via == "check" and len(holdings(svc, order.id)) == 1
