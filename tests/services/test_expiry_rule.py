"""One expiry rule everywhere (issue 18, item 4): a holding allocated "valid through
2027-06-30" shows 2027-06-30 in the allocation records, in Finance (list and detail), on
home and in the Finance export — never the raw expiry moment (2027-07-01 00:00)."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from smsconsole.clock import last_valid_day
from smsconsole.services.holdings import FinanceFilter
from smsconsole.store.models import SmsType
from smsconsole.widgets import format as fmt
from tests import factories


def test_last_valid_day_is_inclusive_in_the_platform_zone():
    shanghai = ZoneInfo("Asia/Shanghai")
    # 2027-07-01 00:00 Shanghai = 2027-06-30 16:00 UTC: valid through 2027-06-30.
    assert last_valid_day(datetime(2027, 6, 30, 16, 0, tzinfo=UTC), shanghai) == date(2027, 6, 30)
    assert last_valid_day(datetime(2027, 6, 30, 16, 0), shanghai) == date(2027, 6, 30)  # naive=UTC
    assert last_valid_day(datetime(2027, 6, 30, 16, 0, 1, tzinfo=UTC), shanghai) == date(2027, 7, 1)


def test_allocation_finance_home_and_export_agree(services, tmp_path):
    from smsconsole.screens.finance import COLUMNS

    actor = factories.set_up(services)
    user = factories.user(services)
    services.holdings.allocate(actor, user.id, 500, date(2027, 6, 30), SmsType.NOTIFICATION)
    fmt.set_timezone(services.ctx.clock.tz)
    row = next(iter(services.holdings.finance_stream(FinanceFilter())))
    column = next(c for c in COLUMNS if c.key == "expires_at")
    assert column.render(row) == "2027-06-30"
    assert fmt.valid_through(row.expires_at) == "2027-06-30"
    assert fmt.dt(row.expires_at) == "2027-07-01 00:00"  # the raw moment, never shown
    out = tmp_path / "finance.csv"
    services.exports.export("finance", out, "csv")
    with out.open(encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    assert rows[1][rows[0].index("expires_at")] == "2027-06-30"
