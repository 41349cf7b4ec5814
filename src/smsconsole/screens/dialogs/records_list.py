"""``DataListPage``: the plumbing the data pages share (orders, finance, send tasks, send
records, admin log): a line saying what the list is filtered by, one ``PagedTable``
fetched in a thread with the page's service filter, ``/`` quick text, filters handed
over by other pages (``set_filters``), ``esc`` clearing them.

A subclass gives ``FILTER`` (the service's filter dataclass), ``COLUMNS``, the catalog
keys, ``fetch(flt, cursor, backward, limit)``, ``effective_filter()`` (the filter with the
quick text merged in) and ``filter_parts()`` (what the filter line says).
"""

from __future__ import annotations

from dataclasses import fields, replace
from functools import partial
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.widgets import Static

from smsconsole.i18n import t
from smsconsole.screens.base import MenuPage
from smsconsole.screens.dialogs.records_filters import summary
from smsconsole.widgets.paged_table import Column, PagedTable


class DataListPage(MenuPage):
    FILTER: ClassVar[type]
    COLUMNS: ClassVar[list[Column]] = []
    QUICK_KEY: ClassVar[str] = "table.filter_placeholder"
    EMPTY_KEY: ClassVar[str] = "table.empty"
    FILTERS_KEY: ClassVar[str] = "datalist.filters"

    DEFAULT_CSS = """
    DataListPage > .data-filters { height: 1; color: $text-muted; }
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.flt = self.default_filter()
        self.quick = ""
        self.user_label = ""  # the account a user filter resolved to (for the filter line)
        self.filters_text = ""
        self._dirty = False  # filters changed from outside: the next refresh starts over

    # --- to override -----------------------------------------------------------------------

    def fetch(self, flt: Any, cursor: Any, backward: bool, limit: int) -> Any:
        raise NotImplementedError

    def default_filter(self) -> Any:
        """The filter with nothing chosen (what ``esc`` goes back to)."""
        return self.FILTER()

    def effective_filter(self) -> Any:
        return self.flt

    def filter_parts(self) -> list[tuple[str, Any]]:
        return []

    # --- composition -------------------------------------------------------------------------

    @property
    def table_id(self) -> str:
        return f"{self.page_id or 'data'}-table"

    def compose(self) -> ComposeResult:
        yield Static("", id=f"{self.page_id or 'data'}-filters", classes="data-filters",
                     markup=False)
        yield PagedTable(self.COLUMNS, fetch=self._fetcher(), on_filter_text=self._quick_filter,
                         filter_placeholder_key=self.QUICK_KEY, empty_key=self.EMPTY_KEY,
                         id=self.table_id)

    def on_mount(self) -> None:
        super().on_mount()
        self.show_filters()

    @property
    def table(self) -> PagedTable:
        return self.query_one(f"#{self.table_id}", PagedTable)

    # --- filters ---------------------------------------------------------------------------

    def _fetcher(self):
        return partial(self.fetch, self.effective_filter())

    def apply_filters(self) -> None:
        """The filters changed here: say so and show the first page."""
        self.show_filters()
        self.table.set_fetch(self._fetcher())

    def replace_filter(self, flt: Any, user_label: str = "") -> None:
        """New filters from the page's filter dialog (which took over the ``/`` text)."""
        self.flt, self.user_label, self.quick = flt, user_label, ""
        self.table.clear_filter()
        self.apply_filters()

    def _quick_filter(self, text: str) -> None:
        self.quick = text
        self.apply_filters()

    def show_filters(self) -> None:
        self.filters_text = summary(self.filter_parts())
        self.query_one(".data-filters", Static).update(t(self.FILTERS_KEY,
                                                         text=self.filters_text))

    def set_filters(self, **filters: Any) -> None:
        """Filters from another page: any field of ``FILTER`` (e.g. ``first``, ``status``),
        plus ``account`` to name the user of ``user_id``."""
        names = {f.name for f in fields(self.FILTER)}
        self.flt = replace(self.default_filter(),
                           **{k: v for k, v in filters.items() if k in names})
        self.user_label = str(filters.get("account") or "")
        self.quick = ""
        if self.is_mounted:
            self.table.clear_filter()
            self.show_filters()
            self.table.set_fetch(self._fetcher(), reload=False)
            self._dirty = True

    def refresh_data(self) -> None:
        dirty, self._dirty = self._dirty, False
        self.table.reload(keep_position=not dirty)

    def clear_filter(self) -> bool:
        had = self.flt != self.default_filter() or bool(self.quick)
        cleared = super().clear_filter()
        if had:
            self.flt, self.user_label, self.quick = self.default_filter(), "", ""
            self.apply_filters()
        return had or cleared

    # --- rows ---------------------------------------------------------------------------------

    def selected_row(self) -> Any | None:
        """The row under the cursor, or a notice that there is none."""
        row = self.table.selected
        if row is None:
            self.app.notify(t("datalist.no_row"), severity="warning")
        return row

    def on_language_changed(self) -> None:
        self.show_filters()


__all__ = ["DataListPage"]
