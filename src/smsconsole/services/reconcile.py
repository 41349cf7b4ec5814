"""Reconciliation: sends whose outcome is unknown are settled from the cloud's own answer.

A send call whose answer was lost (read timeout, connection dropped after the request
went out) or whose sender died between the call and its commit (SIGKILL, power loss)
leaves records that are charged but have no BizId. Refunding them would give away
messages the cloud sent; keeping them charged would bill messages it never got. So:

1. ``adopt_stuck``: a ``sending`` task whose sender has shown no sign of life
   (``beat_at``) for ``grace`` has no live owner; it is taken over in one conditional
   UPDATE (two workers: one wins) and its records without a BizId become *unknown*.
2. ``settle``: for each call (OutId) with unknown records, ask QuerySendDetails for one
   of its numbers on the day it was sent. A call is all-or-nothing, so if the cloud lists
   a message with that OutId the whole call was sent: its records are pending again
   (charged; their reports find them by OutId and give them their BizId). Otherwise none
   was: they fail and their quota comes back. A call is only asked about ``settle_after``
   its last activity, so a request the cloud is still handling is not taken for unsent.

Every change is conditional on the record still being unknown (and rows are locked on
PostgreSQL), so running it twice, or in two workers at once, settles each record once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import exists, func, or_, select, update

from smsconsole.cloud.cloud_error import CloudError
from smsconsole.services import pushes
from smsconsole.services.context import Context
from smsconsole.services.reports import fail_records
from smsconsole.store.models import DeliveryStatus, SendRecord, SendTask, TaskStatus

log = logging.getLogger("smsconsole.reconcile")

GRACE = timedelta(minutes=5)  # a sending task without a beat this long has no live owner
SETTLE_AFTER = timedelta(minutes=2)  # a timed-out request is surely handled by then
NOT_SENT = "NotSent"  # err_code of records the cloud never got
MAX_CALLS = 200  # calls asked about in one pass (one QuerySendDetails each, usually)
MAX_PAGES = 20  # pages of one number's day searched for the OutId

_U = DeliveryStatus.UNKNOWN


@dataclass
class ReconcileResult:
    adopted_tasks: int = 0
    sent: int = 0  # records found sent (charged, pending their report)
    not_sent: int = 0  # records failed and refunded
    errors: int = 0  # calls the cloud could not be asked about now (retried next pass)
    left: int = 0  # unknown records still waiting (too recent, or errors)

    @property
    def settled(self) -> int:
        return self.sent + self.not_sent


class Reconciler:
    def __init__(self, ctx: Context, cloud) -> None:
        self.ctx = ctx
        self.cloud = cloud

    # --- 1. crashed senders -------------------------------------------------------------

    def adopt_stuck(self, grace: timedelta = GRACE) -> int:
        """Take over ``sending`` tasks without a live sender. Returns how many."""
        cutoff = self.ctx.clock.now() - grace
        beat = func.coalesce(SendTask.beat_at, SendTask.created_at)
        with self.ctx.store.read() as s:
            ids = list(s.scalars(select(SendTask.id).where(SendTask.status == TaskStatus.SENDING,
                                                           beat < cutoff).order_by(SendTask.id)))
        adopted = 0
        for tid in ids:
            with self.ctx.store.session() as s:
                won = s.execute(update(SendTask)
                                .where(SendTask.id == tid, SendTask.status == TaskStatus.SENDING,
                                       beat < cutoff)
                                .values(status=TaskStatus.UNKNOWN,
                                        result_code="Unknown",
                                        result_message="sender stopped; reconciling")
                                .execution_options(synchronize_session=False)).rowcount
                if not won:
                    continue  # another worker took it, or the sender beat meanwhile
                s.execute(update(SendRecord)
                          .where(SendRecord.task_id == tid, SendRecord.biz_id.is_(None),
                                 SendRecord.status == DeliveryStatus.PENDING)
                          .values(status=_U, err_code="Unknown",
                                  err_msg="sender stopped before recording the answer")
                          .execution_options(synchronize_session=False))
            adopted += 1
            log.warning("send task %s had no live sender: reconciling it", tid)
        return adopted

    # --- 2. asking the cloud ------------------------------------------------------------

    def _calls(self, settle_after: timedelta) -> tuple[list[tuple], int]:
        """(task_id, out_id, a phone, send_time) of calls with unknown records whose task
        has been quiet for ``settle_after``; and how many unknown records there are."""
        cutoff = self.ctx.clock.now() - settle_after
        beat = func.coalesce(SendTask.beat_at, SendTask.created_at)
        with self.ctx.store.read() as s:
            total = s.scalar(select(func.count()).select_from(SendRecord)
                             .where(SendRecord.status == _U)) or 0
            if not total:
                return [], 0
            rows = s.execute(
                select(SendRecord.task_id, SendRecord.out_id, func.min(SendRecord.phone),
                       func.min(SendRecord.send_time))
                .join(SendTask, SendTask.id == SendRecord.task_id)
                .where(SendRecord.status == _U, SendRecord.out_id.is_not(None),
                       SendTask.status != TaskStatus.SENDING, beat < cutoff)
                .group_by(SendRecord.task_id, SendRecord.out_id)
                .order_by(SendRecord.task_id, SendRecord.out_id).limit(MAX_CALLS)).all()
        return [tuple(r) for r in rows], total

    def _days(self, send_time: datetime) -> list[date]:
        """The cloud's send date is the platform day of the call: the record's day, or
        the next one for a call made just before midnight (never a future day)."""
        today = self.ctx.clock.today()
        days = [self.ctx.clock.day_of(send_time)]
        later = self.ctx.clock.day_of(send_time + GRACE)
        if later != days[0] and later <= today:
            days.append(later)
        return days

    def was_sent(self, phone: str, out_id: str, send_time: datetime) -> bool:
        """Whether the cloud lists a message to ``phone`` carrying ``out_id``."""
        sms = self.cloud.sms()
        for day in self._days(send_time):
            for page in range(1, MAX_PAGES + 1):
                rows = sms.query_send_details(phone, day, page=page, page_size=50)
                if any(r.out_id == out_id for r in rows):
                    return True
                if len(rows) < 50:
                    break
        return False

    def settle(self, settle_after: timedelta = SETTLE_AFTER) -> ReconcileResult:
        """Ask the cloud about each call with unknown records and settle them."""
        result = ReconcileResult()
        calls, total = self._calls(settle_after)
        for task_id, out_id, phone, send_time in calls:
            try:
                sent = self.was_sent(phone, out_id, send_time)
            except (CloudError, OSError) as exc:
                result.errors += 1
                log.warning("reconcile %s: cannot ask the cloud now: %s", out_id, exc)
                continue
            with self.ctx.store.session() as s:
                if sent:
                    result.sent += s.execute(
                        update(SendRecord)
                        .where(SendRecord.task_id == task_id, SendRecord.out_id == out_id,
                               SendRecord.status == _U)
                        .values(status=DeliveryStatus.PENDING, err_code="", err_msg="")
                        .execution_options(synchronize_session=False)).rowcount
                else:
                    ids = list(s.scalars(select(SendRecord.id).where(
                        SendRecord.task_id == task_id, SendRecord.out_id == out_id,
                        SendRecord.status == _U)))
                    result.not_sent += fail_records(
                        s, self.ctx, ids, NOT_SENT,
                        "the cloud never received this call (reconciled); quota returned",
                        refund=True, from_status=_U)
                    pushes.enqueue_records(s, self.ctx, ids)  # the customer's report
                _close_task(s, task_id)
        result.left = max(0, total - result.settled)
        self._close_settled()
        return result

    def _close_settled(self) -> None:
        """Close ``unknown`` tasks whose records were all settled otherwise (their
        reports came first and proved the send)."""
        with self.ctx.store.read() as s:
            ids = list(s.scalars(select(SendTask.id).where(SendTask.status == TaskStatus.UNKNOWN)
                                 .order_by(SendTask.id).limit(1000)))
        for tid in ids:
            with self.ctx.store.session() as s:
                _close_task(s, tid)

    def run(self, grace: timedelta = GRACE, settle_after: timedelta = SETTLE_AFTER
            ) -> ReconcileResult:
        """One pass: adopt stuck tasks, then settle what can be settled."""
        adopted = self.adopt_stuck(grace)
        result = self.settle(settle_after)
        result.adopted_tasks = adopted
        return result


def _close_task(s, task_id: int) -> None:
    """An ``unknown`` task whose records are all settled becomes submitted (the cloud got
    at least one of its calls) or rejected (it got none)."""
    rec = SendRecord
    if s.scalar(select(exists().where(rec.task_id == task_id, rec.status == _U))):
        return
    sent = s.scalar(select(exists().where(
        rec.task_id == task_id,
        or_(rec.biz_id.is_not(None),
            rec.status.in_([DeliveryStatus.PENDING, DeliveryStatus.DELIVERED])))))
    s.execute(update(SendTask)
              .where(SendTask.id == task_id, SendTask.status == TaskStatus.UNKNOWN)
              .values(status=TaskStatus.SUBMITTED if sent else TaskStatus.REJECTED,
                      result_code="OK" if sent else NOT_SENT,
                      result_message="reconciled with the cloud")
              .execution_options(synchronize_session=False))
