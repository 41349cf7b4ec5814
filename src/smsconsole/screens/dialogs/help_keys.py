"""``KeysDialog`` (``?``): every key that works here, in sections."""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from smsconsole.i18n import t
from smsconsole.widgets.labels import keybind, translate_bindings

Section = tuple[str, Sequence[tuple[str, str]]]  # (title, [(key, what it does)])


class KeysDialog(ModalScreen):
    DEFAULT_CSS = """
    KeysDialog { align: center middle; }
    KeysDialog > #dialog {
        width: 100; max-width: 100%; height: auto; max-height: 100%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    KeysDialog #keys-title { text-style: bold; padding-bottom: 1; }
    KeysDialog #keys-body { height: auto; max-height: 80vh; }
    KeysDialog #keys-foot { color: $text-muted; padding-top: 1; }
    """

    BINDINGS = [keybind("escape,q,question_mark", "close", "keys.close")]

    def __init__(self, sections: Sequence[Section]) -> None:
        super().__init__()
        self.sections = list(sections)

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(t("keys.title"), id="keys-title")
            with VerticalScroll(id="keys-body"):
                yield Static(self._table(), id="keys-table")
            yield Static(t("keys.foot"), id="keys-foot")

    def on_mount(self) -> None:
        translate_bindings(self)
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

    def action_close(self) -> None:
        self.dismiss(None)
