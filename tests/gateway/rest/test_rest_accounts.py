"""Verification codes, sign-up, sessions, password reset and phone change through the
REST API on a real uvicorn, the codes read back from the sandbox's messages."""

from __future__ import annotations

import re

from sqlalchemy import select

from smsconsole.cloud.sandbox import client as sbc
from smsconsole.store.models import CustomerAccount, VerificationCode
from tests.factories import PASSWORD, user

from .helpers import advance

PW = "Passw0rd!2026"  # the hardened rule: at least 10, letters and digits


def sent_codes(box, phone: str) -> list[str]:
    msgs = sbc.state(box.endpoints, phone=phone)["messages"]
    return [re.search(r"\d{6}", m["content"]).group(0) for m in msgs]


def ask(client, phone, scenario="register", **headers):
    return client.post("/api/v1/codes", json={"phone": phone, "scenario": scenario},
                       headers=headers)


def sign_up(client, box, phone="13912345678", email="new@example.com"):
    assert ask(client, phone).status_code == 202
    code = sent_codes(box, phone)[-1]
    r = client.post("/api/v1/accounts", json={
        "phone": phone, "code": code, "email": email, "password": PW,
        "company": "新客户公司", "name": "张三"})
    assert r.status_code == 201, r.text
    return r.json()


def log_in(client, login, password=PW):
    r = client.post("/api/v1/sessions", json={"login": login, "password": password})
    assert r.status_code == 201, r.text
    return {"Authorization": "Bearer " + r.json()["token"]}


def test_sign_up_log_in_log_out(gw, client, gw_sandbox):
    svc, _ = gw
    body = sign_up(client, gw_sandbox)
    assert body["account"] == "13912345678"
    # The code went out through the platform's scenario signature and template.
    aliyun = svc.cloud.aliyun()
    reg = next(s for s in aliyun.scenarios if s.key == "register")
    [msg] = sbc.state(gw_sandbox.endpoints, phone="13912345678")["messages"]
    assert (msg["sign_name"], msg["template_code"]) == (reg.sign_name, reg.template_code)
    with svc.store.read() as s:
        row = s.scalar(select(VerificationCode))
        assert row.sent and row.biz_id == msg["biz_id"] and row.used_at is not None
        assert sent_codes(gw_sandbox, "13912345678")[0] not in row.code_hash
        assert s.get(CustomerAccount, body["id"]).registered_via == "portal"
    for login in ("13912345678", "NEW@example.com"):
        auth = log_in(client, login)
        me = client.get("/api/v1/me", headers=auth).json()
        assert me["email"] == "new@example.com" and me["company"] == "新客户公司"
        assert me["quota"] == {"general": 0, "notification": 0, "verification": 0,
                               "promotion": 0}
    with svc.store.read() as s:
        assert s.get(CustomerAccount, body["id"]).last_login_at == svc.ctx.clock.now()
    # The admin sees the code as the platform's own send: in the number's timeline
    # (never the code) and counted apart in statistics; no customer's records or quota.
    [item] = svc.records.timeline("13912345678")
    assert item.direction == "out" and item.sign_name == reg.sign_name
    assert re.search(r"\d{6}", item.text) is None and item.record_id is None
    from smsconsole.services.codes import CodeService
    from smsconsole.store.models import SendRecord

    today = svc.ctx.clock.today()
    assert CodeService(svc.ctx).sent_count(today, today) == 1
    with svc.store.read() as s:
        assert s.scalar(select(SendRecord.id)) is None
    # The console's user list says how they came and when they last logged in.
    row = next(r for r in svc.users.page().rows if r.id == body["id"])
    assert (row.registered_via, row.last_login_at) == ("portal", svc.ctx.clock.now())
    admin_made = user(svc)
    assert svc.users.row(admin_made.id).registered_via == "console"
    assert svc.users.row(admin_made.id).last_login_at is None
    assert client.delete("/api/v1/sessions/current", headers=auth).status_code == 204
    r = client.get("/api/v1/me", headers=auth)
    assert r.status_code == 401 and r.json()["code"] == "session.invalid"


def test_wrong_expired_and_reused_codes(gw, client, gw_sandbox):
    svc, _ = gw
    phone = "13912340001"
    form = {"phone": phone, "email": "a@example.com", "password": PW, "company": "c",
            "name": "n"}
    ask(client, phone)
    [code] = sent_codes(gw_sandbox, phone)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(5):
        r = client.post("/api/v1/accounts", json={**form, "code": wrong})
        assert (r.status_code, r.json()["code"]) == (400, "code.wrong")
    # The sixth try is refused even with the right code.
    r = client.post("/api/v1/accounts", json={**form, "code": code},
                    headers={"Accept-Language": "en"})
    assert (r.status_code, r.json()["code"]) == (400, "code.too_many_tries")
    assert "new code" in r.json()["message"]
    # A new code after a minute; it expires after five.
    advance(svc, gw_sandbox, minutes=1)
    ask(client, phone)
    code = sent_codes(gw_sandbox, phone)[-1]
    advance(svc, gw_sandbox, minutes=5, seconds=1)
    r = client.post("/api/v1/accounts", json={**form, "code": code})
    assert r.json()["code"] == "code.wrong"
    assert ask(client, phone).status_code == 202
    code = sent_codes(gw_sandbox, phone)[-1]
    r = client.post("/api/v1/accounts", json={**form, "code": code})
    assert r.status_code == 201, r.text
    # Reused: the account exists now, and the code is spent anyway.
    advance(svc, gw_sandbox, minutes=1)
    ask(client, "13912340002")
    r = client.post("/api/v1/accounts", json={**form, "phone": "13912340002",
                                              "email": "b@example.com", "code": code})
    assert r.json()["code"] == "code.wrong"


def test_code_limits_per_phone(gw, client, gw_sandbox):
    svc, _ = gw
    phone = "13912340003"
    assert ask(client, phone).status_code == 202
    r = ask(client, phone, **{"Accept-Language": "zh-CN,zh;q=0.9"})
    assert (r.status_code, r.json()["code"]) == (429, "code.too_soon")
    assert "一分钟" in r.json()["message"]
    for _ in range(9):  # ten in a day, never more than five in an hour
        advance(svc, gw_sandbox, minutes=13)
        assert ask(client, phone).status_code == 202
    advance(svc, gw_sandbox, minutes=13)
    r = ask(client, phone)
    assert (r.status_code, r.json()["code"]) == (429, "code.phone_limit")
    assert len(sent_codes(gw_sandbox, phone)) == 10
    advance(svc, gw_sandbox, hours=24)
    assert ask(client, phone).status_code == 202


def test_five_an_hour(gw, client, gw_sandbox):
    svc, _ = gw
    for _ in range(5):
        assert ask(client, "13912340004").status_code == 202
        advance(svc, gw_sandbox, minutes=2)
    r = ask(client, "13912340004")
    assert (r.status_code, r.json()["code"]) == (429, "code.phone_limit")


def test_per_ip_limit(gw, client, gw_sandbox):
    svc, _ = gw
    answers = [ask(client, f"1371234{n:04d}").status_code for n in range(31)]
    assert answers == [202] * 30 + [429]


def test_answers_never_say_whether_a_phone_is_registered(gw, client, gw_sandbox):
    svc, _ = gw
    taken = user(svc, phone="13912340005")
    free = "13912340006"
    a = ask(client, taken.phone)
    b = ask(client, free)
    assert (a.status_code, a.json()) == (b.status_code, b.json())
    assert sent_codes(gw_sandbox, taken.phone) == []  # nothing to register there
    assert len(sent_codes(gw_sandbox, free)) == 1
    advance(svc, gw_sandbox, minutes=1)
    a = ask(client, taken.phone, "reset_password")
    b = ask(client, free, "reset_password")
    assert (a.status_code, a.json()) == (b.status_code, b.json())
    assert len(sent_codes(gw_sandbox, taken.phone)) == 1
    assert len(sent_codes(gw_sandbox, free)) == 1


def test_a_skipped_code_request_does_the_work_of_a_send(gw, client, gw_sandbox):
    """Timing must not tell a registered phone either: a request that sends nothing makes
    one round trip to the SMS API too (a query, which sends nothing), updates its row
    alike, and answers the API's failure alike (the code path, not the wall time)."""
    svc, _ = gw
    eps = gw_sandbox.endpoints
    taken = user(svc, phone="13912340015")
    free = "13912340016"

    def calls():
        return (sbc.request_count(eps, "sms", "SendSms"),
                sbc.request_count(eps, "sms", "QuerySendDetails"))

    sends, queries = calls()
    assert ask(client, taken.phone).status_code == 202
    assert calls() == (sends, queries + 1)
    assert ask(client, free).status_code == 202
    assert calls() == (sends + 1, queries + 1)
    with svc.store.read() as s:
        skipped, sent = (s.scalar(select(VerificationCode).where(VerificationCode.phone == p))
                         for p in (taken.phone, free))
    assert (skipped.sent, skipped.result_code, sent.sent) == (False, "skipped", True)
    assert (skipped.sign_name, skipped.template_code) == (sent.sign_name, sent.template_code)
    assert skipped.sign_name
    # The SMS API failing: the same answer either way.
    advance(svc, gw_sandbox, minutes=1)
    sbc.inject_fault(eps, "sms", "QuerySendDetails", kind="error", status=400,
                     code="isv.AMOUNT_NOT_ENOUGH", message="no balance")
    sbc.inject_fault(eps, "sms", "SendSms", kind="error", status=400,
                     code="isv.AMOUNT_NOT_ENOUGH", message="no balance")
    a, b = ask(client, taken.phone), ask(client, free)
    assert a.status_code >= 400 and (a.status_code, a.json()) == (b.status_code, b.json())
    assert sent_codes(gw_sandbox, taken.phone) == []


def test_register_refusals_change_nothing(gw, client, gw_sandbox):
    svc, _ = gw
    user(svc, phone="13912340007", email="taken@example.com")
    phone = "13912340008"
    ask(client, phone)
    code = sent_codes(gw_sandbox, phone)[-1]
    base = {"phone": phone, "code": code, "email": "x@example.com", "password": PW,
            "company": "c", "name": "n"}
    for over, status, err in (
        ({"password": "short1"}, 400, "password.rule"),
        ({"password": "lettersonly"}, 400, "password.rule"),
        ({"email": "taken@example.com"}, 409, "user.email_taken"),
        ({"email": "not-an-email"}, 400, "email.invalid"),
        # A taken phone gets no code: the same answer as any phone without one.
        ({"phone": "13912340007"}, 400, "code.wrong"),
        ({"phone": "13912340099"}, 400, "code.wrong"),
        ({"phone": "12345"}, 400, "phone.invalid"),
        ({"name": ""}, 400, "field.required"),
    ):
        r = client.post("/api/v1/accounts", json={**base, **over})
        assert (r.status_code, r.json()["code"]) == (status, err), over
    # Changing to a taken number says no more than a wrong code either.
    other = user(svc, phone="13912340017")
    auth = log_in(client, "taken@example.com", PASSWORD)
    assert ask(client, other.phone, "change_phone").status_code == 202
    assert sent_codes(gw_sandbox, other.phone) == []
    r = client.put("/api/v1/me/phone", json={"phone": other.phone, "code": "123456"},
                   headers=auth)
    assert (r.status_code, r.json()["code"]) == (400, "code.wrong")
    # None of those spent the code.
    assert client.post("/api/v1/accounts", json=base).status_code == 201


def test_lockout_tokens_expired_revoked_forged(gw, client, gw_sandbox):
    svc, _ = gw
    sign_up(client, gw_sandbox, "13912340009", "lock@example.com")
    auth = log_in(client, "lock@example.com")
    for _ in range(4):
        r = client.post("/api/v1/sessions", json={"login": "lock@example.com",
                                                  "password": "Wrong1234"})
        assert (r.status_code, r.json()["code"]) == (401, "login.failed")
    r = client.post("/api/v1/sessions", json={"login": "lock@example.com",
                                              "password": "Wrong1234"})
    assert (r.status_code, r.json()["code"]) == (423, "login.locked")
    r = client.post("/api/v1/sessions", json={"login": "lock@example.com", "password": PW})
    assert r.status_code == 423
    advance(svc, gw_sandbox, minutes=16)
    fresh = log_in(client, "lock@example.com")
    # Unknown ids fail like wrong passwords.
    r = client.post("/api/v1/sessions", json={"login": "nobody@example.com", "password": PW})
    assert (r.status_code, r.json()["code"]) == (401, "login.failed")
    for bad in ({"Authorization": "Bearer " + "A" * 43}, {"Authorization": "Basic eDp5"},
                {}):
        assert client.get("/api/v1/me", headers=bad).status_code == 401
    assert client.get("/api/v1/me", headers=fresh).status_code == 200
    advance(svc, gw_sandbox, days=8)
    assert client.get("/api/v1/me", headers=auth).status_code == 401
    assert client.get("/api/v1/me", headers=fresh).status_code == 401


def test_reset_password_and_change_phone(gw, client, gw_sandbox):
    svc, _ = gw
    sign_up(client, gw_sandbox, "13912340010", "reset@example.com")
    old = log_in(client, "reset@example.com")
    advance(svc, gw_sandbox, minutes=1)
    ask(client, "13912340010", "reset_password")
    code = sent_codes(gw_sandbox, "13912340010")[-1]
    r = client.post("/api/v1/password-resets", json={"phone": "13912340010", "code": code,
                                                     "password": "weak"})
    assert r.json()["code"] == "password.rule"
    r = client.post("/api/v1/password-resets", json={"phone": "13912340010", "code": code,
                                                     "password": "N3wPassword"})
    assert r.status_code == 204
    assert client.get("/api/v1/me", headers=old).status_code == 401  # sessions ended
    r = client.post("/api/v1/sessions", json={"login": "reset@example.com", "password": PW})
    assert r.status_code == 401
    auth = log_in(client, "13912340010", "N3wPassword")
    # Change phone: the code goes to the new number.
    ask(client, "13912340011", "change_phone")
    code = sent_codes(gw_sandbox, "13912340011")[-1]
    r = client.put("/api/v1/me/phone", json={"phone": "13912340011", "code": "000000"},
                   headers=auth)
    assert r.json()["code"] == "code.wrong"
    r = client.put("/api/v1/me/phone", json={"phone": "13912340011", "code": code},
                   headers=auth)
    assert r.status_code == 200 and r.json()["phone"] == "13912340011"
    log_in(client, "13912340011", "N3wPassword")


def test_two_code_requests_at_once_send_one(gw, gw_sandbox):
    """The 1-a-minute limit holds under concurrency (a lock per phone)."""
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    _, server = gw

    def one(phone):
        with httpx.Client(base_url=server.url, timeout=20, trust_env=False) as c:
            return ask(c, phone).status_code

    for n in range(3):
        phone = f"1391235{n:04d}"
        with ThreadPoolExecutor(2) as pool:
            assert sorted(pool.map(one, [phone, phone])) == [202, 429]
        assert len(sent_codes(gw_sandbox, phone)) == 1
