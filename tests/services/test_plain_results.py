"""Services hand their callers plain, frozen result classes, never detached ORM rows
(issue 14, item 5): a caller cannot change a row by mistake nor trip on lazy loading."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from sqlmodel import SQLModel

from smsconsole.services.accounts import SignUp
from smsconsole.services.packages import PackageInput
from smsconsole.services.portal import Portal
from smsconsole.services.secrets import hash_password
from smsconsole.services.users import Registration, UserUpdate
from smsconsole.store.models import (
    HoldingStatus,
    SendRecord,
    SendTask,
    Signature,
    SignType,
    SmsType,
    Template,
    VerificationCode,
)
from tests import factories as f
from tests.conftest import make_services
from tests.services.cloudseed import sandbox_catalog


def assert_plain(value, name: str) -> None:
    assert not isinstance(value, SQLModel), f"{name} returned an ORM row: {type(value)}"
    assert dataclasses.is_dataclass(value) and not isinstance(value, type), name
    assert type(value).__dataclass_params__.frozen, f"{name}: {type(value).__name__} not frozen"
    first = dataclasses.fields(value)[0].name
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(value, first, getattr(value, first))


def assert_all_plain(values, name: str) -> None:
    assert values, f"{name} returned nothing to check"
    for value in values:
        assert_plain(value, name)


def pkg_input(**kw):
    data = dict(name="通知包1万条", sms_type="notification", message_count=10000,
                unit_price="0.04", validity_days=365, price="400.00", recommended=True)
    data.update(kw)
    return PackageInput(**data)


def test_users(services):
    actor = f.set_up(services)
    user = services.users.register(Registration("plain01", "甲", "13900000001", f.PASSWORD))
    assert_plain(user, "users.register")
    assert not hasattr(user, "password_hash")
    assert_plain(services.users.get(user.id), "users.get")
    updated = services.users.update(actor, user.id, UserUpdate(name="乙"))
    assert_plain(updated, "users.update")
    assert updated.name == "乙"
    frozen = services.users.freeze(actor, user.id, "欠费")
    assert_plain(frozen, "users.freeze")
    assert frozen.freeze_reason == "欠费"
    assert_plain(services.users.restore(actor, user.id), "users.restore")
    assert_all_plain(services.users.search("plain"), "users.search")


def test_packages_orders_holdings(services):
    actor = f.set_up(services)
    user = f.user(services)
    pkg = services.packages.create(actor, pkg_input())
    assert_plain(pkg, "packages.create")
    assert_plain(services.packages.update(actor, pkg.id, pkg_input(price="300")),
                 "packages.update")
    assert_plain(services.packages.get(pkg.id), "packages.get")
    assert_all_plain(services.packages.list(), "packages.list")
    assert_all_plain(services.packages.on_sale(), "packages.on_sale")

    order = services.orders.create(user.id, pkg.id)
    assert_plain(order, "orders.create")
    assert order.order_no.endswith(f"{order.id:08d}")
    assert_plain(services.orders.get(order.id), "orders.get")
    changed = services.orders.change_price(actor, order.id, "299")
    assert_plain(changed, "orders.change_price")
    assert changed.amount_fen == 29900
    assert_all_plain(services.orders.price_changes(order.id), "orders.price_changes")
    assert_plain(services.orders.void(actor, order.id), "orders.void")
    paid = services.orders.create(user.id, pkg.id)
    services.orders.mark_paid(paid.order_no, "T0001")
    assert_plain(services.orders.payment(paid.id), "orders.payment")
    assert services.orders.payment(order.id) is None

    portal = Portal(services.ctx)
    assert_plain(portal.order(user.id, order.order_no), "portal.order")
    assert_all_plain(portal.order_list(user.id), "portal.order_list")

    expires = services.ctx.clock.today() + timedelta(days=30)
    holding = services.holdings.allocate(actor, user.id, 100, expires, SmsType.NOTIFICATION)
    assert_plain(holding, "holdings.allocate")
    assert holding.remaining == 100
    assert_plain(services.holdings.set_status(actor, holding.id, HoldingStatus.FROZEN),
                 "holdings.set_status")


def test_applications(services):
    actor = f.set_up(services)
    user = f.user(services)
    sig = services.signatures.apply(user.id, "云顶科技", "general")
    assert_plain(sig, "signatures.apply")
    tpl = services.templates.apply(user.id, "通知", "notification", "您好")
    assert_plain(tpl, "templates.apply")
    assert_plain(services.signatures.reject(actor, sig.id, "资质不全"), "signatures.reject")
    assert_plain(services.templates.reject(actor, tpl.id, "内容不全"), "templates.reject")
    portal = Portal(services.ctx)
    assert_all_plain(portal.applications(Signature, user.id), "portal.applications")
    assert_all_plain(portal.applications(Template, user.id), "portal.applications")


@pytest.fixture
def own_cloud(db_url, tmp_path, clock):
    """Services on a sandbox of their own: ``submit`` creates a template upstream, which
    would shift the codes the shared sandbox gives other tests."""
    from smsconsole.cloud.sandbox.server import Sandbox

    box = Sandbox(data_dir=tmp_path / "sandbox")
    box.start()
    (tmp_path / "data").mkdir()
    svc = make_services(db_url, tmp_path / "data", clock, box)
    try:
        yield svc, f.configure_sandbox(svc)
    finally:
        svc.close()
        box.stop()


def test_applications_with_the_cloud(own_cloud):
    services, actor = own_cloud
    user = f.user(services)
    signs, templates = sandbox_catalog(services)
    sign = next(s for s in signs if s.sign_type in ("general", None))
    assert_plain(services.signatures.assign(actor, user.id, sign.name,
                                            sign.sign_type or SignType.GENERAL),
                 "signatures.assign")
    assert_plain(services.templates.assign(actor, user.id, templates[0].code),
                 "templates.assign")
    tpl = services.templates.apply(user.id, "通知", "notification", "您好")
    assert_plain(services.templates.submit(actor, tpl.id), "templates.submit")


def test_auth_adminlog_and_risk_words(services):
    actor = f.set_up(services)
    admin = services.auth.admin(actor.admin_id)
    assert_plain(admin, "auth.admin")
    assert not hasattr(admin, "password_hash")
    assert services.auth.admin(actor.admin_id + 99) is None
    assert_plain(services.auth.authorization(), "auth.authorization")
    word = services.risk.add_word(actor, "代开发票")
    assert_plain(word, "risk.add_word")
    assert_all_plain(services.risk.words(), "risk.words")
    assert_plain(services.risk.add_number(actor, "13700000201", "投诉"), "risk.add_number")
    assert_all_plain(services.risk.numbers(), "risk.numbers")
    user = f.user(services)
    assert_plain(services.keys.customer(user.id), "keys.customer")  # defaults, never set
    services.keys.set_callbacks(actor, user.id, "https://example.com/r", "")
    assert_plain(services.keys.customer(user.id), "keys.customer")
    assert_all_plain(services.adminlog.latest(), "adminlog.latest")
    assert_all_plain(services.adminlog.page().rows, "adminlog.page")


def test_auth_setup(services):
    admin = services.auth.setup(f.setup_input(False))
    assert_plain(admin, "auth.setup")
    assert not hasattr(admin, "password_hash")


def _code(services, phone: str, scenario: str) -> str:
    now = services.ctx.clock.now()
    with services.store.session() as s:
        s.add(VerificationCode(phone=phone, scenario=scenario, code_hash=hash_password("246810"),
                               created_at=now, expires_at=now + timedelta(minutes=5),
                               sent=True))
    return "246810"


def test_accounts(services):
    f.set_up(services)
    portal = Portal(services.ctx)
    user = portal.accounts.register(SignUp(
        phone="13911110000", code=_code(services, "13911110000", "register"),
        email="plain@example.com", password=f.PASSWORD, company="甲公司", name="甲"))
    assert_plain(user, "accounts.register")
    moved = portal.accounts.change_phone(user.id, "13911110001",
                                         _code(services, "13911110001", "change_phone"))
    assert_plain(moved, "accounts.change_phone")
    assert moved.phone == "13911110001"


def test_portal_records_carry_the_answered_biz_id(services):
    f.set_up(services)
    user = f.user(services)
    now = services.ctx.clock.now()
    with services.store.session() as s:
        task = SendTask(user_id=user.id, created_at=now, sign_name="云顶科技",
                        template_code="SMS_1", sms_type=SmsType.NOTIFICATION, biz_id="HELD-1")
        s.add(task)
        s.flush()
        s.add(SendRecord(task_id=task.id, user_id=user.id, phone="13900000009",
                         sign_name="云顶科技", template_code="SMS_1",
                         sms_type=SmsType.NOTIFICATION, biz_id="UP-1", send_time=now))
    [rec] = Portal(services.ctx).records(user.id)
    assert_plain(rec, "portal.records")
    assert rec.biz_id == "HELD-1"
    with services.store.read() as s:  # the stored record keeps the upstream one
        assert s.query(SendRecord).one().biz_id == "UP-1"
