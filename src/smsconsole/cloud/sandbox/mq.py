"""MNS queue semantics on top of the store (the wire format is in ``mns_api``).

At-least-once delivery: a receive makes a message invisible until
``now + VisibilityTimeout`` and gives it a new receipt handle; a handle is valid only
until that time and only while it is the latest; an undeleted message comes back with
a higher ``DequeueCount``. Long polls wait on a per-queue condition that enqueues and
visibility changes notify; messages that become visible by the passing of time are
found by waking at the earliest ``visible_ms``. All times here are real epoch ms.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from .signing import mns_body_md5
from .store import QUEUE_DEFAULTS, Store, handle_rowid, new_handle, next_counter
from .virtual_clock import real_ms


@dataclass(frozen=True)
class Received:
    message_id: str
    receipt_handle: str
    body: str
    body_md5: str
    enqueue_ms: int
    next_visible_ms: int
    first_dequeue_ms: int
    dequeue_count: int
    priority: int


class QueueError(Exception):
    """An MNS-level failure: ``code`` and ``status`` as MNS answers them."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def not_exist() -> QueueError:
    return QueueError(404, "MessageNotExist", "Message not exist.")


def queue_not_exist() -> QueueError:
    return QueueError(404, "QueueNotExist", "The queue name you provided is not exist.")


class QueueEngine:
    def __init__(self, store: Store, message_id_prefix: str) -> None:
        self.store = store
        self._prefix = message_id_prefix
        self._cond = threading.Condition()
        self._version = 0
        self._stopping = False
        self._attrs: dict[str, dict] = {}
        with store.read() as db:
            for row in db.execute("SELECT * FROM queues"):
                self._attrs[row[0]] = self._row_attrs(row)

    # --- queues ---------------------------------------------------------------------

    @staticmethod
    def _row_attrs(row) -> dict:
        keys = ("name", *QUEUE_DEFAULTS, "create_s", "modify_s")
        return dict(zip(keys, row, strict=True))

    def exists(self, name: str) -> bool:
        return name in self._attrs

    def attributes(self, name: str) -> dict:
        attrs = self._attrs.get(name)
        if attrs is None:
            raise queue_not_exist()
        return dict(attrs)

    def create(self, name: str, attrs: dict | None = None) -> bool:
        """Create a queue; False when it already exists with the same attributes."""
        wanted = {**QUEUE_DEFAULTS, **(attrs or {})}
        current = self._attrs.get(name)
        if current is not None:
            if any(current[k] != wanted[k] for k in QUEUE_DEFAULTS):
                raise QueueError(409, "QueueAlreadyExist",
                                 "The queue you want to create is already exist.")
            return False
        now_s = int(time.time())
        with self.store.tx() as db:
            db.execute(
                "INSERT INTO queues VALUES(?,?,?,?,?,?,?,?,?)",
                (name, *(wanted[k] for k in QUEUE_DEFAULTS), now_s, now_s),
            )
        self._attrs[name] = {"name": name, **wanted, "create_s": now_s, "modify_s": now_s}
        return True

    def set_attributes(self, name: str, attrs: dict) -> None:
        current = self.attributes(name)
        current.update({k: v for k, v in attrs.items() if k in QUEUE_DEFAULTS})
        current["modify_s"] = int(time.time())
        with self.store.tx() as db:
            db.execute(
                "UPDATE queues SET visibility_timeout=?, maximum_message_size=?, "
                "message_retention_period=?, delay_seconds=?, polling_wait_seconds=?, "
                "logging_enabled=?, modify_s=? WHERE name=?",
                (*(current[k] for k in QUEUE_DEFAULTS), current["modify_s"], name),
            )
        self._attrs[name] = current

    def delete_queue(self, name: str) -> None:
        self.attributes(name)
        with self.store.tx() as db:
            db.execute("DELETE FROM queues WHERE name=?", (name,))
            db.execute("DELETE FROM messages WHERE queue=?", (name,))
        self._attrs.pop(name, None)

    # --- messages -------------------------------------------------------------------

    def enqueue_many(self, db, items: list[tuple[str, str, int, int | None]]) -> list[str]:
        """Insert ``(queue, body_text, visible_at_ms, send_id)`` inside the caller's
        transaction; returns the message ids. Call :meth:`notify` after committing."""
        if not items:
            return []
        first = next_counter(db, "message", len(items))
        ids = []
        rows = []
        for i, (queue, body, visible_ms, send_id) in enumerate(items):
            mid = f"{self._prefix}-{first + i:012X}"
            ids.append(mid)
            rows.append((queue, mid, body, mns_body_md5(body), visible_ms, visible_ms, send_id))
        db.executemany(
            "INSERT INTO messages(queue, message_id, body, body_md5, enqueue_ms, visible_ms, "
            "send_id) VALUES(?,?,?,?,?,?,?)",
            rows,
        )
        return ids

    def send(self, queue: str, bodies: list[tuple[str, int, int]]) -> list[tuple[str, str]]:
        """SendMessage: ``(body, delay_seconds, priority)`` → ``(message_id, body_md5)``."""
        attrs = self.attributes(queue)
        now = real_ms()
        with self.store.tx() as db:
            first = next_counter(db, "message", len(bodies))
            out = []
            rows = []
            for i, (body, delay, priority) in enumerate(bodies):
                delay = attrs["delay_seconds"] if delay < 0 else delay
                mid = f"{self._prefix}-{first + i:012X}"
                md5 = mns_body_md5(body)
                rows.append((queue, mid, body, md5, now, now + delay * 1000, priority))
                out.append((mid, md5))
            db.executemany(
                "INSERT INTO messages(queue, message_id, body, body_md5, enqueue_ms, "
                "visible_ms, priority) VALUES(?,?,?,?,?,?,?)",
                rows,
            )
        self.notify()
        return out

    def notify(self) -> None:
        with self._cond:
            self._version += 1
            self._cond.notify_all()

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()

    def _take(self, queue: str, n: int, vt_s: int) -> list[Received]:
        now = real_ms()
        vis = now + vt_s * 1000
        with self.store.tx() as db:
            rows = db.execute(
                "SELECT id, message_id, body, body_md5, enqueue_ms, dequeue_count, "
                "first_dequeue_ms, priority FROM messages "
                "WHERE queue=? AND visible_ms<=? ORDER BY visible_ms LIMIT ?",
                (queue, now, n),
            ).fetchall()
            if not rows:
                return []
            out = []
            updates = []
            for rid, mid, body, md5, enq, dq, first, prio in rows:
                handle = new_handle(rid)
                first = first or now
                updates.append((handle, vis, first, rid))
                out.append(Received(mid, handle, body, md5, enq, vis, first, dq + 1, prio))
            db.executemany(
                "UPDATE messages SET handle=?, visible_ms=?, dequeue_count=dequeue_count+1, "
                "first_dequeue_ms=? WHERE id=?",
                updates,
            )
        return out

    def _next_visible(self, queue: str) -> int | None:
        with self.store.read() as db:
            row = db.execute(
                "SELECT MIN(visible_ms) FROM messages WHERE queue=?", (queue,)
            ).fetchone()
        return row[0] if row else None

    def receive(self, queue: str, n: int, wait_s: float | None) -> list[Received]:
        """Receive up to ``n`` messages, holding the request up to ``wait_s`` seconds
        (``None``: the queue's PollingWaitSeconds). Raises MessageNotExist when none."""
        attrs = self.attributes(queue)
        wait = attrs["polling_wait_seconds"] if wait_s is None else wait_s
        deadline = time.monotonic() + wait
        while True:
            version = self._version
            got = self._take(queue, n, attrs["visibility_timeout"])
            if got:
                return got
            left = deadline - time.monotonic()
            if left <= 0 or self._stopping:
                raise not_exist()
            nxt = self._next_visible(queue)
            if nxt is not None:
                left = min(left, max(0.002, (nxt - real_ms()) / 1000))
            with self._cond:
                if self._version == version and not self._stopping:
                    self._cond.wait(left)

    def peek(self, queue: str, n: int) -> list[Received]:
        self.attributes(queue)
        now = real_ms()
        with self.store.read() as db:
            rows = db.execute(
                "SELECT message_id, body, body_md5, enqueue_ms, dequeue_count, "
                "first_dequeue_ms, priority FROM messages "
                "WHERE queue=? AND visible_ms<=? ORDER BY visible_ms LIMIT ?",
                (queue, now, n),
            ).fetchall()
        if not rows:
            raise not_exist()
        return [
            Received(mid, "", body, md5, enq, 0, first or enq, dq, prio)
            for mid, body, md5, enq, dq, first, prio in rows
        ]

    def delete(self, queue: str, handles: list[str]) -> list[tuple[str, str, str]]:
        """Delete by receipt handle; returns ``(handle, code, message)`` for failures."""
        self.attributes(queue)
        now = real_ms()
        failed = []
        doomed = []
        with self.store.tx() as db:
            for h in handles:
                rid = handle_rowid(h)
                if rid is None:
                    failed.append((h, "ReceiptHandleError", "The receipt handle you provided "
                                   "is not valid."))
                    continue
                row = db.execute(
                    "SELECT queue, handle, visible_ms FROM messages WHERE id=?", (rid,)
                ).fetchone()
                if row is None or row[0] != queue or row[1] != h or row[2] <= now:
                    failed.append((h, "MessageNotExist", "Message not exist."))
                    continue
                doomed.append((rid,))
            if doomed:
                db.executemany("DELETE FROM messages WHERE id=?", doomed)
        return failed

    def change_visibility(self, queue: str, handle: str, vt_s: int) -> tuple[str, int]:
        self.attributes(queue)
        rid = handle_rowid(handle)
        if rid is None:
            raise QueueError(400, "ReceiptHandleError",
                             "The receipt handle you provided is not valid.")
        now = real_ms()
        with self.store.tx() as db:
            row = db.execute(
                "SELECT queue, handle, visible_ms FROM messages WHERE id=?", (rid,)
            ).fetchone()
            if row is None or row[0] != queue or row[1] != handle or row[2] <= now:
                raise not_exist()
            new = new_handle(rid)
            vis = now + vt_s * 1000
            db.execute("UPDATE messages SET handle=?, visible_ms=? WHERE id=?", (new, vis, rid))
        if vt_s == 0:
            self.notify()
        return new, vis

    def counts(self, queue: str) -> dict[str, int]:
        """visible (active), in_flight (received, not yet visible again), delayed."""
        now = real_ms()
        with self.store.read() as db:
            visible = db.execute(
                "SELECT COUNT(*) FROM messages WHERE queue=? AND visible_ms<=?", (queue, now)
            ).fetchone()[0]
            in_flight, delayed = db.execute(
                "SELECT COALESCE(SUM(dequeue_count>0), 0), COALESCE(SUM(dequeue_count=0), 0) "
                "FROM messages WHERE queue=? AND visible_ms>?",
                (queue, now),
            ).fetchone()
        return {"visible": visible, "in_flight": in_flight, "delayed": delayed}

    def queue_names(self) -> list[str]:
        return sorted(self._attrs)
