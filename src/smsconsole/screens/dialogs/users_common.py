"""Small pieces shared by the admin pages of issue 6 (users, signatures, templates,
packages and the three settings pages).

It lives under ``screens/dialogs/`` with a page prefix because that is where page-owned
modules go; nothing here is specific to users. A neutral home (``screens/common.py``)
would suit it better once the shell has one.

* ``palette_commands(page, extra)``: the command-palette entries of a page, one per
  binding with an id (so every key is also in the palette), titled "menu › action".
* ``FilterLine``: the one-line summary of a list's filters ("Status: pending · User: …").
* ``memory_page(rows, cursor, backward, limit)``: a keyset ``Page`` over a short list
  already in memory (packages, AK rows), so it can feed a ``PagedTable``.
* ``pairs_table(pairs)``: label/value rows for the settings views.
* ``checks_text(items, label)``: the ✓/✗ lines of a settings test.
* ``confirm(page, message, then)``: a ``ConfirmDialog`` that calls ``then()`` on yes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from smsconsole.i18n import t
from smsconsole.services.paging import Page
from smsconsole.widgets.format import cell


def palette_commands(page: Any, extra: Sequence[tuple[str, str]] = ()) -> list[tuple[str, Callable]]:
    """``[(title, callback)]``: ``extra`` (``(label_key, action)`` pairs, e.g. the enter
    action) then every binding of the page class whose id starts with the page id."""
    menu = t(page.entry.label_key) if page.entry else ""
    out: list[tuple[str, Callable]] = []
    seen: set[str] = set()
    pairs = list(extra) + [(f"key.{b.id}", b.action) for b in type(page).BINDINGS
                           if b.id and b.id.startswith(page.page_id + ".")]
    for label_key, action in pairs:
        if action in seen or not hasattr(page, f"action_{action}"):
            continue
        seen.add(action)
        title = f"{menu} › {t(label_key)}" if menu else t(label_key)
        out.append((title, getattr(page, f"action_{action}")))
    return out


class FilterLine(Static):
    """The filters in force, e.g. ``Filters: Status Pending · User acct01 (f change,
    esc clear)``; parts are ``(label_key, value)`` where value is any ``cell`` value."""

    DEFAULT_CSS = """
    FilterLine { height: 1; color: $text-muted; padding: 0 1; }
    FilterLine.-active { color: $accent; text-style: bold; }
    FilterLine:nocolor.-active { text-style: bold underline; }
    """

    def __init__(self, prefix: str, *, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)
        self.prefix = prefix  # page id: "<prefix>.filters.none" / ".filters.active"
        self.parts: list[tuple[str, Any]] = []

    def on_mount(self) -> None:
        self._render_parts()

    def show(self, parts: Sequence[tuple[str, Any]]) -> None:
        self.parts = [(k, v) for k, v in parts if v not in (None, "")]
        self._render_parts()

    def _render_parts(self) -> None:
        self.set_class(bool(self.parts), "-active")
        if not self.parts:
            self.update(t(f"{self.prefix}.filters.none"))
            return
        shown = " · ".join(f"{t(k)} {cell(v)}" for k, v in self.parts)
        self.update(t(f"{self.prefix}.filters.active", filters=shown))

    def on_language_changed(self) -> None:
        self._render_parts()


def memory_page(rows: Sequence[Any], cursor: tuple | None, backward: bool,
                limit: int) -> Page:
    """A page of an in-memory list; cursors are ``(index,)`` of the boundary row."""
    rows = list(rows)
    if cursor is None:
        start = 0
    elif backward:
        start = max(0, cursor[0] - limit)
    else:
        start = cursor[0] + 1
    end = min(len(rows), (cursor[0] if backward and cursor else start + limit))
    chunk = rows[start:end]
    if not chunk:
        return Page([], None, None, False, start > 0)
    return Page(chunk, (start,), (end - 1,), end < len(rows), start > 0)


def pairs_table(pairs: Sequence[tuple[str, Any]]) -> Table:
    """Label (a catalog key) / value rows, values shown as table cells are."""
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    for label, value in pairs:
        table.add_row(t(label), value if isinstance(value, Text) else Text(cell(value)))
    return table


def checks_text(items: Sequence[Any], label: Callable[[Any], str]) -> Text:
    """One line per ``CheckItem``: ✓/✗, what was tested (``label(item)``), and for a
    failure what the cloud said."""
    text = Text()
    for item in items:
        text.append("✓ " if item.ok else "✗ ", style="green" if item.ok else "bold red")
        text.append(label(item))
        if item.detail and not item.ok:
            text.append(f" — {item.detail}", style="red")
        text.append("\n")
    text.rstrip()
    return text


def confirm(page: Any, message: str, then: Callable[[], Any], *, danger: bool = True,
            title_key: str = "confirm.title", confirm_key: str = "confirm.yes") -> None:
    """Ask first; ``then()`` runs only on yes."""
    from smsconsole.screens.dialogs.confirm import ConfirmDialog

    def answered(yes: bool | None) -> None:
        if yes:
            then()

    page.app.push_screen(ConfirmDialog(message, title_key=title_key, confirm_key=confirm_key,
                                       danger=danger), answered)


__all__ = ["palette_commands", "FilterLine", "memory_page", "pairs_table", "checks_text",
           "confirm"]
