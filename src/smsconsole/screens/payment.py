"""支付配置 (product.md §2.4): Alipay open platform — app id, app private key (masked;
``v`` reveals it after a confirmation, logged), Alipay public key, notify address (host +
port) and access type, sandbox, gateway. Edit (``e``; saving validates the keys) and test
(``t``: the keys sign and verify, the gateway answers), naming the field that is wrong.
"""

from __future__ import annotations

from typing import Any

from smsconsole.i18n import t
from smsconsole.screens.base import palette_commands
from smsconsole.screens.dialogs.access_form import CheckedFormDialog
from smsconsole.screens.settings_page import SettingsPage
from smsconsole.services.cloud_access import resolve_alipay
from smsconsole.services.settings import PaymentInput, PaymentView
from smsconsole.widgets.check_labels import item_name
from smsconsole.widgets.form_view import Field, Section
from smsconsole.widgets.format import yes_no
from smsconsole.widgets.labels import keybind


def check_label(item) -> str:
    text = item_name(item)
    if not item.ok and item.field:
        text += " " + t("payment.check.field", field=t(f"payment.f.{item.field}"))
    return text


def alipay_items(items: list) -> list:
    """``settings.check`` also tests the stored AK; keep the Alipay items."""
    return [item for item in items if item.item.startswith("alipay.")]


def key_summary(pem: str) -> str:
    """A public key in one line, never the whole PEM (it does not fit, and it is noise)."""
    pem = (pem or "").strip()
    if not pem:
        return "—"
    return t("payment.key_set", n=len(pem))


def payment_input(values: dict) -> PaymentInput:
    return PaymentInput(app_id=values["app_id"], app_private_key=values["app_private_key"] or "",
                        alipay_public_key=values["alipay_public_key"] or "",
                        notify_host=values["notify_host"], notify_port=values["notify_port"],
                        access_type=values["access_type"] or "https",
                        sandbox=bool(values["sandbox"]), gateway=values["gateway"])


def check_payment_values(services, values: dict) -> list:
    """Runs in a thread: the Alipay checks on the typed values (a blank private key means
    the stored one; it is never shown)."""
    stored = services.settings.payment()
    data = services.settings.validate_payment(payment_input(values), creating=stored is None)
    private_pem = data.app_private_key or services.settings.alipay_settings().app_private_key
    view = PaymentView(app_id=data.app_id, private_key_masked="",
                       alipay_public_key=data.alipay_public_key, notify_host=data.notify_host,
                       notify_port=int(data.notify_port), access_type=data.access_type,
                       sandbox=data.sandbox, gateway=data.gateway, notify_url="")
    settings = resolve_alipay(services.ctx, view, private_pem)
    return alipay_items(services.settings.check(alipay=settings))


class PaymentConfigPage(SettingsPage):
    BINDINGS = [
        keybind("e", "edit", "payment.edit"),
        keybind("t", "test", "payment.test"),
        keybind("v", "reveal", "payment.reveal"),
    ]
    intro_key = "payment.intro"
    empty_key = "payment.empty"

    def load(self) -> Any:
        return self.services.settings.payment()

    def pairs(self, view) -> list[tuple[str, Any]]:
        return [("payment.f.app_id", view.app_id),
                ("payment.f.app_private_key", view.private_key_masked),
                ("payment.f.alipay_public_key", key_summary(view.alipay_public_key)),
                ("payment.f.notify_host", view.notify_host),
                ("payment.f.notify_port", str(view.notify_port)),
                ("payment.f.access_type", view.access_type),
                ("payment.f.notify_url", view.notify_url),
                ("payment.f.sandbox", yes_no(view.sandbox)),
                ("payment.f.gateway", view.gateway or t("payment.default_gateway"))]

    def action_edit(self) -> None:
        if not self.loaded:
            return
        view = self.data

        def v(name: str, default: Any = "") -> Any:
            return getattr(view, name, default) if view is not None else default

        def save(values: dict):
            return self.services.settings.update_payment(self.actor, payment_input(values))

        def saved(new) -> None:
            if new is not None:
                self.notify_ok("payment.edit.done", app_id=new.app_id)
                self.refresh_data()
                self.forget_checks()

        keep = view is not None
        self.app.push_screen(CheckedFormDialog("payment.edit.title", [
            Field("app_id", "payment.f.app_id", value=v("app_id"), required=True,
                  help_key="payment.f.app_id.help"),
            Field("app_private_key", "payment.f.app_private_key", kind="textarea",
                  required=not keep,
                  help_key="payment.f.app_private_key.keep" if keep
                  else "payment.f.app_private_key.help"),
            Field("alipay_public_key", "payment.f.alipay_public_key", kind="textarea",
                  value=v("alipay_public_key"), required=True,
                  help_key="payment.f.alipay_public_key.help"),
            Section("payment.s.notify"),
            [Field("notify_host", "payment.f.notify_host", value=v("notify_host"),
                   required=True),
             Field("notify_port", "payment.f.notify_port", kind="int",
                   value=v("notify_port", 443), required=True),
             Field("access_type", "payment.f.access_type", kind="select", required=True,
                   value=v("access_type", "https"),
                   choices=[("https", "payment.access.https"), ("http", "payment.access.http")])],
            Field("sandbox", "payment.f.sandbox", kind="checkbox", value=v("sandbox", False),
                  help_key="payment.f.sandbox.help"),
            Field("gateway", "payment.f.gateway", value=v("gateway"),
                  placeholder_key="payment.f.gateway.placeholder"),
        ], save, test=lambda values: check_payment_values(self.services, values),
            label=check_label, intro_key="payment.intro", width=110), saved)

    def action_test(self) -> None:
        if self.loaded and self.data is None:
            self.app.notify(t("payment.empty"), severity="warning")
            return
        self.run_check()

    def check_items(self) -> list:
        return alipay_items(self.services.settings.check())

    def check_label(self, item) -> str:
        return check_label(item)

    def action_reveal(self) -> None:
        if not self.loaded or self.data is None:
            return
        self.reveal("payment.reveal.confirm",
                    lambda: self.services.settings.reveal_private_key(self.actor),
                    "payment.reveal.shown", "payment.f.app_private_key",
                    app_id=self.data.app_id)

    def command_palette_commands(self):
        return palette_commands(self)


__all__ = ["PaymentConfigPage"]
