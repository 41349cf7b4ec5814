"""登录 (product.md §2.2): email or phone + password.

Drawn before the database layer is imported (the start-up target); the login itself
waits for the services. A wrong password gets the service's message (no hint of which
part was wrong); a locked account says until when.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Center, Vertical
from textual.screen import Screen
from textual.widgets import Button, Input, Static

from smsconsole.i18n import t
from smsconsole.screens.threads import run_in_thread
from smsconsole.widgets.footer import ConsoleFooter
from smsconsole.widgets.labels import Tr, keybind, set_label, translate_bindings
from smsconsole.widgets.unexpected import unexpected


class LoginScreen(Screen):
    BINDINGS = [keybind("ctrl+s", "login", "login.submit", show=False)]

    def __init__(self, login_id: str = "", notice_key: str | None = None) -> None:
        super().__init__(id="login")
        self.login_id = login_id
        self.notice_key = notice_key
        self.busy = False
        self._message: object = None
        self.company = ""

    def compose(self) -> ComposeResult:
        with Center(), Vertical(id="login-box"):
            yield Tr("app.title", id="login-title")
            yield Static("", id="login-company")
            yield Tr("login.heading", id="login-heading")
            yield Tr("login.id", classes="login-label")
            yield Input(self.login_id, id="login-id", compact=True)
            yield Tr("login.password", classes="login-label")
            yield Input(password=True, id="login-password", compact=True)
            yield Static("", id="login-message")
            yield Button(t("login.submit"), id="login-submit", variant="primary", compact=True)
            yield Tr("login.hint", id="login-hint")
        yield ConsoleFooter()

    def on_mount(self) -> None:
        translate_bindings(self)
        self.query_one("#login-password" if self.login_id else "#login-id", Input).focus()
        if self.notice_key:
            self._show_message(self.notice_key, ok=True)
        self.app.when_ready(self._load_company)  # type: ignore[attr-defined]

    def _load_company(self, services) -> None:
        def company() -> str:
            site = services.settings.site()
            return site.company if site else ""

        run_in_thread(self, company, on_done=self._show_company, on_error=lambda exc: None,
                      group="company")

    def _show_company(self, company: str) -> None:
        self.company = company or ""
        self.query_one("#login-company", Static).update(self.company)

    # --- login ---------------------------------------------------------------------------

    @on(Input.Submitted, "#login-id")
    def _next(self) -> None:
        self.query_one("#login-password", Input).focus()

    @on(Input.Submitted, "#login-password")
    @on(Button.Pressed, "#login-submit")
    def _submit(self) -> None:
        self.action_login()

    def action_login(self) -> None:
        if self.busy:
            return
        login_id = self.query_one("#login-id", Input).value.strip()
        password = self.query_one("#login-password", Input).value
        if not login_id or not password:
            self._show_message("login.missing")
            self.query_one("#login-id" if not login_id else "#login-password", Input).focus()
            return
        self.busy = True
        self._show_message("login.checking", ok=True)
        self.app.when_ready(  # type: ignore[attr-defined]
            lambda services: self._run_login(services, login_id, password))

    def _run_login(self, services, login_id: str, password: str) -> None:
        run_in_thread(self, services.auth.login, login_id, password, on_done=self._logged_in,
                      on_error=self._failed, group="login")

    def _logged_in(self, actor) -> None:
        self.busy = False
        self.app.logged_in(actor)  # type: ignore[attr-defined]

    def _failed(self, exc: BaseException) -> None:
        self.busy = False
        self._show_message(exc)
        password = self.query_one("#login-password", Input)
        password.value = ""
        password.focus()

    def _show_message(self, message: object, ok: bool = False) -> None:
        self._message = message
        label = self.query_one("#login-message", Static)
        label.set_class(not ok, "-error")
        label.update(_text(message))

    def on_language_changed(self) -> None:
        set_label(self.query_one("#login-submit", Button), t("login.submit"))
        if self._message is not None:
            self.query_one("#login-message", Static).update(_text(self._message))


def _text(message: object) -> str:
    render = getattr(message, "message", None)
    if callable(render):
        return str(render())
    if isinstance(message, BaseException):
        return unexpected(message, "login")
    return t(str(message))
