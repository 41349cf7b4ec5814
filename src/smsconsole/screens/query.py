"""业务统计 › 发送记录查询 (product.md §2.11): find messages two ways —

* by **phone** (and optionally status): the number's timeline, every message sent to it
  and every reply from it, newest first;
* by **template and/or date range** (and optionally status): the matching messages,
  paged.

The query form sits above the results: type, ``enter`` runs it (from any field);
``enter`` on a result opens the message (or the reply); ``x`` exports the messages the
query matches. Other pages open it on a number: ``open_page("query", phone=...)``.

Not a ``ListPage``: its filter is the form on the page (not a filter dialog), ``/`` goes
to the phone field, ``esc`` empties the form, and the result is either a timeline or the
matching messages (``x`` exports either); the messages' table pages like every list.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, ContentSwitcher, DataTable, Input, Static

from smsconsole.i18n import t
from smsconsole.screens.base import MenuPage
from smsconsole.screens.dialogs import DetailDialog
from smsconsole.screens.dialogs.export import ExportSpec, start_export
from smsconsole.screens.dialogs.records_detail import show_record
from smsconsole.screens.dialogs.records_filters import enum_choices, parse_day
from smsconsole.screens.records import COLUMNS as RECORD_COLUMNS
from smsconsole.services.errors import Invalid
from smsconsole.services.records import RecordFilter
from smsconsole.store.enums import DeliveryStatus
from smsconsole.widgets import Field, FormView, PagedTable
from smsconsole.widgets.format import dt, enum_label
from smsconsole.widgets.grid import Grid
from smsconsole.widgets.labels import Tr, keybind


class QueryForm(FormView):
    """Enter in any field runs the query (not just in the last one)."""

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(self.Submitted(self))


def _timeline_status(item: Any) -> str:
    if item.direction == "in":
        return t("query.reply.unsubscribe") if item.status == "unsubscribe" else ""
    status, _, code = item.status.partition(" ")
    try:
        label = enum_label(DeliveryStatus(status))
    except ValueError:
        label = status
    return f"{label} {code}".strip()


class RecordQueryPage(MenuPage):
    BINDINGS = [
        keybind("ctrl+r", "run_query", "query.run"),
        keybind("slash", "focus_phone", "query.phone", priority=True),
        keybind("x", "export", "query.export"),
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.mode = "none"  # "timeline" | "records" | "none"
        self.phone = ""
        self.status: DeliveryStatus | None = None
        self.record_filter = RecordFilter()
        self.timeline: list = []
        self.summary_text = ""
        self._pending: dict | None = None  # set_filters: run this query when shown

    def compose(self) -> ComposeResult:
        yield QueryForm([
            [Field("phone", "query.f.phone", placeholder_key="query.f.phone.placeholder"),
             Field("status", "query.f.status", kind="select",
                   choices=enum_choices(DeliveryStatus))],
            [Field("template_code", "query.f.template", kind="select", choices=[]),
             Field("first", "query.f.first", kind="date"),
             Field("last", "query.f.last", kind="date")],
        ], id="query-form")
        with Horizontal(id="query-bar"):
            yield Static("", id="query-summary", markup=False)
            yield Button(t("query.run"), id="query-run", compact=True, variant="primary")
        with ContentSwitcher(initial="query-hint", id="query-results"):
            yield Tr("query.hint", id="query-hint")
            yield Grid(id="query-timeline", cursor_type="row", zebra_stripes=True)
            yield PagedTable(RECORD_COLUMNS, fetch=self._fetch_records, id="query-records",
                             empty_key="query.records.empty")

    def on_mount(self) -> None:
        super().on_mount()
        self._timeline_columns()
        self.run_service(self._template_choices, on_done=self._templates, group="templates",
                         exclusive=True)

    @property
    def form(self) -> QueryForm:
        return self.query_one(QueryForm)

    def _template_choices(self) -> list[tuple[str, str]]:
        """In the worker: (CODE, "CODE name") for every template CODE, so the picker says
        which template a code is (a code assigned to several users shows its first name)."""
        from smsconsole.services.applications import ApplicationFilter

        codes = self.services.records.template_codes_named("")
        names: dict[str, str] = {}
        cursor = None
        for _ in range(200):  # bounded: pages of 500 templates
            page = self.services.templates.page(ApplicationFilter(), cursor, 500)
            for row in page.rows:
                if row.code and row.name:
                    names.setdefault(row.code, row.name)
            if not page.has_next:
                break
            cursor = page.last
        return [(code, f"{code} {names[code]}" if code in names else code) for code in codes]

    def _templates(self, choices: list[tuple[str, str]]) -> None:
        row = self.form.row("template_code")
        if row is not None:
            row.set_choices(choices)

    def _timeline_columns(self) -> None:
        table = self.query_one("#query-timeline", DataTable)
        table.clear(columns=True)
        for key, label in (("at", "query.col.at"), ("direction", "query.col.direction"),
                           ("user", "query.col.user"), ("sign", "query.col.sign"),
                           ("status", "query.col.status"), ("text", "query.col.text")):
            table.add_column(t(label), key=key)

    # --- running a query ---------------------------------------------------------------

    def focus_default(self) -> None:
        # The results, not the phone field: typing there would swallow the menu keys.
        # ``/`` goes to the phone field.
        table = self.query_one("#query-records", PagedTable)
        (table if table.display else self.query_one("#query-run", Button)).focus()

    def action_focus_phone(self) -> None:
        self.form.focus_field("phone")

    @on(QueryForm.Submitted)
    def _submitted(self) -> None:
        self.action_run_query()

    @on(Button.Pressed, "#query-run")
    def _pressed(self) -> None:
        self.action_run_query()

    def action_run_query(self) -> None:
        form = self.form
        form.clear_errors()
        values = form.values()
        self.run_service(self._plan, values, on_done=self._planned, on_error=self._refused,
                         group="query", exclusive=True)

    def _plan(self, values: dict) -> tuple:
        """In the worker: check the form, then run the timeline or the first page."""
        phone = (values.get("phone") or "").strip()
        status = values.get("status")
        if phone:
            items = self.services.records.timeline(phone)
            if status is not None:
                items = [i for i in items if i.direction == "out"
                         and i.status.partition(" ")[0] == status.value]
            return "timeline", phone, status, items
        first, last = parse_day(values.get("first"), "first"), parse_day(values.get("last"),
                                                                           "last")
        template = values.get("template_code") or ""
        if not (template or first or last):
            raise Invalid("query.error.nothing", "phone")
        flt = RecordFilter(status=status, first=first, last=last, template_code=template)
        self.services.records.check_record_filter(flt)
        return "records", "", status, flt

    def _refused(self, exc: BaseException) -> None:
        if hasattr(exc, "key"):
            self.form.show_error(exc)  # type: ignore[arg-type]
        else:
            self.show_error(exc)

    def _planned(self, plan: tuple) -> None:
        mode, phone, status, payload = plan
        self.mode, self.phone, self.status = mode, phone, status
        switcher = self.query_one("#query-results", ContentSwitcher)
        if mode == "timeline":
            self.timeline = payload
            self._fill_timeline()
            switcher.current = "query-timeline"
            self.query_one("#query-timeline", DataTable).focus()
        else:
            self.record_filter = payload
            switcher.current = "query-records"
            table = self.query_one("#query-records", PagedTable)
            table.set_fetch(self._fetch_records)
            table.focus()
        self._show_summary()

    def _fetch_records(self, cursor, backward, limit):
        return self.services.records.records(self.record_filter, cursor, limit,
                                             backward=backward)

    def _fill_timeline(self) -> None:
        table = self.query_one("#query-timeline", DataTable)
        table.clear()
        for index, item in enumerate(self.timeline):
            arrow = t("query.out") if item.direction == "out" else t("query.in")
            table.add_row(dt(item.at, seconds=True), arrow, item.account, item.sign_name,
                          _timeline_status(item), Text(item.text, no_wrap=True,
                                                       overflow="ellipsis"),
                          key=str(index))

    def _show_summary(self) -> None:
        if self.mode == "timeline":
            sent = sum(1 for i in self.timeline if i.direction == "out")
            text = t("query.summary.timeline", phone=self.phone, sent=sent,
                     replies=len(self.timeline) - sent)
            if self.status is not None:
                text += " · " + t("datalist.part", label=t("query.f.status"),
                                  value=enum_label(self.status))
        elif self.mode == "records":
            flt = self.record_filter
            parts = [t("datalist.part", label=t(label), value=value) for label, value in (
                ("query.f.template", flt.template_code),
                ("query.f.first", flt.first.isoformat() if flt.first else ""),
                ("query.f.last", flt.last.isoformat() if flt.last else ""),
                ("query.f.status", enum_label(flt.status) if flt.status else "")) if value]
            text = t("query.summary.records", filters=" · ".join(parts))
        else:
            text = ""
        self.summary_text = text
        self.query_one("#query-summary", Static).update(text)

    # --- from other pages --------------------------------------------------------------

    def set_filters(self, **filters: Any) -> None:
        values = {k: v for k, v in filters.items()
                  if k in ("phone", "status", "template_code", "first", "last")}
        if values:
            self._pending = values

    def refresh_data(self) -> None:
        pending = self._pending
        if pending:
            self._pending = None
            form = self.form
            form.set_values({"phone": "", "status": None, "template_code": None,
                             "first": "", "last": ""})
            form.set_values({k: (v.isoformat() if hasattr(v, "isoformat") else v)
                             for k, v in pending.items()})
            self.action_run_query()
            return
        if self.mode == "timeline":
            self.action_run_query()
        elif self.mode == "records":
            self.query_one("#query-records", PagedTable).reload(keep_position=True)

    def clear_filter(self) -> bool:
        had = self.mode != "none" or any(
            v not in (None, "") for v in self.form.values().values())
        if had:
            self.form.set_values({"phone": "", "status": None, "template_code": None,
                                  "first": "", "last": ""})
            self.form.clear_errors()
            self.mode = "none"
            self.query_one("#query-results", ContentSwitcher).current = "query-hint"
            self._show_summary()
            self.form.focus_field("phone")
        return had

    # --- rows ---------------------------------------------------------------------------

    @on(PagedTable.RowChosen, "#query-records")
    def _record_chosen(self, event: PagedTable.RowChosen) -> None:
        event.stop()
        show_record(self, event.row.id)

    @on(DataTable.RowSelected, "#query-timeline")
    def _timeline_chosen(self, event: DataTable.RowSelected) -> None:
        event.stop()
        item = self.timeline[int(event.row_key.value)]
        if item.record_id is not None:
            show_record(self, item.record_id)
            return
        self.app.push_screen(DetailDialog("query.reply.title", [
            ("query.col.at", dt(item.at, seconds=True)),
            ("query.f.phone", self.phone),
            ("query.col.user", item.account),
            ("query.col.sign", item.sign_name),
            ("query.col.text", Text(item.text)),
            ("query.reply.unsubscribe", t("format.yes") if item.status == "unsubscribe"
             else t("format.no")),
        ], phone=self.phone))

    def action_export(self) -> None:
        if self.mode == "timeline":
            flt = RecordFilter(phone=self.phone, status=self.status)
        elif self.mode == "records":
            flt = self.record_filter
        else:
            self.app.notify(t("query.export.first"), severity="warning")
            return
        start_export(self, ExportSpec("records", flt, summary=self.summary_text))

    def on_language_changed(self) -> None:
        self._timeline_columns()
        if self.mode == "timeline":
            self._fill_timeline()
        self._show_summary()
        self.query_one("#query-run", Button).label = t("query.run")

    def command_palette_commands(self) -> list:
        return [(t("query.palette.run"), self.action_run_query),
                (t("query.palette.phone"), self.action_focus_phone),
                (t("query.palette.export"), self.action_export)]


__all__ = ["RecordQueryPage", "QueryForm"]
