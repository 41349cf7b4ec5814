"""The failure chart draws a day without failures on its 0 line (issue 18, item 8): with
too few rows plotext put 0 on the next tick's row, a month of zeros a flat line at "6"."""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

import pytest

from smsconsole.widgets.chart import plot_text, trend_data


@pytest.mark.parametrize("height", [9, 11, 13, 16, 22])
def test_days_without_failures_sit_on_zero(height):
    rows = [SimpleNamespace(day=date(2026, 11, 1) + timedelta(days=i), total=1000 + i,
                            delivered=990, failed=12 if i == 20 else 0) for i in range(30)]
    text = plot_text(trend_data(rows), 76, height, colorless=True)
    lines = text.splitlines()
    start = max(i for i, line in enumerate(lines) if "┌" in line)  # the failed panel
    by_label = {line.split("┤")[0].strip(): line.split("┤")[1]
                for line in lines[start:] if "┤" in line}
    assert by_label["0"].count("x") >= 25, text  # 29 days of zero on the 0 line
    assert by_label["6"].count("x") <= 3, text  # only the climb to the spike
