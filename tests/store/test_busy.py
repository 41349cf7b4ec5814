"""Issue 13 item 7: a busy SQLite database makes a writer wait (told once) instead of
failing; migrations run only when the schema is behind, so read-only commands (export,
check) never take the write lock; a reply's record lookup uses an index that fits."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
import time

import pytest
from sqlalchemy import select

from smsconsole.store import engine as engine_mod
from smsconsole.store.engine import open_store, upgrade
from smsconsole.store.models import AppSetting as Setting
from tests.conftest import TEST_SECRET_KEY


def _hold_write_lock(path, release: threading.Event, held: threading.Event):
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("BEGIN IMMEDIATE")
    held.set()
    release.wait(60)
    conn.execute("ROLLBACK")
    conn.close()


def test_a_writer_waits_for_a_busy_database_and_says_so(sqlite_url, monkeypatch):
    path = sqlite_url.removeprefix("sqlite:///")
    monkeypatch.setattr(engine_mod, "BUSY_TIMEOUT_MS", 200)
    told: list[int] = []
    monkeypatch.setattr(engine_mod, "on_busy", lambda: told.append(1))
    store = open_store(sqlite_url)
    release, held = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold_write_lock, args=(path, release, held))
    holder.start()
    held.wait(10)
    # Release only once the writer has been told it waits (several busy timeouts).
    threading.Thread(target=lambda: (time.sleep(1.0), release.set())).start()
    try:
        with store.session() as s:
            s.add(Setting(key="probe", value="1"))
    finally:
        release.set()
        holder.join(10)
    with store.read() as s:
        assert s.scalar(select(Setting.value).where(Setting.key == "probe")) == "1"
    assert told == [1]
    store.dispose()


def test_upgrade_at_head_takes_no_write_lock(sqlite_url, monkeypatch):
    path = sqlite_url.removeprefix("sqlite:///")
    monkeypatch.setattr(engine_mod, "BUSY_TIMEOUT_MS", 200)
    monkeypatch.setattr(engine_mod, "BUSY_WAIT_MAX_S", 0.5)
    store = open_store(sqlite_url)
    from tests.store.test_store import head_revision

    assert engine_mod.current_revision(store) == head_revision()
    release, held = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold_write_lock, args=(path, release, held))
    holder.start()
    held.wait(10)
    try:
        upgrade(store)  # would need the write lock held above, and fail
    finally:
        release.set()
        holder.join(10)
        store.dispose()


def _cli(args, data_dir, db_url, timeout=90):
    env = dict(os.environ, SMSCONSOLE_SECRET_KEY=TEST_SECRET_KEY.decode(),
               SMSCONSOLE_DATA_DIR=str(data_dir))
    return subprocess.run([sys.executable, "-m", "smsconsole", "--db", db_url, "--lang", "en",
                           *args], capture_output=True, text=True, timeout=timeout, env=env)


def test_export_and_check_run_while_another_program_writes(sqlite_url, tmp_path):
    path = sqlite_url.removeprefix("sqlite:///")
    release, held = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold_write_lock, args=(path, release, held))
    holder.start()
    held.wait(10)
    try:
        out = tmp_path / "stats.csv"
        proc = _cli(["export", "stats", "--out", str(out)], tmp_path, sqlite_url)
        assert proc.returncode == 0, proc.stderr
        assert out.exists() and "locked" not in proc.stderr
        proc = _cli(["check"], tmp_path, sqlite_url)
        assert "not set up" in proc.stderr and "locked" not in proc.stderr
    finally:
        release.set()
        holder.join(10)


def test_export_on_a_schema_behind_says_what_to_run(tmp_path):
    db = tmp_path / "old.db"
    store = open_store(f"sqlite:///{db}")
    upgrade(store, "0001")
    store.dispose()
    proc = _cli(["export", "orders", "--out", str(tmp_path / "o.csv")], tmp_path,
                f"sqlite:///{db}")
    assert proc.returncode == 1 and "smsconsole db upgrade" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("sign", ["", "云顶科技"])
def test_reply_lookup_uses_an_index_that_fits(sqlite_url, tmp_path, clock, sign):
    """The SELECTs a reply runs on send_record search by phone, never walk a signature
    (SQLite's EXPLAIN QUERY PLAN; the slow case was SQLite's)."""
    from smsconsole.services.reports import ReplyMsg, apply_replies
    from tests.conftest import make_services

    services = make_services(sqlite_url, tmp_path, clock)

    seen: list[str] = []
    with services.store.session() as s:
        raw = s.connection().connection.driver_connection
        raw.set_trace_callback(seen.append)
        try:
            apply_replies(s, services.ctx, [ReplyMsg(
                phone="13700000001", content="TD", sign_name=sign, dest_code="",
                sequence_id="1", send_time=services.ctx.clock.now())])
        finally:
            raw.set_trace_callback(None)
        lookups = [q for q in seen if q.lstrip().upper().startswith("SELECT")
                   and "send_record" in q]
        assert lookups
        for q in lookups:
            plan = " ".join(str(r[-1]) for r in raw.execute("EXPLAIN QUERY PLAN " + q))
            assert "ix_record_phone" in plan and "ix_record_sign_time" not in plan, plan
            if sign:
                assert "ix_record_phone_sign_time" in plan or "sign_name" not in q, plan
    services.close()
