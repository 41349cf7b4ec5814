"""Orders (§2.8) by keys: search, filters, change price (refusal next to the field),
void, check payment with the sandbox's Alipay (exactly once), purge after a confirmation
that says how many, export."""

from __future__ import annotations

import csv

from smsconsole.cloud.sandbox import client as sbc
from smsconsole.screens.dialogs import ConfirmDialog, DetailDialog, FormDialog
from smsconsole.services.adminlog import AdminLogFilter
from smsconsole.store.models import Holding, Order, OrderStatus
from tests.helpers import (
    SIZE,
    build_app,
    count_rows,
    export_dir,
    field_error,
    notes,
    open_page,
    page_of,
    press,
    select_row,
)


async def test_search_by_number_and_filter_by_status(psvc, data):
    app = build_app(psvc)
    async with app.run_test(size=SIZE) as pilot:
        await open_page(pilot, "orders")
        page = page_of(app, "orders")
        assert len(page.table.rows) == 6
        await press(pilot, "slash", *"20261125", "enter")
        assert {r.order_no[:8] for r in page.table.rows} == {"20261125"}
        await press(pilot, "escape")  # clears the filter
        assert len(page.table.rows) == 6
        await press(pilot, "f")
        assert isinstance(app.screen, FormDialog)
        app.screen.form.set_values({"status": OrderStatus.VOID, "first": "2026-11-01"})
        await press(pilot, "ctrl+s")
        assert [r.status for r in page.table.rows] == [OrderStatus.VOID]
        assert "Void" in page.filters_text and "2026-11-01" in page.filters_text
        # A refusal from the rules lands next to its field.
        await press(pilot, "f")
        app.screen.form.set_values({"first": "2026-11-30", "last": "2026-11-01"})
        await press(pilot, "ctrl+s")
        assert "before the start date" in field_error(app, "last")
        app.screen.form.set_values({"first": "2026-13-01"})
        await press(pilot, "ctrl+s")
        assert "not a date" in field_error(app, "first")


async def test_change_price_refused_then_done_and_logged(psvc, data):
    app = build_app(psvc)
    async with app.run_test(size=SIZE) as pilot:
        await open_page(pilot, "orders")
        page = page_of(app, "orders")
        await select_row(pilot, page, lambda r: r.id == data.orders["unpaid"])
        await press(pilot, "e")
        assert isinstance(app.screen, FormDialog)
        app.screen.form.set_values({"price": "400.00"})  # the same price
        await press(pilot, "ctrl+s")
        assert "already the order's price" in field_error(app, "price")
        app.screen.form.set_values({"price": "350.5", "reason": "批量采购"})
        await press(pilot, "ctrl+s")
        assert not isinstance(app.screen, FormDialog)
        assert any("from ¥400.00 to ¥350.50" in n for n in notes(app))
        assert psvc.orders.row(data.orders["unpaid"]).amount_fen == 35050
        entry = psvc.adminlog.page(AdminLogFilter(action="order.price")).rows[0]
        assert '"400.00", "350.50"' in entry.detail
        # A paid order cannot be repriced: the service's words, nothing opens.
        await select_row(pilot, page, lambda r: r.id == data.orders["paid"])
        await press(pilot, "e")
        assert not isinstance(app.screen, FormDialog)
        assert any("only unpaid orders" in n for n in notes(app))


async def test_detail_and_void_after_confirmation(psvc, data):
    app = build_app(psvc)
    async with app.run_test(size=SIZE) as pilot:
        await open_page(pilot, "orders")
        page = page_of(app, "orders")
        await select_row(pilot, page, lambda r: r.id == data.orders["repriced"])
        await press(pilot, "enter")
        assert isinstance(app.screen, DetailDialog)
        text = " ".join(str(v) for _, v in app.screen.pairs)
        assert "100.00 → 88.00" in text and "老客户优惠" in text
        await press(pilot, "v")  # the detail's own key
        assert isinstance(app.screen, ConfirmDialog)
        assert "2026112500000006" in app.screen.message
        await press(pilot, "n")
        assert psvc.orders.row(data.orders["repriced"]).status == OrderStatus.UNPAID
        await press(pilot, "v")
        await press(pilot, "y")
        assert psvc.orders.row(data.orders["repriced"]).status == OrderStatus.VOID
        assert any("is void" in n for n in notes(app))


async def test_check_payment_creates_the_holding_once(psvc, data, pages_sandbox):
    order = psvc.orders.create(data.user_ids[1], psvc.orders.get(data.orders["paid"]).package_id)
    sbc.pay(pages_sandbox.endpoints, psvc.orders.pay_url(order.id))
    holdings = count_rows(psvc, Holding)
    app = build_app(psvc)
    async with app.run_test(size=SIZE) as pilot:
        await open_page(pilot, "orders")
        page = page_of(app, "orders")
        await select_row(pilot, page, lambda r: r.id == order.id)
        await press(pilot, "p")
        assert any("marked paid" in n for n in notes(app))
        assert psvc.orders.row(order.id).status == OrderStatus.PAID
        assert count_rows(psvc, Holding) == holdings + 1
        await select_row(pilot, page, lambda r: r.id == order.id)
        await press(pilot, "p")
        assert any("already paid" in n for n in notes(app))
        assert count_rows(psvc, Holding) == holdings + 1
        # The detail says how and when it was confirmed.
        await select_row(pilot, page, lambda r: r.id == order.id)
        await press(pilot, "enter")
        assert isinstance(app.screen, DetailDialog)
        text = " ".join(str(v) for _, v in app.screen.pairs)
        assert "admin's payment check, 2026-11-25" in text
        await press(pilot, "escape")
        # Not paid yet: says so with Alipay's status.
        await select_row(pilot, page, lambda r: r.id == data.orders["unpaid"])
        await press(pilot, "p")
        assert any("not paid yet" in n for n in notes(app))


async def test_purge_says_how_many_then_deletes(psvc, data):
    before = count_rows(psvc, Order)
    app = build_app(psvc)
    async with app.run_test(size=SIZE) as pilot:
        await open_page(pilot, "orders")
        await press(pilot, "d")
        assert isinstance(app.screen, ConfirmDialog)
        assert "Delete 2 unpaid and void orders older than 30 days" in app.screen.message
        await press(pilot, "y")
        assert count_rows(psvc, Order) == before - 2
        assert any("Deleted 2" in n for n in notes(app))
        assert len(page_of(app, "orders").table.rows) == before - 2
        await press(pilot, "d")  # nothing left to purge: no confirmation
        assert not isinstance(app.screen, ConfirmDialog)
        assert any("nothing to delete" in n for n in notes(app))


async def test_export_the_matching_orders(psvc, data):
    app = build_app(psvc)
    async with app.run_test(size=SIZE) as pilot:
        await open_page(pilot, "orders")
        await press(pilot, "slash", *"20261125", "enter")
        await press(pilot, "x")
        dialog = app.screen
        assert isinstance(dialog, FormDialog)
        assert dialog.form.values()["out"].endswith("exports/orders-2026-11-25.csv")
        await press(pilot, "ctrl+s")
        await press(pilot)
        path = export_dir(psvc) / "orders-2026-11-25.csv"
        assert path.exists()
        assert any(str(path) in n and "rows written" in n for n in notes(app))
        with path.open(encoding="utf-8-sig") as fh:
            rows = list(csv.reader(fh))
        # The file holds exactly what the list shows: orders whose number starts so.
        from smsconsole.services.orders import OrderFilter

        shown = psvc.orders.page(OrderFilter(order_no="20261125"), limit=1000).rows
        assert rows[0][0] == "order_no" and len(rows) == 1 + len(shown)
        assert {r[0] for r in rows[1:]} == {o.order_no for o in shown}
        assert len(shown) < count_rows(psvc, Order)
