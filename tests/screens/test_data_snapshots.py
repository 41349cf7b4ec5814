"""Snapshots of the data pages in both languages, at the shell's size, on the dataset
(fixed clock, real sends), plus the trend chart alone, coloured and with NO_COLOR.

Update after a reviewed change with ``pytest tests/screens/test_data_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from textual.app import App, ComposeResult

from tests.helpers import SIZE, build_app, open_page, page_of, press, still_cursors

# (page id, menu key): the key is part of each snapshot's name.
PAGES = [("orders", "6"), ("finance", "7"), ("tasks", "8"), ("records", "9"),
         ("stats", "0"), ("query", "F"), ("adminlog", "L")]


async def _quiet(pilot) -> None:
    await still_cursors(pilot)
    pilot.app.clear_notifications()


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("page_id,key", PAGES)
def test_page(snap_compare, psvc, data, page_id, key, lang):
    async def run_before(pilot) -> None:
        await open_page(pilot, page_id)
        if page_id == "query":  # a phone's timeline, the page's main use
            page = page_of(pilot.app, "query")
            page.form.set_values({"phone": data.phones[30]})
            await press(pilot, "enter")
        await _quiet(pilot)
        await press(pilot)

    assert snap_compare(build_app(psvc, lang), terminal_size=SIZE, run_before=run_before)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_task_detail(snap_compare, psvc, data, lang):
    async def run_before(pilot) -> None:
        await open_page(pilot, "tasks")
        page_of(pilot.app, "tasks").show_task(17)
        await press(pilot)
        await _quiet(pilot)
        await press(pilot)

    assert snap_compare(build_app(psvc, lang), terminal_size=SIZE, run_before=run_before)


class ChartApp(App):
    """The chart alone: 30 days with a failure spike, fixed numbers."""

    def compose(self) -> ComposeResult:
        from smsconsole.widgets.chart import TrendChart

        yield TrendChart(id="chart")

    def on_mount(self) -> None:
        from smsconsole.services.stats import DayRow
        from smsconsole.widgets.chart import trend_data

        first = date(2026, 10, 27)
        rows = []
        for i in range(30):
            total = 40 + (i * 7) % 23 + (120 if i == 24 else 0)
            failed = 3 + i % 5 + (95 if i == 24 else 0)
            rows.append(DayRow(first + timedelta(days=i), total, total - failed - i % 3,
                               failed, total))
        self.query_one("#chart").set_data(trend_data(rows))


CHART_CSS = "TrendChart { height: 100%; }"


@pytest.mark.parametrize("no_color", [False, True])
def test_chart(snap_compare, monkeypatch, no_color):
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    else:
        monkeypatch.delenv("NO_COLOR", raising=False)
    app = ChartApp()
    app.CSS = CHART_CSS
    assert snap_compare(app, terminal_size=(100, 20))
