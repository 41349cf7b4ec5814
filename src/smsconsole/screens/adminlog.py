"""管理员日志 (product.md §2.12): every admin action of one day — time, admin, action,
target, details, origin — today unless another day is chosen (``<`` / ``>`` move a day,
``t`` back to today), filtered by action and target; ``enter`` shows the old → new values
in full. Read-only: nothing here edits or deletes the log. Export.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from typing import Any

from rich.text import Text

from smsconsole.i18n import has_key, t
from smsconsole.screens.dialogs import DetailDialog, Field
from smsconsole.screens.dialogs.records_filters import day_range_text, parse_day
from smsconsole.screens.list_page import ListPage
from smsconsole.services.adminlog import AdminLogFilter
from smsconsole.widgets import Column, keybind
from smsconsole.widgets.format import dt

DETAIL_WIDTH = 40


def action_label(action: str) -> str:
    """The action in words when the catalog knows it, else its id (``order.price``)."""
    key = f"adminlog.action.{action}"
    return t(key) if has_key(key) else action


def parse_detail(detail: str) -> Any:
    """The stored detail: JSON (a dict, usually ``{"field": [old, new]}``) or plain text."""
    if not detail:
        return ""
    try:
        return json.loads(detail)
    except ValueError:
        return detail


def _value(value: Any) -> str:
    if value is None or value == "":
        return "∅"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def detail_line(detail: str) -> str:
    """One line for the table: ``price: 100.00 → 88.00; reason: …``."""
    data = parse_detail(detail)
    if not isinstance(data, dict):
        return str(data).replace("\n", " ")
    parts = []
    for key, value in data.items():
        if isinstance(value, list) and len(value) == 2:
            parts.append(f"{key}: {_value(value[0])} → {_value(value[1])}")
        else:
            parts.append(f"{key}: {_value(value)}")
    return "; ".join(parts)


def detail_text(detail: str) -> Text:
    """The detail in full: each changed field as ``old → new``, then the JSON pretty."""
    data = parse_detail(detail)
    if not isinstance(data, dict):
        return Text(str(data) or "—")
    out = Text()
    for key, value in data.items():
        out.append(f"{key}: ", style="bold")
        if isinstance(value, list) and len(value) == 2:
            out.append(_value(value[0]), style="strike" if value[0] not in (None, "") else "")
            out.append(" → ")
            out.append(_value(value[1]), style="bold")
        else:
            out.append(_value(value))
        out.append("\n")
    out.append("\n")
    out.append(json.dumps(data, ensure_ascii=False, indent=2), style="dim")
    return out


class AdminLogPage(ListPage):
    FILTER = AdminLogFilter
    QUICK_KEY = "adminlog.quick"
    EMPTY_KEY = "adminlog.empty"
    EXPORT = "admin-log"
    BINDINGS = [
        keybind("less_than_sign,comma", "day(-1)", "adminlog.prev_day"),
        keybind("greater_than_sign,full_stop", "day(1)", "adminlog.next_day"),
        keybind("t", "today", "adminlog.today"),
        keybind("f", "filters", "adminlog.filter"),
        keybind("x", "export", "adminlog.export"),
    ]

    @property
    def COLUMNS(self) -> list[Column]:  # noqa: N802 - the time column reads the filter
        def at(row: Any) -> str:
            full = dt(row.at, seconds=True)
            return full[11:] if self.flt.day else full

        return [
            Column("at", "adminlog.col.at", render=at),
            Column("admin_name", "adminlog.col.admin"),
            Column("action", "adminlog.col.action", render=lambda r: action_label(r.action)),
            Column("target", "adminlog.col.target"),
            Column("origin", "adminlog.col.origin"),
            Column("detail", "adminlog.col.detail", give_way=-1,
                   render=lambda r: Text(detail_line(r.detail), no_wrap=True,
                                         overflow="ellipsis")),
        ]

    def default_filter(self) -> AdminLogFilter:
        return AdminLogFilter(day=self.services.ctx.clock.today())

    def fetch(self, flt, cursor, backward, limit):
        return self.services.adminlog.page(flt, cursor, limit, backward=backward)

    def effective_filter(self) -> AdminLogFilter:
        text = self.quick.strip()
        return replace(self.flt, target=text) if text else self.flt

    def filter_parts(self) -> list:
        flt = self.effective_filter()
        days = day_range_text(flt.day, flt.day) if flt.day else day_range_text(flt.first,
                                                                               flt.last)
        return [("adminlog.f.day", days),
                ("adminlog.f.action", action_label(flt.action) if flt.action else ""),
                ("adminlog.f.target", flt.target)]

    # --- day by day --------------------------------------------------------------------

    def action_day(self, step: int) -> None:
        base = self.flt.day or self.flt.last or self.flt.first or \
            self.services.ctx.clock.today()
        self.flt = replace(self.flt, day=base + timedelta(days=step), first=None, last=None)
        self.apply_filters()

    def action_today(self) -> None:
        self.flt = replace(self.flt, day=self.services.ctx.clock.today(), first=None,
                           last=None)
        self.apply_filters()

    def action_filters(self) -> None:
        self.run_service(self.services.adminlog.actions, on_done=self._filter_dialog,
                         group="actions")

    def _filter_dialog(self, actions: list[str]) -> None:
        flt = self.effective_filter()
        fields = [
            [Field("day", "adminlog.f.day", kind="date", value=flt.day,
                   help_key="adminlog.f.day.help"),
             Field("first", "adminlog.f.first", kind="date", value=flt.first),
             Field("last", "adminlog.f.last", kind="date", value=flt.last)],
            Field("action", "adminlog.f.action", kind="select", value=flt.action or None,
                  choices=[(a, action_label(a) if action_label(a) == a
                            else f"{action_label(a)} ({a})") for a in actions]),
            Field("target", "adminlog.f.target", value=flt.target,
                  help_key="adminlog.f.target.help"),
        ]

        def submit(values: dict) -> AdminLogFilter:
            day = parse_day(values["day"], "day")
            first, last = parse_day(values["first"], "first"), parse_day(values["last"], "last")
            if not (day or first or last):
                day = self.services.ctx.clock.today()
            new = AdminLogFilter(day=day, first=None if day else first,
                                 last=None if day else last, action=values["action"] or "",
                                 target=values["target"].strip())
            return self.services.adminlog.check_filter(new)

        self.open_filters("adminlog.filter.title", fields, submit)

    # --- rows ------------------------------------------------------------------------------

    def show_detail(self, row: Any) -> None:
        self.app.push_screen(DetailDialog("adminlog.detail.title", [
            ("adminlog.col.at", dt(row.at, seconds=True)),
            ("adminlog.col.admin", row.admin_name),
            ("adminlog.col.action", f"{action_label(row.action)} ({row.action})"
             if action_label(row.action) != row.action else row.action),
            ("adminlog.col.target", f"{row.target} ({row.target_type} {row.target_id})".strip()
             if row.target_type else row.target),
            ("adminlog.col.origin", row.origin),
            ("adminlog.col.detail", detail_text(row.detail)),
        ], id=row.id))

    def command_palette_commands(self) -> list:
        return [(t("adminlog.palette.prev"), lambda: self.action_day(-1)),
                (t("adminlog.palette.next"), lambda: self.action_day(1)),
                (t("adminlog.palette.today"), self.action_today),
                (t("adminlog.palette.filter"), self.action_filters),
                (t("adminlog.palette.export"), self.action_export)]
