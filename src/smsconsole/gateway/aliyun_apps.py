"""The customer's signature and template actions of the Aliyun-compatible API: apply
(AddSmsSign/CreateSmsSign, AddSmsTemplate/CreateSmsTemplate), query, get, list, delete.

They work on the customer's own applications in the platform's database (the admin
submits them to Aliyun from the console, as for applications from the portal). A
template has no Aliyun TemplateCode before it is submitted: until then the answer
carries ``PENDING_<id>``, which the other template actions accept too.
"""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from smsconsole.cloud.acs_params import ApiError, Business, integer, required
from smsconsole.services.applications import SignatureView, TemplateView
from smsconsole.services.context import Actor
from smsconsole.services.errors import Conflict, Invalid, Refused
from smsconsole.store.models import ReviewStatus, Signature, SignType, SmsType, Template, User

CHINA = ZoneInfo("Asia/Shanghai")
_STATUS = {ReviewStatus.PENDING: 0, ReviewStatus.IN_REVIEW: 0, ReviewStatus.APPROVED: 1,
           ReviewStatus.REJECTED: 2}
_AUDIT = {0: "AUDIT_STATE_INIT", 1: "AUDIT_STATE_PASS", 2: "AUDIT_STATE_NOT_PASS"}
_OUTER = {SmsType.VERIFICATION: 0, SmsType.NOTIFICATION: 1, SmsType.PROMOTION: 2}
_BY_OUTER = {str(n): t for t, n in _OUTER.items()}
_INNER = {0: 2, 1: 0, 2: 1}  # QuerySmsTemplateList's own TemplateType numbering
_PENDING = re.compile(r"^PENDING_(\d{1,12})$")


def _date(moment) -> str:
    return moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def template_ref(tpl: Template | TemplateView) -> str:
    return tpl.code or f"PENDING_{tpl.id}"


class Applications:
    """The actions, registered into ``AliyunApi.actions``; uses its ``services``,
    raises ``acs_params.Business`` and ``acs_params.ApiError`` (whose
    ``required``/``integer`` check the parameters)."""

    def __init__(self, api) -> None:
        self.api = api
        self.services = api.services

    def actions(self) -> dict:
        return {
            "AddSmsSign": self.add_sign, "CreateSmsSign": self.create_sign,
            "QuerySmsSign": self.query_sign, "GetSmsSign": self.get_sign,
            "QuerySmsSignList": self.list_signs, "DeleteSmsSign": self.delete_sign,
            "AddSmsTemplate": self.add_template, "CreateSmsTemplate": self.create_template,
            "QuerySmsTemplate": self.query_template, "GetSmsTemplate": self.get_template,
            "QuerySmsTemplateList": self.list_templates,
            "DeleteSmsTemplate": self.delete_template,
        }

    # --- helpers -----------------------------------------------------------------------

    def _refusal(self, exc) -> Exception:
        if isinstance(exc, Refused) and exc.key.endswith(".limit"):
            return Business("isv.BUSINESS_LIMIT_CONTROL", "申请数量已达上限")
        if isinstance(exc, Conflict) and exc.key.endswith(".duplicate"):
            return Business("isv.INVALID_PARAMETERS", "该名称已存在")
        return Business("isv.INVALID_PARAMETERS", exc.message("zh")[:200])

    def _actor(self, user_id: int) -> Actor:
        with self.services.store.read() as s:
            account = s.get(User, user_id).account
        return Actor(None, account, "gateway")

    def _own_sign(self, s, user_id: int, name: str) -> Signature:
        sig = s.scalar(select(Signature).where(Signature.user_id == user_id,
                                               Signature.name == name).limit(1)) \
            if 0 < len(name) <= 12 else None
        if sig is None:
            raise Business("isv.SMS_SIGNATURE_ILLEGAL", "该账号下找不到对应签名")
        return sig

    def _own_template(self, s, user_id: int, ref: str) -> Template:
        m = _PENDING.match(ref)
        where = Template.id == int(m.group(1)) if m else Template.code == ref
        tpl = s.scalar(select(Template).where(Template.user_id == user_id, where).limit(1)) \
            if 0 < len(ref) <= 64 else None
        if tpl is None:
            raise Business("isv.SMS_TEMPLATE_ILLEGAL", "该账号下找不到对应模板")
        return tpl

    def _delete(self, service, user_id: int, app_id: int) -> None:
        try:
            service.delete(self._actor(user_id), app_id)
        except Refused as exc:  # messages were sent with it (error.template.in_use)
            if not exc.key.endswith(".in_use"):
                raise
            raise Business("isv.INVALID_PARAMETERS", "已使用过，不能删除") from None

    # --- signatures --------------------------------------------------------------------

    def _apply_sign(self, user_id: int, p: dict) -> SignatureView:
        required(p, "SignName")
        kind = {"0": SignType.VERIFICATION, "1": SignType.GENERAL, "": SignType.GENERAL}.get(
            p.get("SignType", ""))
        source = integer(p, "SignSource", 0, 0, 5)
        if kind is None:
            raise ApiError(400, "InvalidParameter", "Specified parameter SignType is not "
                                                         "valid.")
        try:
            return self.services.signatures.apply(user_id, p["SignName"], kind, source,
                                                  p.get("Remark", ""))
        except (Invalid, Conflict, Refused) as exc:
            raise self._refusal(exc) from None

    def add_sign(self, user_id: int, p: dict) -> dict:
        return {"SignName": self._apply_sign(user_id, p).name}

    def create_sign(self, user_id: int, p: dict) -> dict:
        sig = self._apply_sign(user_id, p)
        return {"SignName": sig.name, "OrderId": str(sig.id)}

    def query_sign(self, user_id: int, p: dict) -> dict:
        required(p, "SignName")
        with self.services.store.read() as s:
            sig = self._own_sign(s, user_id, p["SignName"])
            return {"SignName": sig.name, "SignStatus": _STATUS[sig.status],
                    "Reason": sig.reason, "CreateDate": _date(sig.applied_at)}

    def get_sign(self, user_id: int, p: dict) -> dict:
        required(p, "SignName")
        with self.services.store.read() as s:
            sig = self._own_sign(s, user_id, p["SignName"])
            return {"SignName": sig.name, "SignStatus": _STATUS[sig.status], "SignTag": "2",
                    "OrderId": str(sig.id), "CreateDate": _date(sig.applied_at),
                    "Remark": sig.remark,
                    "AuditInfo": {"AuditDate": _date(sig.reviewed_at), "RejectInfo": sig.reason}}

    def list_signs(self, user_id: int, p: dict) -> dict:
        size = integer(p, "PageSize", 10, 1, 50)
        page = integer(p, "PageIndex", 1, 1, 1_000_000)
        with self.services.store.read() as s:
            where = Signature.user_id == user_id
            total = s.scalar(select(func.count()).select_from(Signature).where(where))
            rows = s.scalars(select(Signature).where(where).order_by(Signature.id)
                             .limit(size).offset((page - 1) * size)).all()
            items = [{"SignName": x.name, "AuditStatus": _AUDIT[_STATUS[x.status]],
                      "CreateDate": _date(x.applied_at),
                      "BusinessType": "验证码类型" if x.sign_type == SignType.VERIFICATION
                      else "通用类型", "OrderId": str(x.id),
                      "Reason": {"RejectDate": _date(x.reviewed_at) if x.reason else "",
                                 "RejectInfo": x.reason, "RejectSubInfo": ""}} for x in rows]
        return {"CurrentPage": page, "PageSize": size, "TotalCount": total,
                "SmsSignList": items}

    def delete_sign(self, user_id: int, p: dict) -> dict:
        required(p, "SignName")
        with self.services.store.read() as s:
            sig_id = self._own_sign(s, user_id, p["SignName"]).id
        self._delete(self.services.signatures, user_id, sig_id)
        return {"SignName": p["SignName"]}

    # --- templates ---------------------------------------------------------------------

    def _apply_template(self, user_id: int, p: dict) -> TemplateView:
        required(p, "TemplateName", "TemplateContent")
        if p.get("TemplateType", "") == "":
            raise ApiError(400, "MissingTemplateType", "TemplateType is mandatory for "
                                                            "this action.")
        kind = _BY_OUTER.get(p["TemplateType"])
        if kind is None:
            raise ApiError(400, "InvalidParameter", "Specified parameter TemplateType is "
                                                         "not valid.")
        try:
            return self.services.templates.apply(user_id, p["TemplateName"], kind,
                                                 p["TemplateContent"], p.get("Remark", ""))
        except (Invalid, Conflict, Refused) as exc:
            raise self._refusal(exc) from None

    def add_template(self, user_id: int, p: dict) -> dict:
        return {"TemplateCode": template_ref(self._apply_template(user_id, p))}

    def create_template(self, user_id: int, p: dict) -> dict:
        tpl = self._apply_template(user_id, p)
        return {"TemplateCode": template_ref(tpl), "TemplateName": tpl.name,
                "OrderId": str(tpl.id)}

    def query_template(self, user_id: int, p: dict) -> dict:
        required(p, "TemplateCode")
        with self.services.store.read() as s:
            t = self._own_template(s, user_id, p["TemplateCode"])
            return {"TemplateCode": template_ref(t), "TemplateName": t.name,
                    "TemplateType": _OUTER[t.sms_type], "TemplateStatus": _STATUS[t.status],
                    "TemplateContent": t.content, "CreateDate": _date(t.applied_at),
                    "Reason": t.reason}

    def get_template(self, user_id: int, p: dict) -> dict:
        required(p, "TemplateCode")
        with self.services.store.read() as s:
            t = self._own_template(s, user_id, p["TemplateCode"])
            return {"TemplateCode": template_ref(t), "TemplateName": t.name,
                    "TemplateType": str(_OUTER[t.sms_type]),
                    "TemplateStatus": str(_STATUS[t.status]), "TemplateContent": t.content,
                    "CreateDate": _date(t.applied_at), "OrderId": str(t.id), "TemplateTag": 2,
                    "AuditInfo": {"AuditDate": _date(t.reviewed_at), "RejectInfo": t.reason}}

    def list_templates(self, user_id: int, p: dict) -> dict:
        size = integer(p, "PageSize", 10, 1, 50)
        page = integer(p, "PageIndex", 1, 1, 1_000_000)
        with self.services.store.read() as s:
            where = Template.user_id == user_id
            total = s.scalar(select(func.count()).select_from(Template).where(where))
            rows = s.scalars(select(Template).where(where).order_by(Template.id)
                             .limit(size).offset((page - 1) * size)).all()
            items = [{"TemplateCode": template_ref(t), "TemplateName": t.name,
                      "TemplateContent": t.content,
                      "TemplateType": _INNER[_OUTER[t.sms_type]],
                      "OuterTemplateType": _OUTER[t.sms_type],
                      "AuditStatus": _AUDIT[_STATUS[t.status]],
                      "CreateDate": _date(t.applied_at), "OrderId": str(t.id),
                      "Reason": {"RejectDate": _date(t.reviewed_at) if t.reason else "",
                                 "RejectInfo": t.reason, "RejectSubInfo": ""}} for t in rows]
        return {"CurrentPage": page, "PageSize": size, "TotalCount": total,
                "SmsTemplateList": items}

    def delete_template(self, user_id: int, p: dict) -> dict:
        required(p, "TemplateCode")
        with self.services.store.read() as s:
            tpl_id = self._own_template(s, user_id, p["TemplateCode"]).id
        self._delete(self.services.templates, user_id, tpl_id)
        return {"TemplateCode": p["TemplateCode"]}
