"""The data pages' dataset: two weeks of a small platform, made through the services,
the real SDK against a sandbox of its own, and the report worker — so records, reports,
replies, rollups, orders, holdings and the admin log are what production would hold.

Built once per test session into a SQLite file (``build``) and copied for each test:
the same calls on a fresh sandbox with a fixed seed and a fixed clock give the same data
every time (snapshots depend on it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from smsconsole.cloud.sandbox import client as sbc
from smsconsole.services import Actor
from smsconsole.services.packages import PackageInput
from smsconsole.services.sending import VARIABLE, SendRequest
from smsconsole.services.worker import ReportWorker
from smsconsole.store.models import SmsType, Template
from tests import factories as f
from tests.services.cloudseed import sender

# 2026-11-25 10:00 in Shanghai, as tests/conftest.py's clock.
NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
TODAY = date(2026, 11, 25)
DAYS = 14
SPIKE_DAY = date(2026, 11, 20)  # the day the carrier had trouble: most messages failed
SANDBOX_CONFIG = {"seed": 20261125, "report_delay": 0.0, "failure_rate": 0.15,
                  "duplicate_rate": 0.1, "reply_rate": 0.25, "unsubscribe_share": 0.4,
                  "review_delay": 1.0}


@dataclass
class Dataset:
    """What the tests need to find again (ids, accounts, numbers)."""

    admin: Actor
    accounts: list[str]
    user_ids: list[int]
    tasks: list[int] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    orders: dict[str, int] = field(default_factory=dict)  # role -> order id
    spike_day: date = SPIKE_DAY


def _params(services, template_id: int, value: str) -> dict:
    with services.store.read() as s:
        content = s.get(Template, template_id).content
    return {name: value for name in VARIABLE.findall(content)}


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    """A platform-local time (Shanghai, UTC+8) as an aware UTC datetime."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC) - timedelta(hours=8)


def drain(services, endpoints, rounds: int = 2) -> None:
    worker = ReportWorker(services, worker_id="pages-data-seed", wait_seconds=0)
    for _ in range(rounds):
        sbc.flush_reports(endpoints)
        worker.run(once=True)


def build(services, endpoints) -> Dataset:
    """Fill an empty, migrated database (services on the sandbox at ``endpoints``)."""
    clock = services.ctx.clock
    first_day = TODAY - timedelta(days=DAYS - 1)
    clock.set(at(first_day - timedelta(days=45), 9))
    sbc.set_clock(endpoints, clock.now())
    admin = f.configure_sandbox(services)
    senders = [sender(services, admin, account="acme", name="张三", company="艾克美贸易",
                      phone="13900000001"),
               sender(services, admin, account="brightway", name="Li Ming",
                      company="Brightway Ltd", phone="13900000002")]
    data = Dataset(admin, [s.account for s in senders], [s.user_id for s in senders])
    for who in senders:
        f.quota(services, admin, who.user_id, 50_000, SmsType.NOTIFICATION, days=200)
        f.quota(services, admin, who.user_id, 5_000, SmsType.PROMOTION, days=120)
    # Packages and orders: some old (to purge), one paid, one void, one repriced.
    pkg = services.packages.create(admin, PackageInput(
        name="通知包 1万条", sms_type="notification", message_count=10_000, unit_price="0.04",
        validity_days=365, price="400.00", recommended=True))
    small = services.packages.create(admin, PackageInput(
        name="推广包 2千条", sms_type="promotion", message_count=2_000, unit_price="0.05",
        validity_days=180, price="100.00"))
    for role, user, package in (("old_unpaid", 0, small), ("old_void", 1, small)):
        order = services.orders.create(data.user_ids[user], package.id)
        data.orders[role] = order.id
    services.orders.void(admin, data.orders["old_void"])
    clock.set(at(first_day + timedelta(days=2), 11))
    sbc.set_clock(endpoints, clock.now())
    paid = services.orders.create(data.user_ids[0], pkg.id)
    data.orders["paid"] = paid.id
    sbc.pay(endpoints, services.orders.pay_url(paid.id))
    services.orders.check_payment(admin, paid.id)
    clock.set(at(first_day + timedelta(days=5), 15))
    data.orders["void"] = services.orders.create(data.user_ids[1], small.id).id
    services.orders.void(admin, data.orders["void"])
    # Two weeks of sending, a few tasks a day; the spike day fails mostly.
    number = 0
    for offset in range(DAYS):
        day = first_day + timedelta(days=offset)
        spike = day == SPIKE_DAY
        if spike:
            sbc.configure(endpoints, failure_rate=0.7)
        for slot, who in enumerate(senders):
            size = (14 if spike else 3) + (offset * 5 + slot * 3) % 7
            kind = SmsType.PROMOTION if (offset + slot) % 4 == 3 else SmsType.NOTIFICATION
            phones = [f"1370000{(number + i) % 40:04d}" for i in range(size)]
            number += size
            clock.set(at(day, 8 + slot, 5 + offset))
            sbc.set_clock(endpoints, clock.now())
            tid = who.templates[kind]
            out = services.sending.send(SendRequest(
                user_id=who.user_id, template_id=tid, sign_name=who.sign_name, phones=phones,
                params=_params(services, tid, f"A{offset:02d}{slot}")))
            data.tasks.append(out.task_id)
            data.phones.extend(p for p in phones if p not in data.phones)
            drain(services, endpoints)
        if spike:
            sbc.configure(endpoints, failure_rate=SANDBOX_CONFIG["failure_rate"])
    # A task sent a moment ago whose reports have not arrived: its records are pending in
    # every copy of the database. (The sandbox holds its reports back for an hour; a test
    # that flushes the sandbox applies them to its own copy only.)
    sbc.configure(endpoints, report_delay=3600.0)
    clock.set(at(TODAY, 9, 45))
    sbc.set_clock(endpoints, clock.now())
    who = senders[0]
    tid = who.templates[SmsType.NOTIFICATION]
    out = services.sending.send(SendRequest(
        user_id=who.user_id, template_id=tid, sign_name=who.sign_name,
        phones=["13700000001", "13700000002", "13700000003"],
        params=_params(services, tid, "P99")))
    data.tasks.append(out.task_id)
    sbc.configure(endpoints, report_delay=SANDBOX_CONFIG["report_delay"])
    # Today: unpaid orders (one to reprice in the tests) and a price change.
    clock.set(at(TODAY, 9, 30))
    data.orders["unpaid"] = services.orders.create(data.user_ids[0], pkg.id).id
    data.orders["repriced"] = services.orders.create(data.user_ids[1], small.id).id
    services.orders.change_price(admin, data.orders["repriced"], "88.00", "老客户优惠")
    clock.set(NOW)
    sbc.set_clock(endpoints, clock.now())
    return data
