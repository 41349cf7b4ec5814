"""发送记录 › 任务记录 (product.md §2.10): one row per send task — user, time, template,
numbers, delivered / failed / waiting — filtered by user, dates, template and status;
``enter`` opens the task: its result code explained and its delivered, failed and
waiting lists, each filterable by phone. Export.

``/`` takes a user (account, name or phone) or a template CODE (``SMS_…``).
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from typing import Any

from smsconsole.i18n import t
from smsconsole.screens.dialogs import Field
from smsconsole.screens.dialogs.records_filters import day_range_text, enum_choices, parse_day
from smsconsole.screens.dialogs.tasks_detail import TaskDetailScreen
from smsconsole.screens.list_page import ListPage
from smsconsole.services.records import TaskFilter
from smsconsole.store.enums import TaskStatus
from smsconsole.widgets import Column, keybind
from smsconsole.widgets.format import dt, enum_label, num


def _template(row: Any) -> str:
    return row.template_name or row.template_code


def _status(row: Any) -> str:
    """Only what is not the usual "submitted" (rejected by the cloud, still sending): the
    column stays narrow and the exceptions stand out."""
    return "" if row.status == TaskStatus.SUBMITTED else enum_label(row.status)


COLUMNS = [
    Column("id", "tasks.col.id", align="right", render=lambda r: f"#{r.id}"),
    Column("created_at", "tasks.col.created", render=lambda r: dt(r.created_at)),
    Column("account", "tasks.col.user"),
    Column("template", "tasks.col.template", render=_template),
    Column("numbers", "tasks.col.numbers", align="right", render=lambda r: num(r.numbers)),
    Column("delivered", "tasks.col.delivered", align="right",
           render=lambda r: num(r.delivered)),
    Column("failed", "tasks.col.failed", align="right", render=lambda r: num(r.failed)),
    Column("pending", "tasks.col.pending", align="right", render=lambda r: num(r.pending)),
    Column("status", "tasks.col.status", render=_status),
]


class SendTasksPage(ListPage):
    FILTER = TaskFilter
    COLUMNS = COLUMNS
    QUICK_KEY = "tasks.quick"
    EMPTY_KEY = "tasks.empty"
    EXPORT = "tasks"
    BINDINGS = [
        keybind("f", "filters", "tasks.filter"),
        keybind("x", "export", "tasks.export"),
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.open_task: int | None = None  # set_filters(task_id=…): show it once loaded

    # --- list ----------------------------------------------------------------------------

    def _fetcher(self):
        return partial(self._fetch_quick, self.flt, self.quick.strip())

    def _fetch_quick(self, flt: TaskFilter, text: str, cursor, backward, limit):
        """The ``/`` text is resolved here, in the table's thread."""
        if text:
            if text.upper().startswith("SMS_"):
                flt = replace(flt, template_code=text)
            else:
                user = self.services.users.resolve(text, "quick")
                flt = replace(flt, user_id=user.id if user else None)
        return self.fetch(flt, cursor, backward, limit)

    def fetch(self, flt, cursor, backward, limit):
        return self.services.records.tasks(flt, cursor, limit, backward=backward)

    def filter_parts(self) -> list:
        flt = self.flt
        quick = self.quick.strip()
        return [
            ("tasks.f.user", self.user_label or (quick if quick and not
                                                 quick.upper().startswith("SMS_") else "")),
            ("tasks.f.dates", day_range_text(flt.first, flt.last)),
            ("tasks.f.template", flt.template_code or (quick if quick.upper().startswith("SMS_")
                                                       else "")),
            ("tasks.f.status", flt.status),
        ]

    def action_filters(self) -> None:
        flt = self.flt
        quick = self.quick.strip()
        fields = [
            Field("user", "tasks.f.user", value=self.user_label or (
                quick if quick and not quick.upper().startswith("SMS_") else ""),
                help_key="datalist.user.help"),
            [Field("first", "tasks.f.first", kind="date", value=flt.first),
             Field("last", "tasks.f.last", kind="date", value=flt.last)],
            [Field("template_code", "tasks.f.template", value=flt.template_code or (
                quick if quick.upper().startswith("SMS_") else "")),
             Field("status", "tasks.f.status", kind="select", value=flt.status,
                   choices=enum_choices(TaskStatus))],
        ]

        def submit(values: dict) -> tuple[TaskFilter, str]:
            first, last = parse_day(values["first"], "first"), parse_day(values["last"], "last")
            user = self.services.users.resolve(values["user"])
            new = TaskFilter(user_id=user.id if user else None, first=first, last=last,
                             template_code=values["template_code"].strip(),
                             status=values["status"])
            self.services.records.check_task_filter(new)
            return new, user.account if user else ""

        self.open_filters("tasks.filter.title", fields, submit)

    # --- a task ------------------------------------------------------------------------

    def set_filters(self, **filters: Any) -> None:
        task_id = filters.pop("task_id", None)
        if filters:
            super().set_filters(**filters)
        self.open_task = task_id

    def refresh_data(self) -> None:
        super().refresh_data()
        if self.open_task:
            task_id, self.open_task = self.open_task, None
            self.show_task(task_id)

    def show_detail(self, row: Any) -> None:
        self.show_task(row.id)

    def show_task(self, task_id: int) -> None:
        """Fetch the task afresh (counts move as reports arrive) and open it."""
        self.run_service(self.services.records.task, task_id, group="task",
                         on_done=lambda task: self.app.push_screen(
                             TaskDetailScreen(self.services, task)))

    def effective_filter(self) -> TaskFilter:
        """The filter with the ``/`` text as a template CODE or a user search (the list
        resolves the user itself, in ``_fetch_quick``)."""
        quick = self.quick.strip()
        if quick.upper().startswith("SMS_"):
            return replace(self.flt, template_code=quick)
        if quick:
            return replace(self.flt, user_search=quick)
        return self.flt

    def command_palette_commands(self) -> list:
        return [(t("tasks.palette.open"), self.action_view),
                (t("tasks.palette.filter"), self.action_filters),
                (t("tasks.palette.export"), self.action_export)]
