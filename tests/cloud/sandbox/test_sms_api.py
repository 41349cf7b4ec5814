"""The sandbox's Dysmsapi and dybaseapi, driven by the real SDKs (no adapter)."""

from __future__ import annotations

import base64
import json
import re
import time
from datetime import datetime, timedelta

import pytest
from alibabacloud_dybaseapi20170525 import models as bm
from alibabacloud_dybaseapi20170525.client import Client as DybaseClient
from alibabacloud_dysmsapi20170525 import models as m
from alibabacloud_dysmsapi20170525.client import Client
from alibabacloud_tea_openapi.exceptions import ClientException
from alibabacloud_tea_openapi.utils_models import Config
from mns.account import Account

from smsconsole.cloud.sandbox import client as sbc
from smsconsole.cloud.sandbox.virtual_clock import CHINA

VERIFY_SIGN, GENERAL_SIGN = "速达验证", "速达科技"
T_CODE, T_NOTICE, T_PROMO, T_LONG = "SMS_100000001", "SMS_100000004", "SMS_100000005", \
    "SMS_100000006"


def dysms(ep, secret=None, v2=False, ak=None):
    return Client(Config(
        access_key_id=ak or ep.access_key_id,
        access_key_secret=secret or ep.access_key_secret,
        endpoint=ep.sms_host, protocol="http",
        signature_algorithm="v2" if v2 else None,
    ))


def send(c, phones="13800138000", sign=VERIFY_SIGN, code=T_CODE, param='{"code":"1234"}',
         **kw):
    return c.send_sms(m.SendSmsRequest(phone_numbers=phones, sign_name=sign,
                                       template_code=code, template_param=param, **kw))


def drain(ep, queue, expect, timeout=5.0):
    acc = Account(ep.mns, ep.access_key_id, ep.access_key_secret)
    q = acc.get_queue(queue)
    got = []
    deadline = time.time() + timeout
    while len(got) < expect and time.time() < deadline:
        try:
            msgs = q.batch_receive_message(16, 1)
        except Exception:  # MessageNotExist after the poll
            continue
        got += [json.loads(x.message_body) for x in msgs]
        q.batch_delete_message([x.receipt_handle for x in msgs])
    return got


# --- signatures -----------------------------------------------------------------------


@pytest.mark.parametrize("v2", [False, True], ids=["acs3", "v1-hmac-sha1"])
def test_send_with_both_signature_schemes(ep, v2):
    r = send(dysms(ep, v2=v2), phones="+8613800138000,008613900139000,8613700137000",
             out_id="order-1")
    assert r.status_code == 200
    assert r.body.code == "OK" and r.body.message == "OK"
    assert re.fullmatch(r"\d{15,18}\^\d+", r.body.biz_id)
    st = sbc.state(ep, biz_id=r.body.biz_id)
    assert sorted(x["phone"] for x in st["messages"]) == [
        "13700137000", "13800138000", "13900139000"]
    assert {x["biz_id"] for x in st["messages"]} == {r.body.biz_id}


@pytest.mark.parametrize("v2", [False, True], ids=["acs3", "v1-hmac-sha1"])
def test_wrong_secret_is_refused_like_aliyun(ep, v2):
    with pytest.raises(ClientException) as exc:
        send(dysms(ep, secret="not-the-secret", v2=v2))
    e = exc.value
    assert e.status_code == 400 and e.code == "SignatureDoesNotMatch"
    assert "server string to sign is:" in e.message
    assert e.data["HostId"] == "dysmsapi.aliyuncs.com"
    assert sbc.state(ep, summary=True)["summary"]["messages"] == 0


def test_unknown_access_key(ep):
    with pytest.raises(ClientException) as exc:
        send(dysms(ep, ak="nobody"))
    assert exc.value.status_code == 404 and exc.value.code == "InvalidAccessKeyId.NotFound"


def test_batch_send_v1_signs_the_form_body(ep):
    c = dysms(ep, v2=True)
    r = c.send_batch_sms(m.SendBatchSmsRequest(
        phone_number_json='["13800138001","13800138002"]',
        sign_name_json=json.dumps([GENERAL_SIGN, "优品商城"], ensure_ascii=False),
        template_code=T_NOTICE,
        template_param_json='[{"name":"张 三*~/","order":"A+1"},{"name":"李四","order":"B2"}]',
    ))
    assert r.body.code == "OK"
    msgs = sbc.state(ep, biz_id=r.body.biz_id)["messages"]
    contents = sorted(x["content"] for x in msgs)
    assert contents[0] == "【优品商城】尊敬的李四，您的订单B2已发货，请注意查收。"
    assert contents[1] == "【速达科技】尊敬的张 三*~/，您的订单A+1已发货，请注意查收。"


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"phones": "1380013800"}, "isv.MOBILE_NUMBER_ILLEGAL"),
        ({"phones": "23800138000"}, "isv.MOBILE_NUMBER_ILLEGAL"),
        ({"phones": ",".join(f"1380000{i:04d}" for i in range(1001))},
         "isv.MOBILE_COUNT_OVER_LIMIT"),
        ({"sign": "没有这个签名"}, "isv.SMS_SIGNATURE_ILLEGAL"),
        ({"sign": " 速达验证"}, "isv.SMS_SIGNATURE_ILLEGAL"),
        ({"code": "SMS_999"}, "isv.SMS_TEMPLATE_ILLEGAL"),
        ({"code": "SMS_100000009"}, "isv.SMS_TEMPLATE_ILLEGAL"),  # rejected template
        ({"sign": VERIFY_SIGN, "code": T_NOTICE, "param": '{"name":"a","order":"b"}'},
         "isv.SMS_SIGNATURE_SCENE_ILLEGAL"),
        ({"param": "{code:1234}"}, "isv.INVALID_JSON_PARAM"),
        ({"param": '{"code":1234}'}, "isv.INVALID_JSON_PARAM"),
        ({"param": '{"other":"1"}'}, "isv.TEMPLATE_MISSING_PARAMETERS"),
        ({"param": None}, "isv.TEMPLATE_MISSING_PARAMETERS"),
        ({"param": '{"code":"http://x.cn"}'}, "isv.PARAM_NOT_SUPPORT_URL"),
    ],
)
def test_send_validation_business_errors(ep, kwargs, code):
    r = send(dysms(ep), **kwargs)
    assert r.status_code == 200  # business errors are HTTP 200
    assert r.body.code == code and r.body.message
    assert r.body.biz_id is None
    assert sbc.state(ep, summary=True)["summary"]["messages"] == 0


def test_missing_required_parameter_is_an_http_error(ep):
    with pytest.raises(ClientException) as exc:
        dysms(ep).send_sms(m.SendSmsRequest(phone_numbers="13800138000"))
    assert exc.value.status_code == 400 and exc.value.code == "MissingSignName"


def test_unknown_action_is_404(ep):
    c = dysms(ep)
    from alibabacloud_tea_openapi.utils_models import OpenApiRequest, Params
    from darabonba.runtime import RuntimeOptions

    params = Params(action="NoSuchAction", version="2017-05-25", protocol="HTTP",
                    pathname="/", method="POST", auth_type="AK", style="RPC",
                    req_body_type="formData", body_type="json")
    with pytest.raises(ClientException) as exc:
        c.call_api(params, OpenApiRequest(query={}), RuntimeOptions())
    assert exc.value.status_code == 404 and exc.value.code == "InvalidAction.NotFound"


def test_verification_frequency_limits_follow_the_virtual_clock(ep):
    c = dysms(ep)
    start = datetime(2026, 3, 2, 9, 0, tzinfo=CHINA)
    sbc.set_clock(ep, start)
    assert send(c).body.code == "OK"
    r = send(c)
    assert (r.body.code, r.body.message) == ("isv.BUSINESS_LIMIT_CONTROL", "触发分钟级流控Permits:1")
    # another number in the same call makes the whole call fail
    r = send(c, phones="13900139000,13800138000")
    assert r.body.code == "isv.BUSINESS_LIMIT_CONTROL"
    assert sbc.state(ep, phone="13900139000")["messages"] == []
    # another signature is a separate counter
    assert send(c, sign=GENERAL_SIGN).body.code == "OK"
    for i in range(1, 5):
        sbc.set_clock(ep, start + timedelta(minutes=2 * i))
        assert send(c).body.code == "OK"
    sbc.set_clock(ep, start + timedelta(minutes=11))
    assert send(c).body.message == "触发小时级流控Permits:5"
    for i in range(5):
        sbc.set_clock(ep, start + timedelta(hours=2, minutes=2 * i))
        assert send(c).body.code == "OK"
    sbc.set_clock(ep, start + timedelta(hours=5))
    assert send(c).body.message == "触发天级流控Permits:10"
    sbc.set_clock(ep, start + timedelta(days=1))
    assert send(c).body.code == "OK"
    # notifications have no such limit here
    for _ in range(3):
        assert send(c, sign=GENERAL_SIGN, code=T_NOTICE,
                    param='{"name":"a","order":"b"}').body.code == "OK"
    sbc.set_clock(ep, None)


def test_a_held_virtual_clock_stands_still_until_set_again(ep):
    start = datetime(2026, 3, 2, 9, 0, 0, 500_000, tzinfo=CHINA)
    sbc.set_clock(ep, start, hold=True)
    time.sleep(0.05)
    assert datetime.fromisoformat(sbc.state(ep, summary=True)["now"]) == start
    sbc.set_clock(ep, start)  # not held: runs on from there
    time.sleep(0.05)
    assert datetime.fromisoformat(sbc.state(ep, summary=True)["now"]) > start
    sbc.set_clock(ep, None)


def test_reports_have_the_exact_fields_and_segments(make_sandbox):
    sb = make_sandbox(failure_rate=0.5, seed=7)
    ep = sb.endpoints
    phones = [f"1380013{i:04d}" for i in range(40)]
    long_param = '{"name":"王小明","amount":"1234.56","date":"2026-12-10"}'
    r = send(dysms(ep), phones=",".join(phones), sign=GENERAL_SIGN, code=T_LONG,
             param=long_param, out_id="task-9")
    reports = drain(ep, ep.report_queue, 40)
    assert len(reports) == 40
    keys = {"phone_number", "success", "biz_id", "out_id", "send_time", "report_time",
            "err_code", "err_msg", "sms_size"}
    for rep in reports:
        assert set(rep) == keys
        assert rep["biz_id"] == r.body.biz_id and rep["out_id"] == "task-9"
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", rep["send_time"])
        assert rep["report_time"] >= rep["send_time"]
        assert rep["success"] is (rep["err_code"] == "DELIVERED")
        assert rep["sms_size"] == "2"  # 【速达科技】 + 94 characters = 100 > 70 → 2×67
    failed = {x["err_code"] for x in reports if not x["success"]}
    assert 5 <= sum(not x["success"] for x in reports) <= 35
    assert failed <= {"UNDELIV", "MK:0001", "MK:0005", "IC:0055", "DB:0141", "MN:0001",
                      "MI:0013", "EXPIRED"}
    st = sbc.state(ep, biz_id=r.body.biz_id)
    by_phone = {x["phone"]: x for x in st["messages"]}
    for rep in reports:
        row = by_phone[rep["phone_number"]]
        assert row["err_code"] == rep["err_code"] and row["segments"] == 2
        assert row["report_enqueued"] is True and row["reports_in_queue"] == 0


def test_outcomes_are_deterministic_by_seed(make_sandbox, tmp_path):
    outcomes = []
    for i in range(2):
        sb = make_sandbox(tmp_path / f"run{i}", failure_rate=0.3, seed=42)
        r = send(dysms(sb.endpoints), phones=",".join(f"1390000{i:04d}" for i in range(30)),
                 sign=GENERAL_SIGN, code=T_NOTICE, param='{"name":"a","order":"b"}')
        msgs = sbc.state(sb.endpoints, biz_id=r.body.biz_id)["messages"]
        outcomes.append([(x["phone"], x["err_code"]) for x in msgs])
        sb.stop()
    assert outcomes[0] == outcomes[1]
    assert any(code != "DELIVERED" for _, code in outcomes[0])


def test_duplicates_and_replies_with_unsubscribe_words(make_sandbox):
    sb = make_sandbox(duplicate_rate=1.0, reply_rate=1.0, unsubscribe_share=1.0)
    ep = sb.endpoints
    r = send(dysms(ep), phones="13800138000,13900139000", sign=GENERAL_SIGN, code=T_NOTICE,
             param='{"name":"a","order":"b"}')
    reports = drain(ep, ep.report_queue, 4)
    assert len(reports) == 4
    assert sorted(x["phone_number"] for x in reports) == [
        "13800138000", "13800138000", "13900139000", "13900139000"]
    replies = drain(ep, ep.reply_queue, 2)
    assert len(replies) == 2
    for up in replies:
        assert set(up) == {"phone_number", "send_time", "content", "sign_name", "dest_code",
                           "sequence_id"}
        assert up["content"] in ("TD", "T", "退订", "N")
        assert up["sign_name"] == GENERAL_SIGN
        assert isinstance(up["sequence_id"], int)
    st = sbc.state(ep, biz_id=r.body.biz_id)
    assert all(x["duplicate_report"] and x["reply"] for x in st["messages"])


def test_report_bodies_are_base64_json_in_mns(make_sandbox):
    sb = make_sandbox()
    ep = sb.endpoints
    send(dysms(ep))
    q = Account(ep.mns, ep.access_key_id, ep.access_key_secret).get_queue(ep.report_queue)
    q.set_encoding(False)  # raw: what is stored on the wire
    time.sleep(0.2)
    msg = q.receive_message(1)
    decoded = json.loads(base64.b64decode(msg.message_body))
    assert decoded["phone_number"] == "13800138000"
    import hashlib

    assert msg.message_body_md5 == hashlib.md5(msg.message_body.encode()).hexdigest().upper()


def test_query_send_details_pending_then_done(make_sandbox):
    sb = make_sandbox(report_delay=0.3)
    ep = sb.endpoints
    c = dysms(ep)
    send(c, out_id="o-1")
    today = datetime.now(CHINA).strftime("%Y%m%d")
    req = m.QuerySendDetailsRequest(phone_number="13800138000", send_date=today,
                                    page_size=10, current_page=1)
    body = c.query_send_details(req).body
    assert body.total_count == "1"
    dto = body.sms_send_detail_dtos.sms_send_detail_dto[0]
    assert dto.send_status == 1 and dto.receive_date == ""
    assert dto.content == "【速达验证】您的注册验证码为1234，5分钟内有效，请勿泄露于他人。"
    time.sleep(0.55)
    dto = c.query_send_details(req).body.sms_send_detail_dtos.sms_send_detail_dto[0]
    assert dto.send_status == 3 and dto.err_code == "DELIVERED" and dto.out_id == "o-1"
    bad = m.QuerySendDetailsRequest(phone_number="13800138000", send_date="2026-01-01",
                                    page_size=10, current_page=1)
    assert c.query_send_details(bad).body.code == "isv.INVALID_PARAMETERS"
    with pytest.raises(ClientException) as exc:
        c.query_send_details(m.QuerySendDetailsRequest(
            phone_number="13800138000", send_date=today, page_size=51, current_page=1))
    assert exc.value.code == "InvalidParameter"


def test_lists_and_template_type_numbering(ep):
    c = dysms(ep)
    signs = c.query_sms_sign_list(m.QuerySmsSignListRequest(page_index=1, page_size=50)).body
    kinds = {s.sign_name: s.business_type for s in signs.sms_sign_list}
    assert kinds[VERIFY_SIGN] == "验证码类型" and kinds[GENERAL_SIGN] == "通用类型"
    assert {s.audit_status for s in signs.sms_sign_list} == {"AUDIT_STATE_PASS"}
    tl = c.query_sms_template_list(m.QuerySmsTemplateListRequest(page_index=1, page_size=50))
    by_code = {t.template_code: t for t in tl.body.sms_template_list}
    # outer: 0 verification 1 notification 2 promotion; inner: 2 / 0 / 1
    assert (by_code[T_CODE].outer_template_type, by_code[T_CODE].template_type) == (0, 2)
    assert (by_code[T_NOTICE].outer_template_type, by_code[T_NOTICE].template_type) == (1, 0)
    assert (by_code[T_PROMO].outer_template_type, by_code[T_PROMO].template_type) == (2, 1)
    assert by_code["SMS_100000009"].audit_status == "AUDIT_STATE_NOT_PASS"
    assert by_code["SMS_100000009"].reason.reject_info
    page2 = c.query_sms_template_list(m.QuerySmsTemplateListRequest(page_index=2, page_size=3))
    assert page2.body.total_count == 7 and len(page2.body.sms_template_list) == 3
    g = c.get_sms_template(m.GetSmsTemplateRequest(template_code=T_PROMO)).body
    assert (g.template_type, g.template_status) == ("2", "1")
    q = c.query_sms_template(m.QuerySmsTemplateRequest(template_code=T_PROMO)).body
    assert (q.template_type, q.template_status) == (2, 1)


def test_review_lifecycle(make_sandbox):
    sb = make_sandbox(review_delay=0.4, review_reject_share=0.0)
    ep = sb.endpoints
    c = dysms(ep)
    r = c.create_sms_template(m.CreateSmsTemplateRequest(
        template_name="新验证码", template_type=0, template_content="验证码${code}",
        related_sign_name=VERIFY_SIGN))
    code = r.body.template_code
    assert r.body.order_id
    assert c.get_sms_template(m.GetSmsTemplateRequest(template_code=code)).body \
        .template_status == "0"
    assert send(c, code=code).body.code == "isv.SMS_TEMPLATE_ILLEGAL"
    c.add_sms_sign(m.AddSmsSignRequest(sign_name="新签名", sign_source=0, sign_type=1))
    assert c.query_sms_sign(m.QuerySmsSignRequest(sign_name="新签名")).body.sign_status == 0
    time.sleep(0.5)
    assert c.get_sms_template(m.GetSmsTemplateRequest(template_code=code)).body \
        .template_status == "1"
    assert c.get_sms_sign(m.GetSmsSignRequest(sign_name="新签名")).body.sign_status == 1
    assert send(c, code=code).body.code == "OK"


def test_rejections_are_seeded_and_advance_finishes_reviews(make_sandbox):
    sb = make_sandbox(review_delay=3600, review_reject_share=1.0)
    ep = sb.endpoints
    c = dysms(ep)
    c.create_sms_sign(m.CreateSmsSignRequest(sign_name="坏签名", sign_source=0, sign_type=1))
    assert sbc.advance_reviews(ep) == 1
    b = c.get_sms_sign(m.GetSmsSignRequest(sign_name="坏签名")).body
    assert b.sign_status == 2 and b.audit_info.reject_info
    signs = {s["name"]: s for s in sbc.state(ep, summary=True)["signatures"]}
    assert signs["坏签名"]["status"] == "rejected" and signs["坏签名"]["reason"]


def test_query_send_statistics(ep):
    c = dysms(ep)
    send(c)
    send(c, sign=GENERAL_SIGN, code=T_NOTICE, param='{"name":"a","order":"b"}')
    today = datetime.now(CHINA).strftime("%Y%m%d")
    data = c.query_send_statistics(m.QuerySendStatisticsRequest(
        is_globe=1, start_date=today, end_date=today, page_index=1, page_size=10)).body.data
    assert data.total_size == 1
    assert data.target_list[0].total_count == 2 and data.target_list[0].send_date == today
    only = c.query_send_statistics(m.QuerySendStatisticsRequest(
        is_globe=1, start_date=today, end_date=today, page_index=1, page_size=10,
        template_type=1)).body.data
    assert only.target_list[0].total_count == 1


def test_query_token_for_mns_queue(ep):
    c = DybaseClient(Config(access_key_id=ep.access_key_id,
                            access_key_secret=ep.access_key_secret,
                            endpoint=ep.sms_host, protocol="http"))
    dto = c.query_token_for_mns_queue(bm.QueryTokenForMnsQueueRequest(
        message_type="SmsReport", queue_name=ep.report_queue)).body.message_token_dto
    assert dto.access_key_id.startswith("STS.") and dto.security_token
    expire = datetime.strptime(dto.expire_time, "%Y-%m-%d %H:%M:%S").replace(tzinfo=CHINA)
    assert timedelta(minutes=9) < expire - datetime.now(CHINA) <= timedelta(minutes=10)
    wrong = c.query_token_for_mns_queue(bm.QueryTokenForMnsQueueRequest(
        message_type="SmsReport", queue_name="Alicom-Queue-1-SmsReport")).body
    assert wrong.code == "isv.QUEUE_NOT_MATCH"


def test_state_filters_and_summary(ep):
    c = dysms(ep)
    r1 = send(c)
    send(c, phones="13900139000")
    full = sbc.state(ep)
    assert full["summary"]["messages"] == 2 and len(full["messages"]) == 2
    one = sbc.state(ep, biz_id=r1.body.biz_id)
    assert [x["phone"] for x in one["messages"]] == ["13800138000"]
    assert sbc.state(ep, phone="13900139000")["summary"]["messages"] == 1
    summary = sbc.state(ep, summary=True)
    assert summary["messages"] == [] and summary["summary"]["segments"] == 2
    assert set(summary["queues"]) == {ep.report_queue, ep.reply_queue}
    assert {"visible", "in_flight", "delayed"} <= set(summary["queues"][ep.report_queue])
    limited = sbc.state(ep, limit=1)
    assert len(limited["messages"]) == 1 and limited["truncated"] is True
    statuses = {t["code"]: t["status"] for t in summary["templates"]}
    assert statuses[T_CODE] == "approved" and statuses["SMS_100000009"] == "rejected"
    types = {t["type"] for t in summary["templates"] if t["status"] == "approved"}
    assert {"verification", "notification", "promotion"} <= types
    sign_types = {s["type"] for s in summary["signatures"]}
    assert sign_types == {"verification", "general"}


def test_clock_endpoint_moves_send_times(ep):
    c = dysms(ep)
    out = sbc.set_clock(ep, "2026-01-02T03:04:05+08:00")
    assert out["now"].startswith("2026-01-02T03:04")
    r = send(c)
    msg = sbc.state(ep, biz_id=r.body.biz_id)["messages"][0]
    assert msg["send_time"].startswith("2026-01-02 03:04")
    assert sbc.set_clock(ep, None)["offset_ms"] == 0
