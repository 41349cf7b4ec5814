"""Seeds and signed Alipay notifications for the gateway tests."""

from __future__ import annotations

import time

from smsconsole.cloud.sandbox import signing
from smsconsole.services.packages import PackageInput
from smsconsole.store.models import Holding, OrderPayment
from tests.factories import user


def package(svc, actor, price="100.00", count=1000, name="通知包", on_sale=True):
    return svc.packages.create(actor, PackageInput(name=name, message_count=count,
                                                   unit_price="0.10", price=price,
                                                   validity_days=365, on_sale=on_sale))


def order_for(svc, actor, **pkg):
    u = user(svc)
    pkg = package(svc, actor, **pkg)
    return u, svc.orders.create(u.id, pkg.id)


def signed_notify(box, order, **over) -> dict:
    """A TRADE_SUCCESS notification as Alipay sends it, signed with the sandbox's
    Alipay private key after ``over`` is applied (so a wrong amount still verifies)."""
    amount = f"{order.amount_fen // 100}.{order.amount_fen % 100:02d}"
    params = {
        "notify_time": "2026-11-25 10:05:00", "notify_type": "trade_status_sync",
        "notify_id": "n" + order.order_no, "app_id": box.endpoints.alipay_app_id,
        "charset": "utf-8", "version": "1.0", "sign_type": "RSA2",
        "trade_no": "2026112522001400" + order.order_no[-8:],
        "out_trade_no": order.order_no, "trade_status": "TRADE_SUCCESS",
        "total_amount": amount, "receipt_amount": amount, "gmt_create": "2026-11-25 10:01:00",
        "gmt_payment": "2026-11-25 10:04:00", "subject": "通知包",
    }
    params.update(over)
    params = {k: v for k, v in params.items() if v is not None}
    params["sign"] = signing.rsa_sign(box.state.keys.alipay_private,
                                      signing.alipay_notify_string(params), "RSA2")
    return params


def holdings(svc, order_id: int) -> list[Holding]:
    from sqlalchemy import select

    with svc.store.read() as s:
        return list(s.scalars(select(Holding).where(Holding.order_id == order_id)))


def payment(svc, order_id: int) -> OrderPayment | None:
    return svc.orders.payment(order_id)


def wait_for(predicate, seconds: float = 15.0, step: float = 0.05):
    """Poll ``predicate`` (bounded); returns its last value."""
    deadline = time.monotonic() + seconds
    value = predicate()
    while not value and time.monotonic() < deadline:
        time.sleep(step)
        value = predicate()
    return value


def advance(svc, box, **delta) -> None:
    """Move the platform's fixed clock and hold the sandbox's at the same instant (the
    sandbox enforces Aliyun's per-phone flow control on its own clock)."""
    from smsconsole.cloud.sandbox import client as sbc

    svc.ctx.clock.advance(**delta)
    sbc.set_clock(box.endpoints, svc.ctx.clock.now(), hold=True)
