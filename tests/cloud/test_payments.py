"""The sandbox's Alipay gateway with python-alipay-sdk, and AlipayClient on top of it."""

from __future__ import annotations

import threading
import time
import urllib.parse
import urllib.request
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from alipay import AliPay
from alipay.exceptions import AliPayException, AliPayValidationError
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from smsconsole.cloud.cloud_error import CloudError
from smsconsole.cloud.payments import AlipayClient, format_fen, parse_fen
from smsconsole.cloud.sandbox import client as sbc


def sdk(ep, private_pem=None):
    ap = AliPay(appid=ep.alipay_app_id,
                app_private_key_string=private_pem or Path(
                    ep.alipay_app_private_key_file).read_text(),
                alipay_public_key_string=Path(ep.alipay_public_key_file).read_text())
    ap._gateway = ep.alipay
    return ap


@pytest.fixture(scope="module")
def stranger_pem():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM,
                             serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


class Recorder:
    """A merchant notify endpoint that answers from a script ("fail", then "success")."""

    def __init__(self, answers):
        self.answers = list(answers)
        self.forms: list[dict] = []
        rec = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                n = int(self.headers["Content-Length"])
                rec.forms.append(dict(urllib.parse.parse_qsl(self.rfile.read(n).decode())))
                body = (rec.answers.pop(0) if rec.answers else "success").encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/alipay/notify"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class Tamper:
    """A gateway in front of the sandbox that rewrites its answers."""

    def __init__(self, upstream: str, rewrite):
        rec = self
        self.rewrite = rewrite

        class H(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):
                with urllib.request.urlopen(upstream + "?" + self.path.split("?", 1)[1]) as r:
                    body = rec.rewrite(r.read().decode()).encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/gateway.do"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def test_amounts_are_integer_fen():
    assert format_fen(1234) == "12.34"
    assert format_fen(5) == "0.05"
    assert format_fen(100) == "1.00"
    assert format_fen(123456789) == "1234567.89"
    with pytest.raises(TypeError):
        format_fen(12.34)
    with pytest.raises(ValueError):
        format_fen(0)
    assert parse_fen("12.3") == 1230 and parse_fen("0.01") == 1 and parse_fen("7") == 700
    with pytest.raises(ValueError):
        parse_fen("1.234")


def test_page_pay_lifecycle_query_and_return(ep, fast_retry):
    client = AlipayClient(ep.alipay_settings(), retry=fast_retry)
    url = client.page_pay_url("ORDER-1", 1234, "短信套餐 1000 条", return_url="http://127.0.0.1:9/r")
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
    assert '"total_amount":"12.34"' in query["biz_content"]
    assert client.query_trade("ORDER-1").exists is False  # not until the buyer pays
    paid = sbc.pay(ep, url)
    assert paid["status"] == 302 and paid["location"].startswith("http://127.0.0.1:9/r?")
    ret = paid["return_params"]
    assert ret["method"] == "alipay.trade.page.pay.return" and ret["total_amount"] == "12.34"
    assert client.verify_notify(ret) is True
    st = client.query_trade("ORDER-1")
    assert (st.exists, st.status, st.total_amount_fen, st.paid) == (
        True, "TRADE_SUCCESS", 1234, True)
    assert st.trade_no and st.paid_at and st.out_trade_no == "ORDER-1"


def test_closed_trades(ep, fast_retry):
    client = AlipayClient(ep.alipay_settings(), retry=fast_retry)
    url = client.page_pay_url("ORDER-2", 100, "x")
    sbc.close_trade(ep, url)
    st = client.query_trade("ORDER-2")
    assert (st.exists, st.status, st.paid) == (True, "TRADE_CLOSED", False)
    with pytest.raises(RuntimeError):
        sbc.pay(ep, url)  # the cashier no longer offers paying


def test_async_notify_is_signed_and_retried_until_success(ep):
    rec = Recorder(["fail", "oops", "success"])
    try:
        client = AlipayClient(ep.alipay_settings(notify_url=rec.url))
        url = client.page_pay_url("ORDER-3", 990, "订单 {3}")
        sbc.pay(ep, url)
        deadline = time.time() + 5
        while len(rec.forms) < 3 and time.time() < deadline:
            time.sleep(0.05)
        assert len(rec.forms) == 3
        form = rec.forms[-1]
        assert {f["notify_id"] for f in rec.forms} == {form["notify_id"]}
        assert form["trade_status"] == "TRADE_SUCCESS" and form["total_amount"] == "9.90"
        assert form["out_trade_no"] == "ORDER-3" and form["sign_type"] == "RSA2"
        copy = dict(form)
        assert client.verify_notify(form) is True
        assert form == copy  # the caller's dict is untouched
        assert client.verify_notify({**form, "total_amount": "0.01"}) is False
        assert client.verify_notify({**form, "app_id": "2021999999999999"}) is False
        assert client.verify_notify({k: v for k, v in form.items() if k != "sign"}) is False
        time.sleep(0.2)
        assert len(rec.forms) == 3  # "success" ends the retries
        trades = {t["out_trade_no"]: t for t in sbc.state(ep, summary=True)["trades"]}
        assert trades["ORDER-3"]["notify_state"] == "done"
        again = sbc.send_notify(ep, "ORDER-3")
        assert again == {"status": 200, "answer": "success"}
    finally:
        rec.close()


def test_sdk_sees_signed_business_failures_and_unsigned_errors(ep, stranger_pem):
    ap = sdk(ep)
    node = ap.api_alipay_trade_query(out_trade_no="NOPE")
    assert (node["code"], node["sub_code"]) == ("40004", "ACQ.TRADE_NOT_EXIST")
    with pytest.raises(AliPayException) as exc:
        sdk(ep, stranger_pem).api_alipay_trade_query(out_trade_no="NOPE")
    assert "40002" in str(exc.value) and "isv.invalid-signature" in str(exc.value)
    with pytest.raises(AliPayException):
        ap.server_api("alipay.no.such.method", {"a": 1})


def test_wrong_app_key_names_the_field(ep, stranger_pem, fast_retry):
    s = replace(ep.alipay_settings(), app_private_key=stranger_pem)
    with pytest.raises(CloudError) as exc:
        AlipayClient(s, retry=fast_retry).query_trade("X")
    assert (exc.value.service, exc.value.code, exc.value.field) == (
        "alipay", "isv.invalid-signature", "app_private_key")
    assert "PRIVATE" not in str(exc.value)


def test_tampered_response_is_rejected(ep, fast_retry):
    client = AlipayClient(ep.alipay_settings(), retry=fast_retry)
    url = client.page_pay_url("ORDER-4", 1000, "x")
    sbc.pay(ep, url)
    tamper = Tamper(ep.alipay, lambda body: body.replace('"10.00"', '"0.01"'))
    try:
        evil = AlipayClient(replace(ep.alipay_settings(), gateway=tamper.url), retry=fast_retry)
        with pytest.raises(CloudError) as exc:
            evil.query_trade("ORDER-4")
        assert exc.value.code == "ResponseSignatureInvalid"
        with pytest.raises(AliPayValidationError):
            ap = sdk(ep)
            ap._gateway = tamper.url
            ap.api_alipay_trade_query(out_trade_no="ORDER-4")
        tamper.rewrite = lambda body: body.rsplit(',"sign"', 1)[0] + "}"
        with pytest.raises(CloudError) as exc:
            evil.query_trade("ORDER-4")
        assert exc.value.code == "ResponseSignatureInvalid"
    finally:
        tamper.close()


def test_gateway_errors_are_retried(ep, fast_retry, sleeps):
    client = AlipayClient(ep.alipay_settings(), retry=fast_retry)
    sbc.inject_fault(ep, "alipay", "alipay.trade.query", kind="http500", count=2)
    assert client.query_trade("ORDER-9").exists is False
    assert sbc.request_count(ep, "alipay", "alipay.trade.query") == 3
    assert len(sleeps) == 2
    sbc.inject_fault(ep, "alipay", "alipay.trade.query", kind="error", count=9, code="20000")
    with pytest.raises(CloudError) as exc:
        client.query_trade("ORDER-9")
    assert exc.value.retryable is True
    assert sbc.request_count(ep, "alipay", "alipay.trade.query") == 7


def test_validate_keys(ep, stranger_pem):
    AlipayClient(ep.alipay_settings()).validate_keys()
    with pytest.raises(CloudError) as exc:
        AlipayClient(replace(ep.alipay_settings(), app_private_key="-----BEGIN junk"))
    assert (exc.value.code, exc.value.field) == ("InvalidKey", "app_private_key")
    app_public = Path(ep.alipay_app_public_key_file).read_text()
    swapped = replace(ep.alipay_settings(), alipay_public_key=app_public)
    with pytest.raises(CloudError) as exc:
        AlipayClient(swapped).validate_keys()
    assert exc.value.field == "alipay_public_key"
    with pytest.raises(CloudError) as exc:
        AlipayClient(replace(ep.alipay_settings(), alipay_public_key="nope"))
    assert exc.value.field == "alipay_public_key"
    assert stranger_pem not in repr(replace(ep.alipay_settings(), app_private_key=stranger_pem))


def test_loopback_gateway_ignores_proxy_env(ep, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")
    client = AlipayClient(ep.alipay_settings())
    assert client.query_trade("ORDER-P").exists is False
