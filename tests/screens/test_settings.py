"""初始化信息 (product.md §2.4) by keys: site info, AK 管理, 支付配置 — view and edit with
refusals next to their fields, "test" (the ``smsconsole check`` items, in a worker,
naming the wrong field) on saved and on typed values, secrets masked and revealed only
after a confirmation, the reveal logged."""

from __future__ import annotations

from smsconsole.screens.dialogs import ConfirmDialog, DetailDialog, FormDialog
from tests.helpers import (
    SIZE,
    build_app,
    field_error,
    fill,
    form_error,
    logs,
    notes,
    open_page,
    press,
    text_of,
)

SANDBOX_SECRET = "sandbox-access-key-secret-0000"


def screen_text(app) -> str:
    """Everything on screen, as text (secrets must not be in it)."""
    return "\n".join(text_of(w) for w in app.screen.query("Static"))


async def test_site_info_view_and_edit(admin_services, seed, tmp_path):
    logo = tmp_path / "logo.png"
    logo.write_bytes(b"\x89PNG\r\n\x1a\n")
    app = build_app(admin_services, actor=seed.actor)
    async with app.run_test(size=SIZE) as pilot:
        page = await open_page(pilot, "site")
        assert "天津市南开区" in text_of(page.query_one("#site-pairs"))
        await press(pilot, "e")
        assert isinstance(app.screen, FormDialog)
        await fill(pilot, {"company": "", "email": "not-an-email"})
        await press(pilot, "ctrl+s")
        assert field_error(app, "company") == "Required."
        await fill(pilot, {"company": "云顶科技有限公司"})
        await press(pilot, "ctrl+s")
        assert "is not an email address" in field_error(app, "email")
        assert admin_services.settings.site().company == "云顶短信"  # nothing saved yet
        # A logo path that is not an image file is refused next to it (issue 18, item 9).
        await fill(pilot, {"email": "Service@Example.com", "logo_path": "/etc"})
        await press(pilot, "ctrl+s")
        assert field_error(app, "logo_path") == "No file at “/etc”."
        await fill(pilot, {"logo_path": str(logo)})
        await press(pilot, "ctrl+s")
        assert "Saved the site info." in notes(app)
        shown = text_of(page.query_one("#site-pairs"))
        assert "云顶科技有限公司" in shown and "service@example.com" in shown
    entry = logs(admin_services, "settings.site")[-1]
    assert entry.data == {"logo_path": ["", str(logo)],
                          "company": ["云顶短信", "云顶科技有限公司"],
                          "email": ["help@example.com", "service@example.com"]}


async def test_signup_defaults_edit(admin_services, seed):
    """d on the site page: the portal's new customers' signature/template limits, a
    refusal next to its field, one admin log entry; a sign-up then gets them."""
    from smsconsole.services.settings import get_int_setting

    services = admin_services
    app = build_app(services, actor=seed.actor)
    async with app.run_test(size=SIZE) as pilot:
        await open_page(pilot, "site")
        await press(pilot, "d")
        dialog = app.screen
        assert isinstance(dialog, FormDialog)
        assert dialog.form.values() == {"default_max_signatures": "5",
                                        "default_max_templates": "10"}
        await fill(pilot, {"default_max_signatures": "3", "default_max_templates": "1001"})
        await press(pilot, "ctrl+s")
        assert field_error(app, "default_max_templates")
        assert not field_error(app, "default_max_signatures")
        assert services.settings.signup_defaults() == {"default_max_signatures": 5,
                                                       "default_max_templates": 10}
        await fill(pilot, {"default_max_templates": "abc"})
        await press(pilot, "ctrl+s")
        assert field_error(app, "default_max_templates")
        assert not logs(services, "settings.signup_defaults")
        await fill(pilot, {"default_max_templates": "20"})
        await press(pilot, "ctrl+s")
        assert "Saved the sign-up limits." in notes(app)
    assert services.settings.signup_defaults() == {"default_max_signatures": 3,
                                                   "default_max_templates": 20}
    with services.store.read() as s:  # what AccountService.register reads
        assert get_int_setting(s, "default_max_templates", 0) == 20
    entry, = logs(services, "settings.signup_defaults")
    assert entry.data == {"default_max_signatures": ["5", "3"],
                          "default_max_templates": ["10", "20"]}


async def test_access_test_edit_and_reveal(admin_services, seed):
    services = admin_services
    app = build_app(services, actor=seed.actor)
    async with app.run_test(size=SIZE) as pilot:
        page = await open_page(pilot, "access")
        assert SANDBOX_SECRET not in screen_text(app)
        assert "sandbox-access-key-id" in text_of(page.query_one("#access-pairs"))

        # t: the stored AK tested, item by item, in a worker.
        await press(pilot, "t")
        checks = text_of(page.query_one("#access-checks"))
        assert "✓ AccessKey" in checks and "✓ Reply queue" in checks
        assert "✗" not in checks and "alipay" not in checks
        assert text_of(page.query_one("#access-status")) == "All settings work."

        # e: a refusal next to its field; the test on typed values marks the wrong one.
        await press(pilot, "e")
        dialog = app.screen
        assert isinstance(dialog, FormDialog)
        assert dialog.form.values()["access_key_secret"] == ""  # never prefilled
        await fill(pilot, {"report_queue": "bad queue!"})
        await press(pilot, "ctrl+s")
        assert "queue name" in field_error(app, "report_queue").lower()
        await fill(pilot, {"report_queue": page.table.rows[0].report_queue,
                           "scenario.change_phone.template_code": "SMS_404404404"})
        await press(pilot, "ctrl+t")
        assert field_error(app, "scenario.change_phone.template_code").startswith(
            "Test failed:")
        results = text_of(dialog.query_one("#dialog-checks"))
        assert "1 settings do not work" in results
        assert "✗ Phone change code › Template CODE" in results
        # A wrong secret typed: the AccessKey check names the secret.
        await fill(pilot, {"scenario.change_phone.template_code": "SMS_100000003",
                           "access_key_secret": "wrong-secret"})
        await press(pilot, "ctrl+t")
        assert field_error(app, "access_key_secret").startswith("Test failed:")
        # Blank secret keeps the stored one; save; the log has old → new.
        await fill(pilot, {"access_key_secret": ""})
        await press(pilot, "ctrl+t")
        assert "All settings work." in text_of(dialog.query_one("#dialog-checks"))
        await press(pilot, "ctrl+s")
        assert "Saved the AccessKey “sandbox”." in notes(app)
        assert "SMS_100000003" in text_of(page.query_one("#access-pairs"))

        # v: reveal after a confirmation; cancelling reveals (and logs) nothing.
        await press(pilot, "v")
        assert isinstance(app.screen, ConfirmDialog)
        await press(pilot, "n")
        assert logs(services, "settings.access.reveal_secret") == []
        await press(pilot, "v", "y")
        assert isinstance(app.screen, DetailDialog)
        assert SANDBOX_SECRET in text_of(app.screen.query_one("#detail-table"))
        await press(pilot, "escape")
        assert SANDBOX_SECRET not in screen_text(app)

    entry = logs(services, "settings.access.update")[-1]
    assert entry.data == {"scenario.change_phone": ["速达验证/SMS_100000001/code",
                                                    "速达验证/SMS_100000003/code"]}
    reveal = logs(services, "settings.access.reveal_secret")
    assert len(reveal) == 1 and reveal[0].admin_name == "管理员"
    assert services.settings.aliyun_settings().access_key_secret == SANDBOX_SECRET


async def test_payment_test_edit_and_reveal(admin_services, seed):
    services = admin_services
    private_pem = services.settings.alipay_settings().app_private_key
    app = build_app(services, lang="zh", actor=seed.actor)
    async with app.run_test(size=SIZE) as pilot:
        page = await open_page(pilot, "payment")
        assert "BEGIN PRIVATE KEY----- ********" in text_of(page.query_one("#payment-pairs"))
        assert private_pem.splitlines()[1] not in screen_text(app)

        await press(pilot, "t")
        checks = text_of(page.query_one("#payment-checks"))
        assert "✓ 密钥签名与验签" in checks and "✓ 网关连通" in checks
        assert text_of(page.query_one("#payment-status")) == "支付宝配置测试通过。"

        await press(pilot, "e")
        dialog = app.screen
        assert dialog.form.values()["app_private_key"] == ""  # never prefilled
        await fill(pilot, {"app_id": "abc"})
        await press(pilot, "ctrl+s")
        assert field_error(app, "app_id") != ""
        # A public key that does not match: the test names the field, saving refuses.
        public = dialog.form.values()["alipay_public_key"]
        await fill(pilot, {"app_id": "2021000100000001",
                           "alipay_public_key": "-----BEGIN PUBLIC KEY-----\nAAAA\n"
                                                "-----END PUBLIC KEY-----"})
        await press(pilot, "ctrl+t")
        assert "✗" in text_of(dialog.query_one("#dialog-checks"))
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, ConfirmDialog)  # the test failed: asked first
        await press(pilot, "y")
        assert isinstance(app.screen, FormDialog)
        assert form_error(app) or any(
            field_error(app, f) for f in ("alipay_public_key", "app_private_key"))
        await fill(pilot, {"alipay_public_key": public, "notify_port": "9090"})
        await press(pilot, "ctrl+s")
        assert "已保存支付配置（应用 2021000100000001）。" in notes(app)
        assert "http://127.0.0.1:9090/alipay/notify" in text_of(page.query_one("#payment-pairs"))

        await press(pilot, "v", "y")
        assert isinstance(app.screen, DetailDialog)
        assert private_pem.splitlines()[1] in text_of(app.screen.query_one("#detail-table"))
        await press(pilot, "escape")

    assert logs(services, "settings.payment")[-1].data == {"notify_port": [8080, 9090]}
    assert len(logs(services, "settings.payment.reveal_key")) == 1


async def test_saving_a_setting_that_failed_its_test_asks_and_the_page_shows_the_fresh_result(
        admin_services, seed):
    """Issue 18, item 6: A → e → a wrong template CODE → ctrl+t fails → ctrl+s asked first
    (it saved without a word); after the save the page no longer says "All settings
    work" from before, it tests what was saved."""
    services = admin_services
    app = build_app(services, actor=seed.actor)
    async with app.run_test(size=SIZE) as pilot:
        page = await open_page(pilot, "access")
        await press(pilot, "t")
        assert text_of(page.query_one("#access-status")) == "All settings work."
        await press(pilot, "e")
        dialog = app.screen
        await fill(pilot, {"scenario.change_phone.template_code": "SMS_404404404"})
        await press(pilot, "ctrl+t")
        assert "1 settings do not work" in text_of(dialog.query_one("#dialog-checks"))
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, ConfirmDialog)
        assert "last test of these values failed" in app.screen.message
        await press(pilot, "n")  # not saved, back in the form
        assert app.screen is dialog
        assert services.settings.access().scenarios["change_phone"].template_code != \
            "SMS_404404404"
        await press(pilot, "ctrl+s", "y")
        assert "Saved the AccessKey “sandbox”." in notes(app)
        assert services.settings.access().scenarios["change_phone"].template_code == \
            "SMS_404404404"
        status = text_of(page.query_one("#access-status"))
        assert status != "All settings work." and "do not work" in status
        assert "✗" in text_of(page.query_one("#access-checks"))
