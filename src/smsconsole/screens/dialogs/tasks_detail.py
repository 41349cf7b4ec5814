"""A send task in full (product.md §2.10 任务记录 › 查看): who sent what and when, the
counts, the task's result code with its plain explanation and what to do, then its
delivered, failed and waiting lists — each a paged table filterable by phone (``/``),
``enter`` opening a message.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import Any

from rich.table import Table
from rich.text import Text
from textual import on
from textual.widget import Widget
from textual.widgets import Static, TabbedContent, TabPane

from smsconsole.i18n import t
from smsconsole.screens.dialogs.base import Dialog
from smsconsole.screens.dialogs.records_detail import code_pairs, show_record, status_text
from smsconsole.screens.threads import run_in_thread
from smsconsole.services.records import RecordFilter
from smsconsole.store.enums import DeliveryStatus
from smsconsole.widgets import Column, PagedTable
from smsconsole.widgets.format import dt, enum_label, num
from smsconsole.widgets.labels import Tr, keybind

LISTS = (("delivered", DeliveryStatus.DELIVERED), ("failed", DeliveryStatus.FAILED),
         ("pending", DeliveryStatus.PENDING))

LIST_COLUMNS = [
    Column("send_time", "records.col.time", render=lambda r: dt(r.send_time, seconds=True)),
    Column("phone", "records.col.phone"),
    Column("status", "records.col.status", render=status_text),
    Column("report_time", "records.d.report_time",
           render=lambda r: dt(r.report_time, seconds=True)),
]


class TaskDetailScreen(Dialog):
    """``TaskDetailScreen(services, task)`` with a ``TaskRow``."""

    BINDINGS = [
        keybind("escape,q", "close", "tasks.detail.close"),
        keybind("s", "show('delivered')", "tasks.detail.delivered"),
        keybind("f", "show('failed')", "tasks.detail.failed"),
        keybind("w", "show('pending')", "tasks.detail.pending"),
    ]
    title_key = "tasks.detail.title"

    def __init__(self, services: Any, task: Any) -> None:
        super().__init__(task=task.id, account=task.account)
        self.services = services
        self.send_task = task
        self.phones: dict[str, str] = {name: "" for name, _ in LISTS}

    def compose_body(self) -> Iterable[Widget]:
        task = self.send_task
        yield Static(self._info(), id="task-info")
        with TabbedContent(initial="list-failed" if task.failed else "list-delivered"):
            for name, status in LISTS:
                with TabPane(self._tab_label(name), id=f"list-{name}"):
                    yield PagedTable(LIST_COLUMNS, fetch=self._fetcher(status, ""),
                                     limit=50, on_filter_text=partial(self._phone, name),
                                     filter_placeholder_key="tasks.detail.phone",
                                     empty_key="tasks.detail.empty", auto_load=True,
                                     id=f"records-{name}")

    def compose_foot(self) -> Iterable[Widget]:
        yield Tr("tasks.detail.keys", id="task-keys", classes="dialog-keys")

    def focus_first(self) -> None:
        self.current_table().focus()

    # --- the task ----------------------------------------------------------------------

    def _tab_label(self, name: str) -> str:
        count = {"delivered": self.send_task.delivered, "failed": self.send_task.failed,
                 "pending": self.send_task.pending}[name]
        return t(f"tasks.detail.tab.{name}", n=num(count))

    def _info(self) -> Table:
        task = self.send_task
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column(overflow="fold")
        rows: list[tuple[str, Any]] = [
            ("tasks.col.created", dt(task.created_at, seconds=True)),
            ("tasks.col.user", task.account),
            ("tasks.d.sign", task.sign_name),
            ("tasks.d.template", f"{task.template_code} · {task.template_name}"
             if task.template_name else task.template_code),
            ("tasks.d.content", task.content),
            ("tasks.d.counts", t("tasks.d.counts.value", numbers=num(task.numbers),
                                 delivered=num(task.delivered), failed=num(task.failed),
                                 pending=num(task.pending), segments=num(task.segments_each))),
            ("tasks.d.skipped", t("tasks.d.skipped.value", invalid=num(task.invalid_numbers),
                                  duplicates=num(task.duplicate_numbers),
                                  opted_out=num(task.opted_out_numbers))),
            ("tasks.col.status", enum_label(task.status)),
        ]
        rows += code_pairs(task.result_code, task.result_message)
        for label, value in rows:
            grid.add_row(t(label), value if isinstance(value, Text) else Text(str(value)))
        return grid

    # --- the lists ---------------------------------------------------------------------

    def _fetcher(self, status: DeliveryStatus, phone: str):
        flt = RecordFilter(task_id=self.send_task.id, status=status, phone=phone)
        return lambda cursor, backward, limit: self.services.records.records(
            flt, cursor, limit, backward=backward)

    def _phone(self, name: str, text: str) -> None:
        self.phones[name] = text
        status = dict(LISTS)[name]
        self.query_one(f"#records-{name}", PagedTable).set_fetch(self._fetcher(status, text))

    def current_table(self) -> PagedTable:
        active = self.query_one(TabbedContent).active or "list-delivered"
        return self.query_one(f"#records-{active.removeprefix('list-')}", PagedTable)

    def action_show(self, name: str) -> None:
        self.query_one(TabbedContent).active = f"list-{name}"
        self.query_one(f"#records-{name}", PagedTable).focus()

    @on(TabbedContent.TabActivated)
    def _tab_changed(self) -> None:
        self.current_table().focus()

    @on(PagedTable.RowChosen)
    def _chosen(self, event: PagedTable.RowChosen) -> None:
        event.stop()
        show_record(self, event.row.id)

    def refresh_data(self) -> None:
        """``r`` in a list: fetch the task and its lists again."""
        def got(task: Any) -> None:
            self.send_task = task
            self.query_one("#task-info", Static).update(self._info())
            self._relabel()
            for table in self.query(PagedTable):
                table.reload(keep_position=True)

        run_in_thread(self, self.services.records.task, self.send_task.id, on_done=got,
                      group="task", exclusive=True)

    def _relabel(self) -> None:
        tabs = self.query_one(TabbedContent)
        for name, _status in LISTS:
            tabs.get_tab(f"list-{name}").label = self._tab_label(name)

    def on_language_changed(self) -> None:
        super().on_language_changed()
        self.query_one("#task-info", Static).update(self._info())
        self._relabel()
