"""``smsconsole demo``: a small history (12 users, 10 days) on SQLite and PostgreSQL,
made through the services and the sandbox, must be consistent, match what the sandbox
did, show every status the screens filter by, add on a second run, and repeat exactly
for the same seed."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter

from sqlalchemy import func, select

from smsconsole.cloud.sandbox import client as sbc
from smsconsole.demo import DEMO_ADMIN_EMAIL, DEMO_PASSWORD, generate
from smsconsole.store.models import (
    AdminLog,
    DeliveryStatus,
    Holding,
    HoldingStatus,
    OptOut,
    Order,
    OrderPayment,
    OrderPriceChange,
    OrderStatus,
    PackageProduct,
    Reply,
    ReviewStatus,
    SendRecord,
    SendTask,
    Signature,
    SmsType,
    TaskStatus,
    Template,
    User,
)
from tests.conftest import _truncate_pg, fresh_sqlite, make_services
from tests.consistency import assert_consistent, assert_matches_sandbox

SMALL = dict(users=12, days=10, seed=4, volume=40)  # dense enough for replies on 10 days;
# 12 users show every status with this seed (a small run depends on its seed)
SAME = dict(users=6, days=5, seed=4, volume=40)  # determinism needs no more (faster)


def held_records(svc) -> int:
    """Records of the tasks risk control holds (charged, not sent yet)."""
    with svc.store.read() as s:
        return s.scalar(select(func.count()).select_from(SendRecord).where(
            SendRecord.task_id.in_(select(SendTask.id)
                                   .where(SendTask.status == TaskStatus.HELD))))


def check_against_sandbox(svc, box) -> None:
    """Every record the cloud accepted has the outcome the sandbox reported; the others
    are the ones the cloud refused outright (Aliyun's per-number limit on codes), or
    held by risk control (not sent yet)."""
    state = sbc.state(box.endpoints, limit=100_000)
    assert not state["truncated"]
    checked = assert_matches_sandbox(svc, state)
    assert checked == state["summary"]["messages"]
    with svc.store.read() as s:
        held = select(SendTask.id).where(SendTask.status == TaskStatus.HELD)  # risk control
        refused = s.execute(select(SendRecord.status, SendRecord.err_code)
                            .where(SendRecord.biz_id.is_(None),
                                   SendRecord.task_id.not_in(held))).all()
        total = s.scalar(select(func.count()).select_from(SendRecord)
                         .where(SendRecord.task_id.not_in(held)))
    assert all(st == DeliveryStatus.FAILED and code.startswith("isv.") for st, code in refused)
    assert checked + len(refused) == total


def test_small_history_is_consistent_complete_and_grows(demo_services):
    svc, box = demo_services, demo_services.box
    before = sbc.configure(box.endpoints)
    summary = generate(svc, **SMALL)

    # The admin it set up, and the login it reports.
    assert summary.admin_created and summary.admin_login == DEMO_ADMIN_EMAIL
    assert summary.admin_password == DEMO_PASSWORD
    svc.auth.login(DEMO_ADMIN_EMAIL, DEMO_PASSWORD)
    assert summary.first_day.isoformat() == "2026-11-16"
    assert summary.last_day.isoformat() == "2026-11-25"

    # Every number on every screen equals a recount, and every report was applied.
    counts = assert_consistent(svc)
    assert counts[DeliveryStatus.PENDING] == held_records(svc) > 0  # a spike held for review
    assert counts[DeliveryStatus.DELIVERED] == summary.delivered > 0
    assert counts[DeliveryStatus.FAILED] == summary.failed > 0
    check_against_sandbox(svc, box)
    # Risk control has something to show: a code loop, a night promotion (released at
    # 08:00), a blocked word, a spike waiting for review.
    hits = {rule: sum(c[rule] for _, c in svc.risk.trend(2)) for rule in
            ("frequency", "quiet_hours", "word", "volume")}
    assert all(hits.values()), hits
    assert svc.risk.waiting_count() == 1 and svc.risk.held("released")

    # Every application status, on both lists; rejections carry reasons.
    for service in (svc.signatures, svc.templates):
        by_status = service.counts_by_status()
        assert all(by_status[st] > 0 for st in ReviewStatus), by_status
    with svc.store.read() as s:
        for model in (Signature, Template):
            reasons = list(s.scalars(select(model.reason)
                                     .where(model.status == ReviewStatus.REJECTED)))
            assert reasons and all(reasons)
        # Orders in every status, one with a changed price.
        statuses = set(s.scalars(select(Order.status)))
        assert statuses == set(OrderStatus)
        assert s.scalar(select(func.count()).select_from(OrderPriceChange)) > 0
        # Paid through the real path: the buyer pays at the sandbox's Alipay, which
        # notifies the gateway; /alipay/notify marks the order paid (issue 16).
        paid = s.scalar(select(func.count()).select_from(Order)
                        .where(Order.paid_at.is_not(None)))
        vias = Counter(s.scalars(select(OrderPayment.via)))
        assert paid > 0 and vias == {"notify": paid}, (paid, vias)
        assert s.scalar(select(func.count()).select_from(AdminLog).where(
            AdminLog.action == "order.paid", AdminLog.admin_name == "alipay")) == paid
    notified = {n["out_trade_no"] for n in sbc.state(box.endpoints)["notifications"]
                if n["answer"] == "success"}
    with svc.store.read() as s:
        assert set(s.scalars(select(Order.order_no).where(Order.paid_at.is_not(None)))) <= notified
        # Replies, and unsubscribes turned into opt-outs.
        assert s.scalar(select(func.count()).select_from(Reply)) > 0
        assert s.scalar(select(func.count()).select_from(OptOut)) > 0
        # Packages of every type, some recommended, one retired.
        products = list(s.scalars(select(PackageProduct)))
        assert {p.sms_type for p in products if p.on_sale} == set(SmsType)
        assert any(p.recommended for p in products) and any(p.retired for p in products)
        # Holdings bought and allocated; some invalid or frozen.
        holdings = list(s.scalars(select(Holding)))
        assert {h.source.value for h in holdings} == {"order", "admin"}
        assert {h.status for h in holdings} - {HoldingStatus.NORMAL}
        # Sends of more than one type; a task refused by the cloud is possible too.
        assert len(set(s.scalars(select(SendTask.sms_type)))) >= 2
        # The admin worked on many different days.
        days = {svc.ctx.clock.day_of(at) for at in s.scalars(select(AdminLog.at))}
        assert len(days) >= 6
    # The sandbox is left as it was found: its own clock and behaviour.
    after = sbc.configure(box.endpoints)
    assert {k: after[k] for k in before} == before
    assert sbc.state(box.endpoints, summary=True)["clock_offset_ms"] == 0

    # Running again adds: new users, more history, still consistent.
    with svc.store.read() as s:
        users = s.scalar(select(func.count()).select_from(User))
        records = s.scalar(select(func.count()).select_from(SendRecord))
    again = generate(svc, users=5, days=10, seed=1, volume=20)
    assert not again.admin_created and again.admin_password == DEMO_PASSWORD
    with svc.store.read() as s:
        assert s.scalar(select(func.count()).select_from(User)) == users + 5
        assert s.scalar(select(func.count()).select_from(SendRecord)) == records + again.messages
    assert assert_consistent(svc)[DeliveryStatus.PENDING] == held_records(svc)
    check_against_sandbox(svc, box)


def fingerprint(svc) -> dict:
    """What the screens would show, independent of row order."""
    with svc.store.read() as s:
        def rows(*cols):
            return sorted(tuple(str(v) for v in r) for r in s.execute(select(*cols)).all())

        return {
            "users": rows(User.account, User.phone, User.status, User.registered_at),
            "tasks": rows(SendTask.user_id, SendTask.created_at, SendTask.template_code,
                          SendTask.numbers, SendTask.delivered, SendTask.failed,
                          SendTask.opted_out_numbers, SendTask.status),
            "records": Counter((r.status, r.err_code) for r in s.execute(
                select(SendRecord.status, SendRecord.err_code))),
            "orders": rows(Order.order_no, Order.status, Order.amount_fen, Order.paid_at),
            "payments": rows(OrderPayment.order_id, OrderPayment.via, OrderPayment.confirmed_at,
                             OrderPayment.trade_no),
            "holdings": rows(Holding.user_id, Holding.sms_type, Holding.total, Holding.used,
                             Holding.status, Holding.expires_at),
            "signatures": rows(Signature.name, Signature.status, Signature.reason),
            "templates": rows(Template.name, Template.code, Template.status),
            "replies": s.scalar(select(func.count()).select_from(Reply)),
            "opt_outs": rows(OptOut.user_id, OptOut.phone),
            "admin_log": rows(AdminLog.at, AdminLog.action, AdminLog.target),
        }


def test_same_seed_same_history(db_url, tmp_path, clock, new_box, sqlite_template):
    first = make_services(db_url, tmp_path / "a", clock, new_box("cloud-a"))
    try:
        generate(first, **SAME)
        one = fingerprint(first)
    finally:
        first.close()
    if db_url.startswith("sqlite"):
        (tmp_path / "b").mkdir()
        second_url = fresh_sqlite(sqlite_template, tmp_path / "b")
    else:
        _truncate_pg(db_url)
        second_url = db_url
    second = make_services(second_url, tmp_path / "b", clock, new_box("cloud-b"))
    try:
        generate(second, **SAME)
        two = fingerprint(second)
    finally:
        second.close()
    assert one["records"] and one["tasks"] and one["orders"] and one["replies"]
    for key in one:
        assert one[key] == two[key], key


def run_cli(args, data_dir, stdin=""):
    env = dict(os.environ, SMSCONSOLE_DATA_DIR=str(data_dir), SMSCONSOLE_LANG="en")
    env.pop("SMSCONSOLE_DB_URL", None)
    return subprocess.run([sys.executable, "-m", "smsconsole", *args], input=stdin,
                          capture_output=True, text=True, env=env, timeout=180)


def test_cli_on_a_setup_sandbox_install_then_again(tmp_path):
    """``smsconsole setup --sandbox`` then ``demo`` twice: the existing admin is used
    (its password is not printed), each run adds, nothing breaks. Not a terminal: no
    progress bar, just the lines."""
    data = tmp_path / "data"
    setup = run_cli(["setup", "--sandbox", "--admin-email", "ops@example.com",
                     "--admin-phone", "13900139000", "--password-stdin"], data, "Secret#2026pass\n")
    assert setup.returncode == 0, setup.stderr
    first = run_cli(["demo", "--users", "4", "--days", "3", "--seed", "5"], data)
    assert first.returncode == 0, first.stderr
    assert "existing admin ops@example.com" in first.stdout
    assert "Secret#2026pass" not in first.stdout and first.stderr == ""
    assert "new users 4 ·" in first.stdout and "Done in" in first.stdout
    second = run_cli(["demo", "--users", "2", "--days", "2", "--seed", "5"], data)
    assert second.returncode == 0, second.stderr
    svc = make_services(f"sqlite:///{data / 'smsconsole.db'}", data, clock=None)
    try:
        assert svc.users.count() == 6
        assert assert_consistent(svc)[DeliveryStatus.PENDING] == held_records(svc)
    finally:
        svc.close()
    bad = run_cli(["demo", "--users", "0"], data)
    assert bad.returncode == 2 and "--users" in bad.stderr


def test_cli_refuses_a_real_aliyun_install(tmp_path):
    data = tmp_path / "data"
    setup = run_cli(["setup", "--admin-email", "ops@example.com", "--admin-phone",
                     "13900139000", "--password-stdin", "--access-key-id", "test-access-key-id",
                     "--sign-name", "云顶科技", "--template-code", "SMS_100001",
                     "--report-queue", "Alicom-Queue-1-SmsReport",
                     "--reply-queue", "Alicom-Queue-1-SmsUp"], data,
                    "Secret#2026pass\nsecret-value-0001\n")
    assert setup.returncode == 0, setup.stderr
    out = run_cli(["demo", "--users", "3", "--days", "2"], data)
    assert out.returncode == 1 and out.stderr.count("\n") == 1
    assert "sandbox mode" in out.stderr and "Traceback" not in out.stderr
