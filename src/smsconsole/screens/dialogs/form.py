"""``FormDialog``: a modal form whose submit runs in a thread and whose errors land next
to the field at fault. Nothing closes until ``submit`` succeeds::

    def save(values: dict) -> UserView:
        return services.users.update(actor, user.id, UserUpdate(**values))

    self.app.push_screen(
        FormDialog("users.edit.title", [Field("name", "users.field.name", value=user.name,
                                              required=True), ...], save),
        callback=lambda user: user and self.refresh_data())

``submit(values)`` gets ``FormView.values()``; a ``ServiceError`` it raises is shown under
``exc.field`` (dotted names work) or at the top; the dialog dismisses with its result
(return something truthy: a cancelled dialog dismisses with None).
``ctrl+s`` (or enter in the last field) submits, ``esc`` cancels (dismisses with None);
while ``submit`` runs the form is switched off and both are refused (``Dialog``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from textual.containers import VerticalScroll
from textual.widget import Widget

from smsconsole.screens.dialogs.base import Dialog
from smsconsole.widgets.form_view import FormItem, FormView
from smsconsole.widgets.labels import keybind


class FormDialog(Dialog):
    BINDINGS = [
        keybind("ctrl+s", "submit", "form.submit"),
        keybind("escape", "cancel", "form.cancel"),
    ]

    def __init__(self, title_key: str, fields: Sequence[FormItem],
                 submit: Callable[[dict[str, Any]], Any], *, intro_key: str | None = None,
                 submit_label_key: str = "form.save", width: int | None = None,
                 **title_params: Any) -> None:
        super().__init__(title_key, intro_key=intro_key, width=width, **title_params)
        self.items = list(fields)
        self.submit_fn = submit
        self.submit_label_key = submit_label_key

    def compose_body(self) -> Iterable[Widget]:
        with VerticalScroll(id="dialog-body"):
            yield FormView(self.items, id="dialog-form")
            yield from self.compose_after_form()

    def compose_after_form(self) -> Iterable[Widget]:
        """More in the scrolling body, under the form."""
        return ()

    def compose_buttons(self) -> Iterable[Widget]:
        return self.cancel_submit_buttons(self.submit_label_key)

    def submit_label(self) -> str:
        return self.submit_label_key

    @property
    def form(self) -> FormView:
        return self.query_one("#dialog-form", FormView)

    def action_submit(self) -> None:
        if self.busy:
            return
        form = self.form
        form.clear_errors()
        if form.check_required():
            self.run_busy(self.submit_fn, form.values())
