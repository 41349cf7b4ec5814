"""业务统计 › 发送量统计 (product.md §2.11): per-day totals (total, delivered, failed,
pending) over a date range — the last 30 days unless filtered — by signature, template
type, template name and user, with a trend chart below; ``enter`` opens the day's
records, ``u`` its failures; export.

Read from the daily rollups by ``services.stats.daily`` (never by scanning records); the
rows and the chart's series are prepared together in one thread worker, the chart is
drawn on the main thread (``widgets.chart``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import DataTable, Static

from smsconsole.i18n import t
from smsconsole.screens.base import MenuPage
from smsconsole.screens.dialogs import Field, FormDialog
from smsconsole.screens.dialogs.export import ExportSpec, start_export
from smsconsole.screens.dialogs.records_filters import (
    day_range_text,
    enum_choices,
    parse_day,
    summary,
)
from smsconsole.services.codes import CodeService
from smsconsole.services.exports import StatsExport
from smsconsole.services.stats import StatsFilter
from smsconsole.store.enums import DeliveryStatus, SmsType
from smsconsole.widgets.chart import TrendChart, trend_data
from smsconsole.widgets.grid import Grid
from smsconsole.widgets.labels import keybind

DEFAULT_DAYS = 30
COLUMNS = (("day", "stats.col.day"), ("total", "stats.col.total"),
           ("delivered", "stats.col.delivered"), ("failed", "stats.col.failed"),
           ("pending", "stats.col.pending"), ("segments", "stats.col.segments"))


@dataclass(frozen=True)
class Loaded:
    rows: list  # DayRow, oldest first
    chart: Any  # ChartData
    codes: tuple[str, ...]  # the template CODEs a template-name filter stands for
    platform_codes: int = 0  # verification codes the platform itself sent (no customer's)


class StatisticsPage(MenuPage):
    BINDINGS = [
        keybind("f", "filters", "stats.filter"),
        keybind("enter", "day_records", "stats.records"),
        keybind("u", "day_failures", "stats.failures"),
        keybind("x", "export", "stats.export"),
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        today = self.services.ctx.clock.today()
        self.first = today - timedelta(days=DEFAULT_DAYS - 1)
        self.last = today
        self.flt = StatsFilter()
        self.user_label = ""
        self.loaded: Loaded | None = None
        self.filters_text = ""

    def compose(self) -> ComposeResult:
        yield Static("", id="stats-filters", markup=False)
        table = Grid(id="stats-table", cursor_type="row", zebra_stripes=True)
        yield table
        yield Static("", id="stats-totals", markup=False)
        yield TrendChart(id="stats-chart")

    def on_mount(self) -> None:
        super().on_mount()
        self._columns()
        self._show_filters()

    @property
    def table(self) -> DataTable:
        return self.query_one("#stats-table", DataTable)

    @property
    def chart(self) -> TrendChart:
        return self.query_one("#stats-chart", TrendChart)

    def _columns(self) -> None:
        table = self.table
        table.clear(columns=True)
        for key, label in COLUMNS:
            table.add_column(Text(t(label), justify="left" if key == "day" else "right"),
                             key=key)

    # --- data ----------------------------------------------------------------------------

    def refresh_data(self) -> None:
        first, last, flt = self.first, self.last, self.flt
        self.run_service(self._load, first, last, flt, on_done=self._show, group="stats",
                         exclusive=True)

    def _load(self, first: date, last: date, flt: StatsFilter) -> Loaded:
        """In the worker: the days from the rollups and the chart's series."""
        rows, named = self.services.stats.daily_named(first, last, flt)
        codes = tuple(named)
        own = 0
        if flt.empty:
            own = CodeService(self.services.ctx).sent_count(first, last)
        return Loaded(rows, trend_data(rows), codes, own)

    def _show(self, loaded: Loaded) -> None:
        self.loaded = loaded
        table = self.table
        keep = table.cursor_row
        table.clear()
        for row in reversed(loaded.rows):
            table.add_row(row.day.isoformat(), *(Text(f"{v:,}", justify="right") for v in (
                row.total, row.delivered, row.failed, row.pending, row.segments)),
                key=row.day.isoformat())
        if loaded.rows:
            table.move_cursor(row=min(max(keep, 0), len(loaded.rows) - 1), animate=False)
        total = sum(r.total for r in loaded.rows)
        delivered = sum(r.delivered for r in loaded.rows)
        failed = sum(r.failed for r in loaded.rows)
        rate = f"{delivered / total:.1%}" if total else "—"
        totals = t("stats.totals", days=len(loaded.rows), total=f"{total:,}",
                   delivered=f"{delivered:,}", failed=f"{failed:,}",
                   pending=f"{total - delivered - failed:,}", rate=rate)
        if loaded.platform_codes:
            totals += t("stats.platform_codes", n=f"{loaded.platform_codes:,}")
        self.query_one("#stats-totals", Static).update(totals)
        self.chart.set_data(loaded.chart)

    # --- filters -----------------------------------------------------------------------

    def _show_filters(self) -> None:
        flt = self.flt
        self.filters_text = summary([
            ("stats.f.dates", day_range_text(self.first, self.last)),
            ("stats.f.sign", flt.sign_name),
            ("stats.f.type", flt.sms_type),
            ("stats.f.template_name", flt.template_name),
            ("stats.f.template_code", flt.template_code),
            ("stats.f.user", self.user_label),
        ])
        self.query_one("#stats-filters", Static).update(t("datalist.filters",
                                                          text=self.filters_text))

    def set_filters(self, **filters: Any) -> None:
        self.first = filters.pop("first", self.first)
        self.last = filters.pop("last", self.last)
        self.user_label = str(filters.pop("account", "") or "")
        names = set(StatsFilter.__dataclass_fields__)
        self.flt = replace(StatsFilter(), **{k: v for k, v in filters.items() if k in names})
        if self.is_mounted:
            self._show_filters()

    def clear_filter(self) -> bool:
        today = self.services.ctx.clock.today()
        default = (today - timedelta(days=DEFAULT_DAYS - 1), today, StatsFilter())
        if (self.first, self.last, self.flt) == default:
            return False
        self.first, self.last, self.flt = default
        self.user_label = ""
        self._show_filters()
        self.refresh_data()
        return True

    def action_filters(self) -> None:
        self.run_service(self.services.stats.sign_names, on_done=self._filter_dialog,
                         group="signs")

    def _filter_dialog(self, signs: list[str]) -> None:
        flt = self.flt
        fields = [
            [Field("first", "stats.f.first", kind="date", value=self.first, required=True),
             Field("last", "stats.f.last", kind="date", value=self.last, required=True)],
            [Field("sign_name", "stats.f.sign", kind="select", value=flt.sign_name or None,
                   choices=[(name, name) for name in signs]),
             Field("sms_type", "stats.f.type", kind="select", value=flt.sms_type,
                   choices=enum_choices(SmsType))],
            [Field("template_name", "stats.f.template_name", value=flt.template_name),
             Field("template_code", "stats.f.template_code", value=flt.template_code)],
            Field("user", "stats.f.user", value=self.user_label, help_key="datalist.user.help"),
        ]

        def submit(values: dict) -> tuple:
            first, last = parse_day(values["first"], "first"), parse_day(values["last"], "last")
            user = self.services.users.resolve(values["user"])
            new = StatsFilter(user_id=user.id if user else None,
                              sign_name=values["sign_name"] or "", sms_type=values["sms_type"],
                              template_code=values["template_code"].strip(),
                              template_name=values["template_name"].strip())
            self.services.stats.check_filter(first, last, new)
            return first, last, new, user.account if user else ""

        def done(result) -> None:
            if result is not None:
                self.first, self.last, self.flt, self.user_label = result
                self._show_filters()
                self.refresh_data()

        self.app.push_screen(FormDialog("stats.filter.title", fields, submit,
                                        submit_label_key="datalist.apply"), done)

    # --- drill down and export -------------------------------------------------------------

    def selected_day(self) -> date | None:
        table = self.table
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return date.fromisoformat(key) if key else None

    def _open_day(self, status: DeliveryStatus | None) -> None:
        day = self.selected_day()
        if day is None:
            self.app.notify(t("datalist.no_row"), severity="warning")
            return
        filters: dict[str, Any] = {"first": day, "last": day, "status": status,
                                   "sign_name": self.flt.sign_name,
                                   "template_code": self.flt.template_code,
                                   "user_id": self.flt.user_id, "account": self.user_label}
        codes = self.loaded.codes if self.loaded else ()
        if self.flt.template_name and len(codes) == 1 and not self.flt.template_code:
            filters["template_code"] = codes[0]
        self.open_page("records", **filters)

    def action_day_records(self) -> None:
        self._open_day(None)

    def action_day_failures(self) -> None:
        self._open_day(DeliveryStatus.FAILED)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_day_records()

    def action_export(self) -> None:
        start_export(self, ExportSpec("stats", StatsExport(self.first, self.last, self.flt),
                                      summary=self.filters_text))

    # --- shell hooks -------------------------------------------------------------------

    def focus_default(self) -> None:
        self.table.focus()

    def on_language_changed(self) -> None:
        self._columns()
        if self.loaded is not None:
            self._show(self.loaded)
        self._show_filters()

    def command_palette_commands(self) -> list:
        return [(t("stats.palette.filter"), self.action_filters),
                (t("stats.palette.records"), self.action_day_records),
                (t("stats.palette.failures"), self.action_day_failures),
                (t("stats.palette.export"), self.action_export)]
