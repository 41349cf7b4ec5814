"""``DetailDialog``: label/value pairs of one object, plus optional action keys::

    self.app.push_screen(
        DetailDialog("records.detail.title", [
            ("records.col.phone", rec.phone),
            ("records.col.sent_at", rec.send_time),      # formatted by widgets.format.cell
            ("records.col.status", rec.status),          # enums are translated
        ], actions=[("e", "records.action.edit", "edit")]),
        callback=lambda choice: choice == "edit" and self.edit(rec))

Labels are catalog keys (or plain text); values anything ``format.cell`` can show (a
rich ``Text`` is kept as is). ``esc``/``q`` closes with None; an action key closes with
that action's result.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from smsconsole.i18n import t
from smsconsole.widgets.format import cell
from smsconsole.widgets.labels import keybind, translate_bindings


def pairs_table(pairs: Sequence[tuple[str, Any]]) -> Table:
    """Label (a catalog key) / value rows, values shown as table cells are (a rich
    ``Text`` as is): the detail dialog's body, the settings views."""
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    for label, value in pairs:
        table.add_row(t(label), value if isinstance(value, Text) else Text(cell(value)))
    return table


class DetailDialog(ModalScreen):
    DEFAULT_CSS = """
    DetailDialog { align: center middle; }
    DetailDialog > #dialog {
        width: 96; max-width: 100%; height: auto; max-height: 100%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    DetailDialog #detail-title { text-style: bold; padding-bottom: 1; }
    DetailDialog #detail-body { height: auto; max-height: 75vh; }
    DetailDialog #detail-keys { color: $text-muted; padding-top: 1; }
    """

    BINDINGS = [keybind("escape,q", "close", "detail.close")]

    def __init__(self, title_key: str, pairs: Sequence[tuple[str, Any]], *,
                 actions: Sequence[tuple[str, str, Any]] = (), **title_params: Any) -> None:
        super().__init__()
        self.title_key = title_key
        self.title_params = title_params
        self.pairs = list(pairs)
        self.actions = list(actions)
        self._bindings_added = False

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(t(self.title_key, **self.title_params), id="detail-title")
            with VerticalScroll(id="detail-body"):
                yield Static(self._table(), id="detail-table")
            yield Static(self._keys_text(), id="detail-keys")

    def on_mount(self) -> None:
        for index, (key, label_key, _result) in enumerate(self.actions):
            self._bindings._add_binding(
                Binding(key, f"choose({index})", t(label_key), tooltip=t(label_key),
                        id=f"detail.action.{index}"))
        translate_bindings(self)
        self.refresh_bindings()
        self.query_one("#detail-body").focus()

    def _table(self) -> Table:
        return pairs_table(self.pairs)

    def _keys_text(self) -> str:
        parts = [f"{key} {t(label)}" for key, label, _ in self.actions]
        parts.append(f"esc {t('detail.close')}")
        return "  ·  ".join(parts)

    def action_choose(self, index: int) -> None:
        self.dismiss(self.actions[index][2])

    def action_close(self) -> None:
        self.dismiss(None)

    def on_language_changed(self) -> None:
        self.query_one("#detail-title", Static).update(t(self.title_key, **self.title_params))
        self.query_one("#detail-table", Static).update(self._table())
        self.query_one("#detail-keys", Static).update(self._keys_text())
