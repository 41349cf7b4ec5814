"""Alipay adapter (python-alipay-sdk 3.4.0, computer-website page pay).

Money is integer fen everywhere in the platform; Alipay wants yuan text with two
decimals, formatted here from the integer ("12.34"), never through a float.

The SDK signs requests and verifies responses; the HTTP fetch is ours, so that a
loopback gateway (the sandbox) is never reached through a proxy, timeouts are bounded
and network failures of the (idempotent) trade query are retried. The SDK raises on
unsigned answers (``error_response``) but returns signed business failures as plain
dicts without looking at ``code`` — ``query_trade`` checks it.
"""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request

from alipay import AliPay
from alipay.exceptions import AliPayException, AliPayValidationError
from Cryptodome.Hash import SHA256
from Cryptodome.PublicKey import RSA
from Cryptodome.Signature import PKCS1_v1_5

from ._openapi import is_loopback
from .cloud_error import CloudError
from .retry import RetryPolicy
from .types import AlipaySettings, TradeStatus

_TRANSIENT_SUB = {"ACQ.SYSTEM_ERROR", "isp.unknow-error", "aop.unknow-error"}


def format_fen(amount_fen: int) -> str:
    """12345 → "123.45". Integers only: a float here would be a bug upstream."""
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int):
        raise TypeError("amount must be an int number of fen")
    if amount_fen <= 0:
        raise ValueError("amount must be positive")
    return f"{amount_fen // 100}.{amount_fen % 100:02d}"


def parse_fen(text: str) -> int:
    """"123.45" → 12345, exactly (no float on the way)."""
    text = (text or "0").strip()
    whole, _, frac = text.partition(".")
    if not whole.isdigit() or (frac and (not frac.isdigit() or len(frac) > 2)):
        raise ValueError(f"not an amount: {text!r}")
    return int(whole) * 100 + int((frac + "00")[:2])


def _load(pem: str, kind: str, field: str):
    try:
        key = RSA.importKey(pem)
    except (ValueError, IndexError, TypeError):
        raise CloudError("alipay", "InvalidKey", f"the {kind} is not a PEM RSA key",
                         field=field) from None
    return key


class AlipayClient:
    def __init__(
        self,
        settings: AlipaySettings,
        *,
        retry: RetryPolicy | None = None,
        timeout: float = 15.0,
    ) -> None:
        self.settings = settings
        self.retry = retry or RetryPolicy()
        self.timeout = timeout
        if not settings.app_id:
            raise CloudError("alipay", "NotConfigured", "app_id is empty", field="app_id")
        _load(settings.app_private_key, "app private key", "app_private_key")
        _load(settings.alipay_public_key, "Alipay public key", "alipay_public_key")
        self._sdk = AliPay(
            appid=settings.app_id,
            app_notify_url=settings.notify_url or None,
            app_private_key_string=settings.app_private_key,
            alipay_public_key_string=settings.alipay_public_key,
            sign_type=settings.sign_type,
        )
        self._sdk._gateway = settings.gateway
        if is_loopback(settings.gateway):
            self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        else:
            self._opener = urllib.request.build_opener()

    def __repr__(self) -> str:
        return f"AlipayClient(app_id={self.settings.app_id!r}, gateway={self.settings.gateway!r})"

    # --- page pay -------------------------------------------------------------------

    def page_pay_url(self, order_no: str, amount_fen: int, subject: str,
                     return_url: str = "") -> str:
        """The URL to send the buyer's browser to (alipay.trade.page.pay)."""
        query = self._sdk.api_alipay_trade_page_pay(
            subject=subject,
            out_trade_no=order_no,
            total_amount=format_fen(amount_fen),
            return_url=return_url or None,
            notify_url=self.settings.notify_url or None,
        )
        return f"{self.settings.gateway}?{query}"

    # --- trade query ----------------------------------------------------------------

    def _fetch(self, url: str) -> str:
        attempt = 0
        while True:
            try:
                with self._opener.open(url, timeout=self.timeout) as resp:
                    return resp.read().decode("utf-8")
            except urllib.error.HTTPError as e:
                err = CloudError("alipay", f"HTTP{e.code}", f"gateway answered HTTP {e.code}",
                                 http_status=e.code, retryable=e.code >= 500,
                                 action="alipay.trade.query")
            except (urllib.error.URLError, TimeoutError, ConnectionError) as e:
                reason = getattr(e, "reason", e)
                timeout = isinstance(reason, TimeoutError | socket.timeout)
                err = CloudError("alipay", "Timeout" if timeout else "NetworkError",
                                 type(reason).__name__, retryable=True,
                                 action="alipay.trade.query")
            if not err.retryable or attempt >= self.retry.retries:
                raise err
            attempt += 1
            self.retry.wait(attempt)

    def query_trade(self, order_no: str) -> TradeStatus:
        """alipay.trade.query by our order number; ``exists=False`` for ACQ.TRADE_NOT_EXIST
        (a page-pay order the buyer has not paid or opened yet)."""
        attempt = 0
        while True:
            data = self._sdk.build_body("alipay.trade.query", {"out_trade_no": order_no})
            raw = self._fetch(self._sdk._gateway + "?" + self._sdk.sign_data(data))
            try:
                node = self._sdk._verify_and_return_sync_response(
                    raw, "alipay_trade_query_response")
            except AliPayValidationError:
                raise CloudError("alipay", "ResponseSignatureInvalid",
                                 "the gateway's answer does not verify with the Alipay "
                                 "public key", action="alipay.trade.query",
                                 field="alipay_public_key") from None
            except AliPayException:
                node = _error_node(raw)
                if node.get("unsigned"):
                    raise CloudError("alipay", "ResponseSignatureInvalid",
                                     "the gateway's answer carries no signature",
                                     action="alipay.trade.query") from None
                code, sub = node.get("code", ""), node.get("sub_code", "")
                field = {"isv.invalid-signature": "app_private_key",
                         "isv.invalid-app-id": "app_id"}.get(sub)
                err = CloudError("alipay", sub or code or "InvalidResponse",
                                 node.get("sub_msg") or node.get("msg") or "",
                                 retryable=code == "20000" or sub in _TRANSIENT_SUB,
                                 action="alipay.trade.query", field=field)
                if err.retryable and attempt < self.retry.retries:
                    attempt += 1
                    self.retry.wait(attempt)
                    continue
                raise err from None
            code, sub = str(node.get("code", "")), str(node.get("sub_code", ""))
            if code == "10000":
                return TradeStatus(
                    exists=True,
                    status=str(node.get("trade_status", "")),
                    trade_no=str(node.get("trade_no", "")),
                    out_trade_no=str(node.get("out_trade_no", order_no)),
                    total_amount_fen=parse_fen(str(node.get("total_amount", "0"))),
                    paid_at=str(node.get("send_pay_date", "")),
                )
            if sub == "ACQ.TRADE_NOT_EXIST":
                return TradeStatus(exists=False, out_trade_no=order_no)
            err = CloudError("alipay", sub or code, str(node.get("sub_msg") or node.get("msg")),
                             retryable=sub in _TRANSIENT_SUB, action="alipay.trade.query")
            if err.retryable and attempt < self.retry.retries:
                attempt += 1
                self.retry.wait(attempt)
                continue
            raise err

    # --- notifies -------------------------------------------------------------------

    def verify_notify(self, form: dict) -> bool:
        """True when an async notify (or sync return) is signed by Alipay for our app.

        Works on a copy (the SDK's ``verify`` pops ``sign_type`` and rewrites dicts).
        It does not check amounts: the caller compares them with the order.
        """
        data = {str(k): v for k, v in form.items()}
        sign = data.pop("sign", None)
        if not sign:
            return False
        if data.get("app_id") not in (None, self.settings.app_id):
            return False
        sign_type = data.get("sign_type")
        if sign_type is not None and sign_type != self.settings.sign_type:
            return False
        try:
            return bool(self._sdk.verify(data, sign))
        except (AliPayException, ValueError, TypeError):
            return False

    # --- keys -----------------------------------------------------------------------

    def validate_keys(self) -> None:
        """Raise CloudError (``field`` names the key) unless the keys are usable: both
        parse, the private key signs a test text that its public half verifies, and the
        "Alipay public key" is not the app's own public key (a common paste mistake)."""
        app = _load(self.settings.app_private_key, "app private key", "app_private_key")
        ali = _load(self.settings.alipay_public_key, "Alipay public key", "alipay_public_key")
        if not app.has_private():
            raise CloudError("alipay", "InvalidKey", "the app private key is a public key",
                             field="app_private_key")
        if app.size_in_bits() < 2048:
            raise CloudError("alipay", "InvalidKey", "the app private key is shorter than "
                             "2048 bits (RSA2 needs 2048)", field="app_private_key")
        digest = SHA256.new(b"smsconsole key check")
        signature = PKCS1_v1_5.new(app).sign(digest)
        if not PKCS1_v1_5.new(app.publickey()).verify(digest, signature):
            raise CloudError("alipay", "InvalidKey", "the app private key cannot sign",
                             field="app_private_key")
        if ali.has_private():
            raise CloudError("alipay", "InvalidKey", "a private key was pasted as the Alipay "
                             "public key", field="alipay_public_key")
        if ali.n == app.n:
            raise CloudError("alipay", "InvalidKey", "the Alipay public key field holds the "
                             "app's own public key", field="alipay_public_key")


def _error_node(raw: str) -> dict:
    try:
        body = json.loads(raw)
    except ValueError:
        return {"code": "InvalidResponse", "sub_msg": "the gateway answered non-JSON"}
    if not isinstance(body, dict):
        return {}
    if isinstance(body.get("error_response"), dict):
        return body["error_response"]
    for key, value in body.items():
        if key.endswith("_response") and isinstance(value, dict):
            # an unsigned "success" cannot be trusted; unsigned failures (e.g. a wrong
            # app id) are reported as what they say
            return {**value, "unsigned": "sign" not in body and value.get("code") == "10000"}
    return {}
