"""``PagedTable``: one keyset page of a list at a time, fetched in a thread.

A list page never loads a whole table (house-style §5): the table holds one page
(``limit`` rows, at most 200) and asks its ``fetch(cursor, backward, limit)`` for the
next or previous one, which is exactly the services' paging signature::

    table = PagedTable(
        [Column("account", "users.col.account"),
         Column("registered_at", "users.col.registered"),
         Column("remaining", "users.col.remaining", align="right",
                render=lambda row: num(sum(row.remaining.values())))],
        fetch=lambda cursor, backward, limit: services.users.page(
            UserFilter(search=text), cursor, limit, backward=backward),
    )

Keys: ``]``/pagedown next page, ``[``/pageup previous, ``home`` first page, ``j``/``k``
move, ``enter`` posts ``RowChosen(row)``, ``/`` opens the filter line (typed text ->
``FilterChanged`` message and the ``on_filter_text`` callback; the page rebuilds its
fetch and calls ``set_fetch``), ``esc`` in the filter line clears it, ``r`` refreshes the
enclosing page (its ``refresh_data``) or just this table.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from rich.cells import cell_len
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import DataTable, Input, Static
from textual.worker import get_current_worker

from smsconsole.i18n import t
from smsconsole.widgets.format import cell
from smsconsole.widgets.grid import Grid
from smsconsole.widgets.labels import keybind
from smsconsole.widgets.unexpected import unexpected

if TYPE_CHECKING:
    from smsconsole.services.paging import Page

log = logging.getLogger(__name__)

MAX_ROWS = 200
Fetch = Callable[[Any, bool, int], "Page"]


def _count(key: str, n: int) -> str:
    """``key`` with ``n``; ``key.one`` when n is 1 and the catalog has it ("1 row")."""
    from smsconsole.widgets.labels import has_text

    one = f"{key}.one"
    return t(one if n == 1 and has_text(one) else key, n=f"{n:,}")


@dataclass(frozen=True)
class Column:
    """One column: ``key`` is the row attribute shown (and the column's key),
    ``label_key`` the catalog key of its header, ``render(row)`` an optional function
    giving the cell (a str or rich ``Text``) from the whole row object."""

    key: str
    label_key: str
    width: int | None = None
    render: Callable[[Any], Any] | None = None
    align: str = "left"  # "left" | "right" | "center"
    # When the table is too narrow, columns give way whole (never cut mid-number):
    # higher ``give_way`` first, then the rightmost; the first column always stays.
    # Negative: never hidden, a long text cut at the edge (the admin log's details).
    give_way: int = 0

    def cell(self, row: Any) -> Any:
        if self.render is not None:
            value = self.render(row)
        elif isinstance(row, dict):
            value = cell(row.get(self.key))
        else:
            value = cell(getattr(row, self.key, None))
        if value is None:
            value = ""
        if self.align != "left":
            text = value if isinstance(value, Text) else Text(str(value))
            text.justify = self.align  # type: ignore[assignment]
            return text
        return value


class PagedTableGrid(Grid):
    """The DataTable inside a PagedTable: page keys instead of scroll keys."""

    BINDINGS = [
        # Shown in the status line and the ? help, not the footer (kept for page actions).
        keybind("right_square_bracket,pagedown", "next_page", "table.next", show=False),
        keybind("left_square_bracket,pageup", "prev_page", "table.prev", show=False),
        keybind("home", "first_page", "table.first", show=False),
        keybind("slash", "filter", "table.filter"),
        keybind("r", "refresh", "table.refresh", show=False),
        keybind("j", "cursor_down", "table.down", show=False),
        keybind("k", "cursor_up", "table.up", show=False),
    ]

    @property
    def owner(self) -> PagedTable:
        return self.parent  # type: ignore[return-value]

    def action_next_page(self) -> None:
        self.owner.next_page()

    def action_prev_page(self) -> None:
        self.owner.prev_page()

    def action_first_page(self) -> None:
        self.owner.first_page()

    def action_filter(self) -> None:
        self.owner.focus_filter()

    def action_refresh(self) -> None:
        self.owner.refresh_owner()


class PagedTableFilter(Input):
    BINDINGS = [keybind("escape", "clear", "table.clear_filter")]

    def action_clear(self) -> None:
        owner = self.parent
        if isinstance(owner, PagedTable):
            owner.clear_filter()
            owner.grid.focus()


class PagedTable(Vertical):
    """A filterable, keyset-paged DataTable. See the module docstring."""

    DEFAULT_CSS = """
    PagedTable { height: 1fr; }
    PagedTable > PagedTableFilter { display: none; height: 1; margin: 0 0 0 0; }
    PagedTable.-filtering > PagedTableFilter { display: block; }
    PagedTable > PagedTableGrid { height: 1fr; }
    PagedTable > .paged-table--status { height: auto; color: $text-muted; padding: 0 1; }
    PagedTable > .paged-table--status.-error { color: $error; }
    """

    class RowChosen(Message):
        """Enter on a row: ``row`` is the row object from the page."""

        def __init__(self, table: PagedTable, row: Any) -> None:
            super().__init__()
            self.table = table
            self.row = row

        @property
        def control(self) -> PagedTable:
            return self.table

    class FilterChanged(Message):
        """The filter text changed (after a short pause in typing, or enter)."""

        def __init__(self, table: PagedTable, text: str) -> None:
            super().__init__()
            self.table = table
            self.text = text

        @property
        def control(self) -> PagedTable:
            return self.table

    class PageLoaded(Message):
        """A page arrived and is shown."""

        def __init__(self, table: PagedTable, page: Page) -> None:
            super().__init__()
            self.table = table
            self.page = page

        @property
        def control(self) -> PagedTable:
            return self.table

    def __init__(self, columns: Sequence[Column], fetch: Fetch, *, limit: int = 50,
                 on_filter_text: Callable[[str], None] | None = None,
                 filter_placeholder_key: str = "table.filter_placeholder",
                 empty_key: str = "table.empty", auto_load: bool = False,
                 cursor_type: str = "row", id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.columns = list(columns)
        self.fetch = fetch
        self.limit = max(1, min(int(limit), MAX_ROWS))
        self.on_filter_text = on_filter_text
        self.filter_placeholder_key = filter_placeholder_key
        self.empty_key = empty_key
        self.auto_load = auto_load
        self._cursor_type = cursor_type
        self._rows: list[Any] = []
        self._page: Page | None = None
        self._page_no = 0
        self._request: tuple[Any, bool] = (None, False)
        self._loading = False
        self._error: str | None = None
        self._filter_text = ""
        self._filter_timer: Timer | None = None
        self._shown: list[Column] = list(self.columns)

    # --- composition -------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield PagedTableFilter(placeholder=t(self.filter_placeholder_key), compact=True)
        yield PagedTableGrid(cursor_type=self._cursor_type, zebra_stripes=True)
        yield Static("", classes="paged-table--status")

    def on_mount(self) -> None:
        self._build_columns()
        self._render_status()
        if self.auto_load:
            self.reload()

    @property
    def grid(self) -> DataTable:
        return self.query_one(PagedTableGrid)

    @property
    def filter_input(self) -> Input:
        return self.query_one(PagedTableFilter)

    def _fit(self) -> list[Column]:
        """The columns that fit the table's width whole (see ``Column.give_way``)."""
        width = self.grid.size.width - 1  # the vertical scrollbar
        if width <= 0 or not self.columns:
            return list(self.columns)
        widths = []
        for col in self.columns:
            cells = [col.cell(row) for row in self._rows]
            widest = max([cell_len(t(col.label_key))] +
                         [c.cell_len if isinstance(c, Text) else cell_len(str(c))
                          for c in cells])
            # A column that never gives way counts only its header: it is cut instead.
            widest = cell_len(t(col.label_key)) if col.give_way < 0 else widest
            widths.append((col.width or widest) + 2)  # DataTable's cell padding
        shown = list(range(len(self.columns)))
        order = sorted((i for i in range(1, len(self.columns))
                        if self.columns[i].give_way >= 0),
                       key=lambda i: (-self.columns[i].give_way, -i))
        for index in order:
            if sum(widths[i] for i in shown) <= width:
                break
            shown.remove(index)
        return [self.columns[i] for i in shown]

    def _refit(self) -> None:
        shown = self._fit()
        if [c.key for c in shown] != [c.key for c in self._shown]:
            self._shown = shown
            self._build_columns()
            self._fill(self.grid.cursor_row)
            self._render_status()

    def on_resize(self) -> None:
        self.call_after_refresh(self._refit)

    def _build_columns(self) -> None:
        grid = self.grid
        grid.clear(columns=True)
        for col in self._shown:
            label = Text(t(col.label_key), justify=col.align)  # type: ignore[arg-type]
            grid.add_column(label, width=col.width, key=col.key)

    def focus(self, scroll_visible: bool = True) -> PagedTable:
        self.grid.focus(scroll_visible)
        return self

    # --- state -------------------------------------------------------------------------

    @property
    def rows(self) -> list[Any]:
        """The row objects of the page shown."""
        return list(self._rows)

    @property
    def page(self) -> Page | None:
        return self._page

    @property
    def page_number(self) -> int:
        return self._page_no

    @property
    def has_next(self) -> bool:
        return bool(self._page and self._page.has_next)

    @property
    def has_prev(self) -> bool:
        return bool(self._page and self._page.has_prev)

    @property
    def loading_page(self) -> bool:
        return self._loading

    @property
    def filter_text(self) -> str:
        return self._filter_text

    @property
    def selected(self) -> Any | None:
        """The row object under the cursor (None when the page is empty)."""
        if not self._rows:
            return None
        index = self.grid.cursor_row
        return self._rows[index] if 0 <= index < len(self._rows) else None

    # --- paging ------------------------------------------------------------------------

    def reload(self, keep_position: bool = False) -> None:
        """Fetch again: the first page, or (``keep_position``) the page shown, keeping
        the cursor row."""
        if keep_position and self._page_no:
            cursor, backward = self._request
            self._load(cursor, backward, self._page_no, self.grid.cursor_row)
        else:
            self._load(None, False, 1, 0)

    def set_fetch(self, fetch: Fetch, *, reload: bool = True) -> None:
        """Replace the fetch function (new filters) and show its first page."""
        self.fetch = fetch
        if reload:
            self.reload()

    def next_page(self) -> None:
        if self._page and self._page.has_next and self._page.last is not None and not self._loading:
            self._load(self._page.last, False, self._page_no + 1, 0)

    def prev_page(self) -> None:
        if self._page and self._page.has_prev and self._page.first is not None and not self._loading:
            self._load(self._page.first, True, max(1, self._page_no - 1), 0)

    def first_page(self) -> None:
        self._load(None, False, 1, 0)

    def _load(self, cursor: Any, backward: bool, page_no: int, keep_row: int) -> None:
        self._loading = True
        self._error = None
        self._render_status()
        fetch, limit = self.fetch, self.limit

        def work() -> None:
            worker = get_current_worker()
            try:
                page = fetch(cursor, backward, limit)
            except Exception as exc:  # noqa: BLE001 - shown in the status line
                if not worker.is_cancelled:
                    self.app.call_from_thread(self._failed, exc)
                return
            if not worker.is_cancelled:
                self.app.call_from_thread(self._show, page, cursor, backward, page_no, keep_row)

        self.run_worker(work, thread=True, exclusive=True, group="paged-table",
                        exit_on_error=False, name="paged-table fetch")

    def _failed(self, exc: Exception) -> None:
        from smsconsole.services.errors import ServiceError

        self._loading = False
        if isinstance(exc, ServiceError):
            self._error = exc.message()
        else:
            self._error = unexpected(exc, "page fetch")
        self._render_status()

    def _show(self, page: Page, cursor: Any, backward: bool, page_no: int, keep_row: int) -> None:
        self._loading = False
        if not page.rows and cursor is not None and self._page is not None:
            # The next/previous page emptied under us: stay on the page shown.
            if backward:
                self._page = replace(self._page, has_prev=False)
            else:
                self._page = replace(self._page, has_next=False)
            self._render_status()
            return
        self._page = page
        self._request = (cursor, backward)
        self._page_no = 1 if (backward and not page.has_prev) or cursor is None else page_no
        self._rows = list(page.rows)[:MAX_ROWS]
        shown = self._fit()
        if [c.key for c in shown] != [c.key for c in self._shown]:
            self._shown = shown
            self._build_columns()
        self._fill(keep_row)
        self._render_status()
        self.post_message(self.PageLoaded(self, page))

    def _fill(self, keep_row: int = 0) -> None:
        grid = self.grid
        grid.clear()
        for index, row in enumerate(self._rows):
            grid.add_row(*(col.cell(row) for col in self._shown), key=str(index))
        if self._rows:
            grid.move_cursor(row=min(max(keep_row, 0), len(self._rows) - 1), animate=False)

    def _render_status(self) -> None:
        try:
            status = self.query_one(".paged-table--status", Static)
        except Exception:  # noqa: BLE001 - not composed yet
            return
        status.set_class(self._error is not None, "-error")
        if self._error is not None:
            status.update(self._error)
            return
        parts: list[str] = []
        if self._loading:
            parts.append(t("table.loading"))
        if self._page_no:
            parts.append(t("table.page", n=self._page_no))
            if not self._rows:
                parts.append(t(self.empty_key))
            else:
                parts.append(_count("table.rows", len(self._rows)))
            parts.append(t("table.more") if self.has_next else t("table.end"))
            if self.has_prev:
                parts.append(t("table.prev_hint"))
        if self._filter_text:
            parts.append(t("table.filtered", text=self._filter_text))
        hidden = len(self.columns) - len(self._shown)
        if hidden:
            parts.append(_count("table.hidden", hidden))
        status.update(" · ".join(parts))

    # --- rows ----------------------------------------------------------------------------

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        row = self.selected
        if row is not None:
            self.post_message(self.RowChosen(self, row))

    def refresh_owner(self) -> None:
        """``r``: the enclosing page's ``refresh_data`` (or this table alone)."""
        for node in self.ancestors:
            hook = getattr(node, "refresh_data", None)
            if callable(hook):
                hook()
                return
        self.reload(keep_position=True)

    # --- filter --------------------------------------------------------------------------

    def focus_filter(self) -> None:
        self.add_class("-filtering")
        self.filter_input.focus()

    def clear_filter(self) -> bool:
        """Empty and hide the filter line; True if there was something to clear."""
        had = bool(self._filter_text or self.filter_input.value or self.has_class("-filtering"))
        self.filter_input.value = ""
        self.remove_class("-filtering")
        if self._filter_text:
            self._apply_filter("")
        return had

    @on(Input.Changed, "PagedTableFilter")
    def _filter_typed(self, event: Input.Changed) -> None:
        event.stop()
        if self._filter_timer is not None:
            self._filter_timer.stop()
        self._filter_timer = self.set_timer(0.35, lambda: self._apply_filter(event.value))

    @on(Input.Submitted, "PagedTableFilter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self._filter_timer is not None:
            self._filter_timer.stop()
        self._apply_filter(event.value)
        if not event.value:
            self.remove_class("-filtering")
        self.grid.focus()

    def _apply_filter(self, text: str) -> None:
        text = text.strip()
        if text == self._filter_text:
            return
        self._filter_text = text
        self._render_status()
        self.post_message(self.FilterChanged(self, text))
        if self.on_filter_text is not None:
            self.on_filter_text(text)

    # --- language ------------------------------------------------------------------------

    def on_language_changed(self) -> None:
        self.filter_input.placeholder = t(self.filter_placeholder_key)
        row = self.grid.cursor_row
        self._build_columns()
        self._fill(row)
        self._render_status()


__all__ = ["PagedTable", "Column"]
