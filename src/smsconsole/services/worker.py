"""The report worker: every delivery report and reply applied exactly once.

One loop per queue (status reports, replies): receive up to 16 messages with long
polling, apply the batch in ONE transaction, and delete the messages from the queue only
after that transaction committed. So:

- a crash before the commit loses nothing (the messages become visible again);
- a crash after the commit and before the delete re-delivers messages whose effect is
  already there, and a duplicate report changes nothing (``services.reports``);
- a malformed message is kept aside (``kept_aside``, with the reason, shown to the
  admin) in the same transaction, then deleted: never retried forever;
- a message the database refuses (``DataError``: a NUL in a text, say) costs only
  itself: the batch is split until the bad message is alone, the rest is applied, the
  bad one is kept aside with the database's reason, and each is deleted only after its
  transaction committed;
- when the database is down nothing is deleted, and the loop backs off (with jitter)
  until it answers again; token, throttling and network errors back off the same way;
  ``--once`` exits non-zero if any received message could not be applied;
- every ``RECONCILE_EVERY`` seconds sends whose outcome is unknown are settled with the
  cloud (``services.reconcile``), and early reports that never match are set aside.

Runs as threads inside the console (``start_in_app``) or as ``smsconsole worker``
(``smsconsole.worker_command``, which does the printing); several workers may run
against one PostgreSQL database at once.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError

from smsconsole.cloud.cloud_error import CloudError
from smsconsole.services import pushes
from smsconsole.services import reports as rep
from smsconsole.services.errors import CloudFailure
from smsconsole.services.reconcile import Reconciler
from smsconsole.store.models import KeptAside, PendingReport, WorkerStatus

log = logging.getLogger("smsconsole.worker")

BATCH = 16
WAIT_SECONDS = 5  # long polling; short enough to notice a stop request quickly
PENDING_EVERY = 5.0  # seconds between retries of reports that arrived before their record
RECONCILE_EVERY = 30.0  # seconds between reconciliation passes (sends of unknown outcome)
BEAT_EVERY = 2.0  # seconds between health writes
BACKOFF_MIN, BACKOFF_MAX = 0.5, 30.0
ONCE_GIVE_UP = 5  # with --once, consecutive failures before giving up (exit 1)
# Inside the console the worker starts this long after the admin logged in: its first
# receive imports the cloud SDKs (~0.5 s of Python in a thread), which would otherwise
# share the interpreter with drawing the first screen (bench/run.py console figures).
IN_APP_START_DELAY = 2.0


@dataclass
class Health:
    """What the console's status bar, the home screen and ``smsconsole worker`` show."""

    worker_id: str
    started_at: datetime
    last_receive_at: datetime | None = None
    day: date | None = None
    reports_today: int = 0
    replies_today: int = 0
    duplicates_today: int = 0
    kept_aside: int = 0
    pending_reports: int = 0
    reconciled: int = 0  # records of unknown outcome settled with the cloud
    error: str = ""
    backoff_until: datetime | None = None
    running: bool = True
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def line(self) -> str:
        last = self.last_receive_at.isoformat(timespec="seconds") if self.last_receive_at else "never"
        err = f" error={self.error}" if self.error else ""
        return (f"worker {self.worker_id}: last receive {last}; today {self.reports_today} "
                f"reports, {self.replies_today} replies, {self.duplicates_today} duplicates; "
                f"kept aside {self.kept_aside}; waiting for records {self.pending_reports}; "
                f"reconciled {self.reconciled}{err}")


class Backoff:
    """Exponential backoff with full jitter, reset on success."""

    def __init__(self, low: float = BACKOFF_MIN, high: float = BACKOFF_MAX,
                 rng: random.Random | None = None) -> None:
        self.low, self.high, self.attempt = low, high, 0
        self.rng = rng or random.Random()

    def next(self) -> float:
        self.attempt += 1
        cap = min(self.high, self.low * 2 ** (self.attempt - 1))
        return self.low + self.rng.random() * (cap - self.low) if cap > self.low else self.low

    def reset(self) -> None:
        self.attempt = 0


class ReportWorker:
    """Consumes the report and reply queues of the active AK into the database."""

    def __init__(self, services, worker_id: str | None = None, *, wait_seconds: int = WAIT_SECONDS,
                 sleep: Callable[[float], None] | None = None) -> None:
        self.services = services
        self.ctx = services.ctx
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}:{id(self) % 10000}"
        self.wait_seconds = wait_seconds
        self.stop_event = threading.Event()
        self.began = threading.Event()  # set once run() has written its first health row
        self._sleep = sleep
        now = self.ctx.clock.now()
        self.health = Health(worker_id=self.worker_id, started_at=now, day=self.ctx.clock.today())
        self._last_beat = 0.0
        self._last_pending = 0.0
        self._last_reconcile = 0.0
        self.failed = False  # set when a --once run gave up on errors
        self.undrained = 0  # received messages whose batch failed (they stay queued)
        self.reconciled = 0  # records settled by reconciliation

    # --- one batch --------------------------------------------------------------------

    def _queue(self, kind: str):
        return self.services.cloud.queue(kind)

    def process_batch(self, kind: str, messages: list) -> tuple[int, list[str]]:
        """Apply one received batch in one transaction. Returns (applied, handles to
        delete). A message the database refuses is isolated and kept aside (see the
        module docstring); any other database error raises (nothing is deleted then)."""
        items, kept = [], []
        for msg in messages:
            try:
                items.append((msg, rep.parse_report(msg.body) if kind == "report"
                              else rep.parse_reply(msg.body)))
            except rep.MalformedMessage as exc:
                kept.append((msg, str(exc)))
        try:
            result, new_replies = self._apply(kind, items, kept)
        except Exception as exc:
            if not _refused(exc):
                raise
            log.warning("%s batch refused by the database (%s): isolating the bad message",
                        kind, _reason(exc))
            if kept:
                self._apply(kind, [], kept)
            result, new_replies, bad = self._isolate(kind, items)
            kept += bad
        self._count(result, new_replies, len(kept))
        return result.applied + new_replies, [m.receipt_handle for m in messages]

    def _apply(self, kind: str, items: list, kept: list) -> tuple[rep.ApplyResult, int]:
        """One transaction: the parsed messages applied, the unreadable ones kept aside."""
        now = self.ctx.clock.now()
        parsed = [p for _, p in items]
        owners = None
        if kind != "report" and parsed:  # looked up before the write lock (reply_owners)
            with self.ctx.store.read() as rs:
                owners = rep.reply_owners(rs, parsed)
        with self.ctx.store.session() as s:
            result = (rep.apply_reports(s, self.ctx, parsed) if kind == "report" and parsed
                      else rep.ApplyResult())
            new_replies = (rep.apply_replies(s, self.ctx, parsed, owners)
                           if kind != "report" else 0)
            pushes.enqueue(s, self.ctx, parsed if kind == "report" else [],
                           parsed if kind != "report" else [])  # customers' callbacks, same commit
            for msg, reason in kept:
                body = msg.body.decode("utf-8", "replace") if isinstance(msg.body, bytes) else str(msg.body)
                s.add(KeptAside(queue=kind, message_id=getattr(msg, "message_id", "") or "",
                                body=rep.storable(body)[:20000],
                                reason=rep.storable(reason)[:512], received_at=now))
        return result, new_replies

    def _isolate(self, kind: str, items: list) -> tuple[rep.ApplyResult, int, list]:
        """Apply ``items`` in halves until each refused message is alone; keep those
        aside (each in its own transaction). Returns (result, new replies, kept)."""
        try:
            result, new_replies = self._apply(kind, items, [])
            return result, new_replies, []
        except Exception as exc:
            if not _refused(exc):
                raise
            if len(items) == 1:
                try:  # once more alone: a race with another worker would pass now
                    result, new_replies = self._apply(kind, items, [])
                    return result, new_replies, []
                except Exception as again:
                    if not _refused(again):
                        raise
                bad = [(items[0][0], f"refused by the database: {_reason(exc)}")]
                self._apply(kind, [], bad)
                return rep.ApplyResult(), 0, bad
        mid = len(items) // 2
        r1, n1, k1 = self._isolate(kind, items[:mid])
        r2, n2, k2 = self._isolate(kind, items[mid:])
        r1 += r2
        return r1, n1 + n2, k1 + k2

    def _count(self, result: rep.ApplyResult, replies: int, kept: int) -> None:
        h = self.health
        with h.lock:
            today = self.ctx.clock.today()
            if h.day != today:
                h.day, h.reports_today, h.replies_today, h.duplicates_today = today, 0, 0, 0
            h.reports_today += result.applied
            h.duplicates_today += result.duplicates
            h.replies_today += replies
            h.kept_aside += kept
            h.pending_reports += result.pending

    def step(self, kind: str, wait_seconds: int | None = None) -> int:
        """Receive one batch from the ``kind`` queue and apply it. Returns the number of
        messages received (0 when the queue was empty)."""
        queue = self._queue(kind)
        messages = queue.receive(BATCH, self.wait_seconds if wait_seconds is None else wait_seconds)
        self.health.last_receive_at = self.ctx.clock.now()
        if not messages:
            return 0
        try:
            _, handles = self.process_batch(kind, messages)
        except Exception:
            self.undrained += len(messages)  # they come back after the visibility timeout
            raise
        failed = queue.delete(handles)  # only after the commit
        if failed:
            # Stale handles: the message was redelivered meanwhile; it comes back and is a
            # duplicate then. Nothing to do.
            log.info("%d receipt handles were stale", len(failed))
        return len(messages)

    def retry_pending(self) -> rep.ApplyResult:
        """Apply kept reports whose records appeared since (the send committed late);
        set aside those that waited too long to ever match."""
        try:
            with self.ctx.store.session() as s:
                result = rep.apply_pending_for(s, self.ctx, None)
        except Exception as exc:
            if not _refused(exc):
                raise
            result = self._retry_pending_each()
        with self.ctx.store.session() as s:
            aged = rep.age_out_pending(s, self.ctx)
        if aged:
            log.warning("%d early reports found no send record in time: kept aside", aged)
            result.pending = max(0, result.pending - aged)
        with self.health.lock:
            self.health.reports_today += result.applied
            self.health.pending_reports = result.pending
            self.health.kept_aside += aged
        return result

    def _retry_pending_each(self) -> rep.ApplyResult:
        """Kept reports one by one (one of them is refused by the database): the
        refused ones are set aside, the others applied."""
        with self.ctx.store.read() as s:
            ids = rep.matching_pending_ids(s)
        result = rep.ApplyResult()
        for row_id in ids:
            try:
                with self.ctx.store.session() as s:
                    result += rep.apply_pending_for(s, self.ctx, ids=[row_id])
            except Exception as exc:
                if not _refused(exc):
                    raise
                with self.ctx.store.session() as s:
                    if rep.set_aside_pending(s, self.ctx, row_id,
                                             f"refused by the database: {_reason(exc)}"):
                        with self.health.lock:
                            self.health.kept_aside += 1
        with self.ctx.store.read() as s:
            result.pending = s.scalar(select(func.count()).select_from(PendingReport)) or 0
        return result

    def reconcile(self, **kw):
        """One reconciliation pass (``services.reconcile``); keyword arguments go to
        ``Reconciler.run`` (``grace``, ``settle_after``)."""
        result = Reconciler(self.ctx, self.services.cloud).run(**kw)
        self.reconciled += result.settled
        with self.health.lock:
            self.health.reconciled += result.settled
        if result.adopted_tasks or result.settled:
            log.warning("reconciled: %d tasks taken over, %d records sent, %d not sent, %d left",
                        result.adopted_tasks, result.sent, result.not_sent, result.left)
        return result

    # --- health ---------------------------------------------------------------------------

    def beat(self, force: bool = False, stopped: bool = False) -> None:
        """Write the health row (at most every BEAT_EVERY seconds unless forced)."""
        mono = time.monotonic()
        if not force and mono - self._last_beat < BEAT_EVERY:
            return
        self._last_beat = mono
        h = self.health
        values = dict(beat_at=self.ctx.clock.now(), last_receive_at=h.last_receive_at,
                      day=h.day, reports_today=h.reports_today, replies_today=h.replies_today,
                      kept_aside=h.kept_aside, error=h.error[:512], backoff_until=h.backoff_until,
                      stopped=stopped)
        try:
            with self.ctx.store.session() as s:
                done = s.execute(update(WorkerStatus).where(WorkerStatus.worker_id == self.worker_id)
                                 .values(**values)).rowcount
                if not done:
                    s.add(WorkerStatus(worker_id=self.worker_id, started_at=h.started_at, **values))
        except DBAPIError:
            pass  # the database is down: the loop reports it through its own error handling

    # --- loops ----------------------------------------------------------------------------

    def _pause(self, seconds: float) -> None:
        if self._sleep:
            self._sleep(seconds)
        else:
            self.stop_event.wait(seconds)

    def run_queue(self, kind: str, *, once: bool = False, deadline: float | None = None) -> None:
        """Consume one queue until stopped (or, with ``once``, until it is empty)."""
        backoff = Backoff()
        failures = 0
        while not self.stop_event.is_set():
            if deadline is not None and time.monotonic() >= deadline:
                return
            try:
                got = self.step(kind, 0 if once else None)
                if kind == "report" and time.monotonic() - self._last_pending > PENDING_EVERY:
                    self._last_pending = time.monotonic()
                    self.retry_pending()
                    self.services.risk.release_due()  # promotions held for quiet hours
                if kind == "report" and time.monotonic() - self._last_reconcile > RECONCILE_EVERY:
                    self._last_reconcile = time.monotonic()
                    self.reconcile()
                backoff.reset()
                failures = 0
                if self.health.error:
                    self.health.error, self.health.backoff_until = "", None
                if once and got == 0:
                    return
            except (OperationalError, DBAPIError) as exc:
                failures += 1
                self._failed(backoff, f"database: {_first_line(exc)}")
            except (CloudError, CloudFailure) as exc:
                failures += 1
                self._failed(backoff, f"{kind} queue: {_first_line(exc)}")
            except OSError as exc:
                failures += 1
                self._failed(backoff, f"{kind} queue network: {_first_line(exc)}")
            finally:
                self.beat()
            if once and failures >= ONCE_GIVE_UP:
                self.failed = True
                return

    def _failed(self, backoff: Backoff, message: str) -> None:
        delay = backoff.next()
        self.health.error = message
        self.health.backoff_until = self.ctx.clock.now() + timedelta(seconds=delay)
        log.warning("%s; backing off %.1f s", message, delay)
        self.beat(force=True)
        self._pause(delay)

    def run(self, *, once: bool = False, max_seconds: float | None = None,
            kinds: tuple[str, ...] = ("report", "reply")) -> None:
        """Run one thread per queue until ``stop()`` (or drained with ``once``)."""
        deadline = time.monotonic() + max_seconds if max_seconds else None
        self.beat(force=True)  # seen as running from its start, not after its first poll
        self.began.set()
        threads = [threading.Thread(target=self.run_queue, args=(k,),
                                    kwargs=dict(once=once, deadline=deadline),
                                    name=f"worker-{k}", daemon=True) for k in kinds]
        threads.append(threading.Thread(  # pushes to customers' callback URLs, beside
            target=pushes.Pusher(self.services).run, args=(self.stop_event,),
            kwargs=dict(once=once, deadline=deadline), name="worker-push", daemon=True))
        for t in threads:
            t.start()
        try:
            for t in threads:
                while t.is_alive():
                    t.join(0.2)
        finally:
            if once:
                try:
                    self.retry_pending()
                    if "report" in kinds:
                        self.reconcile()
                except DBAPIError:
                    pass
                if self.undrained:
                    self.failed = True
            self.health.running = False
            self.beat(force=True, stopped=True)

    def stop(self) -> None:
        self.stop_event.set()


def _refused(exc: BaseException) -> bool:
    """A database error caused by the data (not an outage): retrying the same batch
    fails the same way, so the message that causes it is set aside."""
    if isinstance(exc, DataError | IntegrityError):
        return True
    return not isinstance(exc, DBAPIError) and isinstance(exc, ValueError)  # e.g. encoding


def _reason(exc: BaseException) -> str:
    """The driver's own message, without SQL or parameters."""
    inner = getattr(exc, "orig", None) or exc
    return f"{type(inner).__name__}: {_first_line(inner)}"[:400]


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return (text.splitlines()[0] if text else type(exc).__name__)[:300]


# --- inside the console -----------------------------------------------------------------

class WorkerHandle:
    def __init__(self, worker: ReportWorker, thread: threading.Thread) -> None:
        self.worker, self.thread = worker, thread

    @property
    def health(self) -> Health:
        return self.worker.health

    def stop(self, timeout: float = 10.0) -> None:
        self.worker.stop()
        self.thread.join(timeout)


def queues_configured(services) -> bool:
    view = services.settings.access()
    return bool(view and view.report_queue and view.reply_queue)


def start_in_app(services) -> WorkerHandle | None:
    """Start the worker as background threads of the console (after
    ``IN_APP_START_DELAY``); None when the queues are not configured."""
    if not queues_configured(services):
        return None
    worker = ReportWorker(services)

    def run() -> None:
        if worker.stop_event.wait(IN_APP_START_DELAY):
            return  # stopped (logged out, quit) before it began
        worker.run()

    thread = threading.Thread(target=run, name="report-worker", daemon=True)
    thread.start()
    return WorkerHandle(worker, thread)
