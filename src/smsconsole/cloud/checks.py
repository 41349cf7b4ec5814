"""``run_checks``: test cloud settings item by item, naming the field that is wrong.

Used by ``smsconsole check`` and the console's "test these settings" buttons. Every
check is a real, cheap, read-only call: the queue check peeks (it never receives, so no
report is taken away from the worker); the Alipay check queries a trade that does not
exist.
"""

from __future__ import annotations

import secrets

from .cloud_error import CloudError
from .payments import AlipayClient
from .queues import ReportQueue
from .retry import RetryPolicy
from .sms import SmsClient
from .types import (
    APPROVED,
    VERIFICATION,
    AlipaySettings,
    AliyunSettings,
    CheckItem,
    SignInfo,
    TemplateInfo,
)

_AK_FIELDS = {
    "InvalidAccessKeyId.NotFound": "access_key_id",
    "InvalidAccessKeyId.Inactive": "access_key_id",
    "InvalidAccessKeyId": "access_key_id",
    "SignatureDoesNotMatch": "access_key_secret",
    "IncompleteSignature": "access_key_secret",
    "Forbidden.RAM": "access_key_id",
    "isp.RAM_PERMISSION_DENY": "access_key_id",
    "NetworkError": "sms_endpoint",
    "Timeout": "sms_endpoint",
    "InvalidResponse": "sms_endpoint",
    "NotConfigured": "access_key_id",
}


def _fail(item: str, err: CloudError, field: str | None, lang: str) -> CheckItem:
    return CheckItem(item=item, ok=False, detail=f"{err.code}: {err.meaning(lang)}",
                     field=field, extra={"code": err.code, "advice": err.advice(lang),
                                         "request_id": err.request_id})


def _skipped(item: str, field: str | None, lang: str) -> CheckItem:
    detail = "未检查：AccessKey 检查未通过" if lang == "zh" else \
        "not checked: the AccessKey check failed"
    return CheckItem(item=item, ok=False, detail=detail, field=field, extra={"skipped": True})


def _status_text(status: str, reason: str, lang: str) -> str:
    zh = {"reviewing": "审核中", "rejected": "未通过", "cancelled": "已撤销"}
    text = zh.get(status, status) if lang == "zh" else status
    return f"{text}: {reason}" if reason else text


def check_aliyun(settings: AliyunSettings, lang: str = "en", *,
                 retry: RetryPolicy | None = None) -> list[CheckItem]:
    items: list[CheckItem] = []
    retry = retry or RetryPolicy(retries=1, base_delay=0.2, max_delay=1.0)
    ok_text = "正常" if lang == "zh" else "ok"
    try:
        sms = SmsClient(settings, retry=retry, connect_timeout=5.0, read_timeout=10.0)
        sms.list_signs()
        items.append(CheckItem("aliyun.access_key", True, ok_text, "access_key_id"))
        ak_ok = True
    except CloudError as e:
        items.append(_fail("aliyun.access_key", e, e.field or _AK_FIELDS.get(e.code,
                                                                            "access_key_id"),
                           lang))
        ak_ok = False

    signs: dict[str, SignInfo | CloudError] = {}
    templates: dict[str, TemplateInfo | CloudError] = {}
    for sc in settings.scenarios:
        sign_item = f"scenario.{sc.key}.sign_name"
        tpl_item = f"scenario.{sc.key}.template_code"
        if not ak_ok:
            items += [_skipped(sign_item, sign_item, lang), _skipped(tpl_item, tpl_item, lang)]
            continue
        if sc.sign_name not in signs:
            try:
                signs[sc.sign_name] = sms.get_sign(sc.sign_name, with_type=False)
            except CloudError as e:
                signs[sc.sign_name] = e
        got = signs[sc.sign_name]
        if isinstance(got, CloudError):
            items.append(_fail(sign_item, got, sign_item, lang))
        elif got.status != APPROVED:
            items.append(CheckItem(sign_item, False, _status_text(got.status, got.reason, lang),
                                   sign_item, {"status": got.status}))
        else:
            items.append(CheckItem(sign_item, True, ok_text, sign_item))

        if sc.template_code not in templates:
            try:
                templates[sc.template_code] = sms.get_template(sc.template_code)
            except CloudError as e:
                templates[sc.template_code] = e
        tpl = templates[sc.template_code]
        if isinstance(tpl, CloudError):
            items.append(_fail(tpl_item, tpl, tpl_item, lang))
        elif tpl.status != APPROVED:
            items.append(CheckItem(tpl_item, False, _status_text(tpl.status, tpl.reason, lang),
                                   tpl_item, {"status": tpl.status}))
        elif tpl.template_type != VERIFICATION:
            detail = (f"不是验证码模板（{tpl.template_type}）" if lang == "zh"
                      else f"not a verification-code template ({tpl.template_type})")
            items.append(CheckItem(tpl_item, False, detail, tpl_item))
        elif sc.param_name and "${" + sc.param_name + "}" not in tpl.content:
            field = f"scenario.{sc.key}.param_name"
            detail = (f"模板中没有变量 ${{{sc.param_name}}}" if lang == "zh"
                      else f"the template has no ${{{sc.param_name}}} variable")
            items.append(CheckItem(field, False, detail, field))
        else:
            items.append(CheckItem(tpl_item, True, ok_text, tpl_item))

    for item, field, name in (("queue.report", "report_queue", settings.report_queue),
                              ("queue.reply", "reply_queue", settings.reply_queue)):
        if not name:
            continue
        if not ak_ok and settings.queue_mode == "alicom":
            items.append(_skipped(item, field, lang))
            continue
        items.append(_check_queue(settings, item, field, name, lang, retry))
    return items


def _check_queue(settings: AliyunSettings, item: str, field: str, name: str, lang: str,
                 retry: RetryPolicy) -> CheckItem:
    queue = None
    try:
        queue = ReportQueue(settings, name, retry=retry, socket_timeout=15.0)
        token = queue.token()
        queue.peek(1)  # reachable and readable, consumes nothing
        extra = {}
        if token is not None:
            extra["token_expires"] = token.expire_time.isoformat()
        return CheckItem(item, True, "正常" if lang == "zh" else "ok", field, extra)
    except CloudError as e:
        if e.service == "sms":  # the token call
            f = field if e.code in ("isv.QUEUE_NOT_MATCH", "isv.INVALID_PARAMETERS") \
                else _AK_FIELDS.get(e.code, field)
        elif e.code in ("NetworkError", "Timeout"):
            f = "mns_endpoint"
        else:
            f = e.field or field
        return _fail(item, e, f, lang)
    finally:
        if queue is not None:
            queue.close()


def check_alipay(settings: AlipaySettings, lang: str = "en", *,
                 retry: RetryPolicy | None = None) -> list[CheckItem]:
    ok_text = "正常" if lang == "zh" else "ok"
    retry = retry or RetryPolicy(retries=1, base_delay=0.2, max_delay=1.0)
    try:
        client = AlipayClient(settings, retry=retry, timeout=10.0)
        client.validate_keys()
    except CloudError as e:
        return [_fail("alipay.keys", e, e.field or "app_private_key", lang),
                _skipped("alipay.gateway", "gateway", lang)]
    items = [CheckItem("alipay.keys", True, ok_text, "app_private_key")]
    try:
        status = client.query_trade(f"SMSCONSOLE-CHECK-{secrets.token_hex(6)}")
        items.append(CheckItem("alipay.gateway", True, ok_text, "gateway",
                               {"exists": status.exists}))
    except CloudError as e:
        field = e.field or ("gateway" if e.code in ("NetworkError", "Timeout", "InvalidResponse")
                            or e.code.startswith("HTTP") else "app_id")
        items.append(_fail("alipay.gateway", e, field, lang))
    return items


def run_checks(aliyun: AliyunSettings | None, alipay: AlipaySettings | None,
               lang: str = "en") -> list[CheckItem]:
    """One CheckItem per setting tested; ``ok`` False items name the ``field`` to fix."""
    items: list[CheckItem] = []
    if aliyun is not None:
        items += check_aliyun(aliyun, lang)
    if alipay is not None:
        items += check_alipay(alipay, lang)
    return items
