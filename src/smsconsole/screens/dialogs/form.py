"""``FormDialog``: a modal form whose submit runs in a thread and whose errors land next
to the field at fault. Nothing closes until ``submit`` succeeds::

    def save(values: dict) -> User:
        return services.users.update(actor, user.id, UserUpdate(**values))

    self.app.push_screen(
        FormDialog("users.edit.title", [Field("name", "users.field.name", value=user.name,
                                              required=True), ...], save),
        callback=lambda user: user and self.refresh_data())

``submit(values)`` gets ``FormView.values()``; a ``ServiceError`` it raises is shown under
``exc.field`` (dotted names work) or at the top; the dialog dismisses with its result
(return something truthy: a cancelled dialog dismisses with None).
``ctrl+s`` (or enter in the last field) submits, ``esc`` cancels (dismisses with None).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Footer

from smsconsole.i18n import t
from smsconsole.screens.base import run_in_thread
from smsconsole.widgets.form_view import FormItem, FormView
from smsconsole.widgets.labels import Tr, keybind, set_label, translate_bindings

log = logging.getLogger(__name__)


class FormDialog(ModalScreen):
    DEFAULT_CSS = """
    FormDialog { align: center middle; }
    FormDialog > #dialog {
        width: 90; max-width: 100%; height: auto; max-height: 100%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    FormDialog #dialog-title { text-style: bold; padding: 0 0 1 0; }
    FormDialog #dialog-intro { color: $text-muted; padding: 0 0 1 0; }
    FormDialog #dialog-body { height: auto; max-height: 70vh; }
    FormDialog #dialog-buttons { height: auto; align-horizontal: right; padding: 1 0 0 0; }
    FormDialog #dialog-buttons Button { margin-left: 2; }
    FormDialog.-busy #dialog-buttons { opacity: 60%; }
    """

    BINDINGS = [
        keybind("ctrl+s", "submit", "form.submit"),
        keybind("escape", "cancel", "form.cancel"),
    ]

    def __init__(self, title_key: str, fields: Sequence[FormItem],
                 submit: Callable[[dict[str, Any]], Any], *, intro_key: str | None = None,
                 submit_label_key: str = "form.save", width: int | None = None,
                 **title_params: Any) -> None:
        super().__init__()
        self.title_key = title_key
        self.title_params = title_params
        self.items = list(fields)
        self.submit_fn = submit
        self.intro_key = intro_key
        self.submit_label_key = submit_label_key
        self.width = width
        self.busy = False

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Tr(self.title_key, id="dialog-title", **self.title_params)
            if self.intro_key:
                yield Tr(self.intro_key, id="dialog-intro")
            with VerticalScroll(id="dialog-body"):
                yield FormView(self.items, id="dialog-form")
            with Horizontal(id="dialog-buttons"):
                yield Button(t("form.cancel"), id="cancel", compact=True)
                yield Button(t(self.submit_label_key), id="submit", variant="primary",
                             compact=True)
        yield Footer()

    def on_mount(self) -> None:
        translate_bindings(self)
        if self.width:
            self.query_one("#dialog").styles.width = self.width
        self.form.focus_field()

    @property
    def form(self) -> FormView:
        return self.query_one(FormView)

    # --- actions -------------------------------------------------------------------------

    @on(Button.Pressed, "#submit")
    def _pressed_submit(self) -> None:
        self.action_submit()

    @on(Button.Pressed, "#cancel")
    def _pressed_cancel(self) -> None:
        self.action_cancel()

    @on(FormView.Submitted)
    def _enter_on_last(self) -> None:
        self.action_submit()

    def action_cancel(self) -> None:
        if not self.busy:
            self.dismiss(None)

    def action_submit(self) -> None:
        if self.busy:
            return
        form = self.form
        form.clear_errors()
        if not form.check_required():
            return
        self._set_busy(True)
        run_in_thread(self, self.submit_fn, form.values(), on_done=self._done,
                      on_error=self._failed, group="form-submit")

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.set_class(busy, "-busy")

    def _done(self, result: Any) -> None:
        self._set_busy(False)
        self.dismiss(result)

    def _failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        self.form.show_error(exc)  # type: ignore[arg-type]

    def on_language_changed(self) -> None:
        set_label(self.query_one("#cancel", Button), t("form.cancel"))
        set_label(self.query_one("#submit", Button), t(self.submit_label_key))
