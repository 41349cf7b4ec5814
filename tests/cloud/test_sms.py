"""SmsClient against the sandbox: every operation, error mapping and exactly what is retried."""

from __future__ import annotations

import socket
import time
from dataclasses import replace
from datetime import date, datetime

import pytest

from smsconsole.cloud.cloud_error import CloudError
from smsconsole.cloud.retry import RetryPolicy
from smsconsole.cloud.sandbox import client as sbc
from smsconsole.cloud.sandbox.virtual_clock import CHINA
from smsconsole.cloud.sms import SmsClient
from smsconsole.cloud.types import APPROVED, REJECTED, REVIEWING

CODE = {"code": "1234"}


def attempts(ep, action):
    return sbc.request_count(ep, "sms", action)


@pytest.fixture
def sms(ep, fast_retry):
    return SmsClient(ep.aliyun_settings(), retry=fast_retry)


def test_send_and_query_details(ep, sms):
    res = sms.send_sms(["13800138000", "+8613900139000"], "速达验证", "SMS_100000001", CODE,
                       out_id="t-1")
    assert res.code == "OK" and res.biz_id and res.request_id
    time.sleep(0.15)
    rows = sms.query_send_details("13900139000", datetime.now(CHINA).date(), biz_id=res.biz_id)
    assert len(rows) == 1
    row = rows[0]
    assert (row.phone, row.status, row.err_code, row.out_id) == (
        "13900139000", "delivered", "DELIVERED", "t-1")
    assert row.content.startswith("【速达验证】您的注册验证码为1234")


def test_batch_send(ep, sms):
    res = sms.send_batch_sms(["13800138001", "13800138002"], "速达科技", "SMS_100000004",
                             [{"name": "甲", "order": 1}, {"name": "乙", "order": 2}])
    msgs = sbc.state(ep, biz_id=res.biz_id)["messages"]
    assert sorted(x["content"] for x in msgs) == [
        "【速达科技】尊敬的乙，您的订单2已发货，请注意查收。",
        "【速达科技】尊敬的甲，您的订单1已发货，请注意查收。",
    ]


def test_count_limits_are_checked_before_calling(ep, sms):
    with pytest.raises(CloudError) as exc:
        sms.send_sms([f"1380000{i:04d}" for i in range(1001)], "速达科技", "SMS_100000004")
    assert exc.value.code == "isv.MOBILE_COUNT_OVER_LIMIT"
    with pytest.raises(CloudError) as exc:
        sms.send_batch_sms([f"1380000{i:04d}" for i in range(101)], "速达科技", "SMS_100000004")
    assert exc.value.code == "isv.MOBILE_COUNT_OVER_LIMIT"
    assert attempts(ep, "SendSms") == 0 and attempts(ep, "SendBatchSms") == 0


@pytest.mark.parametrize(
    ("args", "code"),
    [
        ((["123"], "速达验证", "SMS_100000001", CODE), "isv.MOBILE_NUMBER_ILLEGAL"),
        ((["13800138000"], "无此签名", "SMS_100000001", CODE), "isv.SMS_SIGNATURE_ILLEGAL"),
        ((["13800138000"], "速达验证", "SMS_404", CODE), "isv.SMS_TEMPLATE_ILLEGAL"),
        ((["13800138000"], "速达验证", "SMS_100000001", {}), "isv.TEMPLATE_MISSING_PARAMETERS"),
    ],
)
def test_business_errors_become_cloud_errors_without_retry(ep, sms, sleeps, args, code):
    with pytest.raises(CloudError) as exc:
        sms.send_sms(*args)
    err = exc.value
    assert (err.service, err.code, err.http_status, err.retryable) == ("sms", code, 200, False)
    assert err.request_id and err.raw_message
    assert attempts(ep, "SendSms") == 1 and sleeps == []


def test_business_limit_control_is_not_retried(ep, sms, sleeps):
    sms.send_sms(["13800138000"], "速达验证", "SMS_100000001", CODE)
    with pytest.raises(CloudError) as exc:
        sms.send_sms(["13800138000"], "速达验证", "SMS_100000001", CODE)
    assert exc.value.code == "isv.BUSINESS_LIMIT_CONTROL"
    assert exc.value.raw_message == "触发分钟级流控Permits:1"
    assert attempts(ep, "SendSms") == 2 and sleeps == []


def test_wrong_secret_is_a_client_error(ep, fast_retry, sleeps):
    bad = SmsClient(replace(ep.aliyun_settings(), access_key_secret="nope"), retry=fast_retry)
    with pytest.raises(CloudError) as exc:
        bad.list_signs()
    err = exc.value
    assert (err.code, err.http_status, err.retryable) == ("SignatureDoesNotMatch", 400, False)
    assert "nope" not in str(err) and "nope" not in repr(err)
    assert sleeps == [] and attempts(ep, "QuerySmsSignList") == 1


def test_throttling_is_retried_honouring_retry_after(ep, sms, sleeps):
    sbc.inject_fault(ep, "sms", "SendSms", kind="throttle", count=2, retry_after=2)
    res = sms.send_sms(["13800138000"], "速达科技", "SMS_100000004", {"name": "a", "order": "b"})
    assert res.code == "OK"
    assert attempts(ep, "SendSms") == 3
    assert sleeps == [2.0, 2.0]
    assert sbc.state(ep, summary=True)["summary"]["messages"] == 1


def test_5xx_is_retried_then_given_up(ep, sms, sleeps):
    sbc.inject_fault(ep, "sms", "GetSmsTemplate", kind="http500", count=10)
    with pytest.raises(CloudError) as exc:
        sms.get_template("SMS_100000001")
    assert (exc.value.code, exc.value.http_status, exc.value.retryable) == (
        "InternalError", 500, True)
    assert attempts(ep, "GetSmsTemplate") == 4  # 1 + 3 retries
    assert len(sleeps) == 3
    assert sleeps[0] <= 0.2 and sleeps[1] <= 0.4 and sleeps[2] <= 0.8  # exponential, jittered
    assert sleeps[2] > sleeps[0]


def test_5xx_on_send_is_retried_once_it_clears(ep, sms):
    sbc.inject_fault(ep, "sms", "SendSms", kind="http500", count=1)
    sms.send_sms(["13800138000"], "速达科技", "SMS_100000004", {"name": "a", "order": "b"})
    assert attempts(ep, "SendSms") == 2
    assert sbc.state(ep, summary=True)["summary"]["messages"] == 1


def test_read_timeout_on_send_is_not_retried(ep, fast_retry, sleeps):
    """Sends are not idempotent: the slow request still went through, so a retry would
    double-send. One attempt, CloudError Timeout, not retryable, one message sent."""
    sms = SmsClient(ep.aliyun_settings(), retry=fast_retry, read_timeout=0.4)
    sbc.inject_fault(ep, "sms", "SendSms", kind="delay", seconds=0.8)
    with pytest.raises(CloudError) as exc:
        sms.send_sms(["13800138000"], "速达科技", "SMS_100000004", {"name": "a", "order": "b"})
    err = exc.value
    assert (err.code, err.retryable) == ("Timeout", False)
    assert "QuerySendDetails" in err.advice("en")
    assert attempts(ep, "SendSms") == 1 and sleeps == []
    time.sleep(0.6)
    assert sbc.state(ep, summary=True)["summary"]["messages"] == 1


def test_read_timeout_on_a_query_is_retried(ep, fast_retry, sleeps):
    sms = SmsClient(ep.aliyun_settings(), retry=fast_retry, read_timeout=0.3)
    sbc.inject_fault(ep, "sms", "QuerySendDetails", kind="delay", seconds=0.6)
    assert sms.query_send_details("13800138000", datetime.now(CHINA).date()) == []
    assert attempts(ep, "QuerySendDetails") == 2 and len(sleeps) == 1


def test_connection_refused_is_retried_then_network_error(fast_retry, sleeps, ep):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    dead = replace(ep.aliyun_settings(), sms_endpoint=f"127.0.0.1:{port}")
    with pytest.raises(CloudError) as exc:
        SmsClient(dead, retry=fast_retry).send_sms(["13800138000"], "速达验证",
                                                   "SMS_100000001", CODE)
    assert (exc.value.code, exc.value.retryable) == ("NetworkError", True)
    assert len(sleeps) == 3  # never reached the server: safe to retry even a send


def test_loopback_never_goes_through_a_proxy(ep, monkeypatch, fast_retry):
    dead = socket.socket()
    dead.bind(("127.0.0.1", 0))
    proxy = f"http://127.0.0.1:{dead.getsockname()[1]}"
    dead.close()
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.setenv(var, proxy)
    import os

    before = dict(os.environ)
    sms = SmsClient(ep.aliyun_settings(), retry=fast_retry)
    assert sms.send_sms(["13800138000"], "速达验证", "SMS_100000001", CODE).code == "OK"
    assert sms.query_token_for_mns_queue("SmsReport", ep.report_queue).access_key_id
    assert dict(os.environ) == before  # nothing was unset behind our back

    # The same call through a bare tea client would go to the dead proxy (the quirk).
    from alibabacloud_dysmsapi20170525 import models as m
    from alibabacloud_dysmsapi20170525.client import Client
    from alibabacloud_tea_openapi.utils_models import Config
    from Tea.exceptions import UnretryableException

    bare = Client(Config(access_key_id=ep.access_key_id, access_key_secret="x",
                         endpoint="localhost:" + ep.sms_host.rsplit(":", 1)[1],
                         protocol="http"))
    with pytest.raises(UnretryableException) as exc:
        bare.query_sms_sign_list(m.QuerySmsSignListRequest())
    assert "proxy" in str(exc.value).lower()


def test_signs_and_templates(ep, sms):
    signs = {s.name: s for s in sms.list_signs()}
    assert signs["速达验证"].sign_type == "verification"
    assert signs["速达科技"].sign_type == "general"
    assert all(s.status == APPROVED for s in signs.values())
    templates = {t.code: t for t in sms.list_templates()}
    assert templates["SMS_100000001"].template_type == "verification"
    assert templates["SMS_100000004"].template_type == "notification"
    assert templates["SMS_100000005"].template_type == "promotion"
    assert templates["SMS_100000009"].status == REJECTED and templates["SMS_100000009"].reason
    one = sms.get_template("SMS_100000005")
    assert (one.template_type, one.status, one.name) == ("promotion", APPROVED, "会员日推广")
    assert sms.get_sign("速达验证").status == APPROVED
    with pytest.raises(CloudError) as exc:
        sms.get_sign("没有")
    assert exc.value.code == "isv.SMS_SIGNATURE_ILLEGAL"


def test_paging_lists_all(ep, sms):
    for i in range(52):
        sms.create_template(f"模板{i}", "notification", f"内容{i}${{x}}",
                            related_sign_name="速达科技")
    assert len(sms.list_templates()) == 59
    assert attempts(ep, "QuerySmsTemplateList") == 2


def test_create_and_review(make_sandbox, fast_retry):
    sb = make_sandbox(review_delay=0.3, review_reject_share=0.0)
    sms = SmsClient(sb.endpoints.aliyun_settings(), retry=fast_retry)
    assert sms.create_sign("新签名", "verification", source=0, remark="r") == "新签名"
    code = sms.create_template("新模板", "verification", "验证码${code}", "r", "新签名")
    assert code.startswith("SMS_")
    assert sms.get_sign("新签名").status == REVIEWING
    assert sms.get_template(code).status == REVIEWING
    time.sleep(0.4)
    assert sms.get_sign("新签名").status == APPROVED
    assert sms.get_template(code).template_type == "verification"
    with pytest.raises(ValueError):
        sms.create_sign("x", "marketing")


def test_send_statistics(ep, sms):
    sms.send_sms(["13800138000"], "速达验证", "SMS_100000001", CODE)
    sms.send_sms(["13800138001", "13800138002"], "速达科技", "SMS_100000004",
                 {"name": "a", "order": "b"})
    time.sleep(0.15)
    today = datetime.now(CHINA).date()
    rows = sms.query_send_statistics(today, today)
    assert rows == [{"date": today, "total": 3, "delivered": 3, "failed": 0, "pending": 0}]
    assert sms.query_send_statistics(today, today, "verification")[0]["total"] == 1
    assert sms.query_send_statistics(date(2020, 1, 1), date(2020, 1, 2)) == []


def test_token_for_mns_queue(ep, sms):
    tok = sms.query_token_for_mns_queue("SmsReport", ep.report_queue)
    assert tok.access_key_id.startswith("STS.")
    assert tok.expire_time.utcoffset().total_seconds() == 8 * 3600
    assert tok.access_key_secret not in repr(tok) and tok.security_token not in repr(tok)
    with pytest.raises(CloudError) as exc:
        sms.query_token_for_mns_queue("SmsReport", "Alicom-Queue-0-SmsReport")
    assert exc.value.code == "isv.QUEUE_NOT_MATCH"


def test_no_retry_policy_means_one_attempt(ep):
    sms = SmsClient(ep.aliyun_settings(), retry=RetryPolicy(retries=0))
    sbc.inject_fault(ep, "sms", "QuerySmsSignList", kind="http500")
    with pytest.raises(CloudError):
        sms.list_signs()
    assert attempts(ep, "QuerySmsSignList") == 1


def test_repr_and_errors_never_show_the_secret(ep):
    settings = ep.aliyun_settings()
    assert settings.access_key_secret not in repr(settings)
    assert settings.access_key_secret not in repr(SmsClient(settings))
