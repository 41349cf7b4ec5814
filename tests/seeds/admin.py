"""Fixtures for the admin pages of issue 6 (users, signatures, templates, packages, and
the three settings pages).

One seeded database is built per test session (through the services, against the
session's cloud sandbox) and copied for each test, so every test starts from the same
data without paying for the seeding. The shell's ``tests/app_fixtures.py`` gives the
terminal size, the app factory and ``settle``; the clock stands at 2026-11-25 10:00
Shanghai as everywhere else.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from smsconsole.clock import FixedClock
from smsconsole.services import Actor
from tests.app_fixtures import SIZE, build_app, settle
from tests.conftest import fresh_sqlite, make_services

__all__ = ["SIZE", "settle", "Seed", "open_page", "running"]

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)  # the ``clock`` fixture's time

PAGE_KEYS = {"site": "C", "access": "A", "payment": "P", "users": "2", "signatures": "3",
             "templates": "4", "packages": "5", "risk": "R", "home": "1"}


@dataclass(frozen=True)
class Seed:
    """What the seeded database holds (ids of the interesting rows)."""

    actor: Actor
    users: dict[str, int]  # account -> id
    packages: dict[str, int]  # name -> id
    signatures: dict[str, int]  # name -> id
    templates: dict[str, int]  # name -> id


def _seed(services, clock: FixedClock) -> Seed:
    from smsconsole.services.packages import PackageInput
    from smsconsole.services.secrets import hash_password
    from smsconsole.services.users import Registration, UserUpdate
    from smsconsole.store.models import SignType, SmsType
    from tests.factories import configure_sandbox

    actor = configure_sandbox(services)  # admin, sandbox AK and Alipay
    pw = hash_password("Secret#2026pass")
    people = [("acct01", "张伟", "云顶一号公司", "zhangwei@example.com"),
              ("acct02", "李娜", "星河贸易", "lina@example.com"),
              ("acct03", "王强", "蓝海科技", "wangqiang@example.com"),
              ("acct04", "赵敏", "北辰物流", ""),
              ("acct05", "陈静", "", "chenjing@example.com")]
    users: dict[str, int] = {}
    for i, (account, name, company, email) in enumerate(people):
        clock.set(NOW - timedelta(days=40 - i * 5, hours=i))
        users[account] = services.users.register(
            Registration(account=account, name=name, phone=f"1390000000{i + 1}",
                         company=company, email=email), password_hash=pw).id

    clock.set(NOW - timedelta(days=10))
    day = clock.today()
    hold = services.holdings
    hold.allocate(actor, users["acct01"], 5000, day + timedelta(days=40), SmsType.NOTIFICATION)
    hold.allocate(actor, users["acct01"], 1000, day + timedelta(days=365), SmsType.GENERAL)
    hold.allocate(actor, users["acct01"], 200, day + timedelta(days=90), SmsType.VERIFICATION)
    hold.allocate(actor, users["acct02"], 60, day + timedelta(days=15), SmsType.NOTIFICATION)
    hold.allocate(actor, users["acct03"], 20000, day + timedelta(days=200), SmsType.PROMOTION)

    packages = {}
    for name, sms_type, count, unit, days, price, rec, sale in (
            ("通知短信包 1万条", "notification", 10000, "0.04", 365, "400.00", True, True),
            ("验证码包 5千条", "verification", 5000, "0.05", 180, "225.00", False, True),
            ("推广短信包 2万条", "promotion", 20000, "0.05", 365, "1000.00", False, False)):
        pkg = services.packages.create(actor, PackageInput(
            name=name, sms_type=sms_type, message_count=count, unit_price=unit,
            validity_days=days, price=price, recommended=rec, on_sale=sale))
        packages[name] = pkg.id
    # The notification package has an order (so deleting it retires it), paid: a holding
    # whose source is the order.
    clock.set(NOW - timedelta(days=3))
    order = services.orders.create(users["acct01"], packages["通知短信包 1万条"])
    services.orders.mark_paid(order.order_no, "2026112222001400000001")

    sig, tpl = services.signatures, services.templates
    signatures, templates = {}, {}
    steps = [
        # (hours before now, what)
        (9, lambda: signatures.__setitem__("星河贸易", sig.apply(
            users["acct02"], "星河贸易", SignType.GENERAL).id)),
        (8, lambda: signatures.__setitem__("蓝海科技", sig.apply(
            users["acct03"], "蓝海科技", SignType.GENERAL).id)),
        (7, lambda: signatures.__setitem__("陈记小馆", sig.apply(
            users["acct05"], "陈记小馆", SignType.GENERAL).id)),
        (6, lambda: signatures.__setitem__("云顶科技", sig.apply(
            users["acct01"], "云顶科技", SignType.VERIFICATION).id)),
        (5, lambda: signatures.__setitem__("速达科技", sig.assign(
            actor, users["acct01"], "速达科技", SignType.GENERAL).id)),
        (9, lambda: templates.__setitem__("到货提醒", tpl.apply(
            users["acct02"], "到货提醒", SmsType.NOTIFICATION,
            "您好${name}，您订购的商品已到货。").id)),
        (8, lambda: templates.__setitem__("会员活动", tpl.apply(
            users["acct03"], "会员活动", SmsType.PROMOTION,
            "会员日全场8折，拒收请回复R").id)),
        (7, lambda: templates.__setitem__("登录验证", tpl.apply(
            users["acct05"], "登录验证", SmsType.VERIFICATION,
            "您的登录验证码为${code}，5分钟内有效。").id)),
        (6, lambda: templates.__setitem__("账户通知", tpl.apply(
            users["acct01"], "账户通知", SmsType.NOTIFICATION,
            "尊敬的${name}，您的账户已开通。").id)),
        (5, lambda: templates.__setitem__("订单发货通知", tpl.assign(
            actor, users["acct01"], "SMS_100000004").id)),
    ]
    for hours, step in steps:
        clock.set(NOW - timedelta(hours=hours))
        step()
    clock.set(NOW - timedelta(hours=4))
    # 云顶科技 / 账户通知: submitted, in review at Aliyun (the sandbox).
    sig.submit(actor, signatures["云顶科技"])
    tpl.submit(actor, templates["账户通知"])
    # 蓝海科技 / 会员活动: rejected by the admin; acct03 is at both limits.
    sig.reject(actor, signatures["蓝海科技"], "营业执照不清晰")
    tpl.reject(actor, templates["会员活动"], "推广内容不合规")
    services.users.update(actor, users["acct03"], UserUpdate(max_signatures=1, max_templates=1))
    services.users.freeze(actor, users["acct04"], "欠费未结清")
    clock.set(NOW)
    return Seed(actor, users, packages, signatures, templates)


@pytest.fixture(scope="session")
def admin_seed(tmp_path_factory, sqlite_template, sandbox):
    """A seeded database file for the session and what it holds."""
    directory = tmp_path_factory.mktemp("admin-seed")
    url = fresh_sqlite(sqlite_template, directory)
    clock = FixedClock(NOW)
    services = make_services(url, directory, clock, sandbox)
    try:
        seed = _seed(services, clock)
    finally:
        services.close()
    return directory / "smsconsole.db", seed


@pytest.fixture
def seed(admin_seed) -> Seed:
    return admin_seed[1]


@pytest.fixture
def admin_services(admin_seed, tmp_path, clock, sandbox):
    """Services on a fresh copy of the seeded database, wired to the session sandbox."""
    path = tmp_path / "smsconsole.db"
    shutil.copyfile(admin_seed[0], path)
    services = make_services(f"sqlite:///{path}", tmp_path, clock, sandbox)
    yield services
    services.close()


def running(services, seed: Seed, lang: str = "en"):
    """The app, logged in as the seeded admin once it runs (see ``open_page``)."""
    app = build_app(services, lang)
    app._test_actor = seed.actor
    return app


async def open_page(pilot, page_id: str):
    """Log in (skipping the password screen) and open a page by its menu key; returns
    the page once its first data arrived."""
    app = pilot.app
    await settle(pilot)
    if app.main_screen is None:
        app.logged_in(app._test_actor)
        await settle(pilot)
    await pilot.press(PAGE_KEYS[page_id])
    await settle(pilot)
    page = app.main_screen.pages[page_id]
    assert app.main_screen.current == page_id
    return page


# --- helpers for the tests ----------------------------------------------------------------


def field_error(app, name: str) -> str:
    """The error shown under a field of the form on top ("" when none)."""
    from smsconsole.widgets.form_view import FormView

    row = app.screen.query_one(FormView).row(name)
    assert row is not None, name
    return str(row.query_one(".field--error").render()) if row.has_class("-invalid") else ""


def form_error(app) -> str:
    """The message at the top of the form on top ("" when none)."""
    from smsconsole.widgets.form_view import FormView

    form = app.screen.query_one(FormView)
    return str(form.query_one(".form--error").render()) if form.has_class("-has-error") else ""


async def fill(pilot, values: dict) -> None:
    """Set fields of the form on top (CJK text cannot be typed by Pilot)."""
    from smsconsole.widgets.form_view import FormView

    pilot.app.screen.query_one(FormView).set_values(values)
    await pilot.pause()


async def quiet(pilot, rounds: int = 5) -> None:
    """Like the shell's ``settle``, but done as soon as a round started no worker (each
    pause costs a few frames, and the tests press many keys)."""
    app = pilot.app
    for _ in range(rounds):
        before = [w for w in app.workers if not w.is_finished]
        await app.workers.wait_for_complete()
        await pilot.pause()
        if not before and all(w.is_finished for w in app.workers):
            return


async def press(pilot, *keys: str) -> None:
    """Press keys; a ``Text("…")`` among them is typed into the focused input at once
    (Pilot spends ~70 ms a key waiting for idle; typing is not what these tests test)."""
    for key in keys:
        if isinstance(key, Text):
            focused = pilot.app.focused
            if hasattr(focused, "insert_text_at_cursor"):
                focused.insert_text_at_cursor(str(key))
            else:  # a TextArea
                focused.insert(str(key))
            await pilot.pause()
        else:
            await pilot.press(key)
    await quiet(pilot)


class Text(str):
    """Text to type in one go (see ``press``)."""


def notes(app) -> list[str]:
    """Every notification shown so far, oldest first."""
    return [str(n.message) for n in app._notifications]


def text_of(widget) -> str:
    """A Static's content as plain text (rich renderables rendered at 200 columns)."""
    from rich.console import Console

    content = widget.content
    if isinstance(content, str):
        return content
    console = Console(width=200, record=True, file=__import__("io").StringIO())
    console.print(content)
    return console.export_text()


@dataclass(frozen=True)
class LogEntry:
    action: str
    admin_name: str
    target: str
    data: object  # the detail: {"field": [old, new], ...}


def logs(services, action: str) -> list[LogEntry]:
    """The admin-log rows of ``action``, oldest first, details decoded."""
    import json

    from sqlalchemy import select

    from smsconsole.store.models import AdminLog

    with services.store.read() as s:
        rows = list(s.scalars(select(AdminLog).where(AdminLog.action == action)
                              .order_by(AdminLog.id)))
    out = []
    for row in rows:
        try:
            data = json.loads(row.detail) if row.detail else {}
        except ValueError:
            data = row.detail
        out.append(LogEntry(row.action, row.admin_name, row.target, data))
    return out


async def select_row(pilot, page, predicate) -> object:
    """Move the cursor of the page's table to the first row matching ``predicate``."""
    from smsconsole.widgets.paged_table import PagedTable

    table = page.query_one(PagedTable)
    for index, row in enumerate(table.rows):
        if predicate(row):
            table.grid.move_cursor(row=index)
            table.grid.focus()
            await pilot.pause()
            return row
    raise AssertionError("no such row: " + ", ".join(map(str, table.rows)))
