"""Small HTTP helpers for tests and the demo to drive a running sandbox.

They talk to the sandbox's own ``/_sandbox/`` endpoints (and, for ``pay``/``close``,
to the cashier pages as a buyer's browser would), never through a proxy.
"""

from __future__ import annotations

import html
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime

from .server import SandboxEndpoints


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect)


def _call(url: str, payload: dict | None = None, method: str | None = None,
          timeout: float = 10.0) -> dict:
    data = None if payload is None else json.dumps(payload).encode("utf-8")
    req = urllib.request.Request(url, data=data, method=method or ("POST" if data else "GET"),
                                 headers={"Content-Type": "application/json"})
    try:
        with _OPENER.open(req, timeout=timeout) as resp:
            return json.loads(resp.read() or b"{}")
    except urllib.error.HTTPError as e:
        body = e.read()
        raise RuntimeError(f"sandbox answered {e.code}: {body[:300]!r}") from None


def _base(endpoints: SandboxEndpoints) -> str:
    return endpoints.sms.rstrip("/") + "/_sandbox"


def state(endpoints: SandboxEndpoints, *, summary: bool = False, limit: int | None = None,
          **filters: str) -> dict:
    """``GET /_sandbox/state``; filters: ``biz_id=``, ``phone=``."""
    query = {k: v for k, v in filters.items() if v}
    if summary:
        query["summary"] = "1"
    if limit is not None:
        query["limit"] = str(limit)
    suffix = ("?" + urllib.parse.urlencode(query)) if query else ""
    return _call(_base(endpoints) + "/state" + suffix)


def set_clock(endpoints: SandboxEndpoints, now: datetime | str | None,
              hold: bool = False) -> dict:
    """Shift the sandbox's virtual now (aware datetime or ISO text); None resets it.
    ``hold`` stops the virtual clock there until the next call."""
    if now is None:
        return _call(_base(endpoints) + "/clock", {"reset": True})
    text = now.isoformat() if isinstance(now, datetime) else now
    return _call(_base(endpoints) + "/clock", {"now": text, "hold": hold})


def configure(endpoints: SandboxEndpoints, **cfg) -> dict:
    """Set failure_rate, duplicate_rate, reply_rate, unsubscribe_share, report_delay,
    review_delay, review_reject_share, token_ttl, notify_retry_delays, seed."""
    return _call(_base(endpoints) + "/config", cfg)


def inject_fault(endpoints: SandboxEndpoints, service: str, action: str = "*", kind: str = "http500",
                 count: int = 1, **extra) -> dict:
    """Fault for the next ``count`` requests of ``action``: kind http500 | throttle |
    delay (``seconds=``) | error (``status=``, ``code=``, ``message=``) | drop."""
    spec = {"service": service, "action": action, "kind": kind, "count": count, **extra}
    return _call(_base(endpoints) + "/faults", spec)


def faults(endpoints: SandboxEndpoints) -> dict:
    """Pending faults and per-action request counters (``"sms:SendSms": 3``)."""
    return _call(_base(endpoints) + "/faults")


def clear_faults(endpoints: SandboxEndpoints) -> dict:
    return _call(_base(endpoints) + "/faults", method="DELETE")


def request_count(endpoints: SandboxEndpoints, service: str, action: str) -> int:
    return int(faults(endpoints)["requests"].get(f"{service}:{action}", 0))


def advance_reviews(endpoints: SandboxEndpoints, decision: str | None = None) -> int:
    """Finish every pending signature/template review now (seeded outcome, or force
    ``decision="approve"``/``"reject"``)."""
    return _call(_base(endpoints) + "/reviews/advance", {"decision": decision})["decided"]


def flush_reports(endpoints: SandboxEndpoints) -> int:
    """Make every scheduled status report and reply visible in its queue now."""
    return _call(_base(endpoints) + "/reports/flush", {})["flushed"]


def _alipay_root(endpoints: SandboxEndpoints) -> str:
    return endpoints.alipay.rsplit("/gateway.do", 1)[0]


def _cashier(endpoints: SandboxEndpoints, page_pay_url: str, action: str) -> dict:
    with _OPENER.open(page_pay_url, timeout=10) as resp:
        page = resp.read().decode("utf-8")
    out_no = re.search(r"name='out_trade_no' value='([^']*)'", page)
    token = re.search(r"name='token' value='([^']*)'", page)
    if not out_no or not token:
        raise RuntimeError("the cashier page has no pay form (paid, closed or bad URL)")
    form = urllib.parse.urlencode(
        {"out_trade_no": html.unescape(out_no.group(1)), "token": token.group(1)}
    ).encode()
    req = urllib.request.Request(f"{_alipay_root(endpoints)}/cashier/{action}", data=form,
                                 method="POST")
    try:
        with _OPENER.open(req, timeout=10) as resp:
            return {"status": resp.status, "location": ""}
    except urllib.error.HTTPError as e:  # the 302 to return_url lands here (no redirect)
        location = e.headers.get("Location", "")
        if e.code == 302:
            params = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))
            return {"status": 302, "location": location, "return_params": params}
        raise RuntimeError(f"cashier answered {e.code}") from None


def pay(endpoints: SandboxEndpoints, page_pay_url: str) -> dict:
    """Act as the buyer: open the page-pay URL and pay. Returns ``status`` and, when the
    order had a return_url, the signed ``return_params`` the browser would bring back."""
    return _cashier(endpoints, page_pay_url, "pay")


def close_trade(endpoints: SandboxEndpoints, page_pay_url: str | None = None,
                out_trade_no: str | None = None) -> dict:
    """Close an unpaid order: through its cashier page, or directly by ``out_trade_no``."""
    if page_pay_url:
        return _cashier(endpoints, page_pay_url, "close")
    return _call(_base(endpoints) + "/alipay/close", {"out_trade_no": out_trade_no})


def send_notify(endpoints: SandboxEndpoints, out_trade_no: str) -> dict:
    """POST the trade's signed async notify to its notify_url now: ``{status, answer}``."""
    return _call(_base(endpoints) + "/alipay/notify", {"out_trade_no": out_trade_no})


def pay_trade(endpoints: SandboxEndpoints, out_trade_no: str) -> dict:
    """Pay an opened page-pay trade as the buyer (control call); the notify follows."""
    return _call(_base(endpoints) + "/alipay/pay", {"out_trade_no": out_trade_no})
