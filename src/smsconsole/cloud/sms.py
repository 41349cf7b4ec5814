"""Aliyun SMS adapter (Dysmsapi 2017-05-25, plus dybaseapi QueryTokenForMnsQueue).

Errors: business failures (HTTP 200 with ``Code`` ≠ ``OK``) and HTTP failures
(ClientException / ServerException / ThrottlingException / UnretryableException) all
become ``CloudError(service="sms")``.

Retries (the SDK does none): up to ``RetryPolicy.retries`` more attempts with exponential
backoff and jitter, only for throttling (``Throttling*`` codes, ``x-acs-retry-after``,
which is honoured), HTTP 5xx, failures to connect, and read timeouts. Decision: a READ
timeout (or a connection dropped after the request went out) on SendSms/SendBatchSms is
NOT retried, because sends are not idempotent (Aliyun says so; a retry double-sends). It
raises ``CloudError(code="Timeout", retryable=False)``; the send's records become
*unknown* and ``services.reconcile`` settles them with QuerySendDetails (each call
carries an OutId, which QuerySendDetails and the reports echo).
``isv.BUSINESS_LIMIT_CONTROL`` and every other business code are never retried.

For a loopback ``sms_endpoint`` (the sandbox) no proxy is ever used, whatever
``HTTP(S)_PROXY`` say (see ``_openapi.direct_for_loopback``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime

from alibabacloud_dybaseapi20170525 import models as base_models
from alibabacloud_dybaseapi20170525.client import Client as DybaseClient
from alibabacloud_dysmsapi20170525 import models as m
from alibabacloud_dysmsapi20170525.client import Client as DysmsClient

from . import _openapi
from .cloud_error import CloudError
from .retry import RetryPolicy
from .types import (
    APPROVED,
    CANCELLED,
    INTERNATIONAL,
    NOTIFICATION,
    PROMOTION,
    REJECTED,
    REVIEWING,
    VERIFICATION,
    AliyunSettings,
    MnsToken,
    SendDetail,
    SendResult,
    SignInfo,
    TemplateInfo,
)

CHINA_TZ = "+08:00"
MAX_SEND = 1000
MAX_BATCH = 100

_STATUS = {0: REVIEWING, 1: APPROVED, 2: REJECTED, 10: CANCELLED}
_AUDIT = {
    "AUDIT_STATE_INIT": REVIEWING,
    "AUDIT_STATE_PASS": APPROVED,
    "AUDIT_STATE_NOT_PASS": REJECTED,
    "AUDIT_STATE_CANCEL": CANCELLED,
    "AUDIT_SATE_CANCEL": CANCELLED,  # sic, as the SDK model documents it
}
# AddSmsTemplate/CreateSmsTemplate/GetSmsTemplate/QuerySmsTemplate and
# QuerySmsTemplateList.OuterTemplateType ("outer" numbering).
_OUTER = {0: VERIFICATION, 1: NOTIFICATION, 2: PROMOTION, 3: INTERNATIONAL}
_OUTER_CODE = {v: k for k, v in _OUTER.items()}
# QuerySmsTemplateList.TemplateType only ("inner" numbering, differs!).
_INNER = {0: NOTIFICATION, 1: PROMOTION, 2: VERIFICATION, 6: INTERNATIONAL}
# QuerySendStatistics.TemplateType.
_STATS_TYPE = {VERIFICATION: 0, NOTIFICATION: 1, PROMOTION: 2, INTERNATIONAL: 3,
               "digital": 7}
_SEND_STATUS = {1: "pending", 2: "failed", 3: "delivered"}
_SIGN_TYPES = {"verification": 0, "general": 1}
_FALLBACK_CODES = {"InvalidAction.NotFound", "Forbidden.RAM", "isp.RAM_PERMISSION_DENY",
                   "NoPermission", "Forbidden"}


def _int(value, default: int = -1) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _param_json(params: dict | None) -> str | None:
    if params is None:
        return None
    return json.dumps({str(k): str(v) for k, v in params.items()}, ensure_ascii=False,
                      separators=(",", ":"))


class SmsClient:
    """Aliyun SMS for the services. Thread-safe (tea clients keep no per-call state)."""

    def __init__(
        self,
        settings: AliyunSettings,
        *,
        retry: RetryPolicy | None = None,
        connect_timeout: float = 5.0,
        read_timeout: float = 10.0,
    ) -> None:
        self.settings = settings
        self.retry = retry or RetryPolicy()
        self._runtime = _openapi.runtime_options(connect_timeout, read_timeout)
        self._sms = DysmsClient(
            _openapi.make_config(settings, _openapi.SMS_HOST, connect_timeout, read_timeout)
        )
        self._base = DybaseClient(
            _openapi.make_config(settings, _openapi.DYBASE_HOST, connect_timeout, read_timeout)
        )

    def __repr__(self) -> str:
        return f"SmsClient(endpoint={self.settings.sms_endpoint or _openapi.SMS_HOST!r})"

    def _call(self, action: str, method, request, *, send: bool = False):
        return _openapi.call(
            action, lambda: method(request, self._runtime), self.retry, send=send
        )

    # --- sending --------------------------------------------------------------------

    def send_sms(
        self,
        phones: Sequence[str],
        sign_name: str,
        template_code: str,
        template_param: dict | None = None,
        out_id: str | None = None,
    ) -> SendResult:
        phones = [p.strip() for p in phones if p and p.strip()]
        if not phones:
            raise ValueError("no phone numbers")
        if len(phones) > MAX_SEND:
            raise CloudError("sms", "isv.MOBILE_COUNT_OVER_LIMIT",
                             f"{len(phones)} numbers; SendSms takes at most {MAX_SEND}",
                             action="SendSms")
        req = m.SendSmsRequest(
            phone_numbers=",".join(phones),
            sign_name=sign_name,
            template_code=template_code,
            template_param=_param_json(template_param),
            out_id=out_id,
        )
        resp = self._call("SendSms", self._sms.send_sms_with_options, req, send=True)
        b = resp.body
        return SendResult(biz_id=b.biz_id or "", request_id=b.request_id or "",
                          code=b.code, message=b.message or "")

    def send_batch_sms(
        self,
        phones: Sequence[str],
        sign_names: Sequence[str] | str,
        template_code: str,
        template_params: Sequence[dict] | None = None,
        out_id: str | None = None,
    ) -> SendResult:
        phones = list(phones)
        if not phones:
            raise ValueError("no phone numbers")
        if len(phones) > MAX_BATCH:
            raise CloudError("sms", "isv.MOBILE_COUNT_OVER_LIMIT",
                             f"{len(phones)} numbers; SendBatchSms takes at most {MAX_BATCH}",
                             action="SendBatchSms")
        signs = [sign_names] * len(phones) if isinstance(sign_names, str) else list(sign_names)
        if len(signs) != len(phones) or (
            template_params is not None and len(template_params) != len(phones)
        ):
            raise ValueError("phones, sign_names and template_params differ in length")
        req = m.SendBatchSmsRequest(
            phone_number_json=json.dumps(phones),
            sign_name_json=json.dumps(signs, ensure_ascii=False),
            template_code=template_code,
            template_param_json=None if template_params is None else json.dumps(
                [{str(k): str(v) for k, v in p.items()} for p in template_params],
                ensure_ascii=False, separators=(",", ":"),
            ),
            out_id=out_id,
        )
        resp = self._call("SendBatchSms", self._sms.send_batch_sms_with_options, req, send=True)
        b = resp.body
        return SendResult(biz_id=b.biz_id or "", request_id=b.request_id or "",
                          code=b.code, message=b.message or "")

    # --- reports --------------------------------------------------------------------

    def query_send_details(
        self,
        phone: str,
        send_date: date,
        biz_id: str | None = None,
        page: int = 1,
        page_size: int = 50,
    ) -> list[SendDetail]:
        req = m.QuerySendDetailsRequest(
            phone_number=phone, send_date=send_date.strftime("%Y%m%d"), biz_id=biz_id,
            current_page=page, page_size=page_size,
        )
        resp = self._call("QuerySendDetails", self._sms.query_send_details_with_options, req)
        dtos = resp.body.sms_send_detail_dtos
        rows = (dtos.sms_send_detail_dto if dtos else None) or []
        return [
            SendDetail(
                phone=r.phone_num or "",
                status=_SEND_STATUS.get(_int(r.send_status), "pending"),
                err_code=r.err_code or "",
                template_code=r.template_code or "",
                content=r.content or "",
                send_date=r.send_date or "",
                receive_date=r.receive_date or "",
                out_id=r.out_id or "",
            )
            for r in rows
        ]

    def query_send_statistics(
        self, start: date, end: date, template_type: str | int | None = None
    ) -> list[dict]:
        """Per-day totals: ``{"date", "total", "delivered", "failed", "pending"}``."""
        ttype = _STATS_TYPE.get(template_type, template_type) if isinstance(
            template_type, str) else template_type
        out: list[dict] = []
        page = 1
        while True:
            req = m.QuerySendStatisticsRequest(
                is_globe=1, start_date=start.strftime("%Y%m%d"),
                end_date=end.strftime("%Y%m%d"), page_index=page, page_size=50,
                template_type=ttype,
            )
            resp = self._call("QuerySendStatistics",
                              self._sms.query_send_statistics_with_options, req)
            data = resp.body.data
            items = (data.target_list if data else None) or []
            for t in items:
                out.append({
                    "date": datetime.strptime(t.send_date, "%Y%m%d").date(),
                    "total": _int(t.total_count, 0),
                    "delivered": _int(t.responded_success_count, 0),
                    "failed": _int(t.responded_fail_count, 0),
                    "pending": _int(t.no_responded_count, 0),
                })
            total = _int(data.total_size, 0) if data else 0
            if not items or page * 50 >= total:
                return out
            page += 1

    # --- signatures and templates ---------------------------------------------------

    def get_sign(self, name: str, with_type: bool = True) -> SignInfo:
        """One signature's review state. ``with_type=False`` leaves ``sign_type`` None:
        only the paged sign list says it, which costs a call per 50 signatures."""
        try:
            b = self._call("GetSmsSign", self._sms.get_sms_sign_with_options,
                           m.GetSmsSignRequest(sign_name=name)).body
        except CloudError as e:
            if e.code not in _FALLBACK_CODES:
                raise
            q = self._call("QuerySmsSign", self._sms.query_sms_sign_with_options,
                           m.QuerySmsSignRequest(sign_name=name)).body
            status = _STATUS.get(_int(q.sign_status), REVIEWING)
            return SignInfo(name=q.sign_name or name, status=status,
                            reason=(q.reason or "") if status == REJECTED else "",
                            sign_type=self._listed_sign_type(name) if with_type else None,
                            created=q.create_date or "")
        status = _STATUS.get(_int(b.sign_status), REVIEWING)
        reason = (b.audit_info.reject_info or "") if b.audit_info else ""
        return SignInfo(name=b.sign_name or name, status=status,
                        reason=reason if status == REJECTED else "",
                        sign_type=self._listed_sign_type(name) if with_type else None,
                        created=b.create_date or "")

    def _listed_sign_type(self, name: str) -> str | None:
        """The signature's type ("verification"/"general"). GetSmsSign and QuerySmsSign
        don't say it; QuerySmsSignList does (BusinessType), so it is looked up there."""
        for info in self.list_signs():
            if info.name == name:
                return info.sign_type
        return None

    def get_template(self, code: str) -> TemplateInfo:
        try:
            b = self._call("GetSmsTemplate", self._sms.get_sms_template_with_options,
                           m.GetSmsTemplateRequest(template_code=code)).body
        except CloudError as e:
            if e.code not in _FALLBACK_CODES:
                raise
            q = self._call("QuerySmsTemplate", self._sms.query_sms_template_with_options,
                           m.QuerySmsTemplateRequest(template_code=code)).body
            status = _STATUS.get(_int(q.template_status), REVIEWING)
            return TemplateInfo(
                code=q.template_code or code, name=q.template_name or "",
                template_type=_OUTER.get(_int(q.template_type), INTERNATIONAL),
                content=q.template_content or "", status=status,
                reason=(q.reason or "") if status == REJECTED else "",
                created=q.create_date or "",
            )
        status = _STATUS.get(_int(b.template_status), REVIEWING)  # a str in 4.6.0
        reason = (b.audit_info.reject_info or "") if b.audit_info else ""
        return TemplateInfo(
            code=b.template_code or code, name=b.template_name or "",
            template_type=_OUTER.get(_int(b.template_type), INTERNATIONAL),
            content=b.template_content or "", status=status,
            reason=reason if status == REJECTED else "", created=b.create_date or "",
        )

    def list_signs(self) -> list[SignInfo]:
        out: list[SignInfo] = []
        page = 1
        while True:
            b = self._call("QuerySmsSignList", self._sms.query_sms_sign_list_with_options,
                           m.QuerySmsSignListRequest(page_index=page, page_size=50)).body
            items = b.sms_sign_list or []
            for s in items:
                status = _AUDIT.get(s.audit_status or "", REVIEWING)
                btype = s.business_type or ""
                sign_type = ("verification" if "验证码" in btype
                             else "general" if "通用" in btype else None)
                reason = (s.reason.reject_info or "") if s.reason else ""
                out.append(SignInfo(name=s.sign_name or "", status=status,
                                    reason=reason if status == REJECTED else "",
                                    sign_type=sign_type, created=s.create_date or ""))
            if not items or len(out) >= _int(b.total_count, 0):
                return out
            page += 1

    def list_templates(self) -> list[TemplateInfo]:
        out: list[TemplateInfo] = []
        page = 1
        while True:
            b = self._call("QuerySmsTemplateList",
                           self._sms.query_sms_template_list_with_options,
                           m.QuerySmsTemplateListRequest(page_index=page, page_size=50)).body
            items = b.sms_template_list or []
            for t in items:
                status = _AUDIT.get(t.audit_status or "", REVIEWING)
                if t.outer_template_type is not None:
                    ttype = _OUTER.get(_int(t.outer_template_type), INTERNATIONAL)
                else:
                    ttype = _INNER.get(_int(t.template_type), INTERNATIONAL)
                reason = (t.reason.reject_info or "") if t.reason else ""
                out.append(TemplateInfo(
                    code=t.template_code or "", name=t.template_name or "",
                    template_type=ttype, content=t.template_content or "", status=status,
                    reason=reason if status == REJECTED else "", created=t.create_date or "",
                ))
            if not items or len(out) >= _int(b.total_count, 0):
                return out
            page += 1

    def create_sign(
        self,
        name: str,
        sign_type: str,
        source: int = 0,
        remark: str = "",
        *,
        qualification_id: int | None = None,
    ) -> str:
        """Apply for a signature (CreateSmsSign); returns its name. Review follows."""
        if sign_type not in _SIGN_TYPES:
            raise ValueError('sign_type must be "verification" or "general"')
        req = m.CreateSmsSignRequest(
            sign_name=name, sign_type=_SIGN_TYPES[sign_type], sign_source=source,
            remark=remark, qualification_id=qualification_id,
        )
        b = self._call("CreateSmsSign", self._sms.create_sms_sign_with_options, req).body
        return b.sign_name or name

    def create_template(
        self,
        name: str,
        template_type: str,
        content: str,
        remark: str = "",
        related_sign_name: str | None = None,
    ) -> str:
        """Apply for a template (CreateSmsTemplate); returns its TemplateCode."""
        if template_type not in _OUTER_CODE:
            raise ValueError(f"template_type must be one of {', '.join(_OUTER_CODE)}")
        req = m.CreateSmsTemplateRequest(
            template_name=name, template_type=_OUTER_CODE[template_type],
            template_content=content, remark=remark, related_sign_name=related_sign_name,
        )
        b = self._call("CreateSmsTemplate", self._sms.create_sms_template_with_options, req).body
        return b.template_code or ""

    # --- queues ---------------------------------------------------------------------

    def query_token_for_mns_queue(self, message_type: str, queue_name: str) -> MnsToken:
        req = base_models.QueryTokenForMnsQueueRequest(
            message_type=message_type, queue_name=queue_name or None
        )
        b = self._call("QueryTokenForMnsQueue",
                       self._base.query_token_for_mns_queue_with_options, req).body
        dto = b.message_token_dto
        if dto is None or not dto.access_key_id:
            raise CloudError("sms", "InvalidResponse", "no MessageTokenDTO in the answer",
                             request_id=b.request_id or "", action="QueryTokenForMnsQueue")
        expire = datetime.fromisoformat(f"{dto.expire_time.replace(' ', 'T')}{CHINA_TZ}")
        return MnsToken(access_key_id=dto.access_key_id,
                        access_key_secret=dto.access_key_secret or "",
                        security_token=dto.security_token or "", expire_time=expire)
