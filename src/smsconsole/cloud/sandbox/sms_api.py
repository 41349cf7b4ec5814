"""Dysmsapi 2017-05-25 and dybaseapi QueryTokenForMnsQueue, as the real SDK speaks them.

Every request is ``POST /`` dispatched on ``x-acs-action`` (V3) or ``Action`` (v1);
signatures are checked exactly (ACS3-HMAC-SHA256 in ``Authorization`` or the legacy
HMAC-SHA1 ``Signature`` parameter). Gateway/auth/parameter errors are HTTP 4xx JSON;
business errors are HTTP 200 with ``Code`` ≠ ``OK`` (cloud-protocols.md §A.3–A.8).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import time
import uuid
from datetime import datetime

from .. import acs_signing, segments
from ..acs_params import ApiError, Business, integer, required, template_param
from . import outcomes
from .catalog import (
    APPROVED,
    REJECTED,
    REVIEWING,
    SIGN_VERIFICATION,
    T_INTERNATIONAL,
    T_VERIFICATION,
    Sign,
    Template,
)
from .faults import Fault
from .httpbase import Request, Response
from .state import SandboxState
from .store import next_counter
from .virtual_clock import CHINA, china_day_start_ms, china_str, parse_yyyymmdd, real_ms

HOST_ID = "dysmsapi.aliyuncs.com"
MAX_SKEW_S = 15 * 60
_PHONE = re.compile(r"^(?:\+?86|0086)?(1[3-9]\d{9})$")
_URL = re.compile(r"(https?://|www\.)", re.I)
# QuerySmsTemplateList's inner TemplateType numbering (§A.6) from the outer one.
_INNER_TYPE = {0: 2, 1: 0, 2: 1, 3: 6}
_AUDIT = {REVIEWING: "AUDIT_STATE_INIT", APPROVED: "AUDIT_STATE_PASS",
          REJECTED: "AUDIT_STATE_NOT_PASS", 10: "AUDIT_STATE_CANCEL"}
MESSAGE_TYPES = ("SmsReport", "SmsUp")


def normalize_phone(raw: str) -> str | None:
    m = _PHONE.match(raw.strip())
    return m.group(1) if m else None


def _request_id() -> str:
    return str(uuid.uuid4()).upper()


def _json(status: int, payload: dict, headers: dict | None = None) -> Response:
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Response(status, body, "application/json;charset=utf-8", headers or {})


class SmsApi:
    def __init__(self, state: SandboxState) -> None:
        self.s = state
        self._actions = {
            "SendSms": self.send_sms,
            "SendBatchSms": self.send_batch_sms,
            "QuerySendDetails": self.query_send_details,
            "QuerySendStatistics": self.query_send_statistics,
            "QuerySmsSign": self.query_sms_sign,
            "GetSmsSign": self.get_sms_sign,
            "QuerySmsTemplate": self.query_sms_template,
            "GetSmsTemplate": self.get_sms_template,
            "AddSmsSign": self.add_sms_sign,
            "CreateSmsSign": self.create_sms_sign,
            "AddSmsTemplate": self.add_sms_template,
            "CreateSmsTemplate": self.create_sms_template,
            "QuerySmsSignList": self.query_sms_sign_list,
            "QuerySmsTemplateList": self.query_sms_template_list,
            "QueryTokenForMnsQueue": self.query_token_for_mns_queue,
        }

    # --- entry ----------------------------------------------------------------------

    def __call__(self, req: Request) -> Response:
        rid = _request_id()
        params = dict(req.query_pairs())
        form = dict(req.form_pairs())
        # For the fault table only; the action served is the signed one.
        action = req.headers.get("x-acs-action") or params.get("Action", "")
        fault = self.s.faults.hit("sms", action or "?")
        if fault is not None:
            early = self._apply_fault(fault, rid)
            if early is not None:
                return early
        try:
            if req.method != "POST" and req.method != "GET":
                raise ApiError(400, "UnsupportedHTTPMethod", "This http method is not supported.")
            action = self._authenticate(req, params, form)
            handler = self._actions.get(action)
            if handler is None:
                raise ApiError(404, "InvalidAction.NotFound",
                               "Specified api is not found, please check your url and method.")
            merged = {**params, **form}
            result = handler(merged)
        except ApiError as e:
            return _json(
                e.status,
                {"RequestId": rid, "HostId": HOST_ID, "Code": e.code, "Message": e.message,
                 "Recommend": f"https://api.aliyun.com/troubleshoot?q={e.code}"
                              f"&product=Dysmsapi&requestId={rid}"},
                e.headers,
            )
        except Business as b:
            return _json(200, {"RequestId": rid, "Code": b.code, "Message": b.message})
        return _json(200, {"RequestId": rid, "Code": "OK", "Message": "OK", **result})

    def _apply_fault(self, fault: Fault, rid: str) -> Response | None:
        if fault.kind == "delay":
            time.sleep(fault.seconds)
            return None
        if fault.kind == "drop":
            return Response(drop=True)
        base = {"RequestId": rid, "HostId": HOST_ID}
        if fault.kind == "throttle":
            return _json(400, {**base, "Code": fault.code or "Throttling.User",
                               "Message": fault.message or "Request was denied due to user "
                               "flow control."},
                         {"x-acs-retry-after": str(fault.retry_after)})
        if fault.kind == "http500":
            return _json(500, {**base, "Code": "InternalError",
                               "Message": "The request processing has failed due to some "
                               "unknown error, exception or failure."})
        return _json(fault.status, {**base, "Code": fault.code or "InternalError",
                                    "Message": fault.message or fault.code})

    # --- authentication -------------------------------------------------------------

    def _secret_for(self, access_key_id: str) -> str:
        if access_key_id != self.s.credentials.access_key_id:
            raise acs_signing.SignatureError(404, "InvalidAccessKeyId.NotFound",
                                             "Specified access key is not found.")
        return self.s.credentials.access_key_secret

    def _authenticate(self, req: Request, params: dict, form: dict) -> str:
        """Verify the signature (shared, strict rules: ``cloud.acs_signing``); the action."""
        try:
            verified = acs_signing.verify(
                req.method, req.path, req.query_pairs(), list(form.items()), req.headers,
                req.body, self._secret_for, self.s.nonces.use)
        except acs_signing.SignatureError as e:
            raise ApiError(e.status, e.code, e.message) from None
        return verified.action

    # --- helpers --------------------------------------------------------------------

    def _usable_sign(self, name: str) -> Sign:
        sign = self.s.catalog.get_sign(name) if name else None
        if sign is None or sign.status != APPROVED:
            raise Business("isv.SMS_SIGNATURE_ILLEGAL", "该账号下找不到对应签名")
        return sign

    def _usable_template(self, code: str) -> Template:
        tpl = self.s.catalog.get_template(code) if code else None
        if tpl is None or tpl.status != APPROVED:
            raise Business("isv.SMS_TEMPLATE_ILLEGAL", "该账号下找不到对应模板")
        return tpl

    @staticmethod
    def _params(tpl: Template, raw) -> dict[str, str]:
        """Validate one TemplateParam (JSON text or already-parsed object)."""
        variables = tpl.variables
        params = template_param(raw, variables)
        for value in params.values():
            # Aliyun caps a variable at 35 characters; the sandbox enforces it only for
            # verification templates (and the whole text at 500 for the others) so that
            # long notification texts can be tested.
            if len(value) > 35 and tpl.type == T_VERIFICATION:
                raise Business("isv.PARAM_LENGTH_LIMIT", "参数超出长度限制")
            if _URL.search(value):
                raise Business("isv.PARAM_NOT_SUPPORT_URL", "不支持url为变量")
        if len(outcomes.render(tpl.content, params)) > 500:
            raise Business("isv.PARAM_LENGTH_LIMIT", "参数超出长度限制")
        return params

    @staticmethod
    def _scene(sign: Sign, tpl: Template) -> None:
        if sign.sign_type == SIGN_VERIFICATION and tpl.type != T_VERIFICATION:
            raise Business("isv.SMS_SIGNATURE_SCENE_ILLEGAL", "签名和模板类型不一致")

    # --- sending --------------------------------------------------------------------

    def send_sms(self, p: dict) -> dict:
        required(p, "PhoneNumbers", "SignName", "TemplateCode")
        raw_numbers = [n for n in p["PhoneNumbers"].split(",") if n.strip()]
        if len(raw_numbers) > 1000:
            raise Business("isv.MOBILE_COUNT_OVER_LIMIT", "手机号码数量超过限制")
        tpl = self._usable_template(p["TemplateCode"])
        sign = self._usable_sign(p["SignName"])
        self._scene(sign, tpl)
        phones = self._phones(raw_numbers, tpl)
        params = self._params(tpl, p.get("TemplateParam"))
        out_id = p.get("OutId", "")
        if len(out_id) >= 256:
            raise Business("isv.INVALID_PARAMETERS", "OutId超出长度限制")
        biz = self._accept([(ph, sign, tpl, params) for ph in phones], out_id)
        return {"BizId": biz}

    def _phones(self, raw_numbers: list[str], tpl: Template) -> list[str]:
        phones = []
        for raw in raw_numbers:
            phone = normalize_phone(raw)
            if phone is None:
                raise Business("isv.MOBILE_NUMBER_ILLEGAL", "非法手机号")
            phones.append(phone)
        if tpl.type == T_INTERNATIONAL and phones:
            raise Business("isv.DOMESTIC_NUMBER_NOT_SUPPORTED", "国际/港澳台模板不支持发送境内号码")
        return phones

    def send_batch_sms(self, p: dict) -> dict:
        required(p, "PhoneNumberJson", "SignNameJson", "TemplateCode")
        try:
            numbers = json.loads(p["PhoneNumberJson"])
            signs = json.loads(p["SignNameJson"])
            tparams = json.loads(p["TemplateParamJson"]) if p.get("TemplateParamJson") else None
        except ValueError:
            raise Business("isv.INVALID_JSON_PARAM", "JSON参数不合法") from None
        if not isinstance(numbers, list) or not isinstance(signs, list) or (
            tparams is not None and not isinstance(tparams, list)
        ):
            raise Business("isv.INVALID_JSON_PARAM", "JSON参数不合法")
        if len(numbers) > 100:
            raise Business("isv.MOBILE_COUNT_OVER_LIMIT", "手机号码数量超过限制")
        if len(signs) != len(numbers) or (tparams is not None and len(tparams) != len(numbers)):
            raise Business("isv.INVALID_PARAMETERS", "手机号码、签名和模板参数的数量不一致")
        tpl = self._usable_template(p["TemplateCode"])
        phones = self._phones([str(n) for n in numbers], tpl)
        entries = []
        for i, phone in enumerate(phones):
            sign = self._usable_sign(str(signs[i]))
            self._scene(sign, tpl)
            params = self._params(tpl, tparams[i] if tparams is not None else None)
            entries.append((phone, sign, tpl, params))
        return {"BizId": self._accept(entries, p.get("OutId", ""))}

    def _check_frequency(self, db, entries, now: int) -> None:
        """Aliyun's default per-number limits for verification codes (per number+sign)."""
        day0 = china_day_start_ms(now)
        since = min(day0, now - 3600_000)
        seen: dict[tuple[str, str], list[int]] = {}
        for phone, sign, tpl, _ in entries:
            if tpl.type != T_VERIFICATION:
                continue
            key = (phone, sign.name)
            if key not in seen:
                seen[key] = [
                    r[0]
                    for r in db.execute(
                        "SELECT send_ms FROM sends WHERE phone=? AND sign_name=? "
                        "AND template_type=0 AND send_ms>=?",
                        (phone, sign.name, since),
                    )
                ]
            times = seen[key]
            if sum(t > now - 60_000 for t in times) >= 1:
                raise Business("isv.BUSINESS_LIMIT_CONTROL", "触发分钟级流控Permits:1")
            if sum(t > now - 3600_000 for t in times) >= 5:
                raise Business("isv.BUSINESS_LIMIT_CONTROL", "触发小时级流控Permits:5")
            if sum(t >= day0 for t in times) >= 10:
                raise Business("isv.BUSINESS_LIMIT_CONTROL", "触发天级流控Permits:10")
            times.append(now)

    def _accept(self, entries: list[tuple[str, Sign, Template, dict]], out_id: str) -> str:
        st = self.s
        cfg = st.config
        now = st.clock.now_ms()
        real = real_ms()
        delay_ms = int(cfg.report_delay * 1000)
        items: list[tuple[str, str, int, int | None]] = []
        with st.store.tx() as db:
            self._check_frequency(db, entries, now)
            seq = next_counter(db, "biz")
            biz_id = f"{st.biz_prefix}{seq:09d}^0"
            send_time = china_str(now)
            for phone, sign, tpl, params in entries:
                content = outcomes.render(tpl.content, params)
                full = segments.full_text(sign.name, content)
                size = segments.count_segments(full)
                o = outcomes.decide(cfg, biz_id, phone)
                report_ms = now + delay_ms + o.extra_delay_ms
                due = real + delay_ms + o.extra_delay_ms
                cur = db.execute(
                    "INSERT INTO sends(biz_id, phone, sign_name, template_code, template_type, "
                    "content, segments, out_id, send_ms, report_ms, due_real_ms, outcome, "
                    "err_code, err_msg, duplicate, reply) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (biz_id, phone, sign.name, tpl.code, tpl.type, full, size, out_id, now,
                     report_ms, due, "delivered" if o.delivered else "failed", o.err_code,
                     o.err_msg, int(o.duplicate), o.reply),
                )
                report = {
                    "phone_number": phone,
                    "success": o.delivered,
                    "biz_id": biz_id,
                    "out_id": out_id,
                    "send_time": send_time,
                    "report_time": china_str(report_ms),
                    "err_code": o.err_code,
                    "err_msg": o.err_msg,
                    "sms_size": str(size),
                }
                body = _b64json(report)
                items.append((st.report_queue, body, due, cur.lastrowid))
                if o.duplicate:
                    items.append((st.report_queue, body, due + 200, cur.lastrowid))
                if o.reply is not None:
                    up = {
                        "phone_number": phone,
                        "send_time": china_str(report_ms + 60_000),
                        "content": o.reply,
                        "sign_name": sign.name,
                        "dest_code": _dest_code(cfg.seed, sign.name),
                        "sequence_id": next_counter(db, "mo") + 100_000_000,
                    }
                    items.append((st.reply_queue, _b64json(up), due + 300, None))
            st.queues.enqueue_many(db, items)
        st.queues.notify()
        return biz_id

    # --- queries --------------------------------------------------------------------

    def query_send_details(self, p: dict) -> dict:
        required(p, "PhoneNumber", "SendDate", "PageSize", "CurrentPage")
        phone = normalize_phone(p["PhoneNumber"])
        if phone is None:
            raise Business("isv.MOBILE_NUMBER_ILLEGAL", "非法手机号")
        day = parse_yyyymmdd(p["SendDate"])
        now = self.s.clock.now_ms()
        if day is None:
            raise Business("isv.INVALID_PARAMETERS", "SendDate格式不正确，应为yyyyMMdd")
        day_ms = int(day.timestamp() * 1000)
        if day_ms > now or day_ms < china_day_start_ms(now) - 29 * 86400_000:
            raise Business("isv.INVALID_PARAMETERS", "只支持查询最近30天的记录")
        size = integer(p, "PageSize", 10, 1, 50)
        page = integer(p, "CurrentPage", 1, 1, 1_000_000)
        where = "phone=? AND send_ms>=? AND send_ms<?"
        args: list = [phone, day_ms, day_ms + 86400_000]
        if p.get("BizId"):
            where += " AND biz_id=?"
            args.append(p["BizId"])
        real = real_ms()
        with self.s.store.read() as db:
            total = db.execute(f"SELECT COUNT(*) FROM sends WHERE {where}", args).fetchone()[0]
            rows = db.execute(
                "SELECT phone, template_code, content, send_ms, report_ms, due_real_ms, outcome, "
                f"err_code, out_id FROM sends WHERE {where} ORDER BY send_ms DESC, id DESC "
                "LIMIT ? OFFSET ?",
                [*args, size, (page - 1) * size],
            ).fetchall()
        dtos = []
        for phone_, tcode, content, send_ms, report_ms, due, outcome, err, out_id in rows:
            done = due <= real
            dtos.append({
                "PhoneNum": phone_,
                "SendStatus": (3 if outcome == "delivered" else 2) if done else 1,
                "ErrCode": err if done else "",
                "TemplateCode": tcode,
                "Content": content,
                "SendDate": china_str(send_ms),
                "ReceiveDate": china_str(report_ms) if done else "",
                "OutId": out_id,
            })
        return {"TotalCount": str(total), "SmsSendDetailDTOs": {"SmsSendDetailDTO": dtos}}

    def query_send_statistics(self, p: dict) -> dict:
        required(p, "IsGlobe", "StartDate", "EndDate")
        start, end = parse_yyyymmdd(p["StartDate"]), parse_yyyymmdd(p["EndDate"])
        if start is None or end is None or end < start:
            raise Business("isv.INVALID_PARAMETERS", "StartDate/EndDate格式不正确")
        size = integer(p, "PageSize", 10, 1, 50)
        page = integer(p, "PageIndex", 1, 1, 1_000_000)
        if p["IsGlobe"] == "2":
            return {"Data": {"TotalSize": 0, "TargetList": []}}
        where = "send_ms>=? AND send_ms<?"
        args: list = [int(start.timestamp() * 1000), int(end.timestamp() * 1000) + 86400_000]
        if p.get("TemplateType", "") != "":
            where += " AND template_type=?"
            args.append(int(p["TemplateType"]))
        if p.get("SignName"):
            where += " AND sign_name=?"
            args.append(p["SignName"])
        real = real_ms()
        days: dict[str, list[int]] = {}
        with self.s.store.read() as db:
            for send_ms, due, outcome in db.execute(
                f"SELECT send_ms, due_real_ms, outcome FROM sends WHERE {where}", args
            ):
                key = datetime.fromtimestamp(send_ms / 1000, CHINA).strftime("%Y%m%d")
                row = days.setdefault(key, [0, 0, 0, 0])
                row[0] += 1
                if due > real:
                    row[3] += 1
                elif outcome == "delivered":
                    row[1] += 1
                else:
                    row[2] += 1
        keys = sorted(days)
        chunk = keys[(page - 1) * size: page * size]
        return {"Data": {"TotalSize": len(keys), "TargetList": [
            {"SendDate": k, "TotalCount": days[k][0], "RespondedSuccessCount": days[k][1],
             "RespondedFailCount": days[k][2], "NoRespondedCount": days[k][3]}
            for k in chunk
        ]}}

    # --- signatures -----------------------------------------------------------------

    def _sign_or_fail(self, p: dict) -> Sign:
        required(p, "SignName")
        sign = self.s.catalog.get_sign(p["SignName"])
        if sign is None:
            raise Business("isv.SMS_SIGNATURE_ILLEGAL", "该账号下找不到对应签名")
        return sign

    def query_sms_sign(self, p: dict) -> dict:
        sign = self._sign_or_fail(p)
        return {"SignName": sign.name, "SignStatus": sign.status,
                "Reason": sign.reason or "无审批备注", "CreateDate": china_str(sign.created_ms)}

    def get_sms_sign(self, p: dict) -> dict:
        sign = self._sign_or_fail(p)
        decided = sign.status in (APPROVED, REJECTED)
        return {
            "SignName": sign.name, "SignCode": "SIGN_" + hashlib.md5(sign.name.encode()).hexdigest()[:10],
            "SignStatus": sign.status, "SignTag": sign.tag, "OrderId": sign.order_id,
            "CreateDate": china_str(sign.created_ms), "Remark": sign.remark,
            "ApplyScene": "", "QualificationId": 1, "ThirdParty": False,
            "SignUsage": "self",
            "AuthorizationLetterAuditPass": True, "RegisterResult": 1,
            "AuditInfo": {
                "AuditDate": china_str(sign.decide_ms) if decided else "",
                "RejectInfo": sign.reason if sign.status == REJECTED else "",
            },
            "FileUrlList": [],
            "SignIspRegisterDetailList": [],
        }

    def _new_sign(self, p: dict) -> Sign:
        required(p, "SignName")
        name = p["SignName"]
        if not 2 <= len(name) <= 12 or name != name.strip() or "【" in name or "】" in name:
            raise Business("isv.INVALID_PARAMETERS", "签名名称长度须为2-12个字符，且不含空格和【】")
        if self.s.catalog.get_sign(name) is not None:
            raise Business("isv.INVALID_PARAMETERS", "签名名称已存在")
        sign_type = integer(p, "SignType", 1, 0, 1)
        source = integer(p, "SignSource", 0, 0, 5)
        return self.s.catalog.add_sign(name, sign_type, source, p.get("Remark", ""))

    def add_sms_sign(self, p: dict) -> dict:
        return {"SignName": self._new_sign(p).name}

    def create_sms_sign(self, p: dict) -> dict:
        sign = self._new_sign(p)
        return {"SignName": sign.name, "OrderId": sign.order_id}

    def query_sms_sign_list(self, p: dict) -> dict:
        size = integer(p, "PageSize", 10, 1, 50)
        page = integer(p, "PageIndex", 1, 1, 1_000_000)
        signs, total = self.s.catalog.list_signs((page - 1) * size, size)
        return {"CurrentPage": page, "PageSize": size, "TotalCount": total, "SmsSignList": [
            {"SignName": s.name, "AuditStatus": _AUDIT.get(s.status, "AUDIT_STATE_INIT"),
             "CreateDate": china_str(s.created_ms),
             "BusinessType": "验证码类型" if s.sign_type == SIGN_VERIFICATION else "通用类型",
             "OrderId": s.order_id, "AppIcpRecordId": None, "TrademarkId": None,
             "AuthorizationLetterId": None, "authorizationLetterAuditPass": True,
             "Reason": {"RejectDate": china_str(s.decide_ms) if s.status == REJECTED else "",
                        "RejectInfo": s.reason if s.status == REJECTED else "",
                        "RejectSubInfo": ""}}
            for s in signs
        ]}

    # --- templates ------------------------------------------------------------------

    def _template_or_fail(self, p: dict) -> Template:
        required(p, "TemplateCode")
        tpl = self.s.catalog.get_template(p["TemplateCode"])
        if tpl is None:
            raise Business("isv.SMS_TEMPLATE_ILLEGAL", "该账号下找不到对应模板")
        return tpl

    def query_sms_template(self, p: dict) -> dict:
        t = self._template_or_fail(p)
        return {"TemplateCode": t.code, "TemplateName": t.name, "TemplateType": t.type,
                "TemplateStatus": t.status, "TemplateContent": t.content,
                "CreateDate": china_str(t.created_ms), "Reason": t.reason or "无审批备注"}

    def get_sms_template(self, p: dict) -> dict:
        t = self._template_or_fail(p)
        decided = t.status in (APPROVED, REJECTED)
        return {
            "TemplateCode": t.code, "TemplateName": t.name, "TemplateType": str(t.type),
            "TemplateStatus": str(t.status), "TemplateContent": t.content,
            "CreateDate": china_str(t.created_ms), "OrderId": t.order_id,
            "RelatedSignName": t.related_sign, "TemplateTag": t.tag, "IntlType": None,
            "Remark": t.remark,
            "VariableAttribute": {v: "characterWithNumber" for v in t.variables},
            "AuditInfo": {"AuditDate": china_str(t.decide_ms) if decided else "",
                          "RejectInfo": t.reason if t.status == REJECTED else ""},
            "FileUrlList": {"FileUrl": []}, "MoreDataFileUrlList": {"MoreDataFileUrl": []},
            "SignList": {"SignList": [t.related_sign] if t.related_sign else []},
        }

    def _new_template(self, p: dict) -> Template:
        required(p, "TemplateName", "TemplateContent", "TemplateType")
        name, content = p["TemplateName"], p["TemplateContent"]
        if len(name) > 30:
            raise Business("isv.INVALID_PARAMETERS", "模板名称不能超过30个字符")
        if len(content) > 500:
            raise Business("isv.INVALID_PARAMETERS", "模板内容不能超过500个字符")
        ttype = integer(p, "TemplateType", 0, 0, 3)
        related = p.get("RelatedSignName", "")
        if related and self.s.catalog.get_sign(related) is None:
            raise Business("isv.SMS_SIGNATURE_ILLEGAL", "关联签名不存在")
        return self.s.catalog.add_template(name, ttype, content, p.get("Remark", ""), related)

    def add_sms_template(self, p: dict) -> dict:
        return {"TemplateCode": self._new_template(p).code}

    def create_sms_template(self, p: dict) -> dict:
        t = self._new_template(p)
        return {"TemplateCode": t.code, "TemplateName": t.name, "OrderId": t.order_id}

    def query_sms_template_list(self, p: dict) -> dict:
        size = integer(p, "PageSize", 10, 1, 50)
        page = integer(p, "PageIndex", 1, 1, 1_000_000)
        tpls, total = self.s.catalog.list_templates((page - 1) * size, size)
        return {"CurrentPage": page, "PageSize": size, "TotalCount": total, "SmsTemplateList": [
            {"TemplateCode": t.code, "TemplateName": t.name, "TemplateContent": t.content,
             "TemplateType": _INNER_TYPE[t.type], "OuterTemplateType": t.type,
             "AuditStatus": _AUDIT.get(t.status, "AUDIT_STATE_INIT"),
             "CreateDate": china_str(t.created_ms), "OrderId": t.order_id,
             "SignatureName": t.related_sign, "TrafficDriving": "",
             "Reason": {"RejectDate": china_str(t.decide_ms) if t.status == REJECTED else "",
                        "RejectInfo": t.reason if t.status == REJECTED else "",
                        "RejectSubInfo": ""}}
            for t in tpls
        ]}

    # --- dybaseapi ------------------------------------------------------------------

    def query_token_for_mns_queue(self, p: dict) -> dict:
        required(p, "MessageType")
        mtype = p["MessageType"]
        if mtype not in MESSAGE_TYPES:
            raise Business("isv.INVALID_PARAMETERS", f"MessageType {mtype} is not supported")
        queue = self.s.queue_for(mtype)
        if p.get("QueueName") and p["QueueName"] != queue:
            raise Business("isv.QUEUE_NOT_MATCH",
                           "QueueName does not belong to this account and message type")
        now = real_ms()
        expire = now + int(self.s.config.token_ttl * 1000)
        ak = "STS." + secrets.token_urlsafe(18).replace("-", "x").replace("_", "y")
        secret = secrets.token_urlsafe(24)
        token = "CAIS" + base64.b64encode(secrets.token_bytes(96)).decode("ascii")
        with self.s.store.tx() as db:
            db.execute("DELETE FROM tokens WHERE expire_ms<?", (now - 3600_000,))
            db.execute("INSERT INTO tokens VALUES(?,?,?,?,?,?)",
                       (ak, secret, token, queue, mtype, expire))
        return {"MessageTokenDTO": {
            "AccessKeyId": ak, "AccessKeySecret": secret, "SecurityToken": token,
            "CreateTime": china_str(now), "ExpireTime": china_str(expire),
        }}


def _b64json(payload: dict) -> str:
    raw = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return base64.b64encode(raw).decode("ascii")


def _dest_code(seed: int, sign_name: str) -> str:
    """The extension code Aliyun assigns a signature (replies carry it)."""
    return str(int(outcomes.roll(seed, "dest", sign_name) * 9000) + 1000)
