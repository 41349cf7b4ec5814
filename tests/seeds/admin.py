"""The admin pages' dataset: five users (one frozen, one at its limits), quota of several
types, three packages (one with a paid order), signatures and templates in every review
state (two in review at the sandbox) — made through the services against the session's
cloud sandbox, the clock stepping back in time so the lists have an order.

Built once per test session and copied for each test (``admin_seed`` / ``seed`` /
``admin_services`` in ``tests/app_fixtures.py``); the clock stands at 2026-11-25 10:00
Shanghai as everywhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from smsconsole.clock import FixedClock
from smsconsole.services import Actor

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)  # the ``clock`` fixture's time



@dataclass(frozen=True)
class Seed:
    """What the seeded database holds (ids of the interesting rows)."""

    actor: Actor
    users: dict[str, int]  # account -> id
    packages: dict[str, int]  # name -> id
    signatures: dict[str, int]  # name -> id
    templates: dict[str, int]  # name -> id


def build(services, clock: FixedClock) -> Seed:
    """Fill an empty, migrated database (services on the session's sandbox)."""
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
