import json
from datetime import date, timedelta

import pytest

from smsconsole.services.errors import Conflict, Invalid, NotFound
from smsconsole.services.orders import OrderFilter
from smsconsole.services.packages import PackageInput
from smsconsole.store.models import OrderStatus
from tests import factories as f
from tests.services.helpers import refused


@pytest.fixture
def shop(services):
    actor = f.set_up(services)
    pkg = services.packages.create(actor, PackageInput(
        name="通知包", sms_type="notification", message_count=1000, unit_price="0.05",
        validity_days=90, price="50.00"))
    return actor, pkg


def test_order_numbers_search_and_dates(services, shop, clock):
    actor, pkg = shop
    u = f.user(services)
    o1 = services.orders.create(u.id, pkg.id)
    clock.advance(days=2)
    o2 = services.orders.create(u.id, pkg.id)
    assert o1.order_no.startswith("20261125") and o2.order_no.startswith("20261127")
    assert o1.amount_fen == 5000 and o1.status == OrderStatus.UNPAID
    assert [r.id for r in services.orders.page().rows] == [o2.id, o1.id]
    assert [r.id for r in services.orders.page(OrderFilter(order_no=o1.order_no)).rows] == [o1.id]
    assert [r.id for r in services.orders.page(OrderFilter(order_no="20261127")).rows] == [o2.id]
    day = services.orders.page(OrderFilter(first=date(2026, 11, 25), last=date(2026, 11, 26)))
    assert [r.id for r in day.rows] == [o1.id]
    with refused(services, "error.dates.order", cls=Invalid):
        services.orders.page(OrderFilter(first=date(2026, 11, 27), last=date(2026, 11, 25)))


def test_change_price_logs_old_and_new(services, shop):
    actor, pkg = shop
    order = services.orders.create(f.user(services).id, pkg.id)
    services.orders.change_price(actor, order.id, "45.50", "老客户优惠")
    got = services.orders.get(order.id)
    assert got.amount_fen == 4550 and got.list_amount_fen == 5000
    changes = services.orders.price_changes(order.id)
    assert [(c.old_amount_fen, c.new_amount_fen) for c in changes] == [(5000, 4550)]
    entry = services.adminlog.latest("order.price", 1)[0]
    assert json.loads(entry.detail)["amount_yuan"] == ["50.00", "45.50"]


@pytest.mark.parametrize("price, key", [
    ("-5", "error.money.not_positive"), ("abc", "error.money.invalid"),
    (12.5, "error.money.invalid"), ("50.00", "error.order.same_price"), ("0", "error.money.not_positive"),
])
def test_change_price_bad_input(services, shop, price, key):
    actor, pkg = shop
    order = services.orders.create(f.user(services).id, pkg.id)
    with refused(services, key, "price", cls=Invalid):
        services.orders.change_price(actor, order.id, price)


def test_change_price_only_when_unpaid(services, shop):
    actor, pkg = shop
    order = services.orders.create(f.user(services).id, pkg.id)
    services.orders.void(actor, order.id)
    with refused(services, "error.order.not_unpaid", cls=Conflict):
        services.orders.change_price(actor, order.id, "10")
    with refused(services, "error.order.not_found", cls=NotFound):
        services.orders.change_price(actor, 424242, "10")


def test_mark_paid_creates_the_holding_exactly_once(services, shop, clock):
    actor, pkg = shop
    u = f.user(services)
    order = services.orders.create(u.id, pkg.id)
    first = services.orders.mark_paid(order.order_no, "2026112522001")
    second = services.orders.mark_paid(order.order_no, "2026112522001")
    assert first is not None and second is None
    holdings = services.holdings.for_user(u.id)
    assert len(holdings) == 1 and holdings[0].order_no == order.order_no
    assert holdings[0].total == 1000
    assert clock.day_of(holdings[0].expires_at - timedelta(seconds=1)) == clock.today() + timedelta(days=90)
    assert services.orders.get(order.id).status == OrderStatus.PAID


def test_purge_old_unpaid_and_void_only(services, shop, clock):
    actor, pkg = shop
    u = f.user(services)
    old_unpaid = services.orders.create(u.id, pkg.id)
    old_void = services.orders.create(u.id, pkg.id)
    services.orders.void(actor, old_void.id)
    old_paid = services.orders.create(u.id, pkg.id)
    services.orders.mark_paid(old_paid.order_no, "T1")
    services.orders.change_price(actor, old_unpaid.id, "1.00")
    clock.advance(days=31)
    recent = services.orders.create(u.id, pkg.id)
    assert services.orders.purge_count() == 2
    assert services.orders.purge(actor) == 2
    left = {r.id for r in services.orders.page().rows}
    assert left == {old_paid.id, recent.id}
    assert services.orders.purge(actor) == 0
    assert json.loads(services.adminlog.latest("order.purge", 1)[0].detail)["count"] == 2


def test_order_refusals(services, shop):
    actor, pkg = shop
    with refused(services, "error.user.not_found", cls=NotFound):
        services.orders.create(999, pkg.id)
    u = f.user(services)
    with refused(services, "error.package.not_found", cls=NotFound):
        services.orders.create(u.id, 999)
    services.packages.update(actor, pkg.id, PackageInput(
        name="通知包", sms_type="notification", message_count=1000, unit_price="0.05",
        validity_days=90, price="50.00", on_sale=False))
    with refused(services, "error.package.not_on_sale", cls=Conflict):
        services.orders.create(u.id, pkg.id)


def test_change_price_reports_every_bad_field_at_once(services, shop):
    """A bad price and a bad reason are both named in one refusal (issue 18, item 10)."""
    from smsconsole.services.errors import InvalidFields

    actor, pkg = shop
    order = services.orders.create(f.user(services).id, pkg.id)
    with pytest.raises(InvalidFields) as got:
        services.orders.change_price(actor, order.id, "abc", "x" * 300)
    assert [(e.field, e.key) for e in got.value.errors] == [
        ("price", "error.money.invalid"), ("reason", "error.field.too_long")]
    assert services.orders.get(order.id).amount_fen == 5000
