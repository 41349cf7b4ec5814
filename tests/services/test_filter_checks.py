"""The list pages' service side (issue 14): one user lookup (``users.resolve``) and the
filter checks a filter form calls instead of running the query with limit 1. A bad
value is refused at its field, every bad field at once, and nothing changes."""

from __future__ import annotations

from datetime import date

import pytest

from smsconsole.services.adminlog import AdminLogFilter
from smsconsole.services.errors import Invalid, InvalidFields, NotFound
from smsconsole.services.holdings import FinanceFilter
from smsconsole.services.orders import OrderFilter
from smsconsole.services.records import RecordFilter, TaskFilter
from smsconsole.services.stats import MAX_DAYS, StatsFilter
from tests import factories as f
from tests.services.helpers import refused, snapshot

DAY = date(2026, 11, 20)
BAD = "a\x00b"  # a NUL: refused by every text rule


def test_resolve_exact_account_or_phone_wins_else_the_only_match(services):
    f.set_up(services)
    alice = f.user(services, account="alice", name="Alice Wang", phone="13911112222")
    f.user(services, account="alice2", name="Alice Li", phone="13911113333")
    bob = f.user(services, account="bob", name="Bob", phone="13800001111")
    assert services.users.resolve("  ") is None
    assert services.users.resolve(None) is None
    match = services.users.resolve("alice")
    assert (match.id, match.account, match.label) == (alice.id, "alice", "alice (Alice Wang)")
    assert services.users.resolve("13911112222").id == alice.id  # exact phone
    assert services.users.resolve("Bob").id == bob.id  # the only match
    assert services.users.resolve("1380000").id == bob.id  # a phone prefix, one match


def test_resolve_refuses_nobody_and_several_at_the_field(services):
    f.set_up(services)
    f.user(services, account="carol1", name="Carol", phone="13911114444")
    f.user(services, account="carol2", name="Carol", phone="13911115555")
    with refused(services, "error.user.no_match", "user", cls=NotFound) as info:
        services.users.resolve("nobody-here")
    en, zh = info.value.message("en"), info.value.message("zh")
    assert en == "No user matches “nobody-here”." and "nobody-here" in zh and zh != en
    with refused(services, "error.user.ambiguous", "owner", cls=Invalid) as info:
        services.users.resolve("Carol", field="owner")
    for lang in ("en", "zh"):
        text = info.value.message(lang)
        assert "carol1" in text and "carol2" in text and "error." not in text


@pytest.mark.parametrize(("check", "flt", "field"), [
    ("orders.check_filter", OrderFilter(first=DAY, last=date(2026, 11, 1)), "last"),
    ("orders.check_filter", OrderFilter(order_no=BAD), "order_no"),
    ("records.check_task_filter", TaskFilter(template_code=BAD), "template_code"),
    ("records.check_task_filter", TaskFilter(first=DAY, last=date(2026, 1, 1)), "last"),
    ("records.check_record_filter", RecordFilter(phone=BAD), "phone"),
    ("records.check_record_filter", RecordFilter(sign_name="x" * 200), "sign_name"),
    ("holdings.check_finance_filter", FinanceFilter(first=DAY, last=date(2026, 1, 1)), "last"),
    ("adminlog.check_filter", AdminLogFilter(target=BAD), "target"),
])
def test_a_bad_filter_is_refused_at_its_field_and_changes_nothing(services, check, flt,
                                                                  field):
    f.set_up(services)
    service, name = check.split(".")
    fn = getattr(getattr(services, service), name)
    before = snapshot(services)
    with pytest.raises(Invalid) as info:
        fn(flt)
    assert info.value.field == field
    assert not info.value.message("en").startswith("error.")
    assert snapshot(services) == before


def test_every_bad_field_at_once(services):
    f.set_up(services)
    with pytest.raises(InvalidFields) as info:
        services.records.check_record_filter(RecordFilter(phone=BAD, first=DAY,
                                                          last=date(2026, 1, 1), sign_name=BAD))
    assert [e.field for e in info.value.errors] == ["phone", "last", "sign_name"]


def test_stats_days_and_filter(services):
    f.set_up(services)
    with pytest.raises(Invalid) as info:
        services.stats.check_filter(date(2010, 1, 1), date(2026, 11, 1))
    assert (info.value.key, info.value.field) == ("error.stats.range_too_long", "first")
    assert info.value.params["max"] == MAX_DAYS
    with pytest.raises(Invalid) as info:
        services.stats.check_filter(DAY, DAY, StatsFilter(template_name=BAD))
    assert info.value.field == "template_name"


def test_good_filters_pass_unchanged(services):
    f.set_up(services)
    flt = OrderFilter(order_no="2026", first=date(2026, 11, 1), last=DAY)
    assert services.orders.check_filter(flt) is flt
    assert services.records.check_record_filter(RecordFilter(phone="139")) == RecordFilter(
        phone="139")
    assert services.adminlog.check_filter(AdminLogFilter(day=DAY)) == AdminLogFilter(day=DAY)
    assert services.stats.check_filter(DAY, DAY, StatsFilter()) == StatsFilter()
