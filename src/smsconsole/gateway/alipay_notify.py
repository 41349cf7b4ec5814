"""Alipay's asynchronous notifications (``POST /alipay/notify``) and the page the buyer's
browser returns to after paying (``GET /alipay/return``). Spec gateway.md §4.

The notify answer is the plain text ``success`` only once the order is paid and its
holding granted in a committed transaction (or the notification needed nothing: a
repeat, a closed trade); anything else, including a database failure, is ``fail`` and
Alipay retries. The return page never marks anything paid: the signed return carries no
trade status, so it shows the order as the notification (or the admin's check) left it.
"""

from __future__ import annotations

import html
import logging
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, PlainTextResponse

from smsconsole.gateway.rest.deps import context_of
from smsconsole.gateway.rest.problems import request_lang
from smsconsole.i18n import t
from smsconsole.services.portal import Portal

log = logging.getLogger("smsconsole.gateway.alipay")
router = APIRouter(include_in_schema=False)
MAX_NOTIFY = 16 * 1024


@router.post("/alipay/notify")
async def notify(request: Request) -> PlainTextResponse:
    body = await request.body()
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if len(body) > MAX_NOTIFY or ctype != "application/x-www-form-urlencoded":
        return PlainTextResponse("fail", status_code=400)
    try:
        form = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    except UnicodeDecodeError:
        return PlainTextResponse("fail", status_code=400)
    portal = Portal.of(context_of(request.app))
    from starlette.concurrency import run_in_threadpool

    try:
        answer = await run_in_threadpool(portal.orders.handle_notify, form)
    except Exception as exc:  # noqa: BLE001 - the database failed: Alipay will retry
        log.error("alipay notify for %s not handled: %s", form.get("out_trade_no", "?")[:32],
                  type(exc).__name__)
        answer = "fail"
    return PlainTextResponse(answer)


@router.get("/alipay/return")
def returned(request: Request) -> HTMLResponse:
    lang = request_lang(request)
    params = dict(request.query_params)
    portal = Portal.of(context_of(request.app))
    order_no = params.get("out_trade_no", "")[:32]
    try:
        signed = portal.ctx.cloud.alipay().verify_notify(params)
    except Exception:  # noqa: BLE001 - payment not configured
        signed = False
    if not signed:
        key, status = "alipay.return.unverified", 400
    else:
        from smsconsole.store.models import Order, OrderStatus

        with portal.ctx.store.read() as s:
            from sqlalchemy import select

            order = s.scalar(select(Order).where(Order.order_no == order_no))
        if order is None:
            key, status = "alipay.return.unknown", 404
        elif order.status == OrderStatus.PAID:
            key, status = "alipay.return.paid", 200
        else:
            key, status = "alipay.return.pending", 200
    title = t("alipay.return.title", lang)
    text = t(key, lang, order_no=order_no)
    page = (f"<!doctype html><html lang='{lang}'><head><meta charset='utf-8'>"
            f"<title>{html.escape(title)}</title></head><body><h1>{html.escape(title)}</h1>"
            f"<p id='result' data-key='{key}'>{html.escape(text)}</p></body></html>")
    return HTMLResponse(page, status_code=status)
