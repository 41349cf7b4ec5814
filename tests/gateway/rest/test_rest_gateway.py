"""The REST API's gateway self-service (gateway.md §3) on a real uvicorn: AccessKeys
(the secret only in the create answer; a deleted key stops signing at once), callback
URLs, and ``POST /api/v1/messages`` with SendSms's rules and Aliyun's codes as
``{code, message}`` 4xx — risk control's included —, nothing charged on a refusal."""

from __future__ import annotations

import json

import pytest
from alibabacloud_dysmsapi20170525 import models as m
from alibabacloud_tea_openapi.exceptions import ClientException

from smsconsole.store.models import SmsType
from tests import factories as f
from tests.factories import PASSWORD
from tests.gateway.conftest import sdk
from tests.services.cloudseed import sender

PARAMS = {"name": "张三", "order": "A1"}


def login(client, svc, who) -> dict:
    phone = svc.users.row(who.user_id).phone
    r = client.post("/api/v1/sessions", json={"login": phone, "password": PASSWORD})
    assert r.status_code == 201, r.text
    return {"Authorization": "Bearer " + r.json()["token"]}


@pytest.fixture
def who(gw):
    svc, server = gw
    w = sender(svc, server.actor)
    f.quota(svc, server.actor, w.user_id, 100, SmsType.NOTIFICATION)
    return w


def left(svc, who) -> int:
    return svc.users.row(who.user_id).remaining[SmsType.NOTIFICATION]


def test_keys_created_listed_deleted_secret_shown_once(gw, client, who):
    svc, server = gw
    auth = login(client, svc, who)
    r = client.post("/api/v1/keys", headers=auth)
    assert r.status_code == 201
    made = r.json()
    assert made["access_key_id"].startswith("SMSC") and len(made["access_key_secret"]) == 30
    listed = client.get("/api/v1/keys", headers=auth)
    assert [k["access_key_id"] for k in listed.json()] == [made["access_key_id"]]
    assert made["access_key_secret"] not in listed.text and "secret" not in listed.text
    # The key signs the Aliyun-compatible API.
    c = sdk(server.url, made["access_key_id"], made["access_key_secret"])
    ok = c.send_sms(m.SendSmsRequest(phone_numbers="13700000001", sign_name=who.sign_name,
                                     template_code=who.codes[SmsType.NOTIFICATION],
                                     template_param=json.dumps(PARAMS)))
    assert ok.body.code == "OK"
    # Another customer can neither see nor delete it.
    other = sender(svc, server.actor)
    theirs = login(client, svc, other)
    assert client.get("/api/v1/keys", headers=theirs).json() == []
    gone = client.delete(f"/api/v1/keys/{made['access_key_id']}", headers=theirs)
    assert gone.status_code == 404 and gone.json()["code"] == "gateway.key_not_found"
    assert client.delete(f"/api/v1/keys/{made['access_key_id']}", headers=auth
                         ).status_code == 204
    assert client.get("/api/v1/keys", headers=auth).json() == []
    with pytest.raises(ClientException) as info:  # stops signing at once
        c.send_sms(m.SendSmsRequest(phone_numbers="13700000002", sign_name=who.sign_name,
                                    template_code=who.codes[SmsType.NOTIFICATION],
                                    template_param=json.dumps(PARAMS)))
    assert info.value.code == "InvalidAccessKeyId.NotFound"
    assert client.post("/api/v1/keys").status_code == 401


def test_callbacks(gw, client, who):
    svc, _ = gw
    auth = login(client, svc, who)
    r = client.put("/api/v1/callbacks", headers=auth,
                   json={"report_url": "https://example.com/r", "reply_url": ""})
    assert r.status_code == 200 and r.json() == {"report_url": "https://example.com/r",
                                                 "reply_url": ""}
    bad = client.put("/api/v1/callbacks", headers=auth,
                     json={"report_url": "ftp://example.com/r", "reply_url": ""})
    assert bad.status_code == 400 and bad.json()["field"] == "report_url"
    assert svc.keys.customer(who.user_id).report_url == "https://example.com/r"


def message(client, auth, who, phones, params=None, **over):
    body = {"sign_name": who.sign_name, "template_code": who.codes[SmsType.NOTIFICATION],
            "phones": phones, "params": PARAMS if params is None else params, **over}
    return client.post("/api/v1/messages", headers=auth, json=body)


def test_messages_sent_with_sendsms_rules_and_codes(gw, client, who):
    svc, server = gw
    auth = login(client, svc, who)
    before = left(svc, who)
    r = message(client, auth, who, ["13700000101", "+8613700000102", "13700000101"])
    assert r.status_code == 201, r.text
    sent = r.json()
    assert sent["count"] == 2 and "^" in sent["biz_id"]
    assert left(svc, who) < before
    recs = client.get("/api/v1/records", headers=auth, params={"biz_id": sent["biz_id"]})
    assert sorted(x["phone"] for x in recs.json()) == ["13700000101", "13700000102"]
    before = left(svc, who)
    refusals = [
        (message(client, auth, who, ["12345"]), 400, "isv.MOBILE_NUMBER_ILLEGAL"),
        (message(client, auth, who, ["13700000103"], template_code="SMS_NOPE"), 400,
         "isv.SMS_TEMPLATE_ILLEGAL"),
        (message(client, auth, who, ["13700000103"], params={"name": "x"}), 400,
         "isv.TEMPLATE_MISSING_PARAMETERS"),
        (message(client, auth, who, ["13700000103"], params={"name": 1, "order": "2"}), 400,
         "isv.INVALID_JSON_PARAM"),
        (message(client, auth, who, []), 400, "MissingPhoneNumbers"),
        (message(client, auth, who, f.phones(200, 1000)), 403, "isv.AMOUNT_NOT_ENOUGH"),
    ]
    svc.risk.add_word(server.actor, "代开发票")
    refusals.append((message(client, auth, who, ["13700000104"],
                             params={"name": "代开发票", "order": "1"}), 403,
                     "isv.BLACK_KEY_CONTROL_LIMIT"))
    svc.risk.save_settings(server.actor, {"day_limit": 2, "month_limit": 10})
    refusals.append((message(client, auth, who, ["13700000105"]), 429,
                     "isv.DAY_LIMIT_CONTROL"))
    for r, status, code in refusals:
        assert (r.status_code, r.json()["code"]) == (status, code), r.text
        assert r.json()["message"]
    assert left(svc, who) == before  # nothing charged
    en = message(client, {**auth, "Accept-Language": "en"}, who, ["13700000106"])
    assert en.status_code == 429 and en.json()["code"] == "isv.DAY_LIMIT_CONTROL"
    zh = message(client, auth, who, ["13700000106"])
    assert en.json()["message"] != zh.json()["message"]


def test_held_message_is_accepted_and_found_by_its_biz_id(gw, client, who):
    svc, server = gw
    auth = login(client, svc, who)
    svc.risk.save_settings(server.actor, {"volume_hold": True, "volume_absolute": 1,
                                          "volume_floor": 0, "volume_multiple": 10})
    r = message(client, auth, who, ["13700000701", "13700000702"])
    assert r.status_code == 201, r.text
    held = r.json()
    assert held["count"] == 2 and held["biz_id"].endswith("^0")
    recs = client.get("/api/v1/records", headers=auth, params={"biz_id": held["biz_id"]})
    assert {(x["phone"], x["status"], x["biz_id"]) for x in recs.json()} == {
        ("13700000701", "pending", held["biz_id"]), ("13700000702", "pending", held["biz_id"])}
