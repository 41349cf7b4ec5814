"""发送记录: send tasks (任务记录), send records (发送记录), replies, a phone's timeline,
and what the report worker kept aside. Read-only queries, keyset-paged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, func, literal, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import operators
from sqlalchemy.sql.expression import UnaryExpression

from smsconsole.i18n import t
from smsconsole.services import validation as v
from smsconsole.services.context import Context
from smsconsole.services.errors import Invalid, NotFound
from smsconsole.services.paging import Page, keyset_page
from smsconsole.store.models import (
    DailyStat,
    DailyTotal,
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
    VerificationCode,
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


# A phone prefix (SQLite): up to this many matches the phone index serves the page (sorting
# them by time is cheap); beyond it, newest first on a time-ordered index finds 50 matches
# within a few thousand rows. The two cost the same around sqrt(50 × 10M) ≈ 22k matches
# at 10M messages; see bench/run.py (records.prefix.*).
PREFIX_PHONE_INDEX_MAX = 20_000


def _prefix_span(flt) -> tuple[str, str] | None:
    """The numbers a phone-prefix filter spans; None for no phone or a full number."""
    if not flt.phone.strip() or v.normalize_phone(flt.phone):
        return None
    return v.phone_prefix_range(flt.phone)


def _no_index(col):
    """``+col``: the same value, but SQLite will not use an index for this term."""
    return UnaryExpression(col, operator=operators.custom_op("+"), type_=col.type)


def _after(cursor, backward: bool, names: int = 2):
    """The time of a keyset cursor over (time, id), when it is an aware datetime."""
    if cursor is None or len(cursor) != names:
        return None
    moment = cursor[0]
    if isinstance(moment, datetime) and moment.tzinfo is not None:
        return moment
    return None


def _time_bounds(col, start: datetime, end: datetime, cursor_time: datetime | None,
                 backward: bool, plain=None) -> list:
    """``start <= col < end``, leaving out the side a keyset cursor already bounds.

    Going older, ``(time, id) < cursor`` implies ``time <= cursor time``; when that is
    before ``end``, ``col < end`` adds nothing. SQLite takes one bound per side for an
    index range, and with both it took ``end``: a page deep in a date range walked the
    index from the end of the range down to the cursor (0.4 s at 5M rows). The same
    going newer with ``start``.
    """
    term = plain if plain is not None else col
    conds = []
    if not (cursor_time is not None and backward and cursor_time >= start):
        conds.append(term >= start)
    if not (cursor_time is not None and not backward and cursor_time < end):
        conds.append(term < end)
    return conds


def accounts(s: Session, user_ids) -> dict[int, str]:
    ids = sorted({u for u in user_ids if u is not None})
    if not ids:
        return {}
    return dict(s.execute(select(User.id, User.account).where(User.id.in_(ids))).all())


def platform_codes(s: Session, phone: str, limit: int) -> list[TimelineItem]:
    """The platform's own verification codes to a number (never the code itself), for
    its timeline: account "platform", charged to no customer."""
    rows = s.execute(
        select(VerificationCode.created_at, VerificationCode.scenario,
               VerificationCode.sign_name, VerificationCode.result_code)
        .where(VerificationCode.phone == phone, VerificationCode.sent.is_(True))
        .order_by(VerificationCode.created_at.desc()).limit(limit)).all()
    return [TimelineItem(r.created_at, "out", t("records.platform_code",
                                                scenario=t(f"records.scenario.{r.scenario}")),
                         "sent", None, t("records.platform"), r.sign_name) for r in rows]


def platform_codes_match(flt: RecordFilter) -> bool:
    """Whether the platform's own code sends belong in a records list: not when it is
    one customer's, one task's, or one delivery status's (no reports are kept for them)."""
    return not (flt.user_id or flt.task_id or flt.status)


def _merge(rows: list[RecordRow], codes: list[RecordRow], page: Page, cursor, limit: int,
           backward: bool) -> Page[RecordRow]:
    """One keyset page of records and platform codes, newest first by (time, id)."""
    merged = sorted(rows + codes, key=lambda r: (r.send_time, r.id), reverse=True)
    more = len(merged) > limit
    if backward:
        merged = merged[-limit:]
        has_prev, has_next = page.has_prev or more, True
    else:
        merged = merged[:limit]
        has_prev, has_next = cursor is not None, page.has_next or more
    if not merged:
        return Page([], None, None, page.has_next, page.has_prev)
    return Page(merged, (merged[0].send_time, merged[0].id),
                (merged[-1].send_time, merged[-1].id), has_next, has_prev)


class RecordService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    # --- tasks --------------------------------------------------------------------------

    @staticmethod
    def check_task_filter(flt: TaskFilter) -> TaskFilter:
        """A task filter's own rules, without running a query (a filter form's submit):
        every bad field named at once (``Invalid``/``InvalidFields``)."""
        v.all_valid(lambda: v.date_order(flt.first, flt.last),
                    lambda: v.search(flt.template_code, "template_code"),
                    lambda: v.search(flt.user_search, "user_search"))
        return flt

    @staticmethod
    def check_record_filter(flt: RecordFilter) -> RecordFilter:
        """A record filter's own rules, without running a query (the records page's
        filter form, the record query): every bad field named at once."""
        v.all_valid(lambda: v.search(flt.phone, "phone"),
                    lambda: v.date_order(flt.first, flt.last),
                    lambda: v.search(flt.template_code, "template_code"),
                    lambda: v.search(flt.sign_name, "sign_name"))
        return flt

    def task_stmt(self, flt: TaskFilter, *, cursor=None, backward: bool = False):
        """The filter as a SELECT. ``cursor``: the keyset page's cursor, when there is one
        (the date bound it makes redundant is left out; same rows)."""
        stmt = select(*_TASK_COLS)
        v.date_order(flt.first, flt.last)
        if flt.user_id:
            stmt = stmt.where(SendTask.user_id == flt.user_id)
        if flt.first or flt.last:
            start, end = self.ctx.clock.day_range(flt.first or date(1970, 1, 1),
                                                  flt.last or date(9999, 12, 30))
            stmt = stmt.where(*_time_bounds(SendTask.created_at, start, end,
                                            _after(cursor, backward), backward))
        if flt.template_code:
            stmt = stmt.where(SendTask.template_code == flt.template_code)
        if flt.status:
            stmt = stmt.where(SendTask.status == flt.status)
        term = v.search(flt.user_search, "user_search")
        if term:
            stmt = stmt.where(SendTask.user_id.in_(select(User.id).where(
                v.contains(User.account, term) | v.contains(User.name, term))))
        return stmt

    def tasks(self, flt: TaskFilter = TaskFilter(), cursor=None, limit: int = 50,
              backward: bool = False) -> Page[TaskRow]:
        with self.ctx.store.read() as s:
            page = keyset_page(s, self.task_stmt(flt, cursor=cursor, backward=backward),
                               (SendTask.created_at, SendTask.id), cursor, limit,
                               backward=backward)
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

    def record_stmt(self, flt: RecordFilter, *, cursor=None, backward: bool = False,
                    via: str | None = None):
        """The filter as a SELECT.

        ``cursor``/``backward``: the keyset page's cursor over (send_time, id), when there
        is one (the date bound it makes redundant is left out; same rows). ``via``
        (SQLite, see ``_plan``): the one index that may serve the query — ``"phone"``,
        ``"user"``, ``"status"``, ``"template"``, ``"sign"``, or ``"time"`` (any but the
        phone's); the other terms are written ``+col``, which SQLite cannot serve from an
        index. Same rows either way.
        """
        stmt = select(*_REC_COLS)
        v.date_order(flt.first, flt.last)

        def term(col, name: str):
            return col if via is None or via == name or (via == "time" and name != "phone") \
                else _no_index(col)

        if flt.task_id:
            stmt = stmt.where(SendRecord.task_id == flt.task_id)
        if flt.user_id:
            stmt = stmt.where(term(SendRecord.user_id, "user") == flt.user_id)
        if flt.status:
            stmt = stmt.where(term(SendRecord.status, "status") == flt.status)
        if flt.first or flt.last:
            start, end = self.ctx.clock.day_range(flt.first or date(1970, 1, 1),
                                                  flt.last or date(9999, 12, 30))
            time_term = SendRecord.send_time if via != "phone" else _no_index(SendRecord.send_time)
            stmt = stmt.where(*_time_bounds(SendRecord.send_time, start, end,
                                            _after(cursor, backward), backward, time_term))
        if v.search(flt.phone, "phone"):
            full = v.normalize_phone(flt.phone)
            if full:
                stmt = stmt.where(term(SendRecord.phone, "phone") == full)
            else:
                span = v.phone_prefix_range(flt.phone)
                if span is None:
                    stmt = stmt.where(term(SendRecord.phone, "phone") == flt.phone.strip())
                else:
                    stmt = stmt.where(term(SendRecord.phone, "phone").between(*span))
        if flt.template_code:
            stmt = stmt.where(term(SendRecord.template_code, "template") == flt.template_code)
        if flt.sign_name:
            stmt = stmt.where(term(SendRecord.sign_name, "sign") == flt.sign_name)
        return stmt

    def _plan(self, s: Session, flt: RecordFilter) -> str | None:
        """SQLite: which index should serve a page of ``flt`` (None: the planner's choice).

        SQLite keeps no statistics here, so with several filters it picks an index by
        rule, not by data: for a user's pending messages it walks every message of the
        user (millions) looking for a few; for a short phone prefix it sorts a tenth of
        the table. Each index on (column, send_time, id) serves a page newest first, so
        the cheapest is the one with the fewest rows to walk — counted here from the
        rollups (exact, and a millisecond) or, for a phone prefix, on its index
        (bounded). Only the choice of index depends on these counts, never the rows.

        A full number: the phone index (a number has few messages). A prefix: the phone
        index up to ``PREFIX_PHONE_INDEX_MAX`` matches, a time-ordered index beyond.
        Otherwise, with two or more of user, status, template, signature: the one with
        the fewest messages in the date range. PostgreSQL has statistics: None.
        """
        if not self.ctx.store.is_sqlite or flt.task_id:
            return None
        if flt.phone.strip():
            span = _prefix_span(flt)
            if span is None:
                return "phone"
            sub = (select(literal(1)).select_from(SendRecord.__table__)
                   .where(SendRecord.phone.between(*span))
                   .limit(PREFIX_PHONE_INDEX_MAX + 1).subquery())
            matches = s.scalar(select(func.count()).select_from(sub)) or 0
            if matches <= PREFIX_PHONE_INDEX_MAX:
                return "phone"
        chosen = [n for n, on in (("user", flt.user_id), ("status", flt.status),
                                  ("template", flt.template_code), ("sign", flt.sign_name)) if on]
        if len(chosen) < 2:
            return "time" if flt.phone.strip() else None
        return min(chosen, key=lambda name: self._rows_for(s, flt, name))

    def _rows_for(self, s: Session, flt: RecordFilter, name: str) -> int:
        """Messages matching one filter (and the date range), from the rollups."""
        days = []
        if flt.first:
            days.append(("first", flt.first))
        if flt.last:
            days.append(("last", flt.last))
        if name == "status":
            t = DailyTotal
            cols = {DeliveryStatus.DELIVERED: func.sum(t.delivered),
                    DeliveryStatus.FAILED: func.sum(t.failed)}.get(
                DeliveryStatus(flt.status), func.sum(t.total - t.delivered - t.failed))
            stmt = select(cols)
        else:
            t = DailyStat
            col = {"user": t.user_id, "template": t.template_code, "sign": t.sign_name}[name]
            value = {"user": flt.user_id, "template": flt.template_code,
                     "sign": flt.sign_name}[name]
            stmt = select(func.sum(t.total)).where(col == value)
        for side, day in days:
            stmt = stmt.where(t.day >= day if side == "first" else t.day <= day)
        return int(s.scalar(stmt) or 0)

    def records(self, flt: RecordFilter = RecordFilter(), cursor=None, limit: int = 50,
                backward: bool = False) -> Page[RecordRow]:
        """Messages newest first. Within one task the order is by id (one send time)."""
        with self.ctx.store.read() as s:
            if flt.task_id:
                page = keyset_page(s, self.record_stmt(flt), (SendRecord.id,), cursor, limit,
                                   backward=backward)
            elif self._prefix_only(flt):
                page = self._prefix_page(s, flt, cursor, limit, backward)
            else:
                via = self._plan(s, flt)
                stmt = self.record_stmt(flt, cursor=cursor, backward=backward, via=via)
                order = (SendRecord.send_time, SendRecord.id)
                # via the phone index, the cursor must not offer the time index either
                compare = tuple(_no_index(c) for c in order) if via == "phone" else None
                page = keyset_page(s, stmt, order, cursor, limit, backward=backward,
                                   compare=compare)
            names = accounts(s, [r.user_id for r in page.rows])
            rows = [RecordRow(*r, account=names.get(r.user_id, "")) for r in page.rows]
            if not platform_codes_match(flt):
                return Page(rows, page.first, page.last, page.has_next, page.has_prev)
            codes = self._platform_rows(s, flt, cursor, limit, backward)
        return _merge(rows, codes, page, cursor, limit, backward)

    def _prefix_only(self, flt: RecordFilter) -> bool:
        """PostgreSQL, a phone prefix and at most a date range: ``_prefix_page``."""
        return (not self.ctx.store.is_sqlite and not (
                    flt.task_id or flt.user_id or flt.status or flt.template_code
                    or flt.sign_name)
                and _prefix_span(flt) is not None)

    def _prefix_page(self, s: Session, flt: RecordFilter, cursor, limit: int,
                     backward: bool) -> Page:
        """The page's (send_time, id) first, from the (phone, send_time, id) index alone,
        then those rows. Asked for whole rows, PostgreSQL read every match's row before
        keeping the newest (a 4-digit prefix at 10M: 21,811 rows, 135 ms; 16 ms so)."""
        order = (SendRecord.send_time, SendRecord.id)
        keys = self.record_stmt(flt, cursor=cursor, backward=backward).with_only_columns(*order)
        found = keyset_page(s, keys, order, cursor, limit, backward=backward)
        ids = [r.id for r in found.rows]
        full = {r.id: r for r in s.execute(select(*_REC_COLS).where(SendRecord.id.in_(ids)))}
        return Page([full[i] for i in ids], found.first, found.last, found.has_next,
                    found.has_prev)

    def _platform_rows(self, s: Session, flt: RecordFilter, cursor, limit: int,
                       backward: bool) -> list[RecordRow]:
        """The platform's own verification codes (sent) matching ``flt``, as rows with
        the negated code id, ordered and bounded like the records' keyset page (their
        id column is ``-VerificationCode.id``, so the cursor compares alike)."""
        VC = VerificationCode  # (a short name for the long conditions)
        stmt = select(VC.id, VC.phone, VC.sign_name, VC.template_code, VC.biz_id,
                      VC.created_at).where(VC.sent.is_(True))
        if flt.first or flt.last:
            start, end = self.ctx.clock.day_range(flt.first or date(1970, 1, 1),
                                                  flt.last or date(9999, 12, 30))
            stmt = stmt.where(VC.created_at >= start, VC.created_at < end)
        if flt.phone.strip():
            full = v.normalize_phone(flt.phone)
            span = None if full else v.phone_prefix_range(flt.phone)
            stmt = stmt.where(VC.phone.between(*span) if span
                              else VC.phone == (full or flt.phone.strip()))
        if flt.template_code:
            stmt = stmt.where(VC.template_code == flt.template_code)
        if flt.sign_name:
            stmt = stmt.where(VC.sign_name == flt.sign_name)
        when = _after(cursor, backward)
        if when is not None:  # (created_at, -id) beyond the cursor
            neg = -int(cursor[1])
            stmt = stmt.where(or_(VC.created_at > when, and_(VC.created_at == when, VC.id < neg))
                              if backward else
                              or_(VC.created_at < when, and_(VC.created_at == when, VC.id > neg)))
        order = (VC.created_at.asc(), VC.id.desc()) if backward else (VC.created_at.desc(),
                                                                       VC.id.asc())
        label = t("records.platform")
        return [RecordRow(-r.id, 0, 0, r.phone, r.sign_name, r.template_code,
                          SmsType.VERIFICATION, 1, r.biz_id or None, DeliveryStatus.PENDING,
                          "", "", r.created_at, None, account=label)
                for r in s.execute(stmt.order_by(*order).limit(limit + 1))]

    def record_stream(self, flt: RecordFilter = RecordFilter(), batch: int = 5000):
        cursor = None
        while True:
            page = self.records(flt, cursor, batch)
            yield from page.rows
            if not page.has_next:
                return
            cursor = page.last

    def record(self, record_id: int) -> RecordDetail:
        if record_id < 0:
            return self._platform_record(-record_id)
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

    def _platform_record(self, code_id: int) -> RecordDetail:
        """A platform code send's detail (the list's row ``-id``); never the code."""
        with self.ctx.store.read() as s:
            r = s.get(VerificationCode, code_id)
            if r is None or not r.sent:
                raise NotFound("error.record.not_found", id=-code_id)
            row = RecordRow(-r.id, 0, 0, r.phone, r.sign_name, r.template_code,
                            SmsType.VERIFICATION, 1, r.biz_id or None, DeliveryStatus.PENDING,
                            "", "", r.created_at, None, account=t("records.platform"))
            text = t("records.platform_code", scenario=t(f"records.scenario.{r.scenario}"))
        return RecordDetail(record=row, content=text, template_name="", user_name=row.account,
                            refunded=False, holding_id=None)

    def timeline(self, phone: str, limit: int = 200) -> list[TimelineItem]:
        """Every message to, and reply from, one number, newest first."""
        full = v.normalize_phone(phone)
        if full is None:
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
            own = platform_codes(s, full, limit)
        items = own + [TimelineItem(r.send_time, "out", tasks.get(r.task_id, ""),
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
        if v.search(phone, "phone"):
            stmt = stmt.where(Reply.phone == (v.normalize_phone(phone) or phone.strip()))
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
                v.contains(Template.name, v.search(name, "template_name")),
                Template.code != ""))))


__all__ = ["RecordService", "TaskFilter", "TaskRow", "RecordFilter", "RecordRow",
           "RecordDetail", "TimelineItem"]
