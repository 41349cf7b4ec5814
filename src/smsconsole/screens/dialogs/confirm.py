"""``ConfirmDialog``: yes/no before anything goes. The message names what goes::

    self.app.push_screen(
        ConfirmDialog(t("orders.purge.confirm", n=count)),
        callback=lambda yes: yes and self.run_service(...))

``y`` or the Confirm button: True; ``n``, ``esc`` or Cancel: False. Cancel has the focus
first, so a stray enter never deletes anything.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from smsconsole.i18n import t
from smsconsole.widgets.labels import keybind, translate_bindings


class ConfirmDialog(ModalScreen[bool]):
    DEFAULT_CSS = """
    ConfirmDialog { align: center middle; }
    ConfirmDialog > #dialog {
        width: 70; max-width: 100%; height: auto; border: thick $warning;
        background: $surface; padding: 1 2;
    }
    ConfirmDialog.-danger > #dialog { border: thick $error; }
    ConfirmDialog #confirm-title { text-style: bold; padding-bottom: 1; }
    ConfirmDialog #confirm-buttons { height: auto; align-horizontal: right; padding-top: 1; }
    ConfirmDialog #confirm-buttons Button { margin-left: 2; }
    ConfirmDialog #confirm-keys { color: $text-muted; padding-top: 1; }
    """

    BINDINGS = [
        keybind("y", "answer(True)", "confirm.yes"),
        keybind("n,escape", "answer(False)", "confirm.no"),
    ]

    def __init__(self, message: str, *, title_key: str = "confirm.title",
                 confirm_key: str = "confirm.yes", danger: bool = True) -> None:
        super().__init__(classes="-danger" if danger else None)
        self.message = message
        self.title_key = title_key
        self.confirm_key = confirm_key

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(t(self.title_key), id="confirm-title")
            yield Static(self.message, id="confirm-message", markup=False)
            yield Static(t("confirm.keys"), id="confirm-keys")
            with Horizontal(id="confirm-buttons"):
                yield Button(t("confirm.no"), id="no", compact=True)
                yield Button(t(self.confirm_key), id="yes", variant="error", compact=True)

    def on_mount(self) -> None:
        translate_bindings(self)
        self.query_one("#no", Button).focus()

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")


def confirm(page: Any, message: str, then: Callable[[], Any], *, danger: bool = True,
            title_key: str = "confirm.title", confirm_key: str = "confirm.yes") -> None:
    """Ask first; ``then()`` runs only on yes."""

    def answered(yes: bool | None) -> None:
        if yes:
            then()

    page.app.push_screen(ConfirmDialog(message, title_key=title_key, confirm_key=confirm_key,
                                       danger=danger), answered)
