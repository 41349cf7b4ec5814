"""The first-launch wizard (product.md §2.1): every step, validation next to each field,
back/next, the sandbox, and quitting half-way keeps nothing."""

from __future__ import annotations

import pytest
from textual.widgets import Checkbox, Input

from smsconsole.screens.login import LoginScreen
from smsconsole.screens.wizard import SetupWizard
from smsconsole.store.models import (
    Admin,
    AdminLog,
    AliyunAccess,
    SiteInfo,
    SystemAuthorization,
    VerificationScenario,
)
from smsconsole.widgets.form_view import FieldRow
from tests.helpers import SIZE, build_app, count_rows, settle

STEP1 = {"name": "Zhang San", "company": "Yunding SMS", "email": "Admin@Example.com",
         "phone": "13800138000", "purchase_order_no": ""}
STEP2 = {"password": "Secret#2026pass", "password_confirm": "Secret#2026pass"}
STEP3 = {"access_key_id": "test-access-key-id", "access_key_secret": "test-secret-value",
         "report_queue": "Alicom-Queue-1234567890-SmsReport",
         "reply_queue": "Alicom-Queue-1234567890-SmsUp",
         **{f"scenario.{k}.{f}": v for k in ("register", "reset_password", "change_phone")
            for f, v in (("sign_name", "云顶科技"), ("template_code", "SMS_100001"),
                         ("param_name", "code"))}}
STEP4 = {"address": "天津市南开区", "phone": "022-8788-2266"}


def wizard(app) -> SetupWizard:
    assert isinstance(app.screen, SetupWizard), type(app.screen).__name__
    return app.screen


def error_of(app, name: str) -> str:
    row = wizard(app).query_one(f"#{_id(name)}", FieldRow)
    return str(row.query_one(".field--error").render()) if row.has_class("-invalid") else ""


def _id(name: str) -> str:
    return "f-" + name.replace(".", "--")


async def fill(pilot, values: dict) -> None:
    wizard(pilot.app).form().set_values(values)
    await pilot.pause()


async def next_step(pilot) -> None:
    await pilot.press("ctrl+n")
    await settle(pilot)


async def test_first_launch_shows_the_wizard_and_nothing_else(ui_services):
    app = build_app(ui_services)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        w = wizard(app)
        assert w.step == 0
        # Menu keys, help and the palette lead nowhere else.
        await pilot.press("2", "X", "escape")
        await settle(pilot)
        assert isinstance(app.screen, SetupWizard)
        assert app.main_screen is None


@pytest.mark.slow
async def test_valid_path_typed_by_keys(ui_services):
    app = build_app(ui_services)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        # Step 1, typed field by field (enter moves on, enter on the last field = next).
        for value in ("Zs", "Yd", "a@b.cn", "13800138000"):
            await pilot.press(*value, "enter")
        await pilot.press("enter")
        await settle(pilot)
        w = wizard(app)
        assert w.step == 1, error_of(app, "email")
        # Step 2: the login id defaults to the email; the rule is on screen.
        assert w.form().values()["login"] == "a@b.cn"
        assert "at least 10 characters" in str(w.query_one("#step-admin").query_one(
            ".wizard-rule").render())
        await pilot.press("tab", *"Tide-Lamp-26", "enter", *"Tide-Lamp-26", "enter")
        await settle(pilot)
        assert w.step == 2
        await fill(pilot, STEP3)
        await next_step(pilot)
        assert w.step == 3
        # Step 4 is prefilled from step 1.
        assert w.form().values()["company"] == "Yd"
        await fill(pilot, STEP4)
        assert not ui_services.auth.is_set_up()  # nothing is written before Finish
        await next_step(pilot)
        assert isinstance(app.screen, LoginScreen)
        assert app.screen.query_one("#login-id", Input).value == "a@b.cn"
    assert ui_services.auth.is_set_up()
    site = ui_services.settings.site()
    assert (site.company, site.address, site.phone) == ("Yd", "天津市南开区", "022-8788-2266")
    access = ui_services.settings.access()
    assert access.access_key_id == "test-access-key-id" and not access.sandbox
    assert access.scenarios["change_phone"].template_code == "SMS_100001"
    assert ui_services.auth.login("13800138000", "Tide-Lamp-26").name == "Zs"


async def test_invalid_input_is_shown_next_to_each_field(ui_services):
    app = build_app(ui_services)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        w = wizard(app)
        await pilot.press("ctrl+n")  # all blank: the required ones are marked
        await settle(pilot)
        assert error_of(app, "name") == "Required."
        assert error_of(app, "phone") == "Required."
        assert error_of(app, "purchase_order_no") == ""
        await fill(pilot, {**STEP1, "email": "not-an-email"})
        await next_step(pilot)
        assert w.step == 0
        assert "is not an email address" in error_of(app, "email")
        assert error_of(app, "name") == ""
        assert app.focused is w.form().row("email").input
        await fill(pilot, {**STEP1, "phone": "12345"})
        await next_step(pilot)
        assert "not a mainland mobile number" in error_of(app, "phone")
        await fill(pilot, STEP1)
        await next_step(pilot)
        assert w.step == 1
        await fill(pilot, {"password": "short", "password_confirm": "short"})
        await next_step(pilot)
        assert "letters and digits" in error_of(app, "password")
        await fill(pilot, {"password": "Password2026!", "password_confirm": "Password2026!"})
        await next_step(pilot)
        assert "Too common" in error_of(app, "password")
        await fill(pilot, {"password": "Secret#2026pass", "password_confirm": "Secret#2026pasz"})
        await next_step(pilot)
        assert "differ" in error_of(app, "password_confirm")
        await fill(pilot, STEP2)
        await next_step(pilot)
        assert w.step == 2
        await fill(pilot, {**STEP3, "report_queue": "bad queue!",
                           "scenario.reset_password.param_name": "1x"})
        await next_step(pilot)
        assert w.step == 2
        assert "variable name" in error_of(app, "scenario.reset_password.param_name")
        await fill(pilot, {**STEP3, "report_queue": "bad queue!"})
        await next_step(pilot)
        assert "queue name" in error_of(app, "report_queue").lower()
        assert error_of(app, "scenario.reset_password.param_name") == ""
    assert not ui_services.auth.is_set_up()


async def test_back_and_next_keep_what_was_typed(ui_services):
    app = build_app(ui_services)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        w = wizard(app)
        await fill(pilot, STEP1)
        await next_step(pilot)
        await fill(pilot, {"password": "Secret#2026pass"})
        await pilot.press("ctrl+b")
        await settle(pilot)
        assert w.step == 0
        assert w.form().values()["email"] == "Admin@Example.com"
        await next_step(pilot)
        assert w.step == 1
        assert w.form().values()["password"] == "Secret#2026pass"
        await pilot.press("escape")  # esc is back too
        await settle(pilot)
        assert w.step == 0
        await pilot.press("escape")  # nothing before step 1
        assert w.step == 0


async def test_quitting_half_way_keeps_nothing(ui_services):
    app = build_app(ui_services)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await fill(pilot, STEP1)
        await next_step(pilot)
        await fill(pilot, STEP2)
        await next_step(pilot)
        await fill(pilot, STEP3)
        await next_step(pilot)
        assert wizard(app).step == 3
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert not ui_services.auth.is_set_up()
    for model in (Admin, SystemAuthorization, SiteInfo, AliyunAccess, VerificationScenario,
                  AdminLog):
        assert count_rows(ui_services, model) == 0, model.__name__


@pytest.fixture
def sandbox_services(sqlite_url, tmp_path, clock, sandbox):
    pytest.importorskip("smsconsole.cloud.sms", reason="the cloud adapters are not written yet")
    from tests.conftest import make_services

    svc = make_services(sqlite_url, tmp_path, clock, sandbox)
    yield svc
    svc.close()


@pytest.mark.slow
async def test_sandbox_fills_step_3_tests_and_finishes(sandbox_services):
    pytest.importorskip("smsconsole.cloud.checks", reason="the checks are not written yet")
    services = sandbox_services
    app = build_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        w = wizard(app)
        await fill(pilot, STEP1)
        await next_step(pilot)
        await fill(pilot, STEP2)
        await next_step(pilot)
        assert w.step == 2
        await pilot.press("ctrl+o")  # use the built-in sandbox
        await settle(pilot)
        assert w.form().row("sandbox").input.value is True
        assert isinstance(w.form().row("sandbox").input, Checkbox)
        values = w.form().values()
        assert values["access_key_id"] and values["report_queue"].endswith("SmsReport")
        await pilot.press("ctrl+t")  # test these settings
        await settle(pilot, rounds=5)
        assert w._checks and all(item.ok for item in w._checks), w._checks
        # A wrong template CODE is pointed at.
        await fill(pilot, {"scenario.register.template_code": "SMS_404404"})
        await pilot.press("ctrl+t")
        await settle(pilot, rounds=5)
        assert any(not item.ok for item in w._checks)
        assert error_of(app, "scenario.register.template_code")
        # The results in words, as the AK page says them (issue 18, item 14).
        results = str(w.query_one("#check-results").render())
        assert "✗ User registration code › Template CODE" in results
        assert "aliyun.access_key" not in results and "scenario." not in results
        assert "AccessKey" in results
        # ctrl+o refills the step: the old ✗ list goes with the old values.
        await pilot.press("ctrl+o", "ctrl+o")
        await settle(pilot)
        assert w._checks is None and "✗" not in str(w.query_one("#check-results").render())
        # A network error points at the SMS endpoint, which this step does not have: the
        # error goes under the AccessKey ID (it had none).
        from smsconsole.cloud.types import CheckItem

        w._checked([CheckItem("aliyun.access_key", False, "NetworkError: no route",
                              "sms_endpoint")])
        await pilot.pause()
        assert "NetworkError" in error_of(app, "access_key_id")
        w.form().clear_errors()
        await fill(pilot, {"scenario.register.template_code":
                           values["scenario.register.template_code"]})
        await next_step(pilot)
        await next_step(pilot)
        assert isinstance(app.screen, LoginScreen)
    access = services.settings.access()
    assert access.sandbox
    assert services.settings.payment() is not None  # as `smsconsole setup --sandbox` does
