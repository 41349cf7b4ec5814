"""The Alipay open-platform gateway (``/gateway.do``) as python-alipay-sdk 3.4.0 uses it.

* Requests (GET query and/or POST form) are verified with the app public key (RSA2 or
  RSA over the sorted raw parameters, ``sign_type`` included); a bad one gets an
  unsigned ``error_response`` (40002 isv.invalid-signature), like the real gateway.
* Node responses (``alipay_trade_query_response`` …) are always signed with the Alipay
  private key over the exact bytes sent, business failures (40004) included; string
  values never contain ``{``/``}`` because the SDK's brace counting would break.
* Page pay: the URL renders a tiny cashier; the trade does not exist
  (ACQ.TRADE_NOT_EXIST) until the buyer pays (TRADE_SUCCESS) or closes it
  (TRADE_CLOSED). Each change POSTs a signed async notify to ``notify_url``, retried on
  anything but ``success``.
"""

from __future__ import annotations

import html
import json
import re
import secrets
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from decimal import Decimal, InvalidOperation

from . import signing
from .faults import Fault
from .httpbase import Request, Response
from .state import SandboxState
from .store import next_counter
from .virtual_clock import china_str, real_ms

SELLER_ID = "2088000000000001"
BUYER_ID = "2088102177846875"
BUYER_LOGON = "sbx***@sandbox.com"
_AMOUNT = re.compile(r"^\d{1,9}(\.\d{1,2})?$")
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _clean(value):
    """Strip ``{``/``}`` from strings in a signed node (the SDK counts braces blindly)."""
    if isinstance(value, str):
        return value.replace("{", "(").replace("}", ")")
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def _json(payload: dict, status: int = 200) -> Response:
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Response(status, body, "application/json;charset=utf-8")


def _html(title: str, inner: str, status: int = 200) -> Response:
    page = (
        "<!doctype html><html lang='zh'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title>"
        "<style>body{font-family:sans-serif;max-width:28em;margin:3em auto}"
        "button{font-size:1.1em;margin-right:1em}</style></head>"
        f"<body><h1>{html.escape(title)}</h1>{inner}</body></html>"
    )
    return Response(status, page.encode("utf-8"), "text/html;charset=utf-8")


class GatewayError(Exception):
    def __init__(self, code: str, msg: str, sub_code: str, sub_msg: str) -> None:
        super().__init__(sub_msg)
        self.code, self.msg, self.sub_code, self.sub_msg = code, msg, sub_code, sub_msg


class AlipayApi:
    def __init__(self, state: SandboxState) -> None:
        self.s = state
        self._notify_lock = threading.Lock()

    # --- entry ----------------------------------------------------------------------

    def __call__(self, req: Request) -> Response:
        if req.path == "/gateway.do":
            return self._gateway(req)
        if req.path in ("/cashier/pay", "/cashier/close") and req.method == "POST":
            form = dict(req.form_pairs())
            action = req.path.rsplit("/", 1)[1]
            fault = self.s.faults.hit("alipay", f"cashier.{action}")
            if fault is not None and fault.kind == "http500":
                return _html("系统繁忙", "<p>请稍后再试</p>", 500)
            return self.buyer_action(form.get("out_trade_no", ""), form.get("token", ""), action)
        return _html("404", "<p>Not found</p>", 404)

    def _apply_fault(self, fault: Fault) -> Response | None:
        if fault.kind == "delay":
            time.sleep(fault.seconds)
            return None
        if fault.kind == "drop":
            return Response(drop=True)
        if fault.kind == "http500":
            return _html("502 Bad Gateway", "<p>upstream error</p>", 502)
        code = fault.code or "20000"
        return _json({"error_response": {"code": code, "msg": fault.message or
                                         "Service Currently Unavailable",
                                         "sub_code": "isp.unknow-error",
                                         "sub_msg": "系统繁忙"}})

    def _gateway(self, req: Request) -> Response:
        params = dict(req.query_pairs())
        params.update(dict(req.form_pairs()))
        method = params.get("method", "")
        fault = self.s.faults.hit("alipay", method or "?")
        if fault is not None:
            early = self._apply_fault(fault)
            if early is not None:
                return early
        browser = method in ("alipay.trade.page.pay", "alipay.trade.wap.pay")
        try:
            self._verify(params)
            if browser:
                return self._page_pay(params)
            biz = self._biz(params)
            if method == "alipay.trade.query":
                node = self._query(biz)
            elif method == "alipay.trade.close":
                node = self._close(biz)
            else:
                raise GatewayError("40002", "Invalid Arguments", "isv.invalid-method",
                                   "不存在的方法名")
        except GatewayError as e:
            if browser:
                return _html("支付宝 - 错误",
                             f"<p>{html.escape(e.sub_code)}: {html.escape(e.sub_msg)}</p>", 200)
            return _json({"error_response": {"code": e.code, "msg": e.msg,
                                             "sub_code": e.sub_code, "sub_msg": e.sub_msg}})
        return self._signed(method, node, params.get("sign_type", "RSA2"))

    def _signed(self, method: str, node: dict, sign_type: str) -> Response:
        key = method.replace(".", "_") + "_response"
        node_json = json.dumps(_clean(node), ensure_ascii=False, separators=(",", ":"))
        sig = signing.rsa_sign(self.s.keys.alipay_private, node_json, sign_type)
        body = '{"' + key + '":' + node_json + ',"sign":"' + sig + '"}'
        return Response(200, body.encode("utf-8"), "application/json;charset=utf-8")

    def _verify(self, params: dict) -> None:
        for name, sub in (("method", "isv.missing-method"), ("app_id", "isv.missing-app-id"),
                          ("sign", "isv.missing-signature"),
                          ("sign_type", "isv.missing-signature-type")):
            if not params.get(name):
                raise GatewayError("40001", "Missing Required Arguments", sub,
                                   f"缺少{name}参数")
        if params["app_id"] != self.s.alipay_app_id:
            raise GatewayError("40002", "Invalid Arguments", "isv.invalid-app-id",
                               "无效的AppID参数")
        if params["sign_type"] not in ("RSA", "RSA2"):
            raise GatewayError("40002", "Invalid Arguments", "isv.invalid-signature-type",
                               "无效的签名类型")
        text = signing.alipay_request_string(params)
        if not signing.rsa_verify(self.s.keys.app_public, text, params["sign"],
                                  params["sign_type"]):
            raise GatewayError(
                "40002", "Invalid Arguments", "isv.invalid-signature",
                "验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配，网关生成的验签字符串为："
                + text,
            )

    @staticmethod
    def _biz(params: dict) -> dict:
        try:
            biz = json.loads(params.get("biz_content") or "{}")
        except ValueError:
            raise GatewayError("40002", "Invalid Arguments", "isv.invalid-biz-content",
                               "biz_content格式不正确") from None
        if not isinstance(biz, dict):
            raise GatewayError("40002", "Invalid Arguments", "isv.invalid-biz-content",
                               "biz_content格式不正确")
        return biz

    # --- trades ---------------------------------------------------------------------

    def _row(self, out_trade_no: str = "", trade_no: str = "") -> dict | None:
        with self.s.store.read() as db:
            cur = db.execute("SELECT * FROM trades WHERE " + (
                "trade_no=?" if trade_no else "out_trade_no=?"), (trade_no or out_trade_no,))
            db_row = cur.fetchone()
            if db_row is None:
                return None
            return dict(zip([c[0] for c in cur.description], db_row, strict=True))

    def _page_pay(self, params: dict) -> Response:
        biz = self._biz(params)
        out_no = str(biz.get("out_trade_no", ""))
        amount = str(biz.get("total_amount", ""))
        subject = str(biz.get("subject", ""))
        if not out_no or len(out_no) > 64 or not subject:
            raise GatewayError("40002", "Invalid Arguments", "ACQ.INVALID_PARAMETER",
                               "参数无效：out_trade_no/subject")
        try:
            ok = _AMOUNT.match(amount) and Decimal("0.01") <= Decimal(amount) <= Decimal(
                "100000000")
        except InvalidOperation:
            ok = False
        if not ok:
            raise GatewayError("40002", "Invalid Arguments", "ACQ.INVALID_PARAMETER",
                               "参数无效：total_amount")
        token = secrets.token_urlsafe(12)
        now = self.s.clock.now_ms()
        with self.s.store.tx() as db:
            row = db.execute("SELECT status, token FROM trades WHERE out_trade_no=?",
                             (out_no,)).fetchone()
            if row is None:
                db.execute(
                    "INSERT INTO trades(out_trade_no, subject, total_amount, notify_url, "
                    "return_url, created_ms, token) VALUES(?,?,?,?,?,?,?)",
                    (out_no, subject, amount, params.get("notify_url", ""),
                     params.get("return_url", ""), now, token),
                )
                status = ""
            else:
                status, token = row
                if status == "":
                    db.execute(
                        "UPDATE trades SET subject=?, total_amount=?, notify_url=?, "
                        "return_url=? WHERE out_trade_no=?",
                        (subject, amount, params.get("notify_url", ""),
                         params.get("return_url", ""), out_no),
                    )
        if status in ("TRADE_SUCCESS", "TRADE_FINISHED"):
            return _html("支付宝 - 订单已支付", f"<p>订单 {html.escape(out_no)} 已支付。</p>")
        if status == "TRADE_CLOSED":
            return _html("支付宝 - 交易已关闭", f"<p>订单 {html.escape(out_no)} 已关闭。</p>")
        hidden = (f"<input type='hidden' name='out_trade_no' value='{html.escape(out_no)}'>"
                  f"<input type='hidden' name='token' value='{token}'>")
        return _html("支付宝收银台（沙箱）", (
            f"<p>商品：{html.escape(subject)}</p><p>订单号：{html.escape(out_no)}</p>"
            f"<p>应付金额：<b>¥{html.escape(amount)}</b></p>"
            f"<form method='post' action='/cashier/pay' style='display:inline'>{hidden}"
            "<button id='pay' type='submit'>确认付款</button></form>"
            f"<form method='post' action='/cashier/close' style='display:inline'>{hidden}"
            "<button id='close' type='submit'>关闭交易</button></form>"
        ))

    def buyer_action(self, out_no: str, token: str, action: str) -> Response:
        row = self._row(out_no)
        if row is None or not token or not secrets.compare_digest(row["token"], token):
            return _html("支付宝 - 错误", "<p>订单不存在或链接已失效</p>", 404)
        if action == "pay":
            if row["status"] == "TRADE_CLOSED":
                return _html("支付宝 - 交易已关闭", "<p>交易已关闭，无法付款。</p>", 409)
            row = self.set_status(out_no, "TRADE_SUCCESS")
            ret = row["return_url"]
            if ret:
                sep = "&" if "?" in ret else "?"
                query = urllib.parse.urlencode(self._return_params(row))
                return Response(302, b"", "text/html;charset=utf-8",
                                {"Location": ret + sep + query})
            return _html("支付宝 - 付款成功", f"<p>订单 {html.escape(out_no)} 付款成功。</p>")
        if row["status"] in ("TRADE_SUCCESS", "TRADE_FINISHED"):
            return _html("支付宝 - 订单已支付", "<p>已支付的交易不能关闭。</p>", 409)
        self.set_status(out_no, "TRADE_CLOSED")
        return _html("支付宝 - 交易已关闭", f"<p>订单 {html.escape(out_no)} 已关闭。</p>")

    def set_status(self, out_no: str, status: str) -> dict:
        """Move a trade to TRADE_SUCCESS / TRADE_CLOSED (idempotent) and queue its notify."""
        now = self.s.clock.now_ms()
        with self.s.store.tx() as db:
            cur, trade_no, notify_url = db.execute(
                "SELECT status, trade_no, notify_url FROM trades WHERE out_trade_no=?",
                (out_no,),
            ).fetchone()
            if cur != status:
                if not trade_no:
                    seq = next_counter(db, "trade")
                    trade_no = f"{china_str(now)[:10].replace('-', '')}22001400{seq:012d}"
                db.execute(
                    "UPDATE trades SET status=?, trade_no=?, buyer_id=?, buyer_logon_id=?, "
                    "paid_ms=CASE WHEN ?='TRADE_SUCCESS' THEN ? ELSE paid_ms END, "
                    "closed_ms=CASE WHEN ?='TRADE_CLOSED' THEN ? ELSE closed_ms END, "
                    "notify_id=?, notify_state=?, notify_attempts=0, next_notify_ms=? "
                    "WHERE out_trade_no=?",
                    (status, trade_no, BUYER_ID, BUYER_LOGON, status, now, status, now,
                     secrets.token_hex(16), "pending" if notify_url else "", real_ms(),
                     out_no),
                )
        row = self._row(out_no)
        assert row is not None
        return row

    def _amounts(self, row: dict) -> dict:
        paid = row["status"] in ("TRADE_SUCCESS", "TRADE_FINISHED")
        amount = row["total_amount"]
        got = amount if paid else "0.00"
        return {"total_amount": amount, "receipt_amount": got, "buyer_pay_amount": got,
                "invoice_amount": got, "point_amount": "0.00"}

    def _query(self, biz: dict) -> dict:
        out_no, trade_no = str(biz.get("out_trade_no", "")), str(biz.get("trade_no", ""))
        if not out_no and not trade_no:
            return {"code": "40004", "msg": "Business Failed", "sub_code":
                    "ACQ.INVALID_PARAMETER", "sub_msg": "参数无效"}
        row = self._row(out_no, trade_no)
        if row is None or row["status"] == "":
            return {"code": "40004", "msg": "Business Failed", "sub_code": "ACQ.TRADE_NOT_EXIST",
                    "sub_msg": "交易不存在", "out_trade_no": out_no, "buyer_pay_amount": "0.00",
                    "invoice_amount": "0.00", "point_amount": "0.00",
                    "receipt_amount": "0.00"}
        node = {"code": "10000", "msg": "Success", "trade_no": row["trade_no"],
                "out_trade_no": row["out_trade_no"], "buyer_logon_id": row["buyer_logon_id"],
                "trade_status": row["status"], **self._amounts(row),
                "buyer_user_id": row["buyer_id"], "buyer_user_type": "PRIVATE"}
        if row["paid_ms"]:
            node["send_pay_date"] = china_str(row["paid_ms"])
        return node

    def _close(self, biz: dict) -> dict:
        out_no, trade_no = str(biz.get("out_trade_no", "")), str(biz.get("trade_no", ""))
        row = self._row(out_no, trade_no)
        if row is None or row["status"] == "":
            return {"code": "40004", "msg": "Business Failed", "sub_code": "ACQ.TRADE_NOT_EXIST",
                    "sub_msg": "交易不存在"}
        if row["status"] in ("TRADE_SUCCESS", "TRADE_FINISHED"):
            return {"code": "40004", "msg": "Business Failed",
                    "sub_code": "ACQ.TRADE_STATUS_ERROR", "sub_msg": "交易状态不合法"}
        row = self.set_status(row["out_trade_no"], "TRADE_CLOSED")
        return {"code": "10000", "msg": "Success", "trade_no": row["trade_no"],
                "out_trade_no": row["out_trade_no"]}

    # --- return and notify ----------------------------------------------------------

    def _return_params(self, row: dict) -> dict:
        params = {
            "app_id": self.s.alipay_app_id, "auth_app_id": self.s.alipay_app_id,
            "charset": "utf-8", "method": "alipay.trade.page.pay.return",
            "out_trade_no": row["out_trade_no"], "seller_id": SELLER_ID,
            "timestamp": china_str(self.s.clock.now_ms()), "total_amount": row["total_amount"],
            "trade_no": row["trade_no"], "version": "1.0", "sign_type": "RSA2",
        }
        params["sign"] = signing.rsa_sign(
            self.s.keys.alipay_private, signing.alipay_notify_string(params), "RSA2"
        )
        return params

    def notify_params(self, row: dict) -> dict:
        amounts = self._amounts(row)
        params = {
            "notify_time": china_str(self.s.clock.now_ms()),
            "notify_type": "trade_status_sync", "notify_id": row["notify_id"],
            "app_id": self.s.alipay_app_id, "auth_app_id": self.s.alipay_app_id,
            "charset": "utf-8", "version": "1.0", "sign_type": "RSA2",
            "trade_no": row["trade_no"], "out_trade_no": row["out_trade_no"],
            "buyer_id": row["buyer_id"], "buyer_logon_id": row["buyer_logon_id"],
            "seller_id": SELLER_ID, "seller_email": "sandbox-seller@example.com",
            "trade_status": row["status"], **amounts, "subject": row["subject"],
            "gmt_create": china_str(row["created_ms"]),
        }
        if row["paid_ms"]:
            params["gmt_payment"] = china_str(row["paid_ms"])
            params["fund_bill_list"] = json.dumps(
                [{"amount": row["total_amount"], "fundChannel": "ALIPAYACCOUNT"}],
                separators=(",", ":"),
            )
        if row["closed_ms"]:
            params["gmt_close"] = china_str(row["closed_ms"])
        params["sign"] = signing.rsa_sign(
            self.s.keys.alipay_private, signing.alipay_notify_string(params), "RSA2"
        )
        return params

    def send_notify(self, out_no: str) -> tuple[int, str]:
        """POST the trade's notify now; returns (HTTP status or 0, answer text)."""
        row = self._row(out_no)
        if row is None or not row["notify_url"] or row["status"] == "":
            return 0, "no notify for this trade"
        params = self.notify_params(row)
        data = urllib.parse.urlencode(params).encode("utf-8")
        req = urllib.request.Request(
            row["notify_url"], data=data, method="POST",
            headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
        )
        try:
            with _NO_PROXY.open(req, timeout=5) as resp:
                status, answer = resp.status, resp.read(200).decode("utf-8", "replace")
        except urllib.error.HTTPError as e:
            status, answer = e.code, ""
        except (OSError, ValueError) as e:
            status, answer = 0, f"{type(e).__name__}"
        ok = status == 200 and answer.strip() == "success"
        delays = self.s.config.notify_retry_delays
        with self.s.store.tx() as db:
            attempts = db.execute(
                "SELECT notify_attempts FROM trades WHERE out_trade_no=?", (out_no,)
            ).fetchone()[0] + 1
            if ok:
                state, nxt = "done", 0
            elif attempts > len(delays):
                state, nxt = "gave_up", 0
            else:
                state, nxt = "pending", real_ms() + int(delays[attempts - 1] * 1000)
            db.execute(
                "UPDATE trades SET notify_state=?, notify_attempts=?, next_notify_ms=?, "
                "last_notify_answer=? WHERE out_trade_no=?",
                (state, attempts, nxt, answer[:100], out_no),
            )
            db.execute(
                "INSERT INTO notifications(out_trade_no, notify_id, trade_status, attempt, "
                "at_ms, status, answer, next_ms) VALUES(?,?,?,?,?,?,?,?)",
                (out_no, params["notify_id"], params["trade_status"], attempts, real_ms(),
                 status, answer[:100], nxt),
            )
        return status, answer

    def notifications(self, limit: int = 500) -> list[dict]:
        """Every notification POSTed (each retry a row), newest last: what was answered
        and, after a failure, when the next try is due (0: done or given up)."""
        with self.s.store.read() as db:
            cur = db.execute(
                "SELECT out_trade_no, notify_id, trade_status, attempt, at_ms, status, answer, "
                "next_ms FROM (SELECT * FROM notifications ORDER BY id DESC LIMIT ?) "
                "ORDER BY id", (limit,))
            cols = [c[0] for c in cur.description]
            rows = [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]
        for r in rows:
            r["at"] = china_str(r.pop("at_ms"))
            nxt = r.pop("next_ms")
            r["retry_in_ms"] = max(0, nxt - real_ms()) if nxt else 0
        return rows

    def pay(self, out_no: str) -> dict:
        """Pay an opened page-pay trade as the buyer would (the cashier's button)."""
        row = self._row(out_no)
        if row is None:
            raise KeyError("unknown out_trade_no (open its page-pay URL first)")
        if row["status"] == "TRADE_CLOSED":
            raise ValueError("the trade is closed")
        row = self.set_status(out_no, "TRADE_SUCCESS")
        return {"status": row["status"], "trade_no": row["trade_no"],
                "return_params": self._return_params(row) if row["return_url"] else {}}

    def due_notifies(self) -> list[str]:
        with self.s.store.read() as db:
            return [r[0] for r in db.execute(
                "SELECT out_trade_no FROM trades WHERE notify_state='pending' "
                "AND next_notify_ms<=? LIMIT 50", (real_ms(),))]

    def notify_loop(self, stop: threading.Event) -> None:
        while not stop.wait(0.1):
            for out_no in self.due_notifies():
                if stop.is_set():
                    return
                with self._notify_lock:
                    self.send_notify(out_no)

    def trades(self, limit: int = 200) -> list[dict]:
        with self.s.store.read() as db:
            cur = db.execute(
                "SELECT out_trade_no, trade_no, subject, total_amount, status, notify_state, "
                "notify_attempts, last_notify_answer FROM trades ORDER BY created_ms DESC "
                "LIMIT ?", (limit,))
            cols = [c[0] for c in cur.description]
            return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]
