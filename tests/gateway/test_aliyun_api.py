"""The Aliyun-compatible SMS API on a real uvicorn server, driven by the official SDK
(both signature styles) and a hand-rolled signer for what the SDK never sends; the
sandbox is the upstream."""

from __future__ import annotations

import json
import socket
import uuid
from urllib.parse import urlencode

import pytest
import requests
from alibabacloud_dysmsapi20170525 import models as m
from alibabacloud_tea_openapi.exceptions import ClientException
from sqlalchemy import func, select

from smsconsole.cloud.sandbox import client as sbc
from smsconsole.services.worker import ReportWorker
from smsconsole.store.models import DeliveryStatus, SendRecord, SmsType
from tests import factories as f
from tests.acs_client import acs3, rpc
from tests.gateway.conftest import make_customer, sdk
from tests.services.helpers import snapshot

DAY = "20261125"  # the tests' fixed clock: 2026-11-25 10:00 in Shanghai


def notice(c, phones, code, sign, param='{"name":"张三","order":"A1"}', **kw):
    return c.send_sms(m.SendSmsRequest(phone_numbers=phones, sign_name=sign,
                                       template_code=code, template_param=param, **kw))


def call(fn):
    """(HTTP status, Code) of an SDK call, whether it raised or not."""
    try:
        r = fn()
    except ClientException as e:
        return e.status_code, e.code
    return r.status_code, r.body.code


def remaining(svc, user_id, kind=SmsType.NOTIFICATION) -> int:
    return svc.users.row(user_id).remaining[kind]


def settled(svc) -> dict:
    """The database minus what every request touches (nonces, a key's last use, the
    traffic counts, which are flushed every few seconds)."""
    snap = snapshot(svc)
    snap["counts"].pop("gateway_nonce")
    snap["counts"].pop("gateway_daily")
    return snap


def drain(svc, box, rounds: int = 3) -> None:
    worker = ReportWorker(svc, wait_seconds=0)
    for _ in range(rounds):
        sbc.flush_reports(box.endpoints)
        worker.run(once=True)


def test_admin_issues_a_key_customer_sends_1_and_1000_quota_moves_details_agree(
        gsvc, gateway, customer, box):
    svc, c = gsvc, customer
    code = c.codes[SmsType.NOTIFICATION]
    before = remaining(svc, c.user_id)
    one = notice(sdk(gateway.url, c.ak, c.secret), "13700000001", code, c.sign_name,
                 out_id="order-1")
    assert (one.status_code, one.body.code) == (200, "OK") and "^" in one.body.biz_id
    many = f.phones(1000, start=100)
    big = notice(sdk(gateway.url, c.ak, c.secret, v2=True), ",".join(many), code, c.sign_name)
    assert (big.status_code, big.body.code) == (200, "OK"), big.body.message
    with svc.store.read() as s:
        segments = s.scalar(select(func.sum(SendRecord.segments))
                            .where(SendRecord.user_id == c.user_id))
        count = s.scalar(select(func.count()).select_from(SendRecord)
                         .where(SendRecord.user_id == c.user_id))
    assert count == 1001
    assert remaining(svc, c.user_id) == before - segments
    drain(svc, box)
    state = {(x["phone"], x["biz_id"]): x for x in sbc.state(box.endpoints)["messages"]}
    client = sdk(gateway.url, c.ak, c.secret)
    for phone, biz in [("13700000001", one.body.biz_id), (many[0], big.body.biz_id),
                       (many[-1], big.body.biz_id)]:
        r = client.query_send_details(m.QuerySendDetailsRequest(
            phone_number=phone, send_date=DAY, page_size=10, current_page=1, biz_id=biz))
        assert r.body.code == "OK" and r.body.total_count == "1"
        dto = r.body.sms_send_detail_dtos.sms_send_detail_dto[0]
        truth = state[(phone, biz)]
        want = {"delivered": 3, "failed": 2}[truth["outcome"]]
        assert dto.send_status == want and dto.phone_num == phone
        assert dto.content.startswith(f"【{c.sign_name}】")
        assert dto.out_id == ("order-1" if phone == "13700000001" else "")
        if want == 3:
            assert dto.err_code == "DELIVERED"
    # A failed delivery was refunded (the refund setting is on by default).
    with svc.store.read() as s:
        failed = s.scalar(select(func.sum(SendRecord.segments)).where(
            SendRecord.user_id == c.user_id, SendRecord.status == DeliveryStatus.FAILED))
    assert failed and remaining(svc, c.user_id) == before - segments + failed
    stats = client.query_send_statistics(m.QuerySendStatisticsRequest(
        is_globe=1, start_date=DAY, end_date=DAY, page_index=1, page_size=10))
    target = stats.body.data.target_list[0]
    assert stats.body.code == "OK" and target.total_count == 1001
    assert target.responded_fail_count * 1 + target.responded_success_count == 1001


def test_send_batch_sms(gsvc, gateway, customer):
    c = customer
    code = c.codes[SmsType.NOTIFICATION]
    req = m.SendBatchSmsRequest(
        phone_number_json=json.dumps(["13700000011", "13700000012"]),
        sign_name_json=json.dumps([c.sign_name, c.sign_name]),
        template_code=code,
        template_param_json=json.dumps([{"name": "a", "order": "1"}] * 2))
    r = sdk(gateway.url, c.ak, c.secret).send_batch_sms(req)
    assert r.body.code == "OK" and r.body.biz_id
    r2 = sdk(gateway.url, c.ak, c.secret, v2=True).send_batch_sms(req)
    assert r2.body.code == "OK" and r2.body.biz_id != r.body.biz_id


def test_a_send_batch_sms_over_64_kb_in_its_query_is_read_whole(gsvc, gateway, customer):
    """An RPC-style request carries everything in its query: 100 numbers with long
    Chinese values make a request target over 64 KB, which ``httptools.parse_url``
    refuses; the gateway's HTTP protocol reads it whole (the signature covers it all)."""
    c = customer
    phones = f.phones(100, 300)
    value = "张" * 35  # the longest a variable may be
    q = {"PhoneNumberJson": json.dumps(phones), "SignNameJson": json.dumps([c.sign_name] * 100),
         "TemplateCode": c.codes[SmsType.NOTIFICATION],
         "TemplateParamJson": json.dumps([{"name": value, "order": value}] * 100)}
    assert len(urlencode(q)) > 0xFFFF
    before = remaining(gsvc, c.user_id)
    for _ in range(2):
        r = rpc(gateway.url, c.ak, c.secret, "SendBatchSms", q, post=requests.post)
        assert (r.status_code, r.json()["Code"]) == (200, "OK")
    # Two sends of 100 messages, of two segments each (over 70 characters).
    assert before - remaining(gsvc, c.user_id) == 2 * 100 * 2
    with gsvc.store.read() as s:
        assert sorted(s.scalars(select(SendRecord.phone).where(
            SendRecord.user_id == c.user_id, SendRecord.phone.in_(phones)))) == sorted(
            phones * 2)


def test_request_targets_over_64_kb_in_every_form(gateway):
    """The long-target path of ``gateway.http_protocol`` builds the scope as uvicorn
    would: origin form, a percent-encoded path, absolute form; a path that is not ASCII
    is refused with 400, as uvicorn refuses it, and the server goes on serving."""
    host, port = gateway.url.split("://", 1)[1].split(":")
    long_query = b"a=" + b"x" * 70_000

    def first_line_and_body(target: bytes) -> tuple[bytes, bytes]:
        with socket.create_connection((host, int(port)), timeout=10) as c:
            c.sendall(b"POST " + target + b" HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n"
                      b"Connection: close\r\n\r\n")
            data = b""
            while chunk := c.recv(65536):
                data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        return head.split(b"\r\n")[0], body

    # The SMS API at / read it (an unsigned request: Aliyun's answer, not a parser error).
    for target in (b"/?" + long_query, b"http://" + host.encode() + b"/?" + long_query):
        line, body = first_line_and_body(target)
        assert line.startswith(b"HTTP/1.1 4") and json.loads(body)["Code"], target[:30]
    line, body = first_line_and_body(b"/no%20such?" + long_query)  # FastAPI's 404
    assert line == b"HTTP/1.1 404 Not Found" and b"Code" not in body
    line, _ = first_line_and_body(b"/\xff?" + long_query)
    assert line == b"HTTP/1.1 400 Bad Request"
    assert first_line_and_body(b"/?" + long_query)[0].startswith(b"HTTP/1.1 4")


def test_another_customers_biz_id_shows_nothing(gsvc, gateway, customer):
    c = customer
    other = make_customer(gsvc)
    sent = notice(sdk(gateway.url, c.ak, c.secret), "13700000021",
                  c.codes[SmsType.NOTIFICATION], c.sign_name)
    q = m.QuerySendDetailsRequest(phone_number="13700000021", send_date=DAY, page_size=10,
                                  current_page=1, biz_id=sent.body.biz_id)
    mine = sdk(gateway.url, c.ak, c.secret).query_send_details(q)
    theirs = sdk(gateway.url, other.ak, other.secret).query_send_details(q)
    assert mine.body.total_count == "1"
    assert theirs.body.code == "OK" and theirs.body.total_count == "0"
    assert theirs.body.sms_send_detail_dtos.sms_send_detail_dto == []


def test_upstream_refusal_gives_the_quota_back(gsvc, gateway, customer):
    """The sandbox allows one verification code a minute per number: the second call is
    refused upstream (isv.BUSINESS_LIMIT_CONTROL) and costs nothing."""
    c = customer
    client = sdk(gateway.url, c.ak, c.secret)
    code = c.codes[SmsType.VERIFICATION]
    number = "13700000031"
    before = remaining(gsvc, c.user_id, SmsType.VERIFICATION)
    first = client.send_sms(m.SendSmsRequest(phone_numbers=number, sign_name=c.verify_sign,
                                             template_code=code, template_param='{"code":"1"}'))
    assert first.body.code == "OK"
    spent = before - remaining(gsvc, c.user_id, SmsType.VERIFICATION)
    assert spent >= 1
    second = client.send_sms(m.SendSmsRequest(phone_numbers=number, sign_name=c.verify_sign,
                                              template_code=code, template_param='{"code":"2"}'))
    assert second.body.code == "isv.BUSINESS_LIMIT_CONTROL"
    assert remaining(gsvc, c.user_id, SmsType.VERIFICATION) == before - spent


# --- bad input: Aliyun's code and status, nothing charged or recorded ---------------------

def _bad_sends(c, other):
    sign = c.sign_name
    ok = '{"name":"a","order":"1"}'
    return {
        "missing numbers": (dict(phones=None), (400, "MissingPhoneNumbers")),
        "empty numbers": (dict(phones=""), (400, "MissingPhoneNumbers")),
        "only commas": (dict(phones=",,"), (400, "MissingPhoneNumbers")),
        "too many numbers": (dict(phones=",".join(f.phones(1001))),
                             (200, "isv.MOBILE_COUNT_OVER_LIMIT")),
        "full-width digits": (dict(phones="１３７００００００４１"), (200, "isv.MOBILE_NUMBER_ILLEGAL")),
        "letters": (dict(phones="1370000abcd"), (200, "isv.MOBILE_NUMBER_ILLEGAL")),
        "one bad among good": (dict(phones="13700000042,12345"),
                               (200, "isv.MOBILE_NUMBER_ILLEGAL")),
        "NUL in number": (dict(phones="1370000004\x003"), (200, "isv.INVALID_PARAMETERS")),
        "unknown signature": (dict(sign="没有这个"), (200, "isv.SMS_SIGNATURE_ILLEGAL")),
        "foreign signature": (dict(sign=other["sign"]), (200, "isv.SMS_SIGNATURE_ILLEGAL")),
        "padded signature": (dict(sign=f" {sign}"), (200, "isv.SMS_SIGNATURE_ILLEGAL")),
        "unknown template": (dict(code="SMS_999999999"), (200, "isv.SMS_TEMPLATE_ILLEGAL")),
        "foreign template": (dict(code=other["code"]), (200, "isv.SMS_TEMPLATE_ILLEGAL")),
        "missing parameter": (dict(param='{"name":"a"}'),
                              (200, "isv.TEMPLATE_MISSING_PARAMETERS")),
        "no parameters": (dict(param=None), (200, "isv.TEMPLATE_MISSING_PARAMETERS")),
        "bad JSON": (dict(param='{"name":'), (200, "isv.INVALID_JSON_PARAM")),
        "JSON not an object": (dict(param='["a"]'), (200, "isv.INVALID_JSON_PARAM")),
        "number value": (dict(param='{"name":"a","order":1}'), (200, "isv.INVALID_JSON_PARAM")),
        "10 kB value": (dict(param=json.dumps({"name": "x" * 10240, "order": "1"})),
                        (200, "isv.PARAM_LENGTH_LIMIT")),
        "36-character value": (dict(param=json.dumps({"name": "x" * 36, "order": "1"})),
                               (200, "isv.PARAM_LENGTH_LIMIT")),
        "control character": (dict(param='{"name":"a\\u0007","order":"1"}'),
                              (200, "isv.INVALID_PARAMETERS")),
        "URL value": (dict(param='{"name":"http://x.cn","order":"1"}'),
                      (200, "isv.PARAM_NOT_SUPPORT_URL")),
        "10 kB signature": (dict(sign="签" * 10240), (200, "isv.SMS_SIGNATURE_ILLEGAL")),
        "10 kB template code": (dict(code="S" * 10240), (200, "isv.SMS_TEMPLATE_ILLEGAL")),
        "10 kB OutId": (dict(out_id="o" * 10240), (200, "isv.INVALID_PARAMETERS")),
        "ok (control)": (dict(param=ok), (200, "OK")),
    }




@pytest.mark.parametrize("style", ["acs3", "rpc"])
def test_bad_send_input_is_refused_like_aliyun_and_changes_nothing(gsvc, gateway, customer,
                                                                   style):
    c = customer
    other_c = make_customer(gsvc)
    from tests.services.cloudseed import sandbox_catalog

    signs, templates = sandbox_catalog(gsvc)
    # A signature and template that exist upstream but belong to nobody here.
    own = {c.sign_name, c.verify_sign}
    foreign_sign = next(s.name for s in signs if s.name not in own)
    mine = set(c.codes.values()) | set(other_c.codes.values())
    foreign_code = next(t.code for t in templates if t.code not in mine)
    cases = _bad_sends(c, {"sign": foreign_sign, "code": foreign_code})
    client = sdk(gateway.url, c.ak, c.secret, v2=(style == "rpc"))
    for name, (kw, want) in cases.items():
        before = settled(gsvc)
        phones = kw.get("phones", "13700000040")
        got = call(lambda kw=kw, phones=phones: client.send_sms(m.SendSmsRequest(
            phone_numbers=phones, sign_name=kw.get("sign", c.sign_name),
            template_code=kw.get("code", c.codes[SmsType.NOTIFICATION]),
            template_param=kw.get("param", '{"name":"a","order":"1"}'),
            out_id=kw.get("out_id"))))
        assert got == want, name
        if want[1] != "OK":
            assert settled(gsvc) == before, f"{name}: a refused request changed the database"


def test_auth_failures(gsvc, gateway, customer):
    c = customer
    url = gateway.url
    q = {"PhoneNumbers": "13700000050", "SignName": c.sign_name,
         "TemplateCode": c.codes[SmsType.NOTIFICATION], "TemplateParam": '{"name":"a","order":"1"}'}
    before = settled(gsvc)

    def code(r):
        return r.status_code, r.json()["Code"]

    send = sdk(url, "SMSCunknownkey000000000000", "x")
    assert call(lambda: send.send_sms(m.SendSmsRequest(phone_numbers="13700000050"))) == (
        404, "InvalidAccessKeyId.NotFound")
    wrong = sdk(url, c.ak, c.secret[:-1] + ("a" if c.secret[-1] != "a" else "b"))
    assert call(lambda: notice(wrong, "13700000050", q["TemplateCode"], c.sign_name)) == (
        400, "SignatureDoesNotMatch")
    assert call(lambda: notice(sdk(url, c.ak, c.secret[:-1], v2=True), "13700000050",
                               q["TemplateCode"], c.sign_name)) == (400, "SignatureDoesNotMatch")
    assert code(acs3(url, c.ak, c.secret, "SendSms", q, date_offset=-20 * 60)) == (
        400, "InvalidTimeStamp.Expired")
    assert code(rpc(url, c.ak, c.secret, "SendSms", q, date_offset=20 * 60)) == (
        400, "InvalidTimeStamp.Expired")
    assert code(acs3(url, c.ak, c.secret, "SendSms", q, signed=["x-unused"],
                     extra={"x-unused": "1"})) == (400, "SignatureDoesNotMatch")
    assert code(acs3(url, c.ak, c.secret, "QuerySendDetails", q,
                     after={"x-acs-action": "SendSms"})) == (400, "SignatureDoesNotMatch")
    assert code(rpc(url, c.ak, c.secret, "QuerySendDetails", q,
                    headers={"x-acs-action": "SendSms"})) == (400, "SignatureDoesNotMatch")
    names = ["accept", "host", "x-acs-action", "x-acs-content-sha256", "x-acs-date",
             "x-acs-signature-nonce", "x-acs-version"]
    assert code(acs3(url, c.ak, c.secret, "SendSms", q, signed=names,
                     extra={"x-acs-extra": "1"})) == (400, "SignatureDoesNotMatch")
    assert code(acs3(url, c.ak, c.secret, "SendSms", q, version="2099-01-01")) == (
        400, "InvalidVersion")
    assert code(acs3(url, c.ak, c.secret, "NoSuchAction", {})) == (404, "InvalidAction.NotFound")
    assert settled(gsvc) == before
    gsvc.keys.disable(gsvc.admin, c.ak)
    before = settled(gsvc)
    assert call(lambda: notice(sdk(url, c.ak, c.secret), "13700000050", q["TemplateCode"],
                               c.sign_name)) == (400, "InvalidAccessKeyId.Inactive")
    assert settled(gsvc) == before
    gsvc.keys.enable(gsvc.admin, c.ak)
    nonce = uuid.uuid4().hex
    assert code(acs3(url, c.ak, c.secret, "SendSms", q, nonce=nonce)) == (200, "OK")
    before = settled(gsvc)
    assert code(acs3(url, c.ak, c.secret, "SendSms", q, nonce=nonce)) == (
        400, "SignatureNonceUsed")
    assert settled(gsvc) == before


def test_frozen_customer_little_quota_and_throttling(gsvc, gateway):
    svc = gsvc
    c = make_customer(svc, quota=2)
    client = sdk(gateway.url, c.ak, c.secret)
    code = c.codes[SmsType.NOTIFICATION]
    before = settled(svc)
    assert call(lambda: notice(client, ",".join(f.phones(3, 60)), code, c.sign_name)) == (
        200, "isv.AMOUNT_NOT_ENOUGH")
    assert settled(svc) == before
    svc.users.freeze(svc.admin, c.user_id, "欠费")
    before = settled(svc)
    assert call(lambda: notice(client, "13700000061", code, c.sign_name)) == (
        200, "isv.ACCOUNT_ABNORMAL")
    assert settled(svc) == before
    svc.users.restore(svc.admin, c.user_id)
    t = make_customer(svc)
    svc.keys.set_qps(svc.admin, t.user_id, 2)
    fast = sdk(gateway.url, t.ak, t.secret)
    q = m.QuerySendDetailsRequest(phone_number="13700000062", send_date=DAY, page_size=10,
                                  current_page=1)
    got = [call(lambda: fast.query_send_details(q)) for _ in range(8)]
    assert (400, "Throttling.User") in got and got[0] == (200, "OK")
    # Another customer is not throttled by this one's limit.
    assert call(lambda: client.query_send_details(q)) == (200, "OK")


def test_query_parameters_are_checked(gsvc, gateway, customer):
    c = customer
    client = sdk(gateway.url, c.ak, c.secret)

    def details(**kw):
        args = dict(phone_number="13700000070", send_date=DAY, page_size=10, current_page=1)
        args.update(kw)
        return call(lambda: client.query_send_details(m.QuerySendDetailsRequest(**args)))

    assert details() == (200, "OK")
    assert details(send_date="2026-11-25") == (200, "isv.INVALID_PARAMETERS")
    assert details(send_date="20250101") == (200, "isv.INVALID_PARAMETERS")
    assert details(page_size=51) == (400, "InvalidParameter")
    assert details(phone_number="abc") == (200, "isv.MOBILE_NUMBER_ILLEGAL")
    assert details(phone_number=None) == (400, "MissingPhoneNumber")


def test_signature_and_template_actions_on_the_customers_own(gsvc, gateway, customer):
    c = customer
    client = sdk(gateway.url, c.ak, c.secret)
    other = make_customer(gsvc)
    r = client.add_sms_sign(m.AddSmsSignRequest(sign_name="新签名", sign_source=0, sign_type=1,
                                                remark="r"))
    assert r.body.code == "OK" and r.body.sign_name == "新签名"
    q = client.query_sms_sign(m.QuerySmsSignRequest(sign_name="新签名"))
    assert (q.body.code, q.body.sign_status) == ("OK", 0)
    g = client.get_sms_sign(m.GetSmsSignRequest(sign_name=c.sign_name))
    assert (g.body.code, g.body.sign_status) == ("OK", 1)
    names = [x.sign_name for x in client.query_sms_sign_list(
        m.QuerySmsSignListRequest(page_index=1, page_size=50)).body.sms_sign_list]
    assert "新签名" in names and c.sign_name in names
    # Another customer sees none of it.
    theirs = sdk(gateway.url, other.ak, other.secret)
    assert theirs.query_sms_sign(m.QuerySmsSignRequest(sign_name="新签名")).body.code == \
        "isv.SMS_SIGNATURE_ILLEGAL"
    assert theirs.delete_sms_sign(m.DeleteSmsSignRequest(sign_name="新签名")).body.code == \
        "isv.SMS_SIGNATURE_ILLEGAL"
    dup = client.add_sms_sign(m.AddSmsSignRequest(sign_name="新签名", sign_source=0,
                                                  sign_type=1, remark="r"))
    assert dup.body.code == "isv.INVALID_PARAMETERS"
    assert client.delete_sms_sign(m.DeleteSmsSignRequest(sign_name="新签名")).body.code == "OK"
    assert client.query_sms_sign(m.QuerySmsSignRequest(sign_name="新签名")).body.code == \
        "isv.SMS_SIGNATURE_ILLEGAL"

    t = client.add_sms_template(m.AddSmsTemplateRequest(
        template_name="到货提醒", template_type=1, template_content="您的包裹${no}已到", remark="x"))
    assert t.body.code == "OK" and t.body.template_code.startswith("PENDING_")
    ref = t.body.template_code
    qt = client.query_sms_template(m.QuerySmsTemplateRequest(template_code=ref))
    assert (qt.body.template_status, qt.body.template_type) == (0, 1)
    gt = client.get_sms_template(m.GetSmsTemplateRequest(
        template_code=c.codes[SmsType.NOTIFICATION]))
    assert gt.body.template_status == "1"
    listed = client.query_sms_template_list(m.QuerySmsTemplateListRequest(page_index=1,
                                                                          page_size=50))
    assert ref in [x.template_code for x in listed.body.sms_template_list]
    assert theirs.query_sms_template(m.QuerySmsTemplateRequest(template_code=ref)).body.code \
        == "isv.SMS_TEMPLATE_ILLEGAL"
    bad = call(lambda: client.add_sms_template(m.AddSmsTemplateRequest(
        template_name="x", template_type=9, template_content="y")))
    assert bad == (400, "InvalidParameter")
    assert client.delete_sms_template(m.DeleteSmsTemplateRequest(template_code=ref)).body.code \
        == "OK"
    assert client.query_sms_template(m.QuerySmsTemplateRequest(template_code=ref)).body.code \
        == "isv.SMS_TEMPLATE_ILLEGAL"
    # A template messages were sent with cannot go.
    code = c.codes[SmsType.NOTIFICATION]
    assert notice(client, "13700000090", code, c.sign_name).body.code == "OK"
    before = settled(gsvc)
    assert call(lambda: client.delete_sms_template(m.DeleteSmsTemplateRequest(
        template_code=code))) == (200, "isv.INVALID_PARAMETERS")
    assert settled(gsvc) == before


def test_opted_out_numbers_are_skipped(gsvc, gateway, customer):
    from smsconsole.store.models import OptOut

    c = customer
    with gsvc.store.session() as s:
        s.add(OptOut(user_id=c.user_id, phone="13700000101", created_at=gsvc.ctx.clock.now()))
    client = sdk(gateway.url, c.ak, c.secret)
    code = c.codes[SmsType.NOTIFICATION]
    r = notice(client, "13700000101,13700000102", code, c.sign_name)
    assert r.body.code == "OK"
    with gsvc.store.read() as s:
        phones = set(s.scalars(select(SendRecord.phone).where(SendRecord.user_id == c.user_id)))
    assert phones == {"13700000102"}
    before = settled(gsvc)
    assert call(lambda: notice(client, "13700000101", code, c.sign_name)) == (
        200, "isv.MOBILE_NUMBER_ILLEGAL")
    assert settled(gsvc) == before


def test_requests_and_refusals_are_counted_for_the_console(gsvc, gateway, customer):
    from smsconsole.services import gateway_stats

    c = customer
    client = sdk(gateway.url, c.ak, c.secret)
    code = c.codes[SmsType.NOTIFICATION]
    assert notice(client, "13700000111", code, c.sign_name).body.code == "OK"
    assert notice(client, "bad", code, c.sign_name).body.code == "isv.MOBILE_NUMBER_ILLEGAL"
    call(lambda: notice(sdk(gateway.url, "SMSCnobody0000000000", "x"), "13700000111", code,
                        c.sign_name))
    gsvc_api = gateway.app.state.aliyun_api
    gsvc_api.traffic.flush()
    assert gateway_stats.today(gsvc.ctx) == gateway_stats.Traffic(3, 2)
    assert gateway_stats.today(gsvc.ctx, c.user_id) == gateway_stats.Traffic(2, 1)
    from smsconsole.i18n import set_lang
    from smsconsole.screens.home import gateway_summary

    d = gsvc.stats.dashboard()
    assert (d.gateway_requests, d.gateway_errors, d.failing_pushes) == (3, 2, 0)
    set_lang("en")
    assert gateway_summary(d) == "Gateway today: 3 requests, 2 refused"


def test_random_parameters_never_get_a_500_or_a_traceback(gsvc, gateway, customer):
    """Well-signed requests with odd values in every parameter of every action: always
    Aliyun's JSON answer, a 2xx/4xx status, no traceback, nothing charged when refused."""
    import random

    rng = random.Random(15)
    c = customer
    alphabet = ["", "0", "-1", "1" * 40, "x" * 3000, "１３７", "\u0000", "\u202e", "null",
                "[]", "{}", '{"a":', "%00", "😀", "13700000301", c.sign_name, "\\", "'\"<>",
                c.codes[SmsType.NOTIFICATION], "20261125", "99999999", "PENDING_1"]
    names = ["PhoneNumbers", "PhoneNumber", "SignName", "TemplateCode", "TemplateParam",
             "OutId", "SendDate", "PageSize", "CurrentPage", "BizId", "IsGlobe", "StartDate",
             "EndDate", "PageIndex", "PhoneNumberJson", "SignNameJson", "TemplateParamJson",
             "TemplateType", "TemplateName", "TemplateContent", "SignSource", "SignType"]
    actions = ["SendSms", "SendBatchSms", "QuerySendDetails", "QuerySendStatistics",
               "AddSmsSign", "QuerySmsSign", "GetSmsSign", "QuerySmsSignList",
               "DeleteSmsSign", "AddSmsTemplate", "QuerySmsTemplate", "GetSmsTemplate",
               "QuerySmsTemplateList", "DeleteSmsTemplate"]
    for i in range(120):
        query = {n: rng.choice(alphabet) for n in rng.sample(names, rng.randint(0, 8))}
        action = actions[i % len(actions)]
        r = acs3(gateway.url, c.ak, c.secret, action, query) if i % 2 else \
            rpc(gateway.url, c.ak, c.secret, action, query)
        assert r.status_code in (200, 400, 404), (action, query, r.text[:200])
        body = r.json()
        assert body["Code"] and "Traceback" not in r.text and "sqlalchemy" not in r.text.lower()
