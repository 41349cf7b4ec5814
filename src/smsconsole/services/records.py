"""发送记录: send tasks (任务记录), send records (发送记录), replies, a phone's timeline,
and what the report worker kept aside. Read-only queries, keyset-paged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smsconsole.services import validation as v
from smsconsole.services.context import Context
from smsconsole.services.errors import NotFound
from smsconsole.services.paging import Page, keyset_page
from smsconsole.store.models import (
    DeliveryStatus,
    KeptAside,
    PendingReport,
    Reply,
    SendRecord,
    SendTask,
    SmsType,
    TaskStatus,
    Template,
    User,
)


@dataclass(frozen=True)
class TaskFilter:
    user_id: int | None = None
    first: date | None = None
    last: date | None = None
    template_code: str = ""
    status: TaskStatus | None = None
    user_search: str = ""  # account or name substring


@dataclass(frozen=True)
class TaskRow:
    id: int
    user_id: int
    created_at: datetime
    sign_name: str
    template_code: str
    template_name: str
    sms_type: SmsType
    content: str
    numbers: int
    delivered: int
    failed: int
    status: TaskStatus
    result_code: str
    result_message: str
    segments_each: int
    invalid_numbers: int
    duplicate_numbers: int
    opted_out_numbers: int
    account: str = ""

    @property
    def pending(self) -> int:
        return self.numbers - self.delivered - self.failed


@dataclass(frozen=True)
class RecordFilter:
    user_id: int | None = None
    status: DeliveryStatus | None = None
    first: date | None = None  # platform days, inclusive
    last: date | None = None
    phone: str = ""  # a full number, or a prefix (digits)
    template_code: str = ""
    sign_name: str = ""
    task_id: int | None = None


@dataclass(frozen=True)
class RecordRow:
    id: int
    task_id: int
    user_id: int
    phone: str
    sign_name: str
    template_code: str
    sms_type: SmsType
    segments: int
    biz_id: str | None
    status: DeliveryStatus
    err_code: str
    err_msg: str
    send_time: datetime
    report_time: datetime | None
    account: str = ""


@dataclass(frozen=True)
class RecordDetail:
    record: RecordRow
    content: str
    template_name: str
    user_name: str
    refunded: bool
    holding_id: int | None


@dataclass(frozen=True)
class TimelineItem:
    """One message to, or reply from, a number."""

    at: datetime
    direction: str  # "out" (a message we sent) | "in" (a reply)
    text: str
    status: str  # delivery status for "out"; "unsubscribe"/"" for "in"
    record_id: int | None
    account: str
    sign_name: str


_TASK_COLS = (SendTask.id, SendTask.user_id, SendTask.created_at, SendTask.sign_name,
              SendTask.template_code, SendTask.template_name, SendTask.sms_type,
              SendTask.content, SendTask.numbers, SendTask.delivered, SendTask.failed,
              SendTask.status, SendTask.result_code, SendTask.result_message,
              SendTask.segments_each, SendTask.invalid_numbers, SendTask.duplicate_numbers,
              SendTask.opted_out_numbers)
_REC_COLS = (SendRecord.id, SendRecord.task_id, SendRecord.user_id, SendRecord.phone,
             SendRecord.sign_name, SendRecord.template_code, SendRecord.sms_type,
             SendRecord.segments, SendRecord.biz_id, SendRecord.status, SendRecord.err_code,
             SendRecord.err_msg, SendRecord.send_time, SendRecord.report_time)


def accounts(s: Session, user_ids) -> dict[int, str]:
    ids = sorted({u for u in user_ids if u is not None})
    if not ids:
        return {}
    return dict(s.execute(select(User.id, User.account).where(User.id.in_(ids))).all())


class RecordService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    # --- tasks --------------------------------------------------------------------------

    def task_stmt(self, flt: TaskFilter):
        stmt = select(*_TASK_COLS)
        v.date_order(flt.first, flt.last)
        if flt.user_id:
            stmt = stmt.where(SendTask.user_id == flt.user_id)
        if flt.first or flt.last:
            start, end = self.ctx.clock.day_range(flt.first or date(1970, 1, 1),
                                                  flt.last or date(9999, 12, 30))
            stmt = stmt.where(SendTask.created_at >= start, SendTask.created_at < end)
        if flt.template_code:
            stmt = stmt.where(SendTask.template_code == flt.template_code)
        if flt.status:
            stmt = stmt.where(SendTask.status == flt.status)
        if flt.user_search.strip():
            like = f"%{flt.user_search.strip()}%"
            stmt = stmt.where(SendTask.user_id.in_(
                select(User.id).where(User.account.like(like) | User.name.like(like))))
        return stmt

    def tasks(self, flt: TaskFilter = TaskFilter(), cursor=None, limit: int = 50,
              backward: bool = False) -> Page[TaskRow]:
        with self.ctx.store.read() as s:
            page = keyset_page(s, self.task_stmt(flt), (SendTask.created_at, SendTask.id),
                               cursor, limit, backward=backward)
            names = accounts(s, [r.user_id for r in page.rows])
        rows = [TaskRow(*r, account=names.get(r.user_id, "")) for r in page.rows]
        return Page(rows, page.first, page.last, page.has_next, page.has_prev)

    def task_stream(self, flt: TaskFilter = TaskFilter(), batch: int = 2000):
        cursor = None
        while True:
            page = self.tasks(flt, cursor, batch)
            yield from page.rows
            if not page.has_next:
                return
            cursor = page.last

    def task(self, task_id: int) -> TaskRow:
        with self.ctx.store.read() as s:
            r = s.execute(select(*_TASK_COLS).where(SendTask.id == task_id)).first()
            if r is None:
                raise NotFound("error.task.not_found", id=task_id)
            names = accounts(s, [r.user_id])
        return TaskRow(*r, account=names.get(r.user_id, ""))

    # --- records ------------------------------------------------------------------------

    def record_stmt(self, flt: RecordFilter):
        stmt = select(*_REC_COLS)
        v.date_order(flt.first, flt.last)
        if flt.task_id:
            stmt = stmt.where(SendRecord.task_id == flt.task_id)
        if flt.user_id:
            stmt = stmt.where(SendRecord.user_id == flt.user_id)
        if flt.status:
            stmt = stmt.where(SendRecord.status == flt.status)
        if flt.first or flt.last:
            start, end = self.ctx.clock.day_range(flt.first or date(1970, 1, 1),
                                                  flt.last or date(9999, 12, 30))
            stmt = stmt.where(SendRecord.send_time >= start, SendRecord.send_time < end)
        if flt.phone.strip():
            full = v.normalize_phone(flt.phone)
            if full:
                stmt = stmt.where(SendRecord.phone == full)
            else:
                span = v.phone_prefix_range(flt.phone)
                if span is None:
                    stmt = stmt.where(SendRecord.phone == flt.phone.strip())
                else:
                    stmt = stmt.where(SendRecord.phone.between(*span))
        if flt.template_code:
            stmt = stmt.where(SendRecord.template_code == flt.template_code)
        if flt.sign_name:
            stmt = stmt.where(SendRecord.sign_name == flt.sign_name)
        return stmt

    def records(self, flt: RecordFilter = RecordFilter(), cursor=None, limit: int = 50,
                backward: bool = False) -> Page[RecordRow]:
        """Messages newest first. Within one task the order is by id (one send time)."""
        with self.ctx.store.read() as s:
            if flt.task_id:
                page = keyset_page(s, self.record_stmt(flt), (SendRecord.id,), cursor, limit,
                                   backward=backward)
            else:
                page = keyset_page(s, self.record_stmt(flt),
                                   (SendRecord.send_time, SendRecord.id), cursor, limit,
                                   backward=backward)
            names = accounts(s, [r.user_id for r in page.rows])
        rows = [RecordRow(*r, account=names.get(r.user_id, "")) for r in page.rows]
        return Page(rows, page.first, page.last, page.has_next, page.has_prev)

    def record_stream(self, flt: RecordFilter = RecordFilter(), batch: int = 5000):
        cursor = None
        while True:
            page = self.records(flt, cursor, batch)
            yield from page.rows
            if not page.has_next:
                return
            cursor = page.last

    def record(self, record_id: int) -> RecordDetail:
        with self.ctx.store.read() as s:
            r = s.execute(select(*_REC_COLS, SendRecord.content, SendRecord.refunded,
                                 SendRecord.holding_id).where(SendRecord.id == record_id)).first()
            if r is None:
                raise NotFound("error.record.not_found", id=record_id)
            task = s.get(SendTask, r.task_id)
            user = s.get(User, r.user_id)
            row = RecordRow(*r[: len(_REC_COLS)], account=user.account if user else "")
            return RecordDetail(record=row, content=r.content or (task.content if task else ""),
                                template_name=task.template_name if task else "",
                                user_name=user.name if user else "", refunded=r.refunded,
                                holding_id=r.holding_id)

    def timeline(self, phone: str, limit: int = 200) -> list[TimelineItem]:
        """Every message to, and reply from, one number, newest first."""
        full = v.normalize_phone(phone)
        if full is None:
            from smsconsole.services.errors import Invalid

            raise Invalid("error.phone.invalid", "phone", phone=phone)
        with self.ctx.store.read() as s:
            recs = s.execute(
                select(SendRecord.id, SendRecord.send_time, SendRecord.user_id,
                       SendRecord.sign_name, SendRecord.status, SendRecord.err_code,
                       SendRecord.task_id)
                .where(SendRecord.phone == full)
                .order_by(SendRecord.send_time.desc()).limit(limit)).all()
            reps = s.execute(
                select(Reply.send_time, Reply.user_id, Reply.content, Reply.sign_name,
                       Reply.unsubscribe)
                .where(Reply.phone == full).order_by(Reply.send_time.desc()).limit(limit)).all()
            tasks = {}
            task_ids = sorted({r.task_id for r in recs})
            for start in range(0, len(task_ids), 500):
                chunk = task_ids[start:start + 500]
                tasks.update(dict(s.execute(select(SendTask.id, SendTask.content)
                                            .where(SendTask.id.in_(chunk))).all()))
            names = accounts(s, [r.user_id for r in recs] + [r.user_id for r in reps])
        items = [TimelineItem(r.send_time, "out", tasks.get(r.task_id, ""),
                              r.status.value if r.status != DeliveryStatus.FAILED
                              else f"failed {r.err_code}", r.id, names.get(r.user_id, ""),
                              r.sign_name) for r in recs]
        items += [TimelineItem(r.send_time, "in", r.content,
                               "unsubscribe" if r.unsubscribe else "", None,
                               names.get(r.user_id, ""), r.sign_name) for r in reps]
        items.sort(key=lambda i: i.at, reverse=True)
        return items[:limit]

    # --- replies, kept aside, pending ---------------------------------------------------

    def replies(self, user_id: int | None = None, phone: str = "", cursor=None,
                limit: int = 50) -> Page[Reply]:
        stmt = select(Reply)
        if user_id:
            stmt = stmt.where(Reply.user_id == user_id)
        if phone:
            stmt = stmt.where(Reply.phone == (v.normalize_phone(phone) or phone))
        with self.ctx.store.read() as s:
            return keyset_page(s, stmt, (Reply.send_time, Reply.id), cursor, limit, scalars=True)

    def kept_aside(self, cursor=None, limit: int = 50) -> Page[KeptAside]:
        with self.ctx.store.read() as s:
            return keyset_page(s, select(KeptAside), (KeptAside.received_at, KeptAside.id),
                               cursor, limit, scalars=True)

    def pending_report_count(self) -> int:
        with self.ctx.store.read() as s:
            return s.scalar(select(func.count()).select_from(PendingReport)) or 0

    def template_codes_named(self, name: str) -> list[str]:
        """Template CODEs whose name contains ``name`` (statistics by template name)."""
        with self.ctx.store.read() as s:
            return sorted(set(s.scalars(select(Template.code).where(
                Template.name.like(f"%{name.strip()}%"), Template.code != ""))))


__all__ = ["RecordService", "TaskFilter", "TaskRow", "RecordFilter", "RecordRow",
           "RecordDetail", "TimelineItem"]
