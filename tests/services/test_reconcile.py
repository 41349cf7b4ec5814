"""Reconciliation (services/reconcile.py): a send whose outcome is unknown — a read
timeout, a connection dropped after the request went out, a sender killed between the
cloud call and its commit — ends with records, quota and the sandbox's own truth equal.
Real sandbox (its fault injection), real SDK, real processes; SQLite and PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from smsconsole.cloud.sandbox import client as sbc
from smsconsole.cloud.sandbox.server import Sandbox
from smsconsole.services.reconcile import NOT_SENT, Reconciler
from smsconsole.services.sending import SendRequest
from smsconsole.services.worker import ReportWorker
from smsconsole.store.models import DeliveryStatus, SendRecord, SendTask, SmsType, TaskStatus
from tests import factories as f
from tests.conftest import TEST_SECRET_KEY, make_services
from tests.consistency import assert_consistent, assert_matches_sandbox
from tests.services.cloudseed import sender
from tests.services.conftest import FAST
from tests.services.test_sending import params_for

NOW = dict(grace=timedelta(0), settle_after=timedelta(0))  # the sender is surely gone


# The SMS client gives up after READ_TIMEOUT seconds (10 in production); a "late" sandbox
# answers after LATE seconds: the outcome of such a call is unknown.
READ_TIMEOUT, LATE = 1.5, 3


@pytest.fixture
def rsvc(db_url, tmp_path, worker_keys):
    """Services on the real clock (QuerySendDetails asks by the day of the send, which
    the sandbox keeps on its real clock) and a sandbox serving the data dir."""
    box = Sandbox(tmp_path, keys_dir=worker_keys, config=dict(FAST, reply_rate=0.0))
    box.start()
    box.write_endpoints_file()
    svc = make_services(db_url, tmp_path, None, box)
    svc.ctx.cloud.sms_read_timeout = READ_TIMEOUT
    svc.admin = f.configure_sandbox(svc)
    yield svc, box, db_url, tmp_path
    svc.close()
    box.stop()


def send(svc, who, phones):
    tid = who.templates[SmsType.NOTIFICATION]
    return svc.sending.send(SendRequest(who.user_id, tid, who.sign_name, phones,
                                        params_for(svc, tid)))


def sandbox_messages(box) -> list[dict]:
    return sbc.state(box.endpoints, limit=100_000)["messages"]


def wait_sandbox(box, n: int, timeout: float = 30) -> None:
    """Until the sandbox has handled ``n`` messages (a delayed request finishes after
    the client gave up on it)."""
    deadline = time.monotonic() + timeout
    while len(sandbox_messages(box)) < n and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(sandbox_messages(box)) == n


def drain(svc, box, rounds: int = 3) -> ReportWorker:
    worker = ReportWorker(svc, wait_seconds=0)
    for _ in range(rounds):
        sbc.flush_reports(box.endpoints)
        worker.run(once=True, kinds=("report",))
        assert not worker.failed, worker.health.error
    return worker


def by_status(svc, task_id=None) -> dict:
    with svc.store.read() as s:
        stmt = select(SendRecord.status, func.count()).group_by(SendRecord.status)
        if task_id is not None:
            stmt = stmt.where(SendRecord.task_id == task_id)
        return dict(s.execute(stmt).all())


def task_status(svc, task_id) -> TaskStatus:
    with svc.store.read() as s:
        return s.get(SendTask, task_id).status


def assert_equal_to_sandbox(svc, box, who, quota: int) -> dict:
    """Records, quota and the sandbox agree: every message the sandbox handled is a
    record with its BizId and outcome; every other record failed NotSent, refunded."""
    messages = sandbox_messages(box)
    assert assert_matches_sandbox(svc, {"messages": messages}) == len(messages)
    with svc.store.read() as s:
        rows = s.execute(select(SendRecord.biz_id, SendRecord.status, SendRecord.err_code,
                                SendRecord.refunded)).all()
    with_biz = [r for r in rows if r.biz_id is not None]
    assert len(with_biz) == len(messages)  # nothing sent is unaccounted for
    for r in rows:
        if r.biz_id is None:  # never reached the cloud
            assert (r.status, r.err_code, r.refunded) == (DeliveryStatus.FAILED, NOT_SENT, True)
    counts = assert_consistent(svc)  # holdings equal a recount: refunded exactly once
    assert counts[DeliveryStatus.UNKNOWN] == 0 and counts[DeliveryStatus.PENDING] == 0
    delivered = sum(m["outcome"] == "delivered" for m in messages)
    assert counts[DeliveryStatus.DELIVERED] == delivered
    # Refunds are on: what is charged is exactly what the cloud delivered.
    assert svc.users.row(who.user_id).remaining[SmsType.NOTIFICATION] == quota - delivered
    return counts


def race_two_reconcilers(svc) -> list:
    """Two reconcilers (as in two workers) started at the same moment."""
    results = []
    barrier = threading.Barrier(2)

    def reconcile():
        barrier.wait(10)
        results.append(Reconciler(svc.ctx, svc.cloud).run(**NOW))

    threads = [threading.Thread(target=reconcile) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert len(results) == 2
    return results


def test_timed_out_send_is_unknown_then_settled_as_sent(rsvc):
    """The sandbox handles the call after the client's read timeout: the records
    stay charged (unknown), QuerySendDetails finds them sent, their reports match."""
    svc, box, _, _ = rsvc
    who = sender(svc, svc.admin)
    f.quota(svc, svc.admin, who.user_id, 100)
    sbc.inject_fault(box.endpoints, "sms", "SendSms", kind="delay", seconds=LATE)
    out = send(svc, who, f.phones(50))
    assert out.status == TaskStatus.UNKNOWN and out.result_code == "Timeout"
    assert by_status(svc) == {DeliveryStatus.UNKNOWN: 50}
    assert svc.users.row(who.user_id).remaining[SmsType.NOTIFICATION] == 50  # still charged
    wait_sandbox(box, 50)
    worker = ReportWorker(svc, wait_seconds=0)
    result = worker.reconcile(**NOW)
    assert (result.sent, result.not_sent, result.left) == (50, 0, 0)
    assert by_status(svc) == {DeliveryStatus.PENDING: 50}
    assert task_status(svc, out.task_id) == TaskStatus.SUBMITTED
    assert worker.reconcile(**NOW).settled == 0  # idempotent
    drain(svc, box)
    assert_equal_to_sandbox(svc, box, who, 100)


def test_reports_settle_unknown_records_before_the_query(rsvc):
    """Reports of a timed-out call that arrive first find its records by OutId (they
    prove the send), so nothing waits in pending_report and nothing is left to ask."""
    svc, box, _, _ = rsvc
    who = sender(svc, svc.admin)
    f.quota(svc, svc.admin, who.user_id, 40)
    sbc.inject_fault(box.endpoints, "sms", "SendSms", kind="delay", seconds=LATE)
    out = send(svc, who, f.phones(20, 500))
    assert out.status == TaskStatus.UNKNOWN
    wait_sandbox(box, 20)
    drain(svc, box)
    from smsconsole.store.models import PendingReport

    with svc.store.read() as s:
        assert s.scalar(select(func.count()).select_from(PendingReport)) == 0
    result = ReportWorker(svc, wait_seconds=0).reconcile(**NOW)
    assert result.settled == 0 and result.left == 0
    assert task_status(svc, out.task_id) == TaskStatus.SUBMITTED
    assert_equal_to_sandbox(svc, box, who, 40)


def test_dropped_send_is_unknown_then_refunded_once_by_two_workers(rsvc):
    """The connection drops after the request went out: unknown, not failed. The cloud
    never handled it, so two reconcilers racing settle it once: failed and refunded."""
    svc, box, _, _ = rsvc
    who = sender(svc, svc.admin)
    f.quota(svc, svc.admin, who.user_id, 60)
    sbc.inject_fault(box.endpoints, "sms", "SendSms", kind="drop")
    out = send(svc, who, f.phones(30, 700))
    assert out.status == TaskStatus.UNKNOWN
    assert by_status(svc) == {DeliveryStatus.UNKNOWN: 30}
    assert svc.users.row(who.user_id).remaining[SmsType.NOTIFICATION] == 30
    results = race_two_reconcilers(svc)
    assert sum(r.not_sent for r in results) == 30 and sum(r.sent for r in results) == 0
    assert by_status(svc) == {DeliveryStatus.FAILED: 30}
    assert task_status(svc, out.task_id) == TaskStatus.REJECTED
    assert sandbox_messages(box) == []
    assert_equal_to_sandbox(svc, box, who, 60)


def test_a_live_sender_is_not_taken_over(rsvc):
    """A ``sending`` task whose sender beat recently is left alone."""
    svc, box, _, _ = rsvc
    who = sender(svc, svc.admin)
    f.quota(svc, svc.admin, who.user_id, 10)
    out = send(svc, who, f.phones(5, 900))
    with svc.store.session() as s:  # as if the sender were still between two calls
        s.get(SendTask, out.task_id).status = TaskStatus.SENDING
        s.get(SendTask, out.task_id).beat_at = svc.ctx.clock.now()
    assert Reconciler(svc.ctx, svc.cloud).adopt_stuck(timedelta(minutes=5)) == 0
    assert task_status(svc, out.task_id) == TaskStatus.SENDING


SENDER = """
import sys
from pathlib import Path
from smsconsole.services import build
from smsconsole.services.sending import SendRequest
db, data, user, tpl, sign, n = sys.argv[1:7]
svc = build(db, Path(data), migrate=False)
params = dict(a.split("=", 1) for a in sys.argv[7:])
phones = [f"139{i:08d}" for i in range(int(n))]
svc.sending.send(SendRequest(int(user), int(tpl), sign, phones, params))
print("done", flush=True)
"""

N = 5000


def test_sigkill_mid_send_then_reconcile(rsvc):
    """A sending process killed after its first call committed and while its second is
    in the cloud's hands (each call takes 3 s there): the task is found after the
    restart, the second call's records are found sent, the rest were never sent."""
    svc, box, db_url, data_dir = rsvc
    who = sender(svc, svc.admin)
    f.quota(svc, svc.admin, who.user_id, N)
    tid = who.templates[SmsType.NOTIFICATION]
    params = [f"{k}={v}" for k, v in params_for(svc, tid).items()]
    sbc.inject_fault(box.endpoints, "sms", "SendSms", kind="delay", seconds=3, count=5)
    env = dict(os.environ, SMSCONSOLE_SECRET_KEY=TEST_SECRET_KEY.decode(), SMSCONSOLE_LANG="en")
    proc = subprocess.Popen([sys.executable, "-c", SENDER, db_url, str(data_dir),
                             str(who.user_id), str(tid), who.sign_name, str(N), *params],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            with svc.store.read() as s:
                if s.scalar(select(func.count()).select_from(SendRecord)
                            .where(SendRecord.biz_id.is_not(None))):
                    break
            time.sleep(0.1)
        time.sleep(1.0)  # the second call is now waiting in the sandbox
        assert proc.poll() is None, proc.stdout.read()
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    sbc.clear_faults(box.endpoints)
    wait_sandbox(box, 2000)  # the cloud handled the second call anyway
    with svc.store.read() as s:
        task = s.scalars(select(SendTask)).one()
    assert task.status == TaskStatus.SENDING
    assert by_status(svc) == {DeliveryStatus.PENDING: N}
    worker = ReportWorker(svc, wait_seconds=0)
    # A restarted worker with the default grace leaves a recently active task alone.
    assert worker.reconcile().adopted_tasks == 0
    results = race_two_reconcilers(svc)  # two workers restarted at once
    assert sum(r.adopted_tasks for r in results) == 1
    assert sum(r.sent for r in results) == 1000 and sum(r.not_sent for r in results) == 3000
    assert task_status(svc, task.id) == TaskStatus.SUBMITTED
    assert worker.reconcile(**NOW).settled == 0
    drain(svc, box)
    counts = assert_equal_to_sandbox(svc, box, who, N)
    assert counts[DeliveryStatus.FAILED] == 3000 + sum(
        m["outcome"] == "failed" for m in sandbox_messages(box))
