"""财务管理 (product.md §2.9): every quota holding bought or allocated — user, allocated
at, type, count, used, remaining, expiry, status, source — searchable by user and
filtered by type, status, source and date; export.

``/`` searches users (account or name); ``f`` opens every filter; ``enter`` the detail.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from smsconsole.i18n import t
from smsconsole.screens.dialogs import DetailDialog, Field
from smsconsole.screens.dialogs.records_filters import day_range_text, enum_choices, parse_day
from smsconsole.screens.list_page import ListPage
from smsconsole.services.holdings import FinanceFilter
from smsconsole.store.enums import HoldingSource, HoldingStatus, SmsType
from smsconsole.widgets import Column, keybind
from smsconsole.widgets.format import day, dt, enum_label, num, valid_through


def source_text(row: Any) -> str:
    """"order" or "admin": short, the column is narrow (the order number is in the
    detail view and the export)."""
    return t("finance.source.order" if row.source == HoldingSource.ORDER
             else "finance.source.admin")


COLUMNS = [
    Column("account", "finance.col.user"),
    Column("allocated_at", "finance.col.allocated", render=lambda r: day(r.allocated_at)),
    Column("sms_type", "finance.col.type", render=lambda r: enum_label(r.sms_type)),
    Column("total", "finance.col.count", align="right", render=lambda r: num(r.total)),
    Column("used", "finance.col.used", align="right", render=lambda r: num(r.used)),
    Column("remaining", "finance.col.remaining", align="right",
           render=lambda r: num(r.remaining)),
    Column("expires_at", "finance.col.expires", render=lambda r: valid_through(r.expires_at)),
    Column("status", "finance.col.status", render=lambda r: enum_label(r.status)),
    Column("source", "finance.col.source", render=source_text),
]


class FinancePage(ListPage):
    FILTER = FinanceFilter
    COLUMNS = COLUMNS
    QUICK_KEY = "finance.quick"
    EMPTY_KEY = "finance.empty"
    EXPORT = "finance"
    BINDINGS = [
        keybind("f", "filters", "finance.filter"),
        keybind("x", "export", "finance.export"),
    ]

    def fetch(self, flt, cursor, backward, limit):
        return self.services.holdings.finance_page(flt, cursor, limit, backward=backward)

    def effective_filter(self) -> FinanceFilter:
        text = self.quick.strip()
        return replace(self.flt, user_search=text) if text else self.flt

    def filter_parts(self) -> list:
        flt = self.effective_filter()
        return [
            ("finance.f.user", self.user_label or flt.user_search),
            ("finance.f.type", flt.sms_type),
            ("finance.f.status", flt.status),
            ("finance.f.source", flt.source),
            ("finance.f.dates", day_range_text(flt.first, flt.last)),
        ]

    def action_filters(self) -> None:
        flt = self.flt
        fields = [
            Field("user", "finance.f.user", value=self.user_label or self.quick.strip(),
                  help_key="datalist.user.help"),
            [Field("sms_type", "finance.f.type", kind="select", value=flt.sms_type,
                   choices=enum_choices(SmsType)),
             Field("status", "finance.f.status", kind="select", value=flt.status,
                   choices=enum_choices(HoldingStatus)),
             Field("source", "finance.f.source", kind="select", value=flt.source,
                   choices=enum_choices(HoldingSource))],
            [Field("first", "finance.f.first", kind="date", value=flt.first),
             Field("last", "finance.f.last", kind="date", value=flt.last)],
        ]

        def submit(values: dict) -> tuple[FinanceFilter, str]:
            first, last = parse_day(values["first"], "first"), parse_day(values["last"], "last")
            user = self.services.users.resolve(values["user"])
            new = FinanceFilter(user_id=user.id if user else None, sms_type=values["sms_type"],
                                status=values["status"], source=values["source"],
                                first=first, last=last)
            self.services.holdings.check_finance_filter(new)
            return new, user.account if user else ""

        self.open_filters("finance.filter.title", fields, submit)

    def show_detail(self, row: Any) -> None:
        self.app.push_screen(DetailDialog("finance.detail.title", [
            ("finance.col.user", f"{row.account} ({row.user_name})"),
            ("finance.col.allocated", dt(row.allocated_at, seconds=True)),
            ("finance.col.type", row.sms_type),
            ("finance.col.count", num(row.total)),
            ("finance.col.used", num(row.used)),
            ("finance.col.remaining", num(row.remaining)),
            ("finance.d.expires", valid_through(row.expires_at)),
            ("finance.col.status", row.status),
            ("finance.col.source", row.source),
            ("finance.d.order_no", row.order_no or "—"),
        ], id=row.id))

    def command_palette_commands(self) -> list:
        return [(t("finance.palette.filter"), self.action_filters),
                (t("finance.palette.export"), self.action_export)]
