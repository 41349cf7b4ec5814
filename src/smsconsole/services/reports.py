"""Applying delivery reports (SmsReport) and replies (SmsUp) to the database.

This is the heart of the report worker, and sending uses it too. Everything here runs
inside the caller's transaction and uses Core statements in batches (the worker applies
thousands of reports a second). Guarantees:

- a report changes a send record only while it is pending, so a duplicate report, or
  the same report applied by two workers at once, changes nothing (rows are locked
  before they are read on PostgreSQL; SQLite has one writer at a time);
- the task's counts and the daily rollups move by exactly the records that changed, so
  they always equal a recount of the records;
- a failed delivery returns its segments to the holding it was charged to, once (the
  record's ``refunded`` flag flips in the same statement), when the refund setting is on;
- a report whose record has no BizId yet (the send's answer was lost or is not
  committed yet) finds it by the call's OutId and gives it the BizId; a report whose
  record is not there at all is kept in ``pending_report`` and applied when the record
  appears; one that never matches is set aside (``kept_aside``) after
  ``PENDING_MAX_AGE``, never dropped.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from smsconsole.clock import parse_china_time
from smsconsole.services import pushes, rollups
from smsconsole.services.context import Context
from smsconsole.services.settings import DEFAULTS, get_setting
from smsconsole.services.validation import normalize_phone
from smsconsole.store.fastsql import Driver
from smsconsole.store.models import (
    DeliveryStatus,
    KeptAside,
    OptOut,
    PendingReport,
    Reply,
    SendRecord,
)

PENDING_MAX_AGE = timedelta(days=3)  # an early report without a record by then never matches
UNSUBSCRIBE_WORDS = {"TD", "T", "N", "退订", "取消", "UNSUBSCRIBE", "STOP", "退", "TD退订", "0000"}


class MalformedMessage(ValueError):
    """A queue message that is not a report/reply we understand (kept aside, not retried)."""


@dataclass(frozen=True)
class Report:
    biz_id: str
    phone: str
    success: bool
    err_code: str
    err_msg: str
    send_time: datetime | None
    report_time: datetime
    segments: int
    raw: str  # the JSON as received, for pending_report
    out_id: str = ""  # the OutId of the call (ours: ``SendService`` sets one per call)


@dataclass(frozen=True)
class ReplyMsg:
    phone: str
    content: str
    sign_name: str
    dest_code: str
    sequence_id: str
    send_time: datetime


@dataclass
class ApplyResult:
    applied: int = 0
    duplicates: int = 0
    pending: int = 0  # kept for later: no record yet

    def __iadd__(self, other: ApplyResult) -> ApplyResult:
        self.applied += other.applied
        self.duplicates += other.duplicates
        self.pending += other.pending
        return self


def _decode(body: bytes | str) -> dict:
    """A queue body: JSON, or base64 of JSON (both shapes occur; see protocols §B.5)."""
    return _decode_text(body)[0]


def _decode_text(body: bytes | str) -> tuple[dict, str]:
    if isinstance(body, bytes):
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise MalformedMessage("body is not UTF-8") from None
    else:
        text = body
    text = text.strip()
    if not text.startswith(("{", "[")):
        try:
            text = base64.b64decode(text, validate=True).decode("utf-8").strip()
        except (binascii.Error, UnicodeDecodeError, ValueError):
            raise MalformedMessage("body is neither JSON nor base64 JSON") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise MalformedMessage(f"invalid JSON: {exc.msg}") from None
    if not isinstance(data, dict):
        raise MalformedMessage("JSON is not an object")
    return data, text


def _time(data: dict, key: str, required: bool) -> datetime | None:
    value = data.get(key)
    if value in (None, ""):
        if required:
            raise MalformedMessage(f"missing {key}")
        return None
    try:
        return parse_china_time(str(value))
    except ValueError:
        raise MalformedMessage(f"bad {key}: {str(value)[:40]}") from None


def _unicode(value: str, name: str) -> str:
    """``value`` if it is valid Unicode: a lone surrogate (``"\\ud800"`` in the JSON)
    cannot be stored by either database's driver."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise MalformedMessage(f"{name} is not valid Unicode (lone surrogate)") from None
    return value


def _phone(raw) -> str | None:
    text = str(raw or "")
    if len(text) == 11 and text.isascii() and text.isdigit() and text[0] == "1" and text[1] in "3456789":
        return text  # the common case, without the regular expressions
    return normalize_phone(text)


def parse_report(body: bytes | str) -> Report:
    data, text = _decode_text(body)
    biz_id = str(data.get("biz_id") or "").strip()
    if not biz_id or len(biz_id) > 64:
        raise MalformedMessage("missing biz_id")
    phone = _phone(data.get("phone_number"))
    if phone is None:
        raise MalformedMessage("missing or invalid phone_number")
    success = data.get("success")
    if isinstance(success, str):
        success = success.strip().lower() == "true"
    if not isinstance(success, bool):
        raise MalformedMessage("missing success")
    try:
        segments = int(data.get("sms_size") or 1)
    except (TypeError, ValueError):
        raise MalformedMessage("bad sms_size") from None
    if not 1 <= segments <= 100:
        raise MalformedMessage("bad sms_size")
    return Report(
        biz_id=_unicode(biz_id, "biz_id"), phone=phone, success=success,
        err_code=_unicode(str(data.get("err_code") or ("DELIVERED" if success else ""))[:64],
                          "err_code"),
        err_msg=_unicode(str(data.get("err_msg") or "")[:256], "err_msg"),
        send_time=_time(data, "send_time", False), report_time=_time(data, "report_time", True),
        segments=segments, raw=text,
        out_id=_unicode(str(data.get("out_id") or "")[:64], "out_id"),
    )


def parse_reply(body: bytes | str) -> ReplyMsg:
    data = _decode(body)
    phone = normalize_phone(str(data.get("phone_number") or ""))
    if phone is None:
        raise MalformedMessage("missing or invalid phone_number")
    content = str(data.get("content") or "")
    if len(content) > 1000:
        raise MalformedMessage("content too long")
    return ReplyMsg(phone=phone, content=_unicode(content, "content"),
                    sign_name=_unicode(str(data.get("sign_name") or "")[:64], "sign_name"),
                    dest_code=_unicode(str(data.get("dest_code") or "")[:32], "dest_code"),
                    sequence_id=_unicode(str(data.get("sequence_id") or "")[:32], "sequence_id"),
                    send_time=_time(data, "send_time", True))


def is_unsubscribe(content: str) -> bool:
    return content.strip().upper() in UNSUBSCRIBE_WORDS


_REC = SendRecord.__table__.c


_RECORD_COLS = ("id, biz_id, phone, status, segments, task_id, user_id, sign_name, "
                "template_code, sms_type, send_time, holding_id")


def _lock_records(s: Session, keys: list[tuple[str, str]], db: Driver | None = None
                  ) -> list[tuple]:
    """Rows (as ``_RECORD_COLS``) for (biz_id, phone) keys, locked on PostgreSQL.

    ``biz_id IN (..) AND phone IN (..)`` rather than a row-value IN: SQLite only uses the
    (biz_id, phone) index for the former. The cross product may match a few extra rows,
    which are dropped here (and only locked, never changed, on PostgreSQL).
    """
    if not keys:
        return []
    db = db or Driver(s)
    wanted = set(keys)
    bizs = sorted({b for b, _ in wanted})
    phones = sorted({p for _, p in wanted})
    rows = db.rows(
        f"SELECT {_RECORD_COLS} FROM send_record WHERE biz_id IN ({db.marks(len(bizs))}) "
        f"AND phone IN ({db.marks(len(phones))}) ORDER BY id"
        + (" FOR UPDATE" if db.pg else ""), bizs + phones)
    return [r for r in rows if (r[1], r[2]) in wanted]


def _adopt_by_out_id(s: Session, reports: list[Report], db: Driver) -> dict:
    """Records without a BizId that these reports are about, by (OutId, phone): they get
    the report's BizId (and an *unknown* record is pending again: a report proves the
    cloud sent it). Returns them keyed like ``_lock_records``'s rows."""
    wanted = {(r.out_id, r.phone): r for r in reports}
    outs = sorted({o for o, _ in wanted})
    phones = sorted({p for _, p in wanted})
    rows = db.rows(
        f"SELECT {_RECORD_COLS}, out_id FROM send_record WHERE out_id IN "
        f"({db.marks(len(outs))}) AND phone IN ({db.marks(len(phones))}) "
        "AND biz_id IS NULL AND status IN (?, ?) ORDER BY id" + (" FOR UPDATE" if db.pg else ""),
        [*outs, *phones, DeliveryStatus.PENDING.value, DeliveryStatus.UNKNOWN.value])
    out: dict[tuple[str, str], tuple] = {}
    for row in rows:
        rep = wanted.get((row[-1], row[2]))
        if rep is None or (rep.biz_id, rep.phone) in out:
            continue
        db.execute("UPDATE send_record SET biz_id=?, status=? WHERE id=? AND biz_id IS NULL",
                   (rep.biz_id, DeliveryStatus.PENDING.value, row[0]))
        out[(rep.biz_id, rep.phone)] = (row[0], rep.biz_id, row[2],
                                        DeliveryStatus.PENDING.value, *row[4:-1])
    return out


def _refund_on(s: Session, refund: bool | None, db: Driver | None = None) -> bool:
    if refund is not None:
        return refund
    if s.new or s.dirty or s.deleted:  # a setting changed in this session must be seen
        return get_setting(s, "refund_failed") == "1"
    # Read once per batch, in plain SQL: the ORM lookup cost more than a batch's updates.
    rows = (db or Driver(s)).rows("SELECT value FROM app_setting WHERE key = ?",
                                  ("refund_failed",))
    return (rows[0][0] if rows else DEFAULTS.get("refund_failed", "")) == "1"


def apply_reports(s: Session, ctx: Context, reports: list[Report],
                  refund: bool | None = None, keep_unmatched: bool = True) -> ApplyResult:
    """Apply status reports in the caller's transaction (see the module docstring)."""
    result = ApplyResult()
    if not reports:
        return result
    by_key: dict[tuple[str, str], Report] = {}
    for r in reports:
        key = (r.biz_id, r.phone)
        if key in by_key:
            result.duplicates += 1  # the same report twice in one batch
        else:
            by_key[key] = r
    db = Driver(s)
    found = {(r[1], r[2]): r for r in _lock_records(s, list(by_key), db)}
    lost = [r for key, r in by_key.items() if key not in found and r.out_id]
    if lost:
        found.update(_adopt_by_out_id(s, lost, db))
    refund = _refund_on(s, refund, db)
    pending, delivered, failed = (DeliveryStatus.PENDING.value, DeliveryStatus.DELIVERED.value,
                                  DeliveryStatus.FAILED.value)
    updates, refunds_by_holding = [], defaultdict(int)
    task_counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    deltas = []
    day_cache: dict[object, object] = {}
    for key, rep in by_key.items():
        rec = found.get(key)
        if rec is None:
            if keep_unmatched:
                s.add(PendingReport(biz_id=rep.biz_id, phone=rep.phone, payload=rep.raw,
                                    received_at=ctx.clock.now()))
            result.pending += 1
            continue
        (rid, _, _, status, segments, task_id, user_id, sign_name, template_code, sms_type,
         send_time, holding_id) = rec
        if status != pending:
            result.duplicates += 1
            continue
        ok = rep.success
        give_back = (not ok) and refund and holding_id is not None
        updates.append((delivered if ok else failed, rep.err_code, rep.err_msg,
                        db.time_in(rep.report_time), rep.segments, db.bool_in(give_back), rid,
                        pending))
        if give_back:
            refunds_by_holding[holding_id] += segments
        task_counts[task_id][0 if ok else 1] += 1
        day = day_cache.get(send_time)
        if day is None:
            day = day_cache[send_time] = ctx.clock.day_of(db.time_out(send_time))
        deltas.append((day, user_id, sign_name, template_code, sms_type,
                       {"delivered": int(ok), "failed": int(not ok),
                        "segments": rep.segments - segments}))
        result.applied += 1
    if updates:
        db.executemany("UPDATE send_record SET status=?, err_code=?, err_msg=?, report_time=?, "
                       "segments=?, refunded=? WHERE id=? AND status=?", updates)
        _bump_tasks(s, task_counts, db)
        _give_back(s, refunds_by_holding, db)
        rollups.bump(s, deltas, db)
    return result


def _bump_tasks(s: Session, task_counts: dict[int, list[int]], db: Driver | None = None) -> None:
    (db or Driver(s)).executemany(
        "UPDATE send_task SET delivered=delivered+?, failed=failed+? WHERE id=?",
        [(d, f, tid) for tid, (d, f) in sorted(task_counts.items())])


def _give_back(s: Session, by_holding: dict[int, int], db: Driver | None = None) -> None:
    (db or Driver(s)).executemany("UPDATE holding SET used=used-? WHERE id=?",
                                  [(n, hid) for hid, n in sorted(by_holding.items())])


def fail_records(s: Session, ctx: Context, record_ids: list[int], code: str, message: str,
                 refund: bool = True, from_status: DeliveryStatus = DeliveryStatus.PENDING
                 ) -> int:
    """Fail records still in ``from_status`` now (the cloud refused the call, or never
    got it). Rows are locked first (PostgreSQL), so two callers never both refund one
    record. Returns how many changed."""
    if not record_ids:
        return 0
    now = ctx.clock.now()
    rows = s.execute(
        select(_REC.id, _REC.task_id, _REC.user_id, _REC.sign_name, _REC.template_code,
               _REC.sms_type, _REC.send_time, _REC.holding_id, _REC.segments)
        .where(_REC.id.in_(record_ids), _REC.status == from_status)
        .order_by(_REC.id).with_for_update()
    ).all()
    if not rows:
        return 0
    s.execute(
        update(SendRecord.__table__)
        .where(_REC.id.in_([r.id for r in rows]), _REC.status == from_status)
        .values(status=DeliveryStatus.FAILED, err_code=code[:64], err_msg=message[:256],
                report_time=now, refunded=refund)
    )
    tasks: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    holdings: dict[int, int] = defaultdict(int)
    deltas = []
    for r in rows:
        tasks[r.task_id][1] += 1
        if refund and r.holding_id is not None:
            holdings[r.holding_id] += r.segments
        deltas.append((ctx.clock.day_of(r.send_time), r.user_id, r.sign_name, r.template_code,
                       r.sms_type, {"failed": 1}))
    _bump_tasks(s, tasks)
    _give_back(s, holdings)
    rollups.bump(s, deltas)
    return len(rows)


def apply_pending_for(s: Session, ctx: Context, biz_ids: list[str] | None = None,
                      limit: int = 5000, ids: list[int] | None = None) -> ApplyResult:
    """Apply kept reports whose records now exist: for ``biz_ids``, or (None) up to
    ``limit`` of those that match a record, found by joining on (BizId, phone) so that
    any number of reports that never match cannot hide the ones that do. Applied ones
    leave ``pending_report``; ``result.pending`` is how many are still waiting.
    ``ids`` limits it to those kept reports (the worker isolating a bad one)."""
    if (biz_ids is not None and not biz_ids) or (ids is not None and not ids):
        return ApplyResult()
    pr = PendingReport.__table__.c
    stmt = (select(PendingReport)
            .join(SendRecord.__table__, (_REC.biz_id == pr.biz_id) & (_REC.phone == pr.phone))
            .order_by(pr.id).limit(limit))
    if biz_ids is not None:
        stmt = stmt.where(pr.biz_id.in_(biz_ids))
    if ids is not None:
        stmt = stmt.where(pr.id.in_(ids))
    kept = list(s.scalars(stmt))
    result = ApplyResult()
    if kept:
        reports = []
        for row in kept:
            try:
                reports.append(parse_report(row.payload))
            except MalformedMessage:  # cannot happen: it parsed before it was kept
                continue
        result = apply_reports(s, ctx, reports, keep_unmatched=False)
        pushes.enqueue(s, ctx, reports, [])  # applied outside the worker's batch
        s.execute(delete(PendingReport).where(PendingReport.id.in_([r.id for r in kept])))
    if biz_ids is None and ids is None:
        result.pending = s.scalar(select(func.count()).select_from(PendingReport)) or 0
    return result


def matching_pending_ids(s: Session, limit: int = 5000) -> list[int]:
    """Ids of kept reports whose record exists now (oldest first)."""
    pr = PendingReport.__table__.c
    return list(s.scalars(
        select(pr.id).join(SendRecord.__table__,
                           (_REC.biz_id == pr.biz_id) & (_REC.phone == pr.phone))
        .order_by(pr.id).limit(limit)))


def set_aside_pending(s: Session, ctx: Context, row_id: int, reason: str) -> bool:
    """Move one kept report to ``kept_aside`` (visible to the admin) with ``reason``."""
    row = s.get(PendingReport, row_id, with_for_update=True)
    if row is None:
        return False
    s.add(KeptAside(queue="report", message_id=f"pending_report:{row.id}",
                    body=storable(row.payload)[:20000], reason=storable(reason)[:512],
                    received_at=ctx.clock.now()))
    s.delete(row)
    return True


def age_out_pending(s: Session, ctx: Context, max_age: timedelta = PENDING_MAX_AGE,
                    limit: int = 5000) -> int:
    """Set aside (``kept_aside``, visible to the admin) kept reports that found no record
    within ``max_age``: they are not ours (another system on the same queue) or their
    send was lost. Returns how many moved."""
    cutoff = ctx.clock.now() - max_age
    old = list(s.scalars(select(PendingReport).where(PendingReport.received_at < cutoff)
                         .order_by(PendingReport.id).limit(limit).with_for_update()))
    if not old:
        return 0
    now = ctx.clock.now()
    for row in old:
        s.add(KeptAside(queue="report", message_id=f"pending_report:{row.id}",
                        body=storable(row.payload)[:20000],
                        reason=f"no send record for BizId {row.biz_id} after "
                               f"{max_age.days} day(s)"[:512],
                        received_at=now))
    s.execute(delete(PendingReport).where(PendingReport.id.in_([r.id for r in old])))
    return len(old)


def storable(text: str) -> str:
    """``text`` as any database stores it: NUL and lone surrogates (which PostgreSQL or
    the UTF-8 codec refuse) escaped, everything else unchanged."""
    if "\x00" in text:
        text = text.replace("\x00", "\\u0000")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def reply_owners(s: Session, replies: list[ReplyMsg]) -> dict[tuple[str, str], int | None]:
    """The user each reply belongs to, by (phone, sign name): the latest send to that
    number, with the reply's signature when it names one. Run in a read session before
    the write transaction: on a large SQLite database these lookups are most of a reply
    batch's time, and inside the transaction they held the write lock."""
    owners: dict[tuple[str, str], int | None] = {}
    for rep in replies:
        key = (rep.phone, rep.sign_name)
        if key in owners:
            continue
        stmt = (select(_REC.user_id).where(_REC.phone == rep.phone)
                .order_by(_REC.send_time.desc()).limit(1))
        user_id = None
        if rep.sign_name:
            user_id = s.scalar(stmt.where(_REC.sign_name == rep.sign_name))
        if user_id is None:
            user_id = s.scalar(stmt)
        owners[key] = user_id
    return owners


def apply_replies(s: Session, ctx: Context, replies: list[ReplyMsg],
                  owners: dict[tuple[str, str], int | None] | None = None) -> int:
    """Store replies with the user they belong to (``owners``, from ``reply_owners``; looked
    up in ``s`` when not given); an unsubscribe word opts the number out of that user's
    sends. A duplicate reply is stored once. Returns how many were new."""
    new = 0
    dialect = s.get_bind().dialect.name
    if owners is None:
        owners = reply_owners(s, replies)
    for rep in replies:
        user_id = owners.get((rep.phone, rep.sign_name))
        unsub = is_unsubscribe(rep.content)
        values = dict(user_id=user_id, phone=rep.phone, content=rep.content,
                      sign_name=rep.sign_name, dest_code=rep.dest_code,
                      sequence_id=rep.sequence_id, send_time=rep.send_time,
                      received_at=ctx.clock.now(), unsubscribe=unsub)
        ins = _dialect_insert(dialect)
        added = s.execute(ins(Reply.__table__).values(**values).on_conflict_do_nothing(
            index_elements=["phone", "sequence_id", "send_time"])).rowcount
        if not added:
            continue
        new += 1
        if unsub and user_id is not None:
            s.execute(ins(OptOut.__table__).values(
                user_id=user_id, phone=rep.phone, source="reply", created_at=ctx.clock.now(),
            ).on_conflict_do_nothing(index_elements=["user_id", "phone"]))
    return new


def _dialect_insert(dialect: str):
    # Imported per database, not at the top: PostgreSQL's dialect costs ~0.3 s of start-up
    # on SQLite installs.
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert


__all__ = ["MalformedMessage", "Report", "ReplyMsg", "ApplyResult", "parse_report",
           "parse_reply", "apply_reports", "apply_pending_for", "age_out_pending", "storable", "reply_owners", "apply_replies", "fail_records",
           "is_unsubscribe"]
