"""The AK 管理 edit form, and ``CheckedFormDialog``: a ``FormDialog`` with a "test these
values" action (``ctrl+t``) that runs the settings check on what is typed — before
saving — and marks each failed item under its field (used by the payment form too).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from rich.console import Group
from rich.text import Text
from textual.widget import Widget
from textual.widgets import Button, Static

from smsconsole.i18n import t
from smsconsole.screens.dialogs.confirm import confirm
from smsconsole.screens.dialogs.form import FormDialog
from smsconsole.services.errors import ServiceError
from smsconsole.store.enums import QueueMode
from smsconsole.widgets.check_labels import check_label, checks_text, field_label
from smsconsole.widgets.form_view import Field, FormItem, Section
from smsconsole.widgets.labels import keybind, set_label

SCENARIOS = ("register", "reset_password", "change_phone")  # as cloud.types.SCENARIOS


class CheckError:
    """A failed check shown under its field."""

    def __init__(self, item) -> None:
        self.item = item

    def message(self) -> str:
        return t("access.test.item_failed", detail=self.item.detail or self.item.item)


class CheckedFormDialog(FormDialog):
    """``test(values) -> [CheckItem]`` runs in a thread on ``ctrl+t`` (or the Test
    button); ``label(item)`` names what each item tested."""

    BINDINGS = [keybind("ctrl+t", "test", "access.form_test")]

    def __init__(self, title_key: str, fields: Sequence[FormItem],
                 submit: Callable[[dict[str, Any]], Any], *,
                 test: Callable[[dict[str, Any]], list], label: Callable[[Any], str],
                 **kwargs: Any) -> None:
        super().__init__(title_key, fields, submit, **kwargs)
        self.test_fn = test
        self.label_fn = label
        self.checks: list | None = None
        self.testing = False
        self._tested_values: dict[str, Any] | None = None

    def compose_after_form(self) -> Iterable[Widget]:
        yield Static("", id="dialog-checks")

    def compose_buttons(self) -> Iterable[Widget]:
        yield Button(t("access.form.test"), id="test", compact=True)
        yield from super().compose_buttons()

    def action_test(self) -> None:
        if self.busy:
            return
        form = self.form
        form.clear_errors()
        self.checks = None
        self._render_checks(t("access.test.running_values"))
        if not form.check_required():
            self._render_checks()
            return
        self.testing = True
        self._tested_values = form.values()
        self.run_busy(self.test_fn, form.values(), on_done=self._tested,
                      on_error=self._test_failed)

    def _tested(self, items: list) -> None:
        self.testing = False
        self.checks = items
        form = self.form
        first = None
        for item in items:
            if not item.ok and item.field and form.set_field_error(item.field, CheckError(item)):
                first = first or item.field
        if first:
            form.focus_field(first)
        self._render_checks()

    def action_submit(self) -> None:
        """Saving values whose last test failed asks first (it said nothing before)."""
        if self.busy:
            return
        bad = [item for item in self.checks or [] if not item.ok]
        if not bad or self._tested_values != self.form.values():
            super().action_submit()
            return
        confirm(self, t("access.save_failing.confirm", n=len(bad)),
                lambda: FormDialog.action_submit(self), title_key="access.save_failing.title",
                confirm_key="access.save_failing.yes")

    def _test_failed(self, exc: BaseException) -> None:
        self.testing = False
        self._render_checks()
        self.show_error(exc)

    def _render_checks(self, note: str = "") -> None:
        widget = self.query_one("#dialog-checks", Static)
        if self.checks is None:
            widget.update(note)
            return
        bad = sum(1 for item in self.checks if not item.ok)
        summary = Text(t("access.test.failed", n=bad) if bad else t("access.test.ok"),
                       style="bold red" if bad else "bold green")
        widget.update(Group(summary, checks_text(self.checks, self.label_fn)))

    def on_language_changed(self) -> None:
        super().on_language_changed()
        set_label(self.query_one("#test", Button), t("access.form.test"))
        self._render_checks()


# --- AK 管理 -------------------------------------------------------------------------------


def access_fields(view=None) -> list[FormItem]:
    """The edit form (the wizard's step 3 and the rest of the row)."""

    def v(name: str, default: Any = "") -> Any:
        return getattr(view, name, default) if view is not None else default

    items: list[FormItem] = [
        Field("label", "access.f.label", value=v("label", "default"), required=True),
        Field("sandbox", "access.f.sandbox", kind="checkbox", value=v("sandbox", False),
              help_key="access.f.sandbox.help"),
        Section("access.s.ak"),
        [Field("access_key_id", "access.f.access_key_id", value=v("access_key_id"),
               required=True),
         Field("access_key_secret", "access.f.access_key_secret", kind="password",
               placeholder_key="access.f.access_key_secret.keep",
               help_key="access.f.access_key_secret.help")],
    ]
    scenarios = v("scenarios", {}) or {}
    for key in SCENARIOS:
        sc = scenarios.get(key)
        items.append(Section(f"access.s.scenario.{key}"))
        items.append([
            Field(f"scenario.{key}.sign_name", "access.f.sign_name",
                  value=sc.sign_name if sc else "", required=True),
            Field(f"scenario.{key}.template_code", "access.f.template_code",
                  value=sc.template_code if sc else "", required=True),
            Field(f"scenario.{key}.param_name", "access.f.param_name",
                  value=sc.param_name if sc else "code", required=True),
        ])
    items += [
        Section("access.s.queues"),
        [Field("report_queue", "access.f.report_queue", value=v("report_queue"), required=True,
               placeholder_key="access.f.report_queue.example"),
         Field("reply_queue", "access.f.reply_queue", value=v("reply_queue"), required=True,
               placeholder_key="access.f.reply_queue.example")],
        Field("queue_mode", "access.f.queue_mode", kind="select", required=True,
              value=v("queue_mode", QueueMode.ALICOM.value),
              choices=[(m.value, f"enum.queue_mode.{m.value}") for m in QueueMode],
              help_key="access.f.queue_mode.help"),
        Section("access.s.endpoints"),
        [Field("sms_endpoint", "access.f.sms_endpoint", value=v("sms_endpoint"),
               placeholder_key="access.f.sms_endpoint.example"),
         Field("mns_endpoint", "access.f.mns_endpoint", value=v("mns_endpoint"),
               placeholder_key="access.f.mns_endpoint.example")],
    ]
    return items


def access_input(values: dict):
    from smsconsole.services.settings import AccessInput, ScenarioInput

    return AccessInput(
        sandbox=bool(values["sandbox"]), access_key_id=values["access_key_id"],
        access_key_secret=values["access_key_secret"] or "",
        scenarios={key: ScenarioInput(values[f"scenario.{key}.sign_name"],
                                      values[f"scenario.{key}.template_code"],
                                      values[f"scenario.{key}.param_name"])
                   for key in SCENARIOS},
        report_queue=values["report_queue"], reply_queue=values["reply_queue"],
        queue_mode=values["queue_mode"] or QueueMode.ALICOM.value,
        sms_endpoint=values["sms_endpoint"], mns_endpoint=values["mns_endpoint"],
        label=values["label"])


def check_access_values(services, access_id: int, values: dict) -> list:
    """Runs in a thread: the Aliyun checks on the typed values. A blank secret means the
    stored one, which only the active AK row can lend (it is never shown)."""
    data = services.settings.validate_access(access_input(values), creating=False)
    secret = data.access_key_secret
    if not secret:
        active = services.settings.access()
        stored = services.settings.aliyun_settings() if active and active.id == access_id \
            else None
        if stored is None:
            raise ServiceError("access.test.need_secret", "access_key_secret")
        secret = stored.access_key_secret
    return aliyun_items(services.settings.check_typed_access(data, secret,
                                                             access_id=access_id))


def aliyun_items(items: list) -> list:
    """``settings.check`` also tests the stored Alipay settings; keep the Aliyun ones."""
    return [item for item in items if not item.item.startswith("alipay.")]


__all__ = ["CheckedFormDialog", "CheckError", "field_label", "check_label", "access_fields",
           "access_input", "check_access_values", "aliyun_items"]
