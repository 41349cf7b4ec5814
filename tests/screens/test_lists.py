"""Finance (§2.9), send tasks and send records (§2.10) by keys, on real sends: the
lists, their filters, a task's detail with its lists and explained codes, a message's
detail, a fresh send arriving through the sandbox and the report worker, exports."""

from __future__ import annotations

from openpyxl import load_workbook

from smsconsole.cloud.sandbox import client as sbc
from smsconsole.screens.dialogs import DetailDialog
from smsconsole.screens.dialogs.tasks_detail import TaskDetailScreen
from smsconsole.services.sending import SendRequest
from smsconsole.services.worker import ReportWorker
from smsconsole.store.models import DeliveryStatus, HoldingSource, SmsType, Template
from smsconsole.widgets import PagedTable
from tests.helpers import (
    SIZE,
    build_app,
    export_dir,
    field_error,
    notes,
    open_page,
    page_of,
    press,
    select_row,
)


async def test_finance_search_filter_detail_export(psvc, data):
    app = build_app(psvc)
    async with app.run_test(size=SIZE) as pilot:
        await open_page(pilot, "finance")
        page = page_of(app, "finance")
        assert len(page.table.rows) == 5
        await press(pilot, "slash", *"bright", "enter")
        assert {r.account for r in page.table.rows} == {"brightway"}
        await press(pilot, "escape")
        await press(pilot, "f")
        app.screen.form.set_values({"source": HoldingSource.ORDER})
        await press(pilot, "ctrl+s")
        rows = page.table.rows
        assert len(rows) == 1 and rows[0].order_no == psvc.orders.row(
            data.orders["paid"]).order_no
        await press(pilot, "enter")
        assert isinstance(app.screen, DetailDialog)
        assert ("finance.d.order_no", rows[0].order_no) in app.screen.pairs
        await press(pilot, "escape", "f")
        app.screen.form.set_values({"user": "nobody-here"})
        await press(pilot, "ctrl+s")
        assert "No user matches “nobody-here”." in field_error(app, "user")  # users.resolve
        await press(pilot, "escape", "x")
        app.screen.form.set_values({"format": "xlsx"})
        await press(pilot)
        assert app.screen.form.values()["out"].endswith(".xlsx")
        await press(pilot, "ctrl+s")
        await press(pilot)
        path = export_dir(psvc) / "finance-2026-11-25.xlsx"
        wb = load_workbook(path, read_only=True)
        sheet = list(wb.worksheets[0].iter_rows(values_only=True))
        wb.close()
        assert sheet[0][0] == "User" and len(sheet) == 2  # the source filter applied


async def test_task_detail_lists_codes_and_phone_filter(psvc, data):
    app = build_app(psvc)
    async with app.run_test(size=SIZE) as pilot:
        await open_page(pilot, "tasks")
        page = page_of(app, "tasks")
        spike = await select_row(pilot, page, lambda r: r.failed >= 10)
        await press(pilot, "enter")
        screen = app.screen
        assert isinstance(screen, TaskDetailScreen)
        failed = screen.query_one("#records-failed", PagedTable)
        assert len(failed.rows) == spike.failed
        assert {r.status for r in failed.rows} == {DeliveryStatus.FAILED}
        await press(pilot, "s")
        delivered = screen.query_one("#records-delivered", PagedTable)
        assert len(delivered.rows) == spike.delivered
        await press(pilot, "f")
        phone = failed.rows[0].phone
        await press(pilot, "slash", *phone, "enter")
        assert [r.phone for r in failed.rows] == [phone]
        await press(pilot, "enter")
        detail = app.screen
        assert isinstance(detail, DetailDialog)
        labels = dict(detail.pairs)
        assert labels["records.col.phone"] == phone
        assert labels["records.d.meaning"] and labels["records.d.advice"]
        await press(pilot, "escape", "escape")
        assert app.screen.__class__.__name__ == "MainScreen"
        # `/` on the list takes a user; a template CODE too.
        await press(pilot, "slash", *"brightway", "enter")
        assert {r.account for r in page.table.rows} == {"brightway"}


async def test_records_filters_detail_and_a_fresh_send(psvc, data, pages_sandbox):
    app = build_app(psvc)
    async with app.run_test(size=SIZE) as pilot:
        await open_page(pilot, "records")
        page = page_of(app, "records")
        await press(pilot, "slash", *"1370000003", "enter")  # a prefix
        assert page.table.rows and all(r.phone.startswith("1370000003")
                                       for r in page.table.rows)
        await press(pilot, "escape", "f")
        app.screen.form.set_values({"status": DeliveryStatus.FAILED, "first": "2026-11-20",
                                    "last": "2026-11-20"})
        await press(pilot, "ctrl+s")
        rows = page.table.rows
        assert len(rows) == 26 and {r.status for r in rows} == {DeliveryStatus.FAILED}
        await press(pilot, "enter")
        pairs = dict(app.screen.pairs)
        assert pairs["records.d.refunded"] == "yes"
        await press(pilot, "t")  # the number's timeline, on the record query page
        assert app.screen.current == "query"
        query = page_of(app, "query")
        assert query.mode == "timeline" and query.phone == rows[0].phone
        # A fresh send: pending first, then the worker applies the sandbox's reports.
        with psvc.store.read() as s:
            tpl = s.query(Template).filter(Template.user_id == data.user_ids[1],
                                           Template.sms_type == SmsType.NOTIFICATION).one()
        out = psvc.sending.send(SendRequest(data.user_ids[1], tpl.id, "速达科技",
                                            ["13800000001", "13800000002"],
                                            {"name": "N", "order": "O"}))
        await press(pilot, "9", "escape")
        await press(pilot, "r")
        fresh = [r for r in page.table.rows if r.task_id == out.task_id]
        assert {r.status for r in fresh} == {DeliveryStatus.PENDING}
        worker = ReportWorker(psvc, worker_id="pilot", wait_seconds=0)
        for _ in range(3):
            sbc.flush_reports(pages_sandbox.endpoints)
            worker.run(once=True, kinds=("report",))
        await press(pilot, "r")
        fresh = [r for r in page.table.rows if r.task_id == out.task_id]
        assert len(fresh) == 2 and DeliveryStatus.PENDING not in {r.status for r in fresh}
        assert notes(app) is not None
