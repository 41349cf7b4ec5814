from datetime import date, timedelta

import pytest

from smsconsole.services.errors import Conflict, Invalid, NotFound
from smsconsole.services.holdings import FinanceFilter
from smsconsole.services.packages import PackageInput
from smsconsole.store.models import HoldingSource, HoldingStatus, SmsType
from tests import factories as f
from tests.services.helpers import refused


def pkg_input(**kw):
    data = dict(name="通知包1万条", sms_type="notification", message_count=10000,
                unit_price="0.04", validity_days=365, price="400.00", recommended=True)
    data.update(kw)
    return PackageInput(**data)


def test_package_crud_with_money_in_fen(services):
    actor = f.set_up(services)
    pkg = services.packages.create(actor, pkg_input())
    assert pkg.price_fen == 40000 and pkg.unit_price_fen == 4
    services.packages.update(actor, pkg.id, pkg_input(price=39999, on_sale=False,
                                                      recommended=False))
    assert services.packages.get(pkg.id).price_fen == 39999
    assert services.packages.on_sale() == []
    assert services.packages.delete(actor, pkg.id) == "deleted"
    with pytest.raises(NotFound):
        services.packages.get(pkg.id)
    assert [e.action for e in services.adminlog.latest(limit=3)] == [
        "package.delete", "package.update", "package.create"]


@pytest.mark.parametrize("kw, key, field", [
    (dict(price="-1"), "error.money.not_positive", "price"),
    (dict(price=-100), "error.money.not_positive", "price"),
    (dict(price=12.5), "error.money.invalid", "price"),
    (dict(price="12.345"), "error.money.invalid", "price"),
    (dict(price="0"), "error.money.not_positive", "price"),
    (dict(message_count="1.5"), "error.number.not_integer", "message_count"),
    (dict(message_count=0), "error.number.not_positive", "message_count"),
    (dict(name=""), "error.field.required", "name"),
    (dict(name="x" * 65), "error.field.too_long", "name"),
    (dict(sms_type="voice"), "error.choice.invalid", "sms_type"),
    (dict(validity_days=0), "error.number.not_positive", "validity_days"),
])
def test_package_bad_input(services, kw, key, field):
    actor = f.set_up(services)
    with refused(services, key, field, cls=Invalid):
        services.packages.create(actor, pkg_input(**kw))


def test_package_with_orders_is_retired_not_erased(services):
    actor = f.set_up(services)
    pkg = services.packages.create(actor, pkg_input())
    services.orders.create(f.user(services).id, pkg.id)
    assert services.packages.delete(actor, pkg.id) == "retired"
    kept = services.packages.get(pkg.id)
    assert kept.retired and not kept.on_sale
    assert services.packages.list() == [] and len(services.packages.list(True)) == 1
    with refused(services, "error.package.retired", cls=Conflict):
        services.packages.update(actor, pkg.id, pkg_input())


def test_allocate_and_records_and_status(services, clock):
    actor = f.set_up(services)
    u = f.user(services)
    h = services.holdings.allocate(actor, u.id, "1000", "2026-12-31", "verification")
    assert h.source == HoldingSource.ADMIN and h.total == 1000 and h.used == 0
    # Valid through the end of 2026-12-31 in Shanghai.
    assert clock.day_of(h.expires_at - timedelta(microseconds=1)) == date(2026, 12, 31)
    rows = services.holdings.for_user(u.id)
    assert len(rows) == 1 and rows[0].remaining == 1000 and rows[0].order_no == ""
    services.holdings.set_status(actor, h.id, "frozen")
    assert services.holdings.get(h.id).status == HoldingStatus.FROZEN
    with refused(services, "error.holding.same_status", cls=Conflict):
        services.holdings.set_status(actor, h.id, HoldingStatus.FROZEN)
    with refused(services, "error.choice.invalid", "status", cls=Invalid):
        services.holdings.set_status(actor, h.id, "deleted")
    assert services.users.row(u.id).remaining[SmsType.VERIFICATION] == 0  # frozen: unusable


@pytest.mark.parametrize("count, expires, sms_type, key, field", [
    (0, "2026-12-31", "notification", "error.number.not_positive", "count"),
    ("abc", "2026-12-31", "notification", "error.number.not_integer", "count"),
    (100, "2026-11-24", "notification", "error.holding.expiry_past", "expires_on"),
    (100, "31/12/2026", "notification", "error.date.invalid", "expires_on"),
    (100, "2026-12-31", "fax", "error.choice.invalid", "sms_type"),
])
def test_allocate_bad_input(services, count, expires, sms_type, key, field):
    actor = f.set_up(services)
    u = f.user(services)
    with refused(services, key, field, cls=Invalid):
        services.holdings.allocate(actor, u.id, count, expires, sms_type)


def test_allocate_unknown_user(services):
    actor = f.set_up(services)
    with refused(services, "error.user.not_found", cls=NotFound):
        services.holdings.allocate(actor, 404, 10, "2026-12-31", "notification")


def test_finance_filters_and_expiring_and_home_quota(services, clock):
    actor = f.set_up(services)
    a, b = f.user(services, account="acme"), f.user(services, account="beta")
    f.quota(services, actor, a.id, 100, SmsType.NOTIFICATION, days=3)
    clock.advance(days=1)
    f.quota(services, actor, b.id, 300, SmsType.PROMOTION, days=60)
    assert len(services.holdings.finance_page().rows) == 2
    only_b = services.holdings.finance_page(FinanceFilter(user_search="bet")).rows
    assert [r.account for r in only_b] == ["beta"]
    promo = services.holdings.finance_page(FinanceFilter(sms_type=SmsType.PROMOTION)).rows
    assert [r.total for r in promo] == [300]
    today = services.holdings.finance_page(FinanceFilter(first=clock.today(), last=clock.today()))
    assert [r.account for r in today.rows] == ["beta"]
    with pytest.raises(Invalid):
        services.holdings.finance_page(FinanceFilter(first=date(2026, 12, 2), last=date(2026, 12, 1)))
    expiring = services.holdings.expiring(7)
    assert [r.account for r in expiring] == ["acme"]
    quota = services.holdings.quota_by_type()
    assert quota[SmsType.NOTIFICATION] == (100, 0, 100) and quota[SmsType.PROMOTION][0] == 300
