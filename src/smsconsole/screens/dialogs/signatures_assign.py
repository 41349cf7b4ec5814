"""分配签名 / 分配模板: give a user an existing, Aliyun-approved signature or template.

Pick the user by typing (account, name, company, email or phone prefix; enter or ↓ to
choose), then the signature text and type, or the template CODE. The first ``ctrl+s``
asks Aliyun (``lookup``) and shows what it has — for a template its name, type and
content, or "not found"; the second assigns (the service checks existence, approval,
matching type and the user's limit; a refusal lands next to its field). Changing the
text or type asks Aliyun again. Dismisses with ``(application, account)`` or None.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.text import Text
from textual import on
from textual.containers import VerticalScroll
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Button, Input, OptionList, Select, Static
from textual.widgets.option_list import Option

from smsconsole.i18n import t
from smsconsole.screens.dialogs.base import Dialog
from smsconsole.screens.dialogs.detail import pairs_table
from smsconsole.screens.dialogs.users_applications import kind_label
from smsconsole.screens.threads import run_in_thread
from smsconsole.store.enums import SignType
from smsconsole.widgets.form_view import Field, FormView
from smsconsole.widgets.labels import Tr, keybind

SEARCH_DELAY = 0.25
SEARCH_LIMIT = 8


class UserSearch(Input):
    """The user picker's input: ↓ moves into the matches."""

    BINDINGS = [keybind("down", "matches", "signatures.assign.matches", show=False)]

    def action_matches(self) -> None:
        matches = self.screen.query_one("#assign-users", OptionList)
        if matches.option_count:
            matches.focus()
            if matches.highlighted is None:
                matches.highlighted = 0


class AssignDialog(Dialog):
    BINDINGS = [
        keybind("ctrl+s", "submit", "signatures.assign.submit"),
        keybind("escape", "cancel", "signatures.assign.cancel"),
    ]

    def __init__(self, services, actor, kind: str, prefix: str, *, user=None) -> None:
        super().__init__(f"{prefix}.assign.title", intro_key=f"{prefix}.assign.intro")
        self.services = services
        self.actor = actor
        self.kind = kind  # "signature" | "template"
        self.p = prefix  # catalog prefix: "signatures" | "templates"
        self.user = user  # the chosen user (a User or a UserRow)
        self.found: dict[str, Any] = {}
        self.info: Any = None  # what Aliyun said (SignInfo / TemplateInfo)
        self.looked_up: tuple | None = None  # the values ``info`` is about
        self._timer: Timer | None = None
        self._message: tuple[str, dict, bool] | None = None

    # --- layout ------------------------------------------------------------------------

    def fields(self) -> list:
        p = self.p
        if self.kind == "signature":
            return [[Field("name", f"{p}.assign.name", required=True,
                           help_key=f"{p}.assign.name.help"),
                     Field("sign_type", f"{p}.assign.type", kind="select", required=True,
                           value=SignType.GENERAL.value,
                           choices=[(s.value, f"enum.sign_type.{s.value}") for s in SignType])]]
        return [Field("code", f"{p}.assign.code", required=True,
                      placeholder_key=f"{p}.assign.code.placeholder",
                      help_key=f"{p}.assign.code.help")]

    def compose_body(self) -> Iterable[Widget]:
        p = self.p
        with VerticalScroll(id="assign-body"):
            yield Tr(f"{p}.assign.user", classes="assign-label")
            yield UserSearch(placeholder=t(f"{p}.assign.user.placeholder"),
                             id="assign-user", compact=True)
            yield OptionList(id="assign-users", compact=True)
            yield Static("", id="assign-chosen", markup=False)
            yield Static("", id="assign-user-error", markup=False)
            yield FormView(self.fields(), id="assign-form")
            yield Static("", id="assign-info")

    def compose_foot(self) -> Iterable[Widget]:
        yield Static("", id="assign-message", classes="dialog-message", markup=False)

    def compose_buttons(self) -> Iterable[Widget]:
        return self.cancel_submit_buttons(self.submit_label())

    def submit_label(self) -> str:
        return f"{self.p}.assign.confirm" if self.looked_up else f"{self.p}.assign.lookup"

    def on_mount(self) -> None:
        super().on_mount()
        self._render_chosen()
        if self.user is None:
            self._search("")

    def focus_first(self) -> None:
        if self.user is None:
            self.query_one("#assign-user", Input).focus()
        else:
            self.form.focus_field()

    @property
    def form(self) -> FormView:
        return self.query_one("#assign-form", FormView)

    # --- the user picker -----------------------------------------------------------------

    @on(Input.Changed, "#assign-user")
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(SEARCH_DELAY, lambda: self._search(event.value))

    def _search(self, text: str) -> None:
        run_in_thread(self, self.services.users.search, text.strip(), SEARCH_LIMIT,
                      on_done=self._matches, on_error=self.show_error, group="assign-search",
                      exclusive=True)

    def _matches(self, users: list) -> None:
        self.found = {str(u.id): u for u in users}
        matches = self.query_one("#assign-users", OptionList)
        matches.clear_options()
        if not users:
            matches.add_option(Option(t(f"{self.p}.assign.no_match"), disabled=True))
            return
        matches.add_options([Option(_user_line(u), id=str(u.id)) for u in users])

    @on(Input.Submitted, "#assign-user")
    def _user_entered(self, event: Input.Submitted) -> None:
        event.stop()
        if self._timer is not None:  # enter right after typing: search now, then pick
            self._timer.stop()
            self._timer = None
            run_in_thread(self, self.services.users.search, event.value.strip(), SEARCH_LIMIT,
                          on_done=lambda users: (self._matches(users), self._pick_first()),
                          on_error=self.show_error, group="assign-search", exclusive=True)
            return
        self._pick_first()

    def _pick_first(self) -> None:
        matches = self.query_one("#assign-users", OptionList)
        index = matches.highlighted if matches.highlighted is not None else 0
        if matches.option_count and not matches.get_option_at_index(index).disabled:
            self._choose(self.found.get(matches.get_option_at_index(index).id or ""))

    @on(OptionList.OptionSelected, "#assign-users")
    def _option_chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._choose(self.found.get(event.option.id or ""))

    def _choose(self, user) -> None:
        if user is None:
            return
        self.user = user
        self._user_error(None)
        self._render_chosen()
        self.form.focus_field()

    def _render_chosen(self) -> None:
        chosen = self.query_one("#assign-chosen", Static)
        chosen.update(t(f"{self.p}.assign.chosen", user=_user_line(self.user))
                      if self.user is not None else t(f"{self.p}.assign.none_chosen"))

    def _user_error(self, error: Any) -> None:
        label = self.query_one("#assign-user-error", Static)
        label.set_class(error is not None, "-shown")
        if error is None:
            label.update("")
            return
        message = getattr(error, "message", None)
        label.update(message() if callable(message) else t(str(error)))

    # --- look up, then assign --------------------------------------------------------------

    def _values_key(self, values: dict) -> tuple:
        if self.kind == "signature":
            return ((values.get("name") or "").strip(), values.get("sign_type"))
        return ((values.get("code") or "").strip(),)

    @on(Input.Changed, "#assign-form Input")
    @on(Select.Changed, "#assign-form Select")
    def _edited(self) -> None:
        if self.looked_up is not None and self.looked_up != self._values_key(self.form.values()):
            self.looked_up, self.info = None, None
            self.query_one("#assign-info", Static).update("")
            self.query_one("#submit", Button).label = t(f"{self.p}.assign.lookup")
            self._set_message(None)

    def action_submit(self) -> None:
        if self.busy:
            return
        form = self.form
        form.clear_errors()
        self._user_error(None)
        self._set_message(None)
        ok = form.check_required()
        if self.user is None:
            self._user_error(f"{self.p}.assign.pick_user")
            if ok:
                self.query_one("#assign-user", Input).focus()
            ok = False
        if not ok:
            return
        values = form.values()
        key = self._values_key(values)
        if self.looked_up != key:
            self._set_message(f"{self.p}.assign.looking")
            self.run_busy(self._lookup, values, on_done=lambda info: self._looked(key, info))
        else:
            self._set_message(f"{self.p}.assign.assigning")
            self.run_busy(self._assign, values, self.user.id, on_done=self._assigned)

    def _lookup(self, values: dict):
        if self.kind == "signature":
            return self.services.signatures.lookup(values["name"])
        return self.services.templates.lookup(values["code"])

    def _assign(self, values: dict, user_id: int):
        if self.kind == "signature":
            return self.services.signatures.assign(self.actor, user_id, values["name"],
                                                   values["sign_type"])
        return self.services.templates.assign(self.actor, user_id, values["code"])

    def _looked(self, key: tuple, info) -> None:
        self.looked_up, self.info = key, info
        self.query_one("#assign-info", Static).update(self._info_table())
        self.query_one("#submit", Button).label = t(f"{self.p}.assign.confirm")
        self._set_message(f"{self.p}.assign.check_then_confirm", account=self.user.account)

    def _assigned(self, app) -> None:
        self.dismiss((app, self.user.account))

    def show_error(self, exc: BaseException) -> None:
        """The user picker's own line, a field, or the dialog's foot."""
        self._set_message(None)
        field = getattr(exc, "field", None)
        if field == "user":
            self._user_error(exc)
            return
        if field in ("name", "code") and str(getattr(exc, "key", "")).endswith(
                "not_found_cloud"):
            self.looked_up, self.info = None, None
            self.query_one("#assign-info", Static).update("")
        super().show_error(exc)

    def _info_table(self):
        info, p = self.info, self.p
        if info is None:
            return ""
        status = Text(_cloud_status(p, info.status),
                      style="bold green" if info.status == "approved" else "bold red")
        if self.kind == "signature":
            pairs = [(f"{p}.assign.cloud.name", info.name),
                     (f"{p}.assign.cloud.type", kind_label("signature", info.sign_type)
                      if info.sign_type else "—"),
                     (f"{p}.assign.cloud.status", status)]
        else:
            pairs = [(f"{p}.assign.cloud.code", info.code),
                     (f"{p}.assign.cloud.name", info.name),
                     (f"{p}.assign.cloud.type", kind_label("template", info.template_type)),
                     (f"{p}.assign.cloud.status", status),
                     (f"{p}.assign.cloud.content", info.content)]
        if info.reason:
            pairs.append((f"{p}.assign.cloud.reason", info.reason))
        table = pairs_table(pairs)
        table.title = t(f"{p}.assign.cloud.title")
        table.title_justify = "left"
        table.title_style = "bold"
        return table

    def _set_message(self, key: str | None, error: bool = False, **params: Any) -> None:
        self._message = (key, params, error) if key else None
        self.show_message(t(key, **params) if key else None, error=error)

    # --- language ------------------------------------------------------------------------

    def on_language_changed(self) -> None:
        super().on_language_changed()
        self.query_one("#assign-user", Input).placeholder = t(f"{self.p}.assign.user.placeholder")
        self._render_chosen()
        self.query_one("#assign-info", Static).update(self._info_table())
        if self._message:
            key, params, error = self._message
            self._set_message(key, error, **params)


def _user_line(user) -> str:
    parts = [user.account, user.name, user.phone]
    if getattr(user, "company", ""):
        parts.append(user.company)
    return " · ".join(parts)


def _cloud_status(prefix: str, status: str) -> str:
    key = f"{prefix}.assign.cloud.{status}"
    text = t(key)
    return status if text == key else text


__all__ = ["AssignDialog"]
