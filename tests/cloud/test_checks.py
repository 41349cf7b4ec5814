"""run_checks against the sandbox: all ok, and the wrong field named when one is wrong."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

from smsconsole.cloud.checks import run_checks
from smsconsole.cloud.sandbox import client as sbc
from smsconsole.cloud.sms import SmsClient
from smsconsole.cloud.types import Scenario


def by_item(items):
    return {i.item: i for i in items}


def test_everything_ok(ep):
    items = run_checks(ep.aliyun_settings(), ep.alipay_settings())
    assert [i.item for i in items] == [
        "aliyun.access_key",
        "scenario.register.sign_name", "scenario.register.template_code",
        "scenario.reset_password.sign_name", "scenario.reset_password.template_code",
        "scenario.change_phone.sign_name", "scenario.change_phone.template_code",
        "queue.report", "queue.reply", "alipay.keys", "alipay.gateway",
    ]
    assert all(i.ok for i in items), [i for i in items if not i.ok]


def test_queue_check_consumes_nothing(ep):
    SmsClient(ep.aliyun_settings()).send_sms(["13800138000"], "速达科技", "SMS_100000004",
                                             {"name": "a", "order": "b"})
    time.sleep(0.15)
    assert all(i.ok for i in run_checks(ep.aliyun_settings(), None))
    counts = sbc.state(ep, summary=True)["queues"][ep.report_queue]
    assert counts == {"visible": 1, "in_flight": 0, "delayed": 0}


def test_wrong_secret_names_access_key_secret(ep):
    items = by_item(run_checks(replace(ep.aliyun_settings(), access_key_secret="bad"), None))
    ak = items["aliyun.access_key"]
    assert (ak.ok, ak.field) == (False, "access_key_secret")
    assert "SignatureDoesNotMatch" in ak.detail and ak.extra["advice"]
    assert items["scenario.register.sign_name"].extra.get("skipped")
    assert not items["queue.report"].ok


def test_wrong_access_key_id(ep):
    items = by_item(run_checks(replace(ep.aliyun_settings(), access_key_id="x"), None))
    assert items["aliyun.access_key"].field == "access_key_id"


def test_wrong_template_code_names_the_scenario_field(ep):
    s = ep.aliyun_settings()
    scenarios = tuple(
        replace(sc, template_code="SMS_000") if sc.key == "register" else sc
        for sc in s.scenarios
    )
    items = by_item(run_checks(replace(s, scenarios=scenarios), None, lang="zh"))
    bad = items["scenario.register.template_code"]
    assert (bad.ok, bad.field) == (False, "scenario.register.template_code")
    assert "isv.SMS_TEMPLATE_ILLEGAL" in bad.detail and "模板" in bad.detail
    assert items["scenario.reset_password.template_code"].ok
    assert items["aliyun.access_key"].ok


def test_unapproved_or_unsuitable_templates(ep):
    s = ep.aliyun_settings()
    scenarios = (
        Scenario("register", "速达验证", "SMS_100000009", "code"),  # rejected
        Scenario("reset_password", "速达验证", "SMS_100000004", "code"),  # notification
        Scenario("change_phone", "速达科技", "SMS_100000003", "otp"),  # no ${otp}
    )
    items = by_item(run_checks(replace(s, scenarios=scenarios), None))
    assert items["scenario.register.template_code"].detail.startswith("rejected")
    assert "verification" in items["scenario.reset_password.template_code"].detail
    assert items["scenario.change_phone.param_name"].field == "scenario.change_phone.param_name"


def test_unknown_sign_names_the_sign_field(ep):
    s = ep.aliyun_settings()
    scenarios = tuple(replace(sc, sign_name="不存在") for sc in s.scenarios)
    items = by_item(run_checks(replace(s, scenarios=scenarios), None))
    bad = items["scenario.change_phone.sign_name"]
    assert (bad.ok, bad.field) == (False, "scenario.change_phone.sign_name")


def test_wrong_queue_names_report_queue(ep):
    s = replace(ep.aliyun_settings(), report_queue="Alicom-Queue-999-SmsReport")
    items = by_item(run_checks(s, None))
    bad = items["queue.report"]
    assert (bad.ok, bad.field) == (False, "report_queue")
    assert items["queue.reply"].ok
    own = by_item(run_checks(replace(s, queue_mode="own"), None))["queue.report"]
    assert (own.ok, own.field, own.extra["code"]) == (False, "report_queue", "QueueNotExist")


def test_dead_mns_endpoint(ep):
    s = replace(ep.aliyun_settings(), mns_endpoint="http://127.0.0.1:9")
    bad = by_item(run_checks(s, None))["queue.report"]
    assert (bad.ok, bad.field) == (False, "mns_endpoint")


def test_wrong_alipay_public_key(ep):
    app_public = Path(ep.alipay_app_public_key_file).read_text()
    items = by_item(run_checks(None, replace(ep.alipay_settings(),
                                             alipay_public_key=app_public)))
    assert (items["alipay.keys"].ok, items["alipay.keys"].field) == (False, "alipay_public_key")
    assert not items["alipay.gateway"].ok


def test_wrong_app_id(ep):
    items = by_item(run_checks(None, replace(ep.alipay_settings(), app_id="2021000000000999")))
    assert items["alipay.keys"].ok
    assert (items["alipay.gateway"].ok, items["alipay.gateway"].field) == (False, "app_id")
