"""``KeysDialog`` (``?``): every key that works here, in sections."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rich.table import Table
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widget import Widget
from textual.widgets import Static

from smsconsole.i18n import t
from smsconsole.screens.dialogs.base import Dialog
from smsconsole.widgets.labels import keybind

Section = tuple[str, Sequence[tuple[str, str]]]  # (title, [(key, what it does)])


class KeysDialog(Dialog):
    BINDINGS = [keybind("escape,q,question_mark", "close", "keys.close")]
    title_key = "keys.title"

    def __init__(self, sections: Sequence[Section]) -> None:
        super().__init__()
        self.sections = list(sections)

    def compose_body(self) -> Iterable[Widget]:
        with VerticalScroll(id="keys-body"):
            yield Static(self._table(), id="keys-table")

    def compose_foot(self) -> Iterable[Widget]:
        yield Static(t("keys.foot"), id="keys-foot", classes="dialog-keys")

    def focus_first(self) -> None:
        self.query_one("#keys-body").focus()

    def _table(self) -> Table:
        grid = Table.grid(padding=(0, 3))
        grid.add_column()
        grid.add_column()
        halves = [self.sections[0::2], self.sections[1::2]]
        cells = []
        for half in halves:
            inner = Table.grid(padding=(0, 2))
            inner.add_column(style="bold", no_wrap=True, min_width=10)
            inner.add_column()
            for index, (title, rows) in enumerate(half):
                if index:
                    inner.add_row("", "")
                inner.add_row(Text(title, style="underline"), "")
                for key, what in rows:
                    inner.add_row(Text(key), Text(what))
            cells.append(inner)
        grid.add_row(*cells)
        return grid
