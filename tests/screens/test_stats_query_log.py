"""Statistics with its chart (§2.11), the record query, the admin log (§2.12), by keys."""

from __future__ import annotations

from datetime import date, timedelta

from textual.widgets import DataTable, Input

from smsconsole.screens.dialogs import DetailDialog, FormDialog
from smsconsole.store.models import AdminLog, DeliveryStatus
from smsconsole.widgets.chart import TrendChart
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
)
from tests.seeds import traffic as dataset


async def test_statistics_days_chart_drill_down_and_export(psvc, data):
    app = build_app(psvc)
    async with app.run_test(size=SIZE) as pilot:
        await open_page(pilot, "stats")
        page = page_of(app, "stats")
        rows = page.loaded.rows
        assert len(rows) == 30 and rows[-1].day == dataset.TODAY
        assert rows == psvc.stats.daily(dataset.TODAY - timedelta(days=29), dataset.TODAY)
        chart = page.query_one(TrendChart).data
        assert [s.values for s in chart.series] == [
            tuple(r.total for r in rows), tuple(r.delivered for r in rows),
            tuple(r.failed for r in rows)]
        spike = max(rows, key=lambda r: r.failed)
        assert spike.day == data.spike_day
        table = page.query_one("#stats-table", DataTable)
        table.move_cursor(row=table.get_row_index(spike.day.isoformat()))
        await press(pilot, "u")  # the day's failures
        assert app.screen.current == "records"
        records = page_of(app, "records")
        assert len(records.table.rows) == spike.failed
        assert {r.status for r in records.table.rows} == {DeliveryStatus.FAILED}
        await press(pilot, "0", "f")
        assert isinstance(app.screen, FormDialog)
        app.screen.form.set_values({"first": "2026-11-18", "last": "2026-11-20",
                                    "user": "acme"})
        await press(pilot, "ctrl+s")
        assert len(page.loaded.rows) == 3 and "acme" in page.filters_text
        acme = data.user_ids[0]
        from smsconsole.services.stats import StatsFilter

        assert page.loaded.rows == psvc.stats.daily(date(2026, 11, 18), date(2026, 11, 20),
                                                    StatsFilter(user_id=acme))
        await press(pilot, "x")
        await press(pilot, "ctrl+s")
        await press(pilot)
        lines = (export_dir(psvc) / "stats-2026-11-25.csv").read_text(
            encoding="utf-8-sig").splitlines()
        assert lines[0] == "day,total,delivered,failed,pending,segments" and len(lines) == 4
        await press(pilot, "escape")  # back to the last 30 days
        assert len(page.loaded.rows) == 30


async def test_statistics_count_the_platforms_own_codes(psvc, data):
    """Verification codes the platform sent are its own: counted apart, in no user's."""
    from textual.widgets import Static

    from smsconsole.store.models import VerificationCode

    now = psvc.ctx.clock.now()
    with psvc.store.session() as s:
        for sent in (True, True, False):
            s.add(VerificationCode(phone="13912345678", scenario="register", code_hash="x",
                                   created_at=now, expires_at=now, sent=sent))
    app = build_app(psvc)
    async with app.run_test(size=SIZE) as pilot:
        await open_page(pilot, "stats")
        page = page_of(app, "stats")
        assert page.loaded.platform_codes == 2
        totals = str(page.query_one("#stats-totals", Static).render())
        assert "the platform's own verification codes 2" in totals


async def test_record_query_by_phone_and_by_template(psvc, data):
    app = build_app(psvc)
    async with app.run_test(size=SIZE) as pilot:
        await open_page(pilot, "query")
        page = page_of(app, "query")
        # The page opens on its results, so the menu keys keep working; / goes to the phone.
        assert not isinstance(app.focused, Input)
        await press(pilot, "slash", "enter")  # nothing given
        assert "Give a phone number" in field_error(app, "phone")
        await press(pilot, *"12345", "enter")
        assert "not a mainland mobile number" in field_error(app, "phone")
        phone = next(p for p in data.phones
                     if any(i.direction == "in" for i in psvc.records.timeline(p)))
        page.form.set_values({"phone": phone})
        await press(pilot, "enter")
        timeline = psvc.records.timeline(phone)
        assert page.mode == "timeline" and page.timeline == timeline
        assert {i.direction for i in timeline} == {"in", "out"}
        table = page.query_one("#query-timeline", DataTable)
        reply = next(i for i, item in enumerate(timeline) if item.direction == "in")
        table.move_cursor(row=reply)
        table.focus()
        await press(pilot, "enter")
        assert isinstance(app.screen, DetailDialog)
        await press(pilot, "escape")
        page.form.set_values({"phone": "", "template_code": "SMS_100000004",
                              "first": "2026-11-20", "last": "2026-11-20",
                              "status": DeliveryStatus.FAILED})
        page.form.focus_field("first")
        await press(pilot, "enter")
        assert page.mode == "records"
        rows = page.query_one("#query-records").rows
        assert rows and all(r.template_code == "SMS_100000004" and
                            r.status == DeliveryStatus.FAILED for r in rows)


async def test_admin_log_by_day_filters_detail_read_only(psvc, data):
    app = build_app(psvc)
    async with app.run_test(size=SIZE) as pilot:
        await open_page(pilot, "adminlog")
        page = page_of(app, "adminlog")
        actions = [r.action for r in page.table.rows]
        assert actions == ["auth.login", "order.price"]  # today, newest first
        before = count_rows(psvc, AdminLog)
        await press(pilot, "d", "e", "n")  # no edit, no delete, nothing new
        assert count_rows(psvc, AdminLog) == before
        assert not isinstance(app.screen, FormDialog)
        await press(pilot, "down", "enter")
        text = str(dict(app.screen.pairs)["adminlog.col.detail"])
        assert "amount_yuan: 100.00 → 88.00" in text and '"reason": "老客户优惠"' in text
        await press(pilot, "escape", "less_than_sign")
        assert page.flt.day == dataset.TODAY - timedelta(days=1)
        await press(pilot, "t")
        assert page.flt.day == dataset.TODAY
        await press(pilot, "f")
        app.screen.form.set_values({"day": "", "first": "2026-09-01", "last": "2026-11-25",
                                    "action": "order.void"})
        await press(pilot, "ctrl+s")
        assert [r.action for r in page.table.rows] == ["order.void", "order.void"]
        await press(pilot, "slash", *"20261117", "enter")
        assert [r.target for r in page.table.rows] == ["2026111700000004"]
        await press(pilot, "x", "ctrl+s")
        await press(pilot)
        assert any("admin-log-2026-11-25.csv" in n for n in notes(app))


async def test_record_query_template_picker_names_each_code(psvc, data):
    """The template picker says "CODE name", not a bare CODE (issue 18, item 12)."""
    from sqlalchemy import select
    from textual.widgets import Select

    from smsconsole.store.models import Template

    names: dict[str, set[str]] = {}
    with psvc.store.read() as s:
        for code, name in s.execute(select(Template.code, Template.name)
                                    .where(Template.code != "")):
            names.setdefault(code, set()).add(name)
    assert names
    app = build_app(psvc)
    async with app.run_test(size=SIZE) as pilot:
        await open_page(pilot, "query")
        page = page_of(app, "query")
        await pilot.pause(0.3)
        picker = page.form.row("template_code").input
        assert isinstance(picker, Select)
        offered = {value: str(prompt) for prompt, value in picker._options
                   if value is not Select.NULL}
        assert set(offered) == set(names)
        for code, prompt in offered.items():
            assert prompt in {f"{code} {name}" for name in names[code]}, prompt


async def test_record_query_results_reached_with_tab_after_ctrl_r(psvc, data):
    """After ctrl+r (from the form) Tab cycles through the form to the results and back,
    at 80×24, for a timeline and for records (issue 18, item 12; a regression guard)."""
    from smsconsole.widgets.paged_table import PagedTable

    app = build_app(psvc)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_page(pilot, "query")
        page = page_of(app, "query")
        for values, results in (({"phone": data.phones[0]}, "#query-timeline"),
                                ({"phone": "", "template_code": "SMS_100000004",
                                  "first": "2026-11-20", "last": "2026-11-20"},
                                 "#query-records")):
            await press(pilot, "slash")
            page.form.set_values(values)
            await press(pilot, "ctrl+r")
            target = page.query_one(results)
            reached = 0
            for _ in range(12):
                await press(pilot, "tab")
                focused = app.focused
                if focused is target or (isinstance(target, PagedTable)
                                         and focused in target.query("*")):
                    reached += 1
                    assert focused.region.height > 0
            assert reached >= 1, results
