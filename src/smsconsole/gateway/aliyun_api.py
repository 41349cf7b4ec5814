"""The Aliyun-compatible SMS API at ``/`` (dysmsapi 2017-05-25, gateway.md §2).

A customer's code written for Aliyun with the official SDK works unchanged: the same
signatures (checked by ``cloud.acs_signing``, shared with the sandbox), actions,
parameters, response fields and error codes. Gateway/auth/parameter errors are HTTP 4xx
JSON; business errors HTTP 200 with ``Code`` ≠ ``OK``. Sending goes through the same
send service as the console (``services.sending``): the customer's own approved
signature and template, quota charged before the upstream call and given back when the
upstream refuses, opt-outs honoured. A refused request charges and records nothing.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import DBAPIError

from smsconsole.cloud import acs_signing
from smsconsole.cloud.acs_params import ApiError, Business, integer, required, template_param
from smsconsole.gateway.aliyun_apps import Applications
from smsconsole.gateway.limits import make_limiter
from smsconsole.services.access_keys import nonce_key, take_nonce
from smsconsole.services.errors import CloudFailure, ServiceError
from smsconsole.services.risk import RiskRefused
from smsconsole.services.sending import SendRequest, platform_biz_id
from smsconsole.store.fastsql import Driver
from smsconsole.store.models import (
    DailyStat,
    DeliveryStatus,
    ReviewStatus,
    SendRecord,
    SendTask,
    SignType,
    SmsType,
    TaskStatus,
)

log = logging.getLogger("smsconsole.gateway")

HOST_ID = "dysmsapi.aliyuncs.com"
CHINA = ZoneInfo("Asia/Shanghai")
MAX_REQUEST_BYTES = 256 * 1024
MAX_SEND, MAX_BATCH = 1000, 100
MAX_VARIABLE = 35  # characters per template variable, every template type (Aliyun)
# ASCII digits only: Python's \d would take full-width ones.
_PHONE = re.compile(r"^(?:\+?86|0086)?(1[3-9][0-9]{9})$", re.ASCII)
_URL = re.compile(r"(https?://|www\.)", re.I)
_VARIABLE = re.compile(r"\$\{(\w+)\}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_TYPE_NUMBER = {SmsType.VERIFICATION: 0, SmsType.NOTIFICATION: 1, SmsType.PROMOTION: 2}

# Service refusals → Aliyun's business codes.
_CODES = {
    "error.send.user_frozen": ("isv.ACCOUNT_ABNORMAL", "账户异常"),
    "error.user.not_found": ("isv.ACCOUNT_NOT_EXISTS", "账户不存在"),
    "error.template.not_found": ("isv.SMS_TEMPLATE_ILLEGAL", "该账号下找不到对应模板"),
    "error.send.template_not_approved": ("isv.SMS_TEMPLATE_ILLEGAL", "该账号下找不到对应模板"),
    "error.signature.not_found_for_user": ("isv.SMS_SIGNATURE_ILLEGAL", "该账号下找不到对应签名"),
    "error.send.signature_not_approved": ("isv.SMS_SIGNATURE_ILLEGAL", "该账号下找不到对应签名"),
    "error.send.missing_params": ("isv.TEMPLATE_MISSING_PARAMETERS", "模版缺少变量"),
    "error.send.quota": ("isv.AMOUNT_NOT_ENOUGH", "账户余额不足"),
    "error.send.no_valid_numbers": ("isv.MOBILE_NUMBER_ILLEGAL", "号码已退订或非法"),
}
# Risk control's whole-task refusals (``RiskRefused.code``) → Aliyun's messages.
RISK_MESSAGES = {
    "isv.BUSINESS_LIMIT_CONTROL": "业务限流",
    "isv.DAY_LIMIT_CONTROL": "触发日发送限额",
    "isv.MONTH_LIMIT_CONTROL": "触发月发送限额",
    "isv.BLACK_KEY_CONTROL_LIMIT": "黑名单管控",
}


@dataclass
class _Nonce:
    """A verified request's nonce, spent once: SendSms's in its send's own transaction
    (no write of its own), any other's before its action runs or as it is refused."""

    key: str  # access_keys.nonce_key
    taken: bool = False


@dataclass(frozen=True)
class _Tpl:
    id: int
    sms_type: SmsType
    content: str


@dataclass(frozen=True)
class _Sign:
    name: str
    sign_type: SignType


def business_code(e: ServiceError) -> tuple[str, str]:
    """A send service's refusal as Aliyun's (Code, Message)."""
    if isinstance(e, CloudFailure):
        return "isp.SYSTEM_ERROR", "系统错误，请稍后重试"
    if isinstance(e, RiskRefused) and e.code:  # nothing was charged or recorded
        return e.code, RISK_MESSAGES.get(e.code, "业务限流")
    return _CODES.get(e.key, ("isp.SYSTEM_ERROR", "系统错误，请稍后重试"))


class AliyunApi:
    """The request handling, synchronous (run in the thread pool)."""

    LIMIT_TTL = 30.0  # seconds a customer's QPS limit is cached
    APPROVED_TTL = 2.0  # seconds an approved template and signature are remembered
    THREADS = 40  # requests handled at once (anyio's default thread limit)

    def __init__(self, services) -> None:
        self.services = services
        self.keys = services.keys
        self.limiter = make_limiter()  # across processes with Redis (gateway.limits)
        self._limits: dict[int, tuple[float, int]] = {}
        self._approved_cache: dict[tuple[int, str, str], tuple[float, _Tpl, _Sign]] = {}
        self._last_sweep = 0.0
        # The requests' own threads: anyio's ``to_thread`` (Starlette's run_in_threadpool)
        # cost about a tenth of the gateway's CPU per request in its bookkeeping (a
        # checkpoint, a cancel scope, a capacity limiter, a queue with a condition).
        self.pool = ThreadPoolExecutor(self.THREADS, thread_name_prefix="sms-api")
        from smsconsole.services.gateway_stats import TrafficCounter

        self.traffic = TrafficCounter(services.ctx)
        self.actions = {
            "SendSms": self.send_sms,
            "SendBatchSms": self.send_batch_sms,
            "QuerySendDetails": self.query_send_details,
            "QuerySendStatistics": self.query_send_statistics,
        }
        self.actions.update(Applications(self).actions())

    # --- entry -----------------------------------------------------------------------

    def handle(self, method: str, path: str, query: str | None, headers: dict[str, str],
               body: bytes) -> tuple[int, dict, str, str]:
        """→ (HTTP status, JSON payload, action, code); counted for the console. ``query``
        is None when it is not UTF-8."""
        found: list = []
        try:
            answer = self._handle(method, path, query, headers, body, found)
        except DBAPIError:  # the database is away: Aliyun's answer, never a traceback
            log.warning("database unavailable", exc_info=True)
            answer = self._error(str(uuid.uuid4()).upper(), 503, "ServiceUnavailable",
                                 "The request has failed due to a temporary failure of the "
                                 "server.", headers.get("x-acs-action", ""))
        self.traffic.count(found[-1].user_id if found else None, answer[3] != "OK")
        return answer

    def _handle(self, method: str, path: str, query: str | None, headers: dict[str, str],
                body: bytes, found: list) -> tuple[int, dict, str, str]:
        rid = str(uuid.uuid4()).upper()
        action = headers.get("x-acs-action", "")
        try:
            if method not in ("GET", "POST"):
                raise ApiError(400, "UnsupportedHTTPMethod", "This http method is not supported.")
            if path != "/":
                raise ApiError(404, "InvalidAction.NotFound",
                               "Specified api is not found, please check your url and method.")
            if query is None:
                raise ApiError(400, "InvalidParameter", "The request is not valid UTF-8.")
            if len(query) + len(body) > MAX_REQUEST_BYTES:
                raise ApiError(400, "InvalidParameter", "The request is too large.")
            try:
                query_pairs = parse_qsl(query, keep_blank_values=True, errors="strict")
                form_pairs: list[tuple[str, str]] = []
                if body and headers.get("content-type", "").startswith(
                        "application/x-www-form-urlencoded"):
                    form_pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True,
                                           errors="strict")
            except (UnicodeDecodeError, ValueError):
                raise ApiError(400, "InvalidParameter", "The request is not valid UTF-8.") \
                    from None
            def secret_for(access_key_id: str) -> str:
                auth = self.keys.auth(access_key_id) if access_key_id else None
                if auth is None:
                    raise acs_signing.SignatureError(404, "InvalidAccessKeyId.NotFound",
                                                     "Specified access key is not found.")
                if not auth.enabled:
                    raise acs_signing.SignatureError(400, "InvalidAccessKeyId.Inactive",
                                                     "Specified access key is disabled.")
                found.append(auth)
                return auth.secret

            nonces: list[_Nonce] = []

            def note_nonce(nonce: str, access_key_id: str) -> bool:
                nonces.append(_Nonce(nonce_key(access_key_id, nonce)))
                return True  # taken below: SendSms's in its send's own transaction

            verified = acs_signing.verify(method, path, query_pairs, form_pairs, headers, body,
                                          secret_for, note_nonce)
            action = verified.action
            key, nonce = found[-1], nonces[-1]
            try:
                self.throttle(key.access_key_id, key.user_id)
                self.keys.touch(key.key_id)
                self._maybe_sweep()
                handler = self.actions.get(action)
                if handler is None:
                    raise ApiError(404, "InvalidAction.NotFound",
                                   "Specified api is not found, please check your url and "
                                   "method.")
                params = verified.params
                for name, value in params.items():
                    if _CONTROL.search(value) or _CONTROL.search(name):
                        raise Business("isv.INVALID_PARAMETERS", f"参数{name[:32]}含有非法字符")
                if action == "SendSms":
                    result = self.send_sms(key.user_id, params, nonce)
                else:
                    self._take(nonce)
                    result = handler(key.user_id, params)
            except (ApiError, Business, ServiceError):
                self._take(nonce)  # a refused request's too: no replay once its cause is gone
                raise
        except acs_signing.SignatureError as e:
            return self._error(rid, e.status, e.code, e.message, action)
        except ApiError as e:
            return self._error(rid, e.status, e.code, e.message, action)
        except Business as b:
            return 200, {"RequestId": rid, "Code": b.code, "Message": b.message}, action, b.code
        except ServiceError as e:
            code, message = business_code(e)
            return 200, {"RequestId": rid, "Code": code, "Message": message}, action, code
        return 200, {"RequestId": rid, "Code": "OK", "Message": "OK", **result}, action, "OK"

    def _take(self, nonce: _Nonce, db: Driver | None = None) -> None:
        """Spend the request's nonce (once): in ``db``'s transaction (its send's, as
        ``SendRequest.check``), else in a transaction of its own."""
        if nonce.taken:
            return
        nonce.taken = True
        fresh = (take_nonce(db, nonce.key, self.services.ctx.clock.now()) if db is not None
                 else self.keys.use_nonce_key(nonce.key))
        if not fresh:
            raise acs_signing.nonce_used()

    @staticmethod
    def _error(rid: str, status: int, code: str, message: str, action: str):
        return status, {
            "RequestId": rid, "HostId": HOST_ID, "Code": code, "Message": message,
            "Recommend": f"https://api.aliyun.com/troubleshoot?q={code}&product=Dysmsapi"
                         f"&requestId={rid}",
        }, action, code

    def throttle(self, bucket: str, user_id: int) -> None:
        """``Throttling.User`` when ``bucket`` (an AccessKey id; ``rest:<user id>`` for
        the REST API's sends) is over its customer's QPS limit."""
        if not self.limiter.allow(bucket, self._qps(user_id)):
            raise ApiError(400, "Throttling.User", "Request was denied due to user flow "
                                                   "control.")

    def _qps(self, user_id: int) -> int:
        now = time.monotonic()
        hit = self._limits.get(user_id)
        if hit and now - hit[0] < self.LIMIT_TTL:
            return hit[1]
        qps = self.keys.qps_for(user_id)
        self._limits[user_id] = (now, qps)
        return qps

    def _maybe_sweep(self) -> None:
        now = time.monotonic()
        if now - self._last_sweep > 60:
            self._last_sweep = now
            self.keys.sweep_nonces()

    # --- validation ------------------------------------------------------------------

    @staticmethod
    def _phone(raw: str) -> str:
        m = _PHONE.match(raw.strip())
        if m is None:
            raise Business("isv.MOBILE_NUMBER_ILLEGAL", "非法手机号")
        return m.group(1)

    def _approved(self, user_id: int, template_code: str, sign_name: str) -> tuple[_Tpl, _Sign]:
        """The customer's approved template and signature, remembered for ``APPROVED_TTL``:
        the send checks both again in its own transaction, so a template or signature
        withdrawn meanwhile is still refused, with the same code."""
        key = (user_id, template_code, sign_name)
        now = time.monotonic()
        hit = self._approved_cache.get(key)
        if hit is not None and now - hit[0] < self.APPROVED_TTL:
            return hit[1], hit[2]
        with self.services.store.read() as s:
            tpl = self._template(s, user_id, template_code)
            sig = self._sign(s, user_id, sign_name)
        if len(self._approved_cache) >= 10_000:
            self._approved_cache.clear()
        self._approved_cache[key] = (now, tpl, sig)
        return tpl, sig

    @staticmethod
    def _template(s, user_id: int, code: str) -> _Tpl:
        """The customer's approved template with this code (one plain query)."""
        rows = Driver(s).rows(
            "SELECT id, status, sms_type, content FROM template WHERE user_id = ? AND code = ? "
            "ORDER BY id LIMIT 1", (user_id, code)) if 0 < len(code) <= 64 else []
        if not rows or rows[0][1] != ReviewStatus.APPROVED.value:
            raise Business("isv.SMS_TEMPLATE_ILLEGAL", "该账号下找不到对应模板")
        return _Tpl(rows[0][0], SmsType(rows[0][2]), rows[0][3])

    @staticmethod
    def _sign(s, user_id: int, name: str) -> _Sign:
        """The customer's approved signature with this name (one plain query)."""
        rows = Driver(s).rows(
            "SELECT name, status, sign_type FROM signature WHERE user_id = ? AND name = ? "
            "LIMIT 1", (user_id, name)) if 0 < len(name) <= 12 else []
        if not rows or rows[0][1] != ReviewStatus.APPROVED.value:
            raise Business("isv.SMS_SIGNATURE_ILLEGAL", "该账号下找不到对应签名")
        return _Sign(rows[0][0], SignType(rows[0][2]))

    @staticmethod
    def _scene(sig: _Sign, tpl: _Tpl) -> None:
        if sig.sign_type == SignType.VERIFICATION and tpl.sms_type != SmsType.VERIFICATION:
            raise Business("isv.SMS_SIGNATURE_SCENE_ILLEGAL", "签名和模板类型不一致")

    @staticmethod
    def _params(tpl: _Tpl, raw) -> dict[str, str]:
        """One TemplateParam (JSON text or parsed): string values, every variable given,
        each at most 35 characters and no URL; extra keys are ignored, as Aliyun does."""
        variables = list(dict.fromkeys(_VARIABLE.findall(tpl.content)))
        params = template_param(raw, variables)
        for value in params.values():
            if len(value) > MAX_VARIABLE:
                raise Business("isv.PARAM_LENGTH_LIMIT", "参数超出长度限制")
            if _CONTROL.search(value):
                raise Business("isv.INVALID_PARAMETERS", "参数含有非法字符")
            if _URL.search(value):
                raise Business("isv.PARAM_NOT_SUPPORT_URL", "不支持url为变量")
        return params

    @staticmethod
    def _out_id(p: dict) -> str:
        out_id = p.get("OutId", "")
        if len(out_id) >= 256:
            raise Business("isv.INVALID_PARAMETERS", "OutId超出长度限制")
        return out_id

    # --- sending ---------------------------------------------------------------------

    def _send(self, user_id: int, tpl, sign_name: str, phones: list[str],
              params: dict[str, str], out_id: str = "", nonce: _Nonce | None = None):
        """One send, gathered with those arriving at the same time; its outcome unless the
        upstream refused every call. ``nonce`` is spent in the send's transaction."""
        outcome = self.services.sending.send_gathered(SendRequest(
            user_id, tpl.id, sign_name, phones, params, out_id, gateway=True,
            check=None if nonce is None else partial(self._take, nonce)))
        return self._accepted(outcome)

    @staticmethod
    def _refusal(outcome) -> tuple[str, str]:
        """The upstream's refusal of a send as the answer's (Code, Message)."""
        code = outcome.result_code if outcome.result_code.startswith("isv.") \
            else "isp.SYSTEM_ERROR"
        return code, (outcome.result_message[:200] if code.startswith("isv.")
                      else "系统错误，请稍后重试")

    def _accepted(self, outcome):
        """``outcome`` unless the upstream refused every call. A task held by risk
        control, or whose calls' outcome is unknown (the reconciler settles it), is
        accepted: an error would invite the customer to send again, twice."""
        accepted = (outcome.biz_ids or outcome.status in (TaskStatus.HELD, TaskStatus.UNKNOWN))
        if outcome.status == TaskStatus.REJECTED or not accepted:
            # The upstream refused: the records failed and their quota came back.
            raise Business(*self._refusal(outcome))
        return outcome

    def _biz_id(self, outcomes: list) -> str:
        """The BizId answered for these sends, kept on their tasks (``SendTask.biz_id``) so
        that QuerySendDetails and the pushed reports find every record by it: the first
        upstream BizId, or, when none is known yet (held, outcome unknown), one of the
        platform's own in Aliyun's shape (18 digits, ``^0``)."""
        if len(outcomes) == 1 and outcomes[0].task_biz_id:
            return outcomes[0].task_biz_id  # kept by the send itself (no write here)
        biz = next((o.biz_ids[0] for o in outcomes if o.biz_ids), "") or platform_biz_id()
        with self.services.store.session() as s:
            s.execute(update(SendTask).where(SendTask.id.in_([o.task_id for o in outcomes]))
                      .values(biz_id=biz).execution_options(synchronize_session=False))
        return biz

    def send_sms(self, user_id: int, p: dict, nonce: _Nonce | None = None) -> dict:
        required(p, "PhoneNumbers", "SignName", "TemplateCode")
        raw = [n for n in p["PhoneNumbers"].split(",") if n.strip()]
        biz_id, _ = self.send_message(user_id, p["SignName"], p["TemplateCode"], raw,
                                      p.get("TemplateParam"), self._out_id(p), nonce)
        return {"BizId": biz_id}

    def send_message(self, user_id: int, sign_name: str, template_code: str,
                     raw: list[str], template_param, out_id: str = "",
                     nonce: _Nonce | None = None) -> tuple[str, int]:
        """SendSms's rules and send, for this API and the REST API's ``POST /messages``
        (``template_param``: JSON text or a parsed object). → (BizId, records created);
        raises ``ApiError``, ``Business`` or the send service's errors."""
        if not raw:
            raise ApiError(400, "MissingPhoneNumbers", "PhoneNumbers is mandatory for this "
                                                       "action.")
        if len(raw) > MAX_SEND:
            raise Business("isv.MOBILE_COUNT_OVER_LIMIT", "手机号码数量超过限制")
        tpl, sig = self._approved(user_id, template_code, sign_name)
        self._scene(sig, tpl)
        phones = [self._phone(n) for n in raw]
        params = self._params(tpl, template_param)
        outcome = self._send(user_id, tpl, sig.name, phones, params, out_id, nonce)
        return self._biz_id([outcome]), outcome.accepted

    def send_batch_sms(self, user_id: int, p: dict) -> dict:
        required(p, "PhoneNumberJson", "SignNameJson", "TemplateCode")
        try:
            numbers = json.loads(p["PhoneNumberJson"])
            signs = json.loads(p["SignNameJson"])
            tparams = json.loads(p["TemplateParamJson"]) if p.get("TemplateParamJson") \
                else None
        except ValueError:
            raise Business("isv.INVALID_JSON_PARAM", "JSON参数不合法") from None
        if not isinstance(numbers, list) or not isinstance(signs, list) or (
                tparams is not None and not isinstance(tparams, list)):
            raise Business("isv.INVALID_JSON_PARAM", "JSON参数不合法")
        if not numbers:
            raise ApiError(400, "MissingPhoneNumberJson", "PhoneNumberJson is mandatory for "
                                                          "this action.")
        if len(numbers) > MAX_BATCH:
            raise Business("isv.MOBILE_COUNT_OVER_LIMIT", "手机号码数量超过限制")
        if len(signs) != len(numbers) or (tparams is not None and len(tparams) != len(numbers)):
            raise Business("isv.INVALID_PARAMETERS", "号码、签名、参数的数量不一致")
        groups: dict[tuple[str, str], list[str]] = {}
        with self.services.store.read() as s:
            tpl = self._template(s, user_id, p["TemplateCode"])
            sigs = {}
            for name in signs:
                if not isinstance(name, str):
                    raise Business("isv.SMS_SIGNATURE_ILLEGAL", "该账号下找不到对应签名")
                if name not in sigs:
                    sigs[name] = self._sign(s, user_id, name)
        for i, number in enumerate(numbers):
            if not isinstance(number, str):
                raise Business("isv.MOBILE_NUMBER_ILLEGAL", "非法手机号")
            self._scene(sigs[signs[i]], tpl)
            params = self._params(tpl, tparams[i] if tparams is not None else None)
            key = (signs[i], json.dumps(params, sort_keys=True, ensure_ascii=False))
            groups.setdefault(key, []).append(self._phone(number))
        out_id = self._out_id(p)
        # One send (one task, one charge) per signature and parameters, all validated and
        # charged in one transaction before any upstream call: a group that is invalid or
        # short of quota refuses the whole request, as Aliyun does, and charges nothing.
        # One BizId for them all: every group's task keeps it (``_biz_id``).
        reqs = [SendRequest(user_id, tpl.id, sign, phones, json.loads(params), out_id,
                            gateway=True) for (sign, params), phones in groups.items()]
        outcomes, refusal = [], None
        for outcome in self.services.sending.send_all(reqs):
            try:
                outcomes.append(self._accepted(outcome))
            except Business as e:
                # The upstream refused this group after the decision (its records failed
                # and their quota came back); when others were sent or are being settled
                # an error would invite sending them twice: it is left out.
                refusal = e
                log.warning("SendBatchSms of user %s: a group of %d refused upstream (%s)",
                            user_id, outcome.accepted, e.code)
        if not outcomes:
            raise refusal
        return {"BizId": self._biz_id(outcomes)}

    # --- queries ---------------------------------------------------------------------

    @staticmethod
    def _day(raw: str, name: str):
        try:
            if len(raw) != 8 or not raw.isascii() or not raw.isdigit():
                raise ValueError
            return datetime.strptime(raw, "%Y%m%d").replace(tzinfo=CHINA)
        except ValueError:
            raise Business("isv.INVALID_PARAMETERS", f"{name}格式不正确，应为yyyyMMdd") \
                from None

    def query_send_details(self, user_id: int, p: dict) -> dict:
        required(p, "PhoneNumber", "SendDate", "PageSize", "CurrentPage")
        phone = self._phone(p["PhoneNumber"])
        start = self._day(p["SendDate"], "SendDate")
        now = self.services.ctx.clock.now().astimezone(CHINA)
        today = now.replace(hour=0, minute=0, second=0, microsecond=0)
        if start > now or start < today - timedelta(days=29):
            raise Business("isv.INVALID_PARAMETERS", "只支持查询最近30天的记录")
        size = integer(p, "PageSize", 10, 1, 50)
        page = integer(p, "CurrentPage", 1, 1, 1_000_000)
        where = [SendRecord.user_id == user_id, SendRecord.phone == phone,
                 SendRecord.send_time >= start, SendRecord.send_time < start + timedelta(days=1)]
        if p.get("BizId"):  # the upstream one, or the one answered (held, unknown, batch)
            where.append(or_(SendRecord.biz_id == p["BizId"][:64],
                             SendTask.biz_id == p["BizId"][:64]))
        with self.services.store.read() as s:
            total = s.scalar(select(func.count()).select_from(SendRecord)
                             .join(SendTask, SendTask.id == SendRecord.task_id).where(*where))
            rows = s.execute(
                select(SendRecord.phone, SendRecord.status, SendRecord.err_code,
                       SendRecord.template_code, SendRecord.content, SendTask.content,
                       SendRecord.send_time, SendRecord.report_time, SendTask.out_id)
                .join(SendTask, SendTask.id == SendRecord.task_id).where(*where)
                .order_by(SendRecord.send_time.desc(), SendRecord.id.desc())
                .limit(size).offset((page - 1) * size)).all()
        dtos = []
        for phone_, status, err, code, content, task_content, sent, reported, out_id in rows:
            # Held by risk control or unknown (being reconciled): waiting for a receipt.
            done = status in (DeliveryStatus.FAILED, DeliveryStatus.DELIVERED)
            dtos.append({
                "PhoneNum": phone_,
                "SendStatus": {DeliveryStatus.FAILED: 2, DeliveryStatus.DELIVERED: 3}.get(
                    status, 1),
                "ErrCode": ("DELIVERED" if status == DeliveryStatus.DELIVERED else err)
                if done else "",
                "TemplateCode": code,
                "Content": content or task_content,
                "SendDate": sent.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S"),
                "ReceiveDate": reported.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S")
                if done and reported else "",
                "OutId": out_id,
            })
        return {"TotalCount": str(total), "SmsSendDetailDTOs": {"SmsSendDetailDTO": dtos}}

    def query_send_statistics(self, user_id: int, p: dict) -> dict:
        required(p, "IsGlobe", "StartDate", "EndDate")
        start = self._day(p["StartDate"], "StartDate").date()
        end = self._day(p["EndDate"], "EndDate").date()
        if end < start or (end - start).days > 30:
            raise Business("isv.INVALID_PARAMETERS", "StartDate/EndDate不正确")
        size = integer(p, "PageSize", 10, 1, 50)
        page = integer(p, "PageIndex", 1, 1, 1_000_000)
        if p["IsGlobe"] not in ("1", "2"):
            raise ApiError(400, "InvalidParameter", "Specified parameter IsGlobe is not valid.")
        if p["IsGlobe"] == "2":  # international: the platform sends mainland only
            return {"Data": {"TotalSize": 0, "TargetList": []}}
        where = [DailyStat.user_id == user_id, DailyStat.day >= start, DailyStat.day <= end]
        if p.get("TemplateType", "") != "":
            wanted = [t for t, n in _TYPE_NUMBER.items()
                      if str(n) == p["TemplateType"]]
            where.append(DailyStat.sms_type.in_(wanted))
        if p.get("SignName"):
            where.append(DailyStat.sign_name == p["SignName"])
        with self.services.store.read() as s:
            rows = s.execute(
                select(DailyStat.day, func.sum(DailyStat.total), func.sum(DailyStat.delivered),
                       func.sum(DailyStat.failed))
                .where(*where).group_by(DailyStat.day).order_by(DailyStat.day)).all()
        targets = [{"TotalCount": int(t), "RespondedSuccessCount": int(d),
                    "RespondedFailCount": int(f), "NoRespondedCount": int(t - d - f),
                    "SendDate": day.strftime("%Y%m%d")} for day, t, d, f in rows]
        chunk = targets[(page - 1) * size:page * size]
        return {"Data": {"TotalSize": len(targets), "TargetList": chunk}}


_api_lock = threading.Lock()


def api_of(app) -> AliyunApi:
    """The app's one ``AliyunApi`` (its key cache and rate limits are per process); the
    REST API, mounted in the gateway's app, shares its parent's."""
    state = app.state
    parent = getattr(state, "parent", None)
    if parent is not None:
        return api_of(parent)
    api = getattr(state, "aliyun_api", None)
    if api is None:
        with _api_lock:
            api = getattr(state, "aliyun_api", None)
            if api is None:
                services = state.ctx
                if not hasattr(services, "sending"):  # a bare Context (the REST API alone)
                    from smsconsole.services import from_context

                    services = from_context(services)
                api = state.aliyun_api = AliyunApi(services)
    return api


class AliyunRoute:
    """ASGI: the SMS API at ``/`` (every method: Aliyun's answer to one it does not take).

    The hottest path of the gateway, so not a FastAPI route: FastAPI's routing, request,
    dependency and response layers cost about as much CPU per request as everything the
    event loop does for it otherwise (py-spy under the bench's load); the app hands ``/``
    to it ahead of its middleware too (``gateway.app.GatewayApp``). The body is read up
    to ``MAX_REQUEST_BYTES`` (anything longer is drained, not kept: "too large")."""

    def __init__(self) -> None:
        self._api: AliyunApi | None = None  # its app's (``api_of``), found once

    async def __call__(self, scope, receive, send) -> None:
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            if size <= MAX_REQUEST_BYTES:
                chunks.append(chunk)
            size += len(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)[:MAX_REQUEST_BYTES + 1]
        try:
            query = scope["query_string"].decode()
        except UnicodeDecodeError:
            query = None
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        api = self._api or api_of(scope["app"])
        self._api = api
        status, payload, action, code = await asyncio.get_running_loop().run_in_executor(
            api.pool, api.handle, scope["method"], "/", query, headers, body)
        state = scope.setdefault("state", {})
        state["action"], state["code"] = action or "-", code
        data = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json;charset=utf-8"),
                                (b"content-length", str(len(data)).encode())]})
        await send({"type": "http.response.body", "body": data})
