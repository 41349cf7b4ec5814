"""初始化: the first-launch wizard (product.md §2.1), four steps.

1. authorization (获取系统授权), 2. admin account, 3. system info (AK, the three
verification scenarios, the two queues; sandbox choice; "test these settings"),
4. static page info. Each Next validates the step with the service's own validator and
shows errors next to their fields. Only Finish writes, with ``services.auth.setup`` (one
transaction): quitting half-way keeps nothing.
"""

from __future__ import annotations

import logging
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Checkbox, ContentSwitcher, Static

from smsconsole.i18n import t
from smsconsole.screens.threads import run_in_thread
from smsconsole.widgets.check_labels import check_label
from smsconsole.widgets.first_frame import FirstFrame
from smsconsole.widgets.footer import ConsoleFooter
from smsconsole.widgets.form_view import Field, FormView, Section
from smsconsole.widgets.labels import Tr, keybind, set_label, translate_bindings
from smsconsole.widgets.unexpected import unexpected

STEPS = ("authorization", "admin", "access", "site")
SCENARIOS = ("register", "reset_password", "change_phone")  # as cloud.types.SCENARIOS


def _step_fields(step: str) -> list:
    if step == "authorization":
        return [
            Field("name", "wizard.f.name", required=True),
            Field("company", "wizard.f.company", required=True),
            Field("email", "wizard.f.email", required=True, help_key="wizard.f.email.help"),
            Field("phone", "wizard.f.phone", required=True, help_key="wizard.f.phone.help"),
            Field("purchase_order_no", "wizard.f.purchase_order_no",
                  help_key="wizard.f.purchase_order_no.help"),
        ]
    if step == "admin":
        return [
            Field("login", "wizard.f.login", kind="select", required=True,
                  help_key="wizard.f.login.help"),
            Field("password", "wizard.f.password", kind="password", required=True,
                  help_key="error.password.rule"),
            Field("password_confirm", "wizard.f.password_confirm", kind="password",
                  required=True),
        ]
    if step == "access":
        items: list = [
            Field("sandbox", "wizard.f.sandbox", kind="checkbox", value=False,
                  help_key="wizard.f.sandbox.help"),
            Section("wizard.s.ak"),
            [Field("access_key_id", "wizard.f.access_key_id", required=True),
             Field("access_key_secret", "wizard.f.access_key_secret", kind="password",
                   required=True)],
        ]
        for key in SCENARIOS:
            items.append(Section(f"wizard.s.scenario.{key}"))
            items.append([
                Field(f"scenario.{key}.sign_name", "wizard.f.sign_name", required=True),
                Field(f"scenario.{key}.template_code", "wizard.f.template_code", required=True),
                Field(f"scenario.{key}.param_name", "wizard.f.param_name", required=True,
                      value="code"),
            ])
        items += [
            Section("wizard.s.queues"),
            [Field("report_queue", "wizard.f.report_queue", required=True,
                   placeholder_key="wizard.f.report_queue.example"),
             Field("reply_queue", "wizard.f.reply_queue", required=True,
                   placeholder_key="wizard.f.reply_queue.example")],
        ]
        return items
    return [
        Field("logo_path", "wizard.f.logo_path", help_key="wizard.f.logo_path.help"),
        Field("company", "wizard.f.site_company", required=True),
        Field("address", "wizard.f.address"),
        Field("email", "wizard.f.site_email"),
        Field("phone", "wizard.f.site_phone"),
    ]


def _step_widgets(step: str) -> list:
    widgets = [Tr(f"wizard.{step}.rule", classes="wizard-rule")]
    if step == "access":
        widgets.append(Tr("wizard.access.warning", classes="wizard-warning"))
    widgets.append(FormView(_step_fields(step), id=f"form-{step}"))
    if step == "access":
        widgets.append(Static("", id="check-results"))
    return widgets


class SetupWizard(Screen):
    """Nothing else is reachable until it is done; then the login screen."""

    BINDINGS = [
        keybind("ctrl+n", "next", "wizard.next"),
        keybind("ctrl+b", "back", "wizard.back"),
        keybind("escape", "back", "wizard.back_esc", show=False),
        keybind("ctrl+t", "test", "wizard.test"),
        keybind("ctrl+o", "sandbox", "wizard.sandbox"),
    ]

    def __init__(self) -> None:
        super().__init__(id="wizard")
        self.step = 0
        self.busy = False
        self.validated: dict[str, Any] = {}
        self._message: object = None
        self._message_ok = False
        self._checks: list | None = None
        self._filled = False

    # --- layout --------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Tr("wizard.title", id="wizard-title")
        yield Static(self._steps_text(), id="wizard-steps")
        with ContentSwitcher(initial="step-authorization", id="wizard-body"):
            # The first step now; the others are filled once it is drawn (start-up time).
            yield VerticalScroll(*_step_widgets(STEPS[0]), id=f"step-{STEPS[0]}",
                                 classes="wizard-step")
            for step in STEPS[1:]:
                yield VerticalScroll(id=f"step-{step}", classes="wizard-step")
        yield Static("", id="wizard-message")
        with Horizontal(id="wizard-buttons"):
            yield Button(t("wizard.back"), id="wizard-back", compact=True)
            yield Button(t("wizard.test"), id="wizard-test", compact=True)
            yield Button(t("wizard.next"), id="wizard-next", variant="primary", compact=True)
        yield ConsoleFooter()

    def on_mount(self) -> None:
        translate_bindings(self)
        self._show_step(0)
        if self.app.first_frame_drawn:  # type: ignore[attr-defined]
            self.call_after_refresh(self._fill_steps)

    def on_first_frame(self, _message: FirstFrame) -> None:
        self._fill_steps()

    def _fill_steps(self) -> None:
        """The other steps, once the first is drawn (start-up time). Once."""
        if self._filled:
            return
        self._filled = True
        for step in STEPS[1:]:
            self.query_one(f"#step-{step}", VerticalScroll).mount_all(_step_widgets(step))

    def form(self, step: str | int | None = None) -> FormView:
        name = STEPS[self.step if step is None else step] if not isinstance(step, str) else step
        return self.query_one(f"#form-{name}", FormView)

    def _steps_text(self) -> Text:
        text = Text()
        for index, step in enumerate(STEPS):
            if index:
                text.append("  ›  ", style="dim")
            label = f"{index + 1}. {t(f'wizard.step.{step}')}"
            if index == self.step:
                text.append(f" {label} ", style="bold reverse")
            elif index < self.step:
                text.append(label + " ✓")
            else:
                text.append(label, style="dim")
        return text

    def _show_step(self, index: int) -> None:
        self.step = index
        self.query_one(ContentSwitcher).current = f"step-{STEPS[index]}"
        self.query_one("#wizard-steps", Static).update(self._steps_text())
        self.query_one("#wizard-back", Button).display = index > 0
        self.query_one("#wizard-test", Button).display = STEPS[index] == "access"
        self._label_next()
        self._set_message(None)
        self.refresh_bindings()
        self.form().focus_field()

    def _label_next(self) -> None:
        last = self.step == len(STEPS) - 1
        set_label(self.query_one("#wizard-next", Button),
                  t("wizard.finish" if last else "wizard.next"))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("test", "sandbox"):
            return STEPS[self.step] == "access"
        if action == "back":
            return self.step > 0
        return True

    # --- messages --------------------------------------------------------------------------

    def _set_message(self, message: object, ok: bool = False) -> None:
        self._message, self._message_ok = message, ok
        label = self.query_one("#wizard-message", Static)
        label.set_class(message is not None and not ok, "-error")
        label.update(_text(message) if message is not None else "")

    # --- navigation --------------------------------------------------------------------------

    @on(Button.Pressed, "#wizard-next")
    @on(FormView.Submitted)
    def _next_pressed(self) -> None:
        self.action_next()

    @on(Button.Pressed, "#wizard-back")
    def _back_pressed(self) -> None:
        self.action_back()

    @on(Button.Pressed, "#wizard-test")
    def _test_pressed(self) -> None:
        self.action_test()

    def action_back(self) -> None:
        if self.step > 0 and not self.busy:
            self._show_step(self.step - 1)

    def action_next(self) -> None:
        if self.busy:
            return
        form = self.form()
        form.clear_errors()
        self._set_message(None)
        if not form.check_required():
            return
        step, values = STEPS[self.step], self._values()
        self._run(lambda services: self._validate(services, step, values), self._validated)

    def _run(self, fn, on_done) -> None:
        """``fn(services)`` in a thread once the services are up."""
        self.busy = True

        def start(services) -> None:
            run_in_thread(self, fn, services, on_done=on_done, on_error=self._failed,
                          group="wizard")

        self.app.when_ready(start)  # type: ignore[attr-defined]

    def _failed(self, exc: BaseException) -> None:
        self.busy = False
        if not self.form().show_error(exc):  # type: ignore[arg-type]
            self._set_message(exc)

    # --- the steps' data (read on the UI thread, turned into inputs in the worker) ---------

    def _values(self) -> dict[str, dict[str, Any]]:
        """Every step's values so far (the later steps' forms may not be mounted yet)."""
        return {step: form.values() for step in STEPS
                for form in self.query(f"#form-{step}").results(FormView)}

    @staticmethod
    def _authorization(all_values: dict):
        # not at the top: the wizard is drawn before the database layer loads (start-up)
        from smsconsole.services.auth import AuthorizationInput

        values = all_values["authorization"]
        return AuthorizationInput(**{k: values[k] for k in (
            "name", "company", "email", "phone", "purchase_order_no")})

    @staticmethod
    def _admin(all_values: dict):
        # not at the top: the wizard is drawn before the database layer loads (start-up)
        from smsconsole.services.auth import AdminInput

        values = all_values["admin"]
        return AdminInput(password=values["password"] or "",
                          password_confirm=values["password_confirm"] or "",
                          login=values["login"] or "")

    @staticmethod
    def _access(all_values: dict):
        # not at the top: the wizard is drawn before the database layer loads (start-up)
        from smsconsole.services.settings import AccessInput, ScenarioInput

        values = all_values["access"]
        scenarios = {key: ScenarioInput(values[f"scenario.{key}.sign_name"],
                                        values[f"scenario.{key}.template_code"],
                                        values[f"scenario.{key}.param_name"])
                     for key in SCENARIOS}
        return AccessInput(sandbox=bool(values["sandbox"]),
                           access_key_id=values["access_key_id"],
                           access_key_secret=values["access_key_secret"],
                           scenarios=scenarios, report_queue=values["report_queue"],
                           reply_queue=values["reply_queue"],
                           label="sandbox" if values["sandbox"] else "default")

    @staticmethod
    def _site(all_values: dict):
        # not at the top: the wizard is drawn before the database layer loads (start-up)
        from smsconsole.services.settings import SiteInput

        values = all_values["site"]
        return SiteInput(**{k: values[k] for k in ("logo_path", "company", "address",
                                                   "email", "phone")})

    def _validate(self, services, step: str, values: dict) -> Any:
        auth = services.auth.validate_authorization(self._authorization(values))
        if step == "authorization":
            return auth
        if step == "admin":
            return services.auth.validate_admin(auth, self._admin(values))
        if step == "access":
            return services.settings.validate_access(self._access(values), creating=True)
        services.settings.validate_site(self._site(values))
        return self._finish(services, values)

    def _validated(self, result: Any) -> None:
        self.busy = False
        step = STEPS[self.step]
        self.validated[step] = result
        if step == "site":
            self.app.setup_done(result)  # type: ignore[attr-defined]
            return
        if step == "authorization":
            self._prepare_admin(result)
            self._prepare_site(result)
        self._show_step(self.step + 1)

    def _prepare_admin(self, auth) -> None:
        row = self.form("admin").row("login")
        if row is not None:
            current = row.get_value()
            row.set_choices([(auth.email, auth.email), (auth.phone, auth.phone)],
                            value=current if current in (auth.email, auth.phone) else auth.email)

    def _prepare_site(self, auth) -> None:
        form = self.form("site")
        values = form.values()
        defaults = {"company": auth.company, "email": auth.email, "phone": auth.phone}
        form.set_values({k: v for k, v in defaults.items() if not values.get(k)})

    def _finish(self, services, values: dict) -> str:
        """Everything in one transaction; in sandbox mode also the sandbox's Alipay
        settings (as ``smsconsole setup --sandbox`` does). Returns the login id."""
        # not at the top: the wizard is drawn before the database layer loads (start-up)
        from smsconsole.services.auth import SetupInput
        from smsconsole.services.context import Actor

        access = self._access(values)
        admin_in = self._admin(values)
        admin = services.auth.setup(SetupInput(authorization=self._authorization(values),
                                               admin=admin_in, access=access,
                                               site=self._site(values)))
        if access.sandbox:
            # not at the top: the wizard is drawn before the database layer loads (start-up)
            from smsconsole.services.cloud_access import sandbox_payment_values

            try:
                services.settings.update_payment(Actor(admin.id, admin.name),
                                                 sandbox_payment_values(services.ctx))
            except Exception:  # noqa: BLE001 - setup is done; payment can be set later
                logging.getLogger(__name__).exception("sandbox payment config failed")
        return admin_in.login or admin.email

    # --- step 3: sandbox and test ------------------------------------------------------------

    def action_sandbox(self) -> None:
        row = self.form("access").row("sandbox")
        if row is not None:
            box = row.input
            if isinstance(box, Checkbox):
                box.value = not box.value

    @on(Checkbox.Changed)
    def _sandbox_toggled(self, event: Checkbox.Changed) -> None:
        if not event.value or self.busy:
            return
        self._set_message("wizard.sandbox.filling", ok=True)
        self._run(lambda services: services.settings.sandbox_access(), self._fill_sandbox)

    def _fill_sandbox(self, access) -> None:
        self.busy = False
        values: dict[str, Any] = {
            "access_key_id": access.access_key_id,
            "access_key_secret": access.access_key_secret,
            "report_queue": access.report_queue,
            "reply_queue": access.reply_queue,
        }
        for key, sc in access.scenarios.items():
            values[f"scenario.{key}.sign_name"] = sc.sign_name
            values[f"scenario.{key}.template_code"] = sc.template_code
            values[f"scenario.{key}.param_name"] = sc.param_name
        form = self.form("access")
        form.clear_errors()
        form.set_values(values)
        self._checks = None  # the last test was of other values
        self.query_one("#check-results", Static).update("")
        self._set_message("wizard.sandbox.filled", ok=True)

    def action_test(self) -> None:
        if self.busy or STEPS[self.step] != "access":
            return
        form = self.form()
        form.clear_errors()
        self._checks = None
        self.query_one("#check-results", Static).update("")
        if not form.check_required():
            return
        self._set_message("wizard.test.running", ok=True)
        values = self._values()
        self._run(lambda services: self._check(services, values), self._checked)

    def _check(self, services, values: dict) -> list:
        data = services.settings.validate_access(self._access(values), creating=True)
        return services.settings.check_typed_access(data, data.access_key_secret)

    def _checked(self, items: list) -> None:
        self.busy = False
        self._checks = items
        form = self.form("access")
        bad = [item for item in items if not item.ok]
        for item in bad:
            # A field this step does not have (an endpoint, for a network error) lands on
            # the AccessKey ID, the one that says which cloud is called.
            if item.field and not form.set_field_error(item.field, _CheckError(item)):
                form.set_field_error("access_key_id", _CheckError(item))
        results = self.query_one("#check-results", Static)
        results.update(self._checks_text())
        results.scroll_visible()
        self._set_message("wizard.test.failed" if bad else "wizard.test.ok", ok=not bad)

    def _checks_text(self) -> Text:
        text = Text()
        for item in self._checks or []:
            mark = "✓ " if item.ok else "✗ "
            text.append(mark, style="green" if item.ok else "bold red")
            text.append(check_label(item))
            if item.detail and not item.ok:  # a passing item's detail is "ok" again
                text.append(f" — {item.detail}", style="" if item.ok else "red")
            text.append("\n")
        return text

    # --- language ---------------------------------------------------------------------------

    def on_language_changed(self) -> None:
        self.query_one("#wizard-steps", Static).update(self._steps_text())
        set_label(self.query_one("#wizard-back", Button), t("wizard.back"))
        set_label(self.query_one("#wizard-test", Button), t("wizard.test"))
        self._label_next()
        if self._message is not None:
            self._set_message(self._message, self._message_ok)


class _CheckError:
    """A failed check shown under its field (the detail as the cloud said it)."""

    def __init__(self, item) -> None:
        self.item = item

    def message(self) -> str:
        return t("wizard.test.item_failed", detail=self.item.detail or self.item.item)


def _text(message: object) -> str:
    render = getattr(message, "message", None)
    if callable(render):
        return str(render())
    if isinstance(message, BaseException):
        return unexpected(message, "wizard")
    return t(str(message))
