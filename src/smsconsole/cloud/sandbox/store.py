"""The sandbox's state in one SQLite file (WAL): signatures, templates, sends, queued
messages, queues, STS tokens, trades and config. A restart loses nothing queued.

One connection guarded by one lock: every operation is a short transaction (a batch
receive of 16 is one SELECT plus one executemany), so there are no per-message locks
or fsyncs (``synchronous=NORMAL`` under WAL syncs only at checkpoints).
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS signs(
    name TEXT PRIMARY KEY, sign_type INTEGER NOT NULL, source INTEGER NOT NULL,
    remark TEXT NOT NULL DEFAULT '', status INTEGER NOT NULL, reason TEXT NOT NULL DEFAULT '',
    final_status INTEGER NOT NULL, final_reason TEXT NOT NULL DEFAULT '',
    created_ms INTEGER NOT NULL, decide_ms INTEGER NOT NULL, order_id TEXT NOT NULL,
    tag TEXT NOT NULL DEFAULT '2');
CREATE TABLE IF NOT EXISTS templates(
    code TEXT PRIMARY KEY, name TEXT NOT NULL, type INTEGER NOT NULL, content TEXT NOT NULL,
    remark TEXT NOT NULL DEFAULT '', related_sign TEXT NOT NULL DEFAULT '',
    status INTEGER NOT NULL, reason TEXT NOT NULL DEFAULT '',
    final_status INTEGER NOT NULL, final_reason TEXT NOT NULL DEFAULT '',
    created_ms INTEGER NOT NULL, decide_ms INTEGER NOT NULL, order_id TEXT NOT NULL,
    tag INTEGER NOT NULL DEFAULT 2);
CREATE TABLE IF NOT EXISTS sends(
    id INTEGER PRIMARY KEY, biz_id TEXT NOT NULL, phone TEXT NOT NULL,
    sign_name TEXT NOT NULL, template_code TEXT NOT NULL, template_type INTEGER NOT NULL,
    content TEXT NOT NULL, segments INTEGER NOT NULL, out_id TEXT NOT NULL DEFAULT '',
    send_ms INTEGER NOT NULL, report_ms INTEGER NOT NULL, due_real_ms INTEGER NOT NULL,
    outcome TEXT NOT NULL, err_code TEXT NOT NULL, err_msg TEXT NOT NULL,
    duplicate INTEGER NOT NULL DEFAULT 0, reply TEXT);
CREATE INDEX IF NOT EXISTS sends_biz ON sends(biz_id);
CREATE INDEX IF NOT EXISTS sends_phone ON sends(phone, send_ms);
CREATE TABLE IF NOT EXISTS queues(
    name TEXT PRIMARY KEY, visibility_timeout INTEGER NOT NULL,
    maximum_message_size INTEGER NOT NULL, message_retention_period INTEGER NOT NULL,
    delay_seconds INTEGER NOT NULL, polling_wait_seconds INTEGER NOT NULL,
    logging_enabled INTEGER NOT NULL, create_s INTEGER NOT NULL, modify_s INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS messages(
    id INTEGER PRIMARY KEY, queue TEXT NOT NULL, message_id TEXT NOT NULL,
    body TEXT NOT NULL, body_md5 TEXT NOT NULL, enqueue_ms INTEGER NOT NULL,
    visible_ms INTEGER NOT NULL, dequeue_count INTEGER NOT NULL DEFAULT 0,
    first_dequeue_ms INTEGER NOT NULL DEFAULT 0, handle TEXT,
    priority INTEGER NOT NULL DEFAULT 8, send_id INTEGER);
CREATE INDEX IF NOT EXISTS messages_visible ON messages(queue, visible_ms);
CREATE INDEX IF NOT EXISTS messages_send ON messages(send_id) WHERE send_id IS NOT NULL;
CREATE TABLE IF NOT EXISTS tokens(
    access_key_id TEXT PRIMARY KEY, secret TEXT NOT NULL, token TEXT NOT NULL,
    queue TEXT NOT NULL, message_type TEXT NOT NULL, expire_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS trades(
    out_trade_no TEXT PRIMARY KEY, trade_no TEXT NOT NULL DEFAULT '',
    subject TEXT NOT NULL, total_amount TEXT NOT NULL, status TEXT NOT NULL DEFAULT '',
    notify_url TEXT NOT NULL DEFAULT '', return_url TEXT NOT NULL DEFAULT '',
    created_ms INTEGER NOT NULL, paid_ms INTEGER NOT NULL DEFAULT 0,
    closed_ms INTEGER NOT NULL DEFAULT 0, buyer_id TEXT NOT NULL DEFAULT '',
    buyer_logon_id TEXT NOT NULL DEFAULT '', notify_id TEXT NOT NULL DEFAULT '',
    notify_state TEXT NOT NULL DEFAULT '', notify_attempts INTEGER NOT NULL DEFAULT 0,
    next_notify_ms INTEGER NOT NULL DEFAULT 0, last_notify_answer TEXT NOT NULL DEFAULT '',
    token TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS notifications(
    id INTEGER PRIMARY KEY, out_trade_no TEXT NOT NULL, notify_id TEXT NOT NULL,
    trade_status TEXT NOT NULL, attempt INTEGER NOT NULL, at_ms INTEGER NOT NULL,
    status INTEGER NOT NULL, answer TEXT NOT NULL, next_ms INTEGER NOT NULL);
"""

QUEUE_DEFAULTS = {
    "visibility_timeout": 30,
    "maximum_message_size": 65536,
    "message_retention_period": 345600,
    "delay_seconds": 0,
    "polling_wait_seconds": 0,
    "logging_enabled": 0,
}


class Store:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(
            str(self.path), check_same_thread=False, isolation_level=None, timeout=10
        )
        self.lock = threading.RLock()
        db = self._db
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA temp_store=MEMORY")
        db.execute("PRAGMA cache_size=-32000")
        db.executescript(SCHEMA)

    def close(self) -> None:
        with self.lock:
            self._db.close()

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        with self.lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        with self.lock:
            yield self._db

    # --- meta ------------------------------------------------------------------------

    def get_meta(self, key: str, default=None):
        with self.read() as db:
            row = db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return json.loads(row[0]) if row else default

    def set_meta(self, key: str, value) -> None:
        with self.tx() as db:
            put_meta(db, key, value)


def put_meta(db: sqlite3.Connection, key: str, value) -> None:
    db.execute(
        "INSERT INTO meta(key, value) VALUES(?, ?) "
        "ON CONFLICT(key) DO UPDATE SET value=excluded.value",
        (key, json.dumps(value, ensure_ascii=False)),
    )


def next_counter(db: sqlite3.Connection, name: str, n: int = 1) -> int:
    """Reserve ``n`` values of a persistent counter; returns the first."""
    row = db.execute("SELECT value FROM meta WHERE key=?", (f"seq:{name}",)).fetchone()
    first = (json.loads(row[0]) if row else 0) + 1
    put_meta(db, f"seq:{name}", first + n - 1)
    return first


def new_handle(message_rowid: int) -> str:
    """A receipt handle from a URL-safe alphabet (the SDK does not URL-encode it)."""
    return f"{message_rowid:x}-{secrets.token_urlsafe(9)}"


def handle_rowid(handle: str) -> int | None:
    head, sep, tail = handle.partition("-")
    if not sep or not tail:
        return None
    try:
        return int(head, 16)
    except ValueError:
        return None
