"""Issue 13 items 5 and 2: phone numbers are ASCII digits (full-width forms normalised
first), and no text field takes a control character or a non-string."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from smsconsole.services import validation as v
from smsconsole.services.errors import Invalid
from smsconsole.store.models import OptOut, SendRecord
from tests import factories as f
from tests.services.cloudseed import sender
from tests.services.helpers import refused
from tests.services.test_sending import request

FULL_WIDTH = "135１２３４５６７８"
ARABIC_INDIC = "١٣٥١٢٣٤٥٦٧٨"  # 13512345678 in Arabic-Indic digits
DEVANAGARI = "१३५१२३४५६७८"


def test_phone_pattern_takes_ascii_digits_after_full_width_forms():
    assert v.normalize_phone(FULL_WIDTH) == "13512345678"
    assert v.normalize_phone("＋８６ １３５－１２３４－５６７８") == "13512345678"
    assert v.normalize_phone(ARABIC_INDIC) is None
    assert v.normalize_phone(DEVANAGARI) is None
    assert v.normalize_phone("135١٢٣٤٥٦٧٨") is None
    with pytest.raises(Invalid):
        v.mobile(ARABIC_INDIC)
    with pytest.raises(Invalid):
        v.contact_phone("٠٢٢-٨٧٨٨٢٢٦٦")
    assert v.phone_prefix_range("١٣٥") is None
    assert v.phone_prefix_range("１３５") == ("13500000000", "13599999999")
    with pytest.raises(Invalid):
        v.positive_int("١٢٣", "messages")
    assert v.positive_int("１２３", "messages") == 123
    with pytest.raises(Invalid):
        v.money_fen("١٢.٥", "price")


@pytest.fixture
def admin(cloud_services):
    from smsconsole.services import Actor

    a = cloud_services.auth.login("admin@example.com", f.PASSWORD)
    return Actor(a.admin_id, a.name)


def test_full_width_number_is_deduplicated_and_opted_out(cloud_services, admin):
    svc = cloud_services
    who = sender(svc, admin)
    f.quota(svc, admin, who.user_id, 100)
    with svc.store.session() as s:
        s.add(OptOut(user_id=who.user_id, phone="13700000003", source="admin",
                     created_at=svc.ctx.clock.now()))
    out = svc.sending.send(request(svc, who, [
        "13512345678", FULL_WIDTH, ARABIC_INDIC, "137０００００００３", "13700000004"]))
    assert out.accepted == 2 and out.duplicates == 1 and out.opted_out == 1
    assert out.invalid == [ARABIC_INDIC]
    with svc.store.read() as s:
        phones = sorted(s.scalars(select(SendRecord.phone).where(SendRecord.task_id == out.task_id)))
    assert phones == ["13512345678", "13700000004"]


# --- control characters and non-strings (item 2) ---------------------------------------

BAD_TEXTS = ["a\x00b", "bell\x07", "esc\x1b[31m", "del\x7f"]


@pytest.mark.parametrize("bad", BAD_TEXTS)
def test_control_characters_are_refused_with_the_field_named(services, bad):
    from smsconsole.services.packages import PackageInput
    from smsconsole.services.settings import SiteInput
    from smsconsole.services.users import Registration

    actor = f.set_up(services)
    with refused(services, "error.field.control_chars", "name", cls=Invalid):
        services.users.register(Registration(account="acc0001", name=bad, phone="13900000001",
                                             password=f.PASSWORD))
    with refused(services, "error.field.control_chars", "account", cls=Invalid):
        services.users.register(Registration(account=bad + "xyz", name="n", phone="13900000001",
                                             password=f.PASSWORD))
    with refused(services, "error.field.control_chars", "name", cls=Invalid):
        services.packages.create(actor, PackageInput(name=bad, message_count=10, unit_price="0.04",
                                                     validity_days=30, price="0.40"))
    with refused(services, "error.field.control_chars", "address", cls=Invalid):
        services.settings.update_site(actor, SiteInput(company="c", address=bad))
    u = f.user(services)
    with refused(services, "error.field.control_chars", "name", cls=Invalid):
        services.signatures.apply(u.id, "签名" + bad, "company")
    with refused(services, "error.field.control_chars", "content", cls=Invalid):
        services.templates.apply(u.id, "模板", "notification", "您的订单" + bad)


@pytest.mark.parametrize("bad", BAD_TEXTS)
def test_control_characters_in_searches_are_refused(services, bad):
    from smsconsole.services.adminlog import AdminLogFilter
    from smsconsole.services.applications import ApplicationFilter
    from smsconsole.services.holdings import FinanceFilter
    from smsconsole.services.orders import OrderFilter
    from smsconsole.services.records import TaskFilter
    from smsconsole.services.users import UserFilter

    f.set_up(services)
    calls = [
        (lambda: services.users.page(UserFilter(search=bad)), "search"),
        (lambda: services.users.search(bad), "search"),
        (lambda: services.packages.list(search=bad), "search"),
        (lambda: services.signatures.page(ApplicationFilter(search=bad)), "search"),
        (lambda: services.templates.page(ApplicationFilter(search=bad)), "search"),
        (lambda: services.records.tasks(TaskFilter(user_search=bad)), "user_search"),
        (lambda: services.orders.page(OrderFilter(user_search=bad)), "user_search"),
        (lambda: services.orders.page(OrderFilter(order_no=bad)), "order_no"),
        (lambda: services.holdings.finance_page(FinanceFilter(user_search=bad)), "user_search"),
        (lambda: services.adminlog.page(AdminLogFilter(target=bad)), "target"),
    ]
    for call, field in calls:
        with pytest.raises(Invalid) as info:
            call()
        assert (info.value.key, info.value.field) == ("error.field.control_chars", field)


@pytest.mark.parametrize("value", [123, ["x"], {"a": 1}, b"bytes"])
def test_a_non_string_is_a_refusal_not_a_crash(services, value):
    from smsconsole.services.packages import PackageInput
    from smsconsole.services.users import Registration, UserFilter

    actor = f.set_up(services)
    with refused(services, "error.field.not_text", "name", cls=Invalid):
        services.users.register(Registration(account="acc0001", name=value, phone="13900000001",
                                             password=f.PASSWORD))
    with refused(services, "error.field.not_text", "phone", cls=Invalid):
        services.users.register(Registration(account="acc0001", name="n", phone=value,
                                             password=f.PASSWORD))
    with refused(services, "error.field.not_text", "name", cls=Invalid):
        services.packages.create(actor, PackageInput(name=value, message_count=10,
                                                     unit_price="0.04", validity_days=30,
                                                     price="0.40"))
    with pytest.raises(Invalid) as info:
        services.users.page(UserFilter(search=value))
    assert info.value.key == "error.field.not_text"


# --- LIKE searches (item 8) ---------------------------------------------------------------

def test_like_wildcards_are_literal_and_case_is_ignored_on_both_databases(services):
    from smsconsole.services.packages import PackageInput
    from smsconsole.services.users import UserFilter

    actor = f.set_up(services)
    for name in ("Gold 100%", "Silver_Pack", "Bronze"):
        services.packages.create(actor, PackageInput(name=name, message_count=10,
                                                     unit_price="0.04", validity_days=30,
                                                     price="0.40"))
    names = lambda term: sorted(p.name for p in services.packages.list(search=term))  # noqa: E731
    assert names("%") == ["Gold 100%"]
    assert names("_") == ["Silver_Pack"]
    assert names("\\") == []
    assert names("silver") == ["Silver_Pack"] and names("GOLD") == ["Gold 100%"]
    f.user(services, account="alpha_one", name="Alpha")
    f.user(services, account="alphaXone", name="Beta")
    rows = services.users.page(UserFilter(search="a_o")).rows
    assert [r.account for r in rows] == ["alpha_one"]
    assert [r.account for r in services.users.page(UserFilter(search="ALPHAX")).rows] == ["alphaXone"]


# --- far expiry (item 8) -------------------------------------------------------------------

def test_allocation_to_the_last_representable_day_is_a_clear_refusal(services):
    from datetime import date

    actor = f.set_up(services)
    u = f.user(services)
    for day in (date(9999, 12, 31), "9999-12-31", "2200-01-01"):
        with refused(services, "error.holding.expiry_too_far", "expires_on", cls=Invalid):
            services.holdings.allocate(actor, u.id, 100, day, "general")
    assert services.holdings.allocate(actor, u.id, 100, "2100-12-31", "general").id
