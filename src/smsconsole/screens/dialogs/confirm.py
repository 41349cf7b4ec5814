"""``ConfirmDialog``: yes/no before anything goes. The message names what goes::

    self.app.push_screen(
        ConfirmDialog(t("orders.purge.confirm", n=count)),
        callback=lambda yes: yes and self.run_service(...))

``y`` or the Confirm button: True; ``n``, ``esc`` or Cancel: False. Cancel has the focus
first, so a stray enter never deletes anything.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from textual.widget import Widget
from textual.widgets import Button, Static

from smsconsole.i18n import t
from smsconsole.screens.dialogs.base import Dialog
from smsconsole.widgets.labels import keybind


class ConfirmDialog(Dialog[bool]):
    BINDINGS = [
        keybind("y", "answer(True)", "confirm.yes"),
        keybind("n,escape", "answer(False)", "confirm.no"),
    ]

    def __init__(self, message: str, *, title_key: str = "confirm.title",
                 confirm_key: str = "confirm.yes", danger: bool = True) -> None:
        super().__init__(title_key, classes="-danger" if danger else None)
        self.message = message
        self.confirm_key = confirm_key

    def compose_body(self) -> Iterable[Widget]:
        yield Static(self.message, id="confirm-message", markup=False)
        yield Static(t("confirm.keys"), id="confirm-keys", classes="dialog-keys")

    def compose_buttons(self) -> Iterable[Widget]:
        yield Button(t("confirm.no"), id="no", compact=True)
        yield Button(t(self.confirm_key), id="yes", variant="error", compact=True)

    def focus_first(self) -> None:
        self.query_one("#no", Button).focus()

    def cancel_result(self) -> bool:
        return False

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)

    def action_yes(self) -> None:
        self.dismiss(True)

    def action_no(self) -> None:
        self.dismiss(False)


def confirm(page: Any, message: str, then: Callable[[], Any], *, danger: bool = True,
            title_key: str = "confirm.title", confirm_key: str = "confirm.yes") -> None:
    """Ask first; ``then()`` runs only on yes."""

    def answered(yes: bool | None) -> None:
        if yes:
            then()

    page.app.push_screen(ConfirmDialog(message, title_key=title_key, confirm_key=confirm_key,
                                       danger=danger), answered)
