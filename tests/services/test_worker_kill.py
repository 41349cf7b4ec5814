"""Worker processes: SIGKILL in the middle of 5,000 reports loses and doubles nothing; two
workers on one PostgreSQL database at once give the same result."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from sqlalchemy import func, select

from smsconsole.cloud.sandbox import client as sbc
from smsconsole.cloud.sandbox.server import Sandbox
from smsconsole.store.models import DeliveryStatus, SendRecord, SmsType
from tests import factories as f
from tests.conftest import TEST_SECRET_KEY, make_services
from tests.consistency import assert_consistent, assert_matches_sandbox
from tests.services.cloudseed import sender
from tests.services.conftest import FAST
from tests.services.test_worker import send_many, short_visibility

N = 5000


@pytest.fixture
def shared(db_url, tmp_path, worker_keys):
    """A sandbox serving the data dir (so worker processes find it) and the services."""
    box = Sandbox(tmp_path, keys_dir=worker_keys, config=dict(FAST, reply_rate=0.05))
    box.start()
    box.write_endpoints_file()
    svc = make_services(db_url, tmp_path, None, box)
    svc.admin = f.configure_sandbox(svc)
    yield svc, box, db_url, tmp_path
    svc.close()
    box.stop()


def worker_proc(db_url, data_dir, *extra):
    env = dict(os.environ, SMSCONSOLE_SECRET_KEY=TEST_SECRET_KEY.decode(), SMSCONSOLE_LANG="en")
    return subprocess.Popen([sys.executable, "-m", "smsconsole", "--db", db_url, "--data-dir",
                             str(data_dir), "worker", *extra], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def settled(svc) -> int:
    with svc.store.read() as s:
        return s.scalar(select(func.count()).select_from(SendRecord)
                        .where(SendRecord.status != DeliveryStatus.PENDING))


def finish(svc, db_url, data_dir, timeout=90):
    deadline = time.monotonic() + timeout
    while settled(svc) < N and time.monotonic() < deadline:
        p = worker_proc(db_url, data_dir, "--once")
        out, _ = p.communicate(timeout=60)
        assert p.returncode == 0, out
        time.sleep(0.5)
    assert settled(svc) == N


def prepare(svc, box):
    short_visibility(svc, box, seconds=2)
    who = sender(svc, svc.admin)
    f.quota(svc, svc.admin, who.user_id, N)
    send_many(svc, who, N, per_task=1000)
    sbc.flush_reports(box.endpoints)
    return who


def test_sigkill_mid_stream_then_restart(shared):
    svc, box, db_url, data_dir = shared
    who = prepare(svc, box)
    p = worker_proc(db_url, data_dir)
    deadline = time.monotonic() + 60
    while settled(svc) < 500 and time.monotonic() < deadline:
        time.sleep(0.05)
    p.send_signal(signal.SIGKILL)
    p.wait(10)
    killed_at = settled(svc)
    assert 0 < killed_at < N, "kill the worker in the middle of the stream"
    finish(svc, db_url, data_dir)
    state = sbc.state(box.endpoints, limit=100_000)
    assert assert_matches_sandbox(svc, state) == N
    counts = assert_consistent(svc)  # refunds exactly once: holdings equal a recount
    assert counts[DeliveryStatus.FAILED] == state["summary"]["failed"]
    assert svc.users.row(who.user_id).remaining[SmsType.NOTIFICATION] == N - counts[
        DeliveryStatus.DELIVERED]


def test_sigterm_finishes_the_batch_and_exits_0(shared):
    svc, box, db_url, data_dir = shared
    prepare(svc, box)
    p = worker_proc(db_url, data_dir)
    deadline = time.monotonic() + 60
    while settled(svc) < 200 and time.monotonic() < deadline:
        time.sleep(0.05)
    p.send_signal(signal.SIGTERM)
    out, _ = p.communicate(timeout=30)
    assert p.returncode == 0, out
    assert "finishing the batch" in out
    finish(svc, db_url, data_dir)
    assert_consistent(svc)


def test_two_workers_at_once(shared):
    """Two worker processes on one database (the PostgreSQL variant is the one that
    matters: row locks keep them from applying a report twice)."""
    svc, box, db_url, data_dir = shared
    prepare(svc, box)
    procs = [worker_proc(db_url, data_dir, "--max-seconds", "20") for _ in range(2)]
    deadline = time.monotonic() + 60
    while settled(svc) < N and time.monotonic() < deadline:
        time.sleep(0.2)
    for p in procs:
        p.send_signal(signal.SIGTERM)
        out, _ = p.communicate(timeout=30)
        assert p.returncode == 0, out
    finish(svc, db_url, data_dir)
    assert assert_matches_sandbox(svc, sbc.state(box.endpoints, limit=100_000)) == N
    assert_consistent(svc)
