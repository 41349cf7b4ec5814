"""``ListPage``: the one base of every list page (orders, finance, send tasks, send
records, admin log, users, packages, signatures, templates). It owns what they share:

* the **filter line** (``FilterLine``) saying what the list is filtered by;
* the **search line**: ``/`` types a quick text into the table's filter input; the page
  merges it into its filter (``effective_filter``);
* the **filter form** (``f``): ``open_filters(title_key, fields, submit)`` runs the
  page's ``submit(values)`` in the dialog's worker (resolve a user with
  ``services.users.resolve``, check with the service's ``check_*filter``) and applies
  the filter it returns;
* **keyset paging**: one ``PagedTable`` fed by ``fetch(flt, cursor, backward, limit)``
  in a thread (``memory_page`` pages a short in-memory list the same way);
* **export** (``x``): ``EXPORT`` names the export kind of ``screens.dialogs.export``;
* **row actions**: ``enter`` and ``action_view`` call ``show_detail(row)``;
  ``with_selected(method)`` runs a bound method on the selected row (or says there is
  none); ``show_actions(title_key, pairs, actions, ...)`` opens the detail dialog with
  an action menu of ``(key, label key, bound method)``, and calls the method chosen;
* **esc**: clears the quick text and the filters (``default_filter()``); ``True`` when
  there was something to clear, else the shell goes home;
* filters handed over by other pages (``set_filters``), the language switch.

How to add a list page
----------------------
1. The service gives a filter dataclass, a keyset ``page(flt, cursor, limit,
   backward=...)`` and ``check_filter(flt)`` (raising ``Invalid``/``InvalidFields``
   with the form field at fault, without running a query).
2. One module ``screens/<page id>.py`` with one class on ``ListPage``: ``FILTER``,
   ``COLUMNS`` (``widgets.Column``), ``QUICK_KEY``/``EMPTY_KEY``, ``EXPORT`` (if it
   exports), ``BINDINGS`` (``keybind("f", "filters", "<id>.filter")`` …), and:
   ``fetch``; ``effective_filter`` (merge the ``/`` text); ``filter_parts`` (what the
   filter line says); ``action_filters`` building ``Field``s and calling
   ``open_filters``; ``show_detail`` and the row actions as methods.
3. Its entry in the menu (``screens/__init__.py``: id, key, label, loader function),
   its texts in ``i18n/<page id>.toml`` (both languages), its styles, if any, in
   ``screens/<page id>.tcss`` scoped by the page class.
4. Tests: a pilot test of its keys (``tests/ui/``) and a snapshot.

A page with several lists switched by keys (the risk page: held tasks, blocked words,
blacklist) holds one small ``ListPage`` class per list in a ``ContentSwitcher``, each
with ``FILTER_LINE = False`` when the page's own title says which list is shown.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import fields, replace
from functools import partial
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.widgets import Static

from smsconsole.i18n import t
from smsconsole.screens.base import MenuPage
from smsconsole.screens.dialogs.detail import DetailDialog
from smsconsole.screens.dialogs.export import ExportSpec, start_export
from smsconsole.screens.dialogs.form import FormDialog
from smsconsole.screens.dialogs.records_filters import summary
from smsconsole.services.paging import Page
from smsconsole.widgets.format import cell
from smsconsole.widgets.paged_table import Column, PagedTable

RowAction = tuple[str, str, Callable[[Any], Any]]  # (key, label key, bound method)


class FilterLine(Static):
    """The filters in force, one line. Two wordings: with ``prefix`` (the admin pages)
    ``<prefix>.filters.none`` / ``<prefix>.filters.active`` (highlighted when active);
    without, ``datalist.filters`` over ``summary(parts)`` (the data pages). Parts are
    ``(label_key, value)``; empty values are left out."""

    def __init__(self, prefix: str = "", *, key: str = "datalist.filters",
                 id: str | None = None, classes: str | None = None) -> None:
        super().__init__("", id=id, classes=classes, markup=False)
        self.prefix = prefix
        self.key = key
        self.parts: list[tuple[str, Any]] = []

    def on_mount(self) -> None:
        self._render_parts()

    def show(self, parts: Sequence[tuple[str, Any]]) -> None:
        self.parts = [(k, v) for k, v in parts if v not in (None, "")]
        self._render_parts()

    @property
    def text(self) -> str:
        if not self.prefix:
            return summary(self.parts)
        if not self.parts:
            return t(f"{self.prefix}.filters.none")
        return " · ".join(f"{t(k)} {cell(v)}" for k, v in self.parts)

    def _render_parts(self) -> None:
        if not self.prefix:
            self.update(t(self.key, text=self.text))
            return
        self.set_class(bool(self.parts), "-active")
        self.update(t(f"{self.prefix}.filters.active", filters=self.text) if self.parts
                    else self.text)

    def on_language_changed(self) -> None:
        self._render_parts()


def memory_page(rows: Sequence[Any], cursor: tuple | None, backward: bool,
                limit: int) -> Page:
    """A keyset ``Page`` of a short list already in memory (packages, AK rows);
    cursors are ``(index,)`` of the boundary row."""
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


class ListPage(MenuPage):
    """See the module docstring."""

    FILTER: ClassVar[type]
    COLUMNS: ClassVar[list[Column]] = []
    QUICK_KEY: ClassVar[str] = "table.filter_placeholder"
    EMPTY_KEY: ClassVar[str] = "table.empty"
    FILTERS_KEY: ClassVar[str] = "datalist.filters"
    NO_ROW_KEY: ClassVar[str] = "datalist.no_row"
    APPLY_KEY: ClassVar[str] = "datalist.apply"
    EXPORT: ClassVar[str] = ""  # the export kind (``ExportSpec``); "" = no export
    # The admin pages' filter line ("<prefix>.filters.active"); "" = the data pages'.
    FILTER_PREFIX: ClassVar[str] = ""
    # The filter form takes over the ``/`` text (its fields show it), so applying it
    # clears that text; False keeps the search apart from the form.
    FORM_TAKES_QUICK: ClassVar[bool] = True
    # False: the filter line is not shown (a page whose own title says what the list
    # holds, e.g. the risk page's lists); it is still kept for the export summary.
    FILTER_LINE: ClassVar[bool] = True

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
        """The filter with the ``/`` text merged in."""
        return self.flt

    def filter_parts(self) -> list[tuple[str, Any]]:
        return []

    def show_detail(self, row: Any) -> None:
        """``enter`` on a row (and ``action_view``)."""

    # --- composition -------------------------------------------------------------------------

    @property
    def list_id(self) -> str:
        return self.FILTER_PREFIX or self.page_id or "data"

    @property
    def table_id(self) -> str:
        return f"{self.list_id}-table"

    def columns(self) -> list[Column]:
        return list(self.COLUMNS)

    def compose(self) -> ComposeResult:
        line = FilterLine(self.FILTER_PREFIX, key=self.FILTERS_KEY,
                          id=f"{self.list_id}-filters",
                          classes="" if self.FILTER_PREFIX else "data-filters")
        if not self.FILTER_LINE:
            line.display = False
        yield line
        yield PagedTable(self.columns(), fetch=self._fetcher(),
                         on_filter_text=self._quick_filter,
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
        """New filters from the page's filter form."""
        self.flt, self.user_label = flt, user_label
        if self.FORM_TAKES_QUICK:
            self.quick = ""
            self.table.clear_filter()
        self.apply_filters()

    def open_filters(self, title_key: str, form_fields: list, submit: Callable[[dict], Any],
                     **params: Any) -> None:
        """The filter form: ``submit(values)`` (in the dialog's worker) returns the new
        filter, or ``(filter, user label)``; a refusal shows under its field."""

        def done(result: Any) -> None:
            if result is not None:
                self.replace_filter(*(result if isinstance(result, tuple) else (result,)))

        self.app.push_screen(FormDialog(title_key, form_fields, submit,
                                        submit_label_key=self.APPLY_KEY, **params), done)

    def _quick_filter(self, text: str) -> None:
        self.quick = text
        self.apply_filters()

    def show_filters(self) -> None:
        line = self.query_one(FilterLine)
        line.show(self.filter_parts())
        self.filters_text = line.text

    def set_filters(self, **filters: Any) -> None:
        """Filters from another page: any field of ``FILTER`` (e.g. ``first``, ``status``),
        plus ``account`` to name the user of ``user_id``."""
        names = {f.name for f in fields(self.FILTER)}
        self.flt = replace(self.default_filter(),
                           **{k: self.filter_value(k, v) for k, v in filters.items()
                              if k in names})
        self.user_label = str(filters.get("account") or "")
        self.quick = ""
        if self.is_mounted:
            self.table.clear_filter()
            self.show_filters()
            self.table.set_fetch(self._fetcher(), reload=False)
            self._dirty = True

    def filter_value(self, name: str, value: Any) -> Any:
        """A value handed over by another page, as the filter's field takes it."""
        return value

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
            self.app.notify(t(self.NO_ROW_KEY), severity="warning")
        return row

    def with_selected(self, method: Callable[[Any], Any]) -> None:
        """Run ``method(row)`` on the selected row (a notice when there is none)."""
        row = self.selected_row()
        if row is not None:
            method(row)

    def on_paged_table_row_chosen(self, event: PagedTable.RowChosen) -> None:
        event.stop()
        self.show_detail(event.row)

    def action_view(self) -> None:
        self.with_selected(self.show_detail)

    def show_actions(self, title_key: str, pairs: list, actions: Sequence[RowAction],
                     row: Any, **params: Any) -> None:
        """The detail dialog of ``row`` with its action menu; the chosen method runs
        with the row."""

        def chosen(method: Callable[[Any], Any] | None) -> None:
            if method is not None:
                method(row)

        self.app.push_screen(DetailDialog(title_key, pairs, actions=list(actions), **params),
                             chosen)

    # --- export ---------------------------------------------------------------------------

    def action_export(self) -> None:
        if self.EXPORT:
            start_export(self, ExportSpec(self.EXPORT, self.effective_filter(),
                                          summary=self.filters_text))

    def on_language_changed(self) -> None:
        self.show_filters()


__all__ = ["ListPage", "FilterLine", "RowAction", "memory_page"]
