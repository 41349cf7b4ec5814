"""发送记录 › 发送记录 (product.md §2.10): one row per message — time, user, phone,
signature, template, segments, status — filtered by user, status, date range, phone (a
full number or its first digits), template and signature; ``enter`` shows the message
with its error code explained; export.

Statistics opens this page on a day's records or failures (``set_filters(first=day,
last=day, status=...)``).
"""

from __future__ import annotations

from dataclasses import replace

from smsconsole.i18n import t
from smsconsole.screens.dialogs import Field
from smsconsole.screens.dialogs.records_detail import show_record, status_text
from smsconsole.screens.dialogs.records_filters import day_range_text, enum_choices, parse_day
from smsconsole.screens.list_page import ListPage
from smsconsole.services.records import RecordFilter
from smsconsole.store.enums import DeliveryStatus
from smsconsole.widgets import Column, keybind
from smsconsole.widgets.format import dt, num

COLUMNS = [
    Column("send_time", "records.col.time", render=lambda r: dt(r.send_time)),
    Column("account", "records.col.user"),
    Column("phone", "records.col.phone"),
    Column("sign_name", "records.col.sign", give_way=2),
    Column("template_code", "records.col.template", give_way=1),
    Column("segments", "records.col.segments", align="right", render=lambda r: num(r.segments)),
    Column("status", "records.col.status", render=status_text),
]


class SendRecordsPage(ListPage):
    FILTER = RecordFilter
    COLUMNS = COLUMNS
    QUICK_KEY = "records.quick"
    EMPTY_KEY = "records.empty"
    EXPORT = "records"
    BINDINGS = [
        keybind("f", "filters", "records.filter"),
        keybind("x", "export", "records.export"),
    ]

    def fetch(self, flt, cursor, backward, limit):
        return self.services.records.records(flt, cursor, limit, backward=backward)

    def effective_filter(self) -> RecordFilter:
        text = self.quick.strip()
        return replace(self.flt, phone=text) if text else self.flt

    def filter_parts(self) -> list:
        flt = self.effective_filter()
        return [
            ("records.f.dates", day_range_text(flt.first, flt.last)),
            ("records.f.status", flt.status),
            ("records.f.phone", flt.phone),
            ("records.f.user", self.user_label or (f"#{flt.user_id}" if flt.user_id else "")),
            ("records.f.template", flt.template_code),
            ("records.f.sign", flt.sign_name),
            ("records.f.task", f"#{flt.task_id}" if flt.task_id else ""),
        ]

    def action_filters(self) -> None:
        flt = self.effective_filter()
        fields = [
            [Field("phone", "records.f.phone", value=flt.phone,
                   help_key="records.f.phone.help"),
             Field("status", "records.f.status", kind="select", value=flt.status,
                   choices=enum_choices(DeliveryStatus))],
            [Field("first", "records.f.first", kind="date", value=flt.first),
             Field("last", "records.f.last", kind="date", value=flt.last)],
            [Field("template_code", "records.f.template", value=flt.template_code),
             Field("sign_name", "records.f.sign", value=flt.sign_name)],
            Field("user", "records.f.user", value=self.user_label,
                  help_key="datalist.user.help"),
        ]

        def submit(values: dict) -> tuple[RecordFilter, str]:
            first, last = parse_day(values["first"], "first"), parse_day(values["last"], "last")
            user = self.services.users.resolve(values["user"])
            new = RecordFilter(user_id=user.id if user else None, status=values["status"],
                               first=first, last=last, phone=values["phone"].strip(),
                               template_code=values["template_code"].strip(),
                               sign_name=values["sign_name"].strip(), task_id=flt.task_id)
            self.services.records.check_record_filter(new)
            return new, user.account if user else ""

        self.open_filters("records.filter.title", fields, submit)

    def show_detail(self, row) -> None:
        show_record(self, row.id)

    def command_palette_commands(self) -> list:
        return [(t("records.palette.filter"), self.action_filters),
                (t("records.palette.export"), self.action_export)]


__all__ = ["SendRecordsPage", "COLUMNS"]
