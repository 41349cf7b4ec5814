"""分配记录: one user's holdings (allocated at, type, count, used, remaining, expiry,
status, source), with the status change 正常 / 失效 / 冻结 (``s``).

Dismisses with True when a status changed (the users list then reloads its quota).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from rich.text import Text
from textual.widget import Widget
from textual.widgets import DataTable, Static

from smsconsole.i18n import t
from smsconsole.screens.dialogs.base import Dialog
from smsconsole.screens.dialogs.form import FormDialog
from smsconsole.screens.threads import run_in_thread
from smsconsole.store.enums import HoldingSource, HoldingStatus
from smsconsole.widgets.form_view import Field
from smsconsole.widgets.format import dt, enum_label, num
from smsconsole.widgets.format import valid_through as format_valid_through
from smsconsole.widgets.grid import Grid
from smsconsole.widgets.labels import keybind

COLUMNS = ("allocated", "type", "count", "used", "remaining", "expires", "status", "source")
RIGHT = {"count", "used", "remaining"}


def valid_through(expires_at: datetime) -> str:
    """A holding expires at the start of the day after its last valid day."""
    return format_valid_through(expires_at)


def source_text(row) -> str:
    if row.source == HoldingSource.ORDER and row.order_no:
        return t("users.holdings.order", order_no=row.order_no)
    return enum_label(row.source)


class UserListDialog(Dialog):
    """A modal with one DataTable of a user's rows, loaded in a thread; ``esc`` closes
    with True when something changed."""

    columns: tuple[str, ...] = ()
    right: set[str] = set()
    label_prefix = ""

    def __init__(self, services, actor, user) -> None:
        super().__init__(account=user.account, name=user.name)
        self.services = services
        self.actor = actor
        self.user = user
        self.rows: list[Any] = []
        self.changed = False
        self.loaded = False

    def compose_body(self) -> Iterable[Widget]:
        yield Grid(cursor_type="row", zebra_stripes=True, id="list-table")

    def compose_foot(self) -> Iterable[Widget]:
        yield Static(t("table.loading"), id="list-status", classes="dialog-message -shown")

    def on_mount(self) -> None:
        super().on_mount()
        self._columns()
        self.load()

    def focus_first(self) -> None:
        self.grid.focus()

    @property
    def grid(self) -> DataTable:
        return self.query_one(DataTable)

    def _columns(self) -> None:
        grid = self.grid
        grid.clear(columns=True)
        for key in self.columns:
            grid.add_column(Text(t(f"{self.label_prefix}.{key}"),
                                 justify="right" if key in self.right else "left"), key=key)

    def load(self) -> None:
        run_in_thread(self, self.fetch, on_done=self._show, on_error=self._failed,
                      group="list-load", exclusive=True)

    def fetch(self) -> list[Any]:
        raise NotImplementedError

    def cells(self, row) -> list[Any]:
        raise NotImplementedError

    def _show(self, rows: list[Any]) -> None:
        self.loaded = True
        self.rows = rows
        grid = self.grid
        keep = grid.cursor_row
        grid.clear()
        for index, row in enumerate(rows):
            grid.add_row(*[Text(str(c), justify="right") if key in self.right else c
                           for key, c in zip(self.columns, self.cells(row), strict=True)],
                         key=str(index))
        if rows:
            grid.move_cursor(row=min(max(keep, 0), len(rows) - 1), animate=False)
        self._status(t(f"{self.label_prefix}.rows", n=len(rows)) if rows
                     else t(f"{self.label_prefix}.empty"))

    def _status(self, text: str, error: bool = False) -> None:
        self.show_message(text, error=error)

    def _failed(self, exc: BaseException) -> None:
        self.show_error(exc)

    @property
    def selected(self):
        index = self.grid.cursor_row
        return self.rows[index] if self.rows and 0 <= index < len(self.rows) else None

    def cancel_result(self) -> bool:
        return self.changed

    def on_language_changed(self) -> None:
        super().on_language_changed()
        self._columns()
        if self.loaded:
            self._show(self.rows)


class HoldingsDialog(UserListDialog):
    BINDINGS = [
        keybind("s", "status", "users.holdings.status"),
        keybind("escape,q", "close", "users.holdings.close"),
    ]
    title_key = "users.holdings.title"
    label_prefix = "users.holdings"
    columns = COLUMNS
    right = RIGHT

    def fetch(self) -> list[Any]:
        return self.services.holdings.for_user(self.user.id)

    def cells(self, row) -> list[Any]:
        return [dt(row.allocated_at), enum_label(row.sms_type), num(row.total), num(row.used),
                num(row.remaining), valid_through(row.expires_at), enum_label(row.status),
                source_text(row)]

    def action_status(self) -> None:
        row = self.selected
        if row is None:
            return

        def save(values: dict):
            return self.services.holdings.set_status(self.actor, row.id, values["status"])

        def done(holding) -> None:
            if holding is None:
                return
            self.changed = True
            self.app.notify(t("users.holdings.status_done", hid=row.id,
                              old=enum_label(row.status), new=enum_label(holding.status)))
            self.load()

        self.app.push_screen(FormDialog("users.holdings.status_title", [
            Field("status", "users.holdings.status", kind="select", required=True,
                  value=row.status.value,
                  choices=[(s.value, f"enum.holding_status.{s.value}") for s in HoldingStatus],
                  help_key="users.holdings.status_help"),
        ], save, submit_label_key="form.save", hid=row.id, account=self.user.account), done)


__all__ = ["HoldingsDialog", "UserListDialog", "valid_through", "source_text"]
