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

from collections.abc import Iterable, Sequence
from typing import Any

from rich.table import Table
from rich.text import Text
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widget import Widget
from textual.widgets import Static

from smsconsole.i18n import t
from smsconsole.screens.dialogs.base import Dialog
from smsconsole.widgets.format import cell
from smsconsole.widgets.labels import keybind


def pairs_table(pairs: Sequence[tuple[str, Any]]) -> Table:
    """Label (a catalog key) / value rows, values shown as table cells are (a rich
    ``Text`` as is): the detail dialog's body, the settings views."""
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    for label, value in pairs:
        table.add_row(t(label), value if isinstance(value, Text) else Text(cell(value)))
    return table


class DetailDialog(Dialog):
    BINDINGS = [keybind("escape,q", "close", "detail.close")]

    def __init__(self, title_key: str, pairs: Sequence[tuple[str, Any]], *,
                 actions: Sequence[tuple[str, str, Any]] = (), **title_params: Any) -> None:
        super().__init__(title_key, **title_params)
        self.pairs = list(pairs)
        self.actions = list(actions)

    def compose_body(self) -> Iterable[Widget]:
        with VerticalScroll(id="detail-body"):
            yield Static(self._table(), id="detail-table")

    def compose_foot(self) -> Iterable[Widget]:
        yield Static(self._keys_text(), id="detail-keys", classes="dialog-keys")

    def on_mount(self) -> None:
        for index, (key, label_key, _result) in enumerate(self.actions):
            self._bindings._add_binding(
                Binding(key, f"choose({index})", t(label_key), tooltip=t(label_key),
                        id=f"detail.action.{index}"))
        # The footer lists the actions first and ``esc`` last, as the keys line does.
        table = self._bindings.key_to_bindings
        closing = {key: table.pop(key) for key in list(table)
                   if all(b.action == "close" for b in table[key])}
        table.update(closing)
        super().on_mount()
        self.refresh_bindings()

    def focus_first(self) -> None:
        self.query_one("#detail-body").focus()

    def _table(self) -> Table:
        return pairs_table(self.pairs)

    def _keys_text(self) -> str:
        parts = [f"{key} {t(label)}" for key, label, _ in self.actions]
        parts.append(f"esc {t('detail.close')}")
        return "  ·  ".join(parts)

    def action_choose(self, index: int) -> None:
        self.dismiss(self.actions[index][2])

    def on_language_changed(self) -> None:
        super().on_language_changed()
        self.query_one("#detail-table", Static).update(self._table())
        self.query_one("#detail-keys", Static).update(self._keys_text())
