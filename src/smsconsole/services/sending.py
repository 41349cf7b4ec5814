"""Sending (portal side): a template to a list of numbers, charged against quota.

Rules (product.md §4): numbers are validated and deduplicated, opted-out numbers are
skipped; each message costs one unit per billing segment (≤ 70 characters including
【signature】 is 1 segment, longer ones are split into 67-character segments); the
user's holdings of the template's type — and general (通用) holdings, which serve every
type — are charged earliest expiry first; a frozen user, or too little usable quota
(expired, frozen and invalid holdings don't count), is refused with the reason and
nothing is written. Concurrent sends never overspend: the charge happens in one
transaction that locks the user's row (SQLite: the write lock) before reading the
holdings.

Quota is charged and the records written *before* the cloud call, so a crash can never
send without charging; the cloud's BizId is attached right after the call. A call the
cloud refuses fails its records at once and gives their quota back. A call whose outcome
is unknown (read timeout, connection lost after the request went out) is NOT a refusal:
its records become *unknown*, stay charged, and ``services.reconcile`` later asks the
cloud (by the call's OutId) and settles them. Each call carries an OutId unique to it
(stored on its records before the call), and the task's ``beat_at`` moves before each
call, so a crashed sender's task is recognised and settled the same way.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from types import SimpleNamespace

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from smsconsole.cloud.segments import count_segments, full_text
from smsconsole.services import risk, rollups
from smsconsole.services import validation as v
from smsconsole.services.context import Context
from smsconsole.services.errors import Invalid, NotFound, Refused, ServiceError
from smsconsole.services.gathering import Gatherer
from smsconsole.store.fastsql import Driver
from smsconsole.store.models import (
    DeliveryStatus,
    HoldingStatus,
    ReviewStatus,
    SendRecord,
    SmsType,
    TaskStatus,
    Template,
    UserStatus,
)

log = logging.getLogger("smsconsole.sending")

MAX_NUMBERS_PER_TASK = 100_000
MAX_PER_CALL = 1000  # SendSms accepts at most 1000 numbers a call
MAX_PER_BATCH_CALL = 100  # SendBatchSms: at most 100 numbers
# A CloudError with one of these codes and no HTTP answer may have been sent: the
# request went out and the answer was lost (see cloud/_openapi.classify).
MAYBE_SENT = {"Timeout", "NetworkError", "InvalidResponse"}


def out_id_for(task_id: int, call: int, nonce: str) -> str:
    """The OutId of a task's ``call``-th cloud call (the nonce keeps it unique even if
    task ids are reused, e.g. after a database restore)."""
    return f"sc{task_id}.{call}.{nonce}"


def out_id_nonce(out_id: str) -> str:
    """The nonce ``out_id_for`` put in an OutId (a task's calls share it)."""
    return out_id.rsplit(".", 1)[-1]


def maybe_sent(exc: Exception) -> bool:
    """Whether a failed send call may have reached the cloud (outcome unknown)."""
    from smsconsole.cloud.cloud_error import CloudError

    if not isinstance(exc, CloudError):
        return True  # not a refusal we understand: ask the cloud rather than refund
    return exc.http_status is None and not exc.retryable and exc.code in MAYBE_SENT
VARIABLE = re.compile(r"\$\{(\w+)\}")


def render(sign_name: str, content: str, params: dict[str, str]) -> str:
    """The full message text: 【signature】 + the template with its variables filled."""
    body = VARIABLE.sub(lambda m: str(params.get(m.group(1), m.group(0))), content)
    return full_text(sign_name, body)


@dataclass
class SendRequest:
    user_id: int
    template_id: int
    sign_name: str
    phones: list[str]
    params: dict[str, str] = field(default_factory=dict)
    out_id: str = ""  # the gateway customer's OutId, echoed in details and reports
    gateway: bool = False  # the task keeps the BizId answered (SendOutcome.task_biz_id)
    # ``send_group`` only: run in the send's transaction before anything of it is written
    # (the gateway takes the request's nonce there); what it raises refuses the send.
    check: Callable[[Driver], None] | None = None


@dataclass(frozen=True)
class SendOutcome:
    task_id: int
    accepted: int  # records created and charged
    invalid: list[str]  # numbers that are not valid mainland mobiles
    duplicates: int
    opted_out: int
    segments_each: int
    charged: int  # quota units charged
    status: TaskStatus
    result_code: str
    result_message: str
    biz_ids: list[str]
    refused: dict[str, str] = field(default_factory=dict)  # number -> risk control's code
    # The BizId kept on the task for its customer (gateway sends; "" otherwise).
    task_biz_id: str = ""


@dataclass(frozen=True)
class _Tpl:
    """What a send needs of its template (read with plain SQL, no ORM object)."""

    id: int | None
    code: str
    name: str
    sms_type: SmsType
    content: str


@dataclass
class _Prepared:
    user_id: int
    template: _Tpl
    sign_name: str
    content: str
    segments: int
    params_json: str
    phones: list[str]
    invalid: list[str]
    duplicates: int
    opted_out: int


@dataclass
class _Created:
    """A task written and charged, not dispatched yet."""

    task_id: int
    p: _Prepared
    verdict: risk.Verdict
    nonce: str
    keep_biz_id: bool
    held_biz_id: str | None
    shared_out_id: str | None = None  # written for a gathered call (``_Gathering``)


class _SharedCall:
    """One cloud call for several one-call sends of a group: SendBatchSms, one OutId."""

    def __init__(self, template_code: str) -> None:
        self.template_code = template_code
        self.out_id = f"sg.{secrets.token_hex(8)}"
        self.phones: set[str] = set()
        self.created: list[_Created] = []


class _Gathering:
    """Which sends of a group share a cloud call (``SendService.send_group``): those not
    held, of one template, up to SendBatchSms's 100 numbers, no number twice (a report
    is matched to its record by BizId and number). Each is written with its call's OutId
    before the call, as every send is (the reconciler asks the cloud by it).

    And what the group's transaction reads or writes once for all its sends: each
    customer, template and signature (``reads``), risk control's settings and limits
    (``risk``), and the daily rollups, written at its end (``deltas``)."""

    def __init__(self, risk_batch: risk.Batch) -> None:
        self.calls: dict[str, _SharedCall] = {}  # by OutId, in the order they were opened
        self._open: dict[str, _SharedCall] = {}  # by template code: the one filling up
        self.risk = risk_batch
        self.reads: dict[tuple, list[tuple]] = {}  # _READ's rows by its parameters
        self.deltas: list[tuple] = []

    def out_id_for(self, p: _Prepared, verdict: risk.Verdict) -> str | None:
        if verdict.held or len(p.phones) > MAX_PER_BATCH_CALL:
            return None
        call = self._open.get(p.template.code)
        if (call is None or len(call.phones) + len(p.phones) > MAX_PER_BATCH_CALL
                or not call.phones.isdisjoint(p.phones)):
            call = self._open[p.template.code] = _SharedCall(p.template.code)
            self.calls[call.out_id] = call
        call.phones.update(p.phones)
        return call.out_id

    def add(self, c: _Created) -> None:
        self.calls[c.shared_out_id].created.append(c)


@dataclass
class _Done:
    """A task whose cloud calls are made, for ``SendService._finish``."""

    task_id: int
    p: _Prepared
    calls: _Calls
    keep_biz_id: bool  # the task keeps the BizId answered (a gateway send)
    own_biz_id: str = ""  # the BizId answered when its call's is shared


@dataclass
class _Calls:
    """What a task's cloud calls came to, for ``SendService._finish``."""

    biz_ids: list[str] = field(default_factory=list)
    unsaved: list[tuple[str, str]] = field(default_factory=list)  # (out_id, biz_id) to write
    accepted_any: bool = False
    unknown_any: bool = False
    code: str = "OK"
    message: str = "OK"
    request_id: str = ""

    def accepted(self, result, out_id: str) -> None:
        self.accepted_any = True
        self.request_id = result.request_id or self.request_id
        self.biz_ids.append(result.biz_id)
        self.unsaved.append((out_id, result.biz_id))

    def failed(self, exc: Exception) -> None:
        from smsconsole.cloud.cloud_error import CloudError

        if isinstance(exc, CloudError):
            self.code = exc.code or "Error"
            self.message = (exc.raw_message or str(exc))[:512]
            self.request_id = exc.request_id or self.request_id
        else:
            self.code, self.message = "Error", str(exc)[:512]


_READ = ("SELECT u.status, u.freeze_reason, u.account, t.id, t.user_id, t.status, t.code, "
         "t.name, t.content, t.sms_type, (SELECT g.status FROM signature g "
         "WHERE g.user_id = u.id AND g.name = ? ORDER BY g.id LIMIT 1) "
         "FROM users u LEFT JOIN template t ON t.id = ? WHERE u.id = ?")
_HOLDINGS = ("SELECT id, total - used FROM holding WHERE user_id = ? AND status = ? "
             "AND expires_at > ? AND sms_type IN (?, ?) AND total > used "
             "ORDER BY expires_at, id")
_TASK = ("INSERT INTO send_task (user_id, created_at, sign_name, template_id, template_code, "
         "template_name, sms_type, content, params_json, numbers, invalid_numbers, "
         "duplicate_numbers, opted_out_numbers, segments_each, delivered, failed, status, "
         "result_code, result_message, request_id, beat_at, out_id, biz_id) "
         "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, ?, '', '', '', ?, ?, ?) "
         "RETURNING id")
_RECORD = ("INSERT INTO send_record (task_id, user_id, phone, sign_name, template_code, "
           "sms_type, segments, status, err_code, err_msg, send_time, holding_id, refunded, "
           "out_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, '', '', ?, ?, ?, ?)")


def platform_biz_id() -> str:
    """A BizId of the platform's own, in Aliyun's shape (18 digits, ``^0``): answered
    for a gateway send whose upstream BizId is not known (held, outcome unknown)."""
    return f"{secrets.randbelow(9 * 10**17) + 10**17}^0"


class SendService:
    def __init__(self, ctx: Context, cloud=None) -> None:
        self.ctx = ctx
        self.cloud = cloud
        self._gatherer = Gatherer(self.send_group, weight=lambda req: len(req.phones))

    # --- validation --------------------------------------------------------------------

    def _prepare(self, s: Session, db: Driver, req: SendRequest, lock: bool,
                 reads: dict | None = None) -> _Prepared:
        """The user, template and signature in one plain query (the user's row locked
        when ``lock``: PostgreSQL serializes this user's sends on it; SQLite's BEGIN
        IMMEDIATE already holds the write lock); read once per transaction with
        ``reads`` (a group's)."""
        sign_name = v.clean(req.sign_name, "sign_name")
        key = (sign_name, req.template_id, req.user_id)
        rows = reads.get(key) if reads is not None else None
        if rows is None:
            rows = db.rows(_READ + (" FOR UPDATE OF u" if lock and db.pg else ""), key)
            if reads is not None:
                reads[key] = rows
        if not rows:
            raise NotFound("error.user.not_found", id=req.user_id)
        (u_status, freeze_reason, account, t_id, t_user, t_status, t_code, t_name, t_content,
         t_type, g_status) = rows[0]
        if UserStatus(u_status) == UserStatus.FROZEN:
            raise Refused("error.send.user_frozen", "user", account=account,
                          reason=freeze_reason)
        if t_id is None or t_user != req.user_id:
            raise NotFound("error.template.not_found", "template", id=req.template_id)
        if ReviewStatus(t_status) != ReviewStatus.APPROVED or not t_code:
            raise Refused("error.send.template_not_approved", "template", name=t_name)
        if g_status is None:
            raise NotFound("error.signature.not_found_for_user", "sign_name", name=sign_name)
        if ReviewStatus(g_status) != ReviewStatus.APPROVED:
            raise Refused("error.send.signature_not_approved", "sign_name", name=sign_name)
        tpl = _Tpl(t_id, t_code, t_name, SmsType(t_type), t_content)
        params = {str(k): str(val) for k, val in (req.params or {}).items()}
        for k, val in params.items():
            v.clean(val, f"params.{k}")  # no control character reaches the content
        missing = sorted(set(VARIABLE.findall(tpl.content)) - set(params))
        if missing:
            raise Invalid("error.send.missing_params", "params", names=", ".join(missing))
        content = render(sign_name, tpl.content, params)
        if not req.phones:
            raise Invalid("error.send.no_numbers", "phones")
        if len(req.phones) > MAX_NUMBERS_PER_TASK:
            raise Invalid("error.send.too_many_numbers", "phones", max=MAX_NUMBERS_PER_TASK)
        seen: set[str] = set()
        phones: list[str] = []
        invalid: list[str] = []
        duplicates = 0
        for raw in req.phones:
            phone = v.normalize_phone(raw)
            if phone is None:
                invalid.append(str(raw))
            elif phone in seen:
                duplicates += 1
            else:
                seen.add(phone)
                phones.append(phone)
        opted: set[str] = set()
        for start in range(0, len(phones), 900):
            chunk = phones[start:start + 900]
            opted.update(r[0] for r in db.rows(
                f"SELECT phone FROM opt_out WHERE user_id = ? AND phone IN "
                f"({db.marks(len(chunk))})", (req.user_id, *chunk)))
        if opted:
            phones = [p for p in phones if p not in opted]
        if not phones:
            raise Invalid("error.send.no_valid_numbers", "phones", invalid=len(invalid),
                          opted_out=len(opted))
        return _Prepared(req.user_id, tpl, sign_name, content, count_segments(content),
                         json.dumps(params, ensure_ascii=False), phones, invalid, duplicates,
                         len(opted))

    # --- charging ----------------------------------------------------------------------

    def _charge(self, db: Driver, p: _Prepared, now: datetime) -> list[int]:
        """Pick a holding for each message (earliest expiry first, a message never split
        across holdings) and charge it. Returns the holding id per phone."""
        sms_type = p.template.sms_type
        holdings = db.rows(_HOLDINGS + (" FOR UPDATE" if db.pg else ""),
                           (p.user_id, HoldingStatus.NORMAL.value, db.time_in(now),
                            sms_type.value, SmsType.GENERAL.value))
        left = {hid: int(n) for hid, n in holdings}
        need = p.segments * len(p.phones)
        have = sum(left.values())
        if have < need:
            raise Refused("error.send.quota", "phones", need=need, have=have,
                          type=sms_type.value)
        assigned: list[int] = []
        charged: dict[int, int] = {}
        idx = 0
        for _ in p.phones:
            while idx < len(holdings) and left[holdings[idx][0]] < p.segments:
                idx += 1
            if idx == len(holdings):
                # Enough units in total but scattered in remainders too small for one message.
                raise Refused("error.send.quota", "phones", need=need, have=have,
                              type=sms_type.value)
            hid = holdings[idx][0]
            left[hid] -= p.segments
            charged[hid] = charged.get(hid, 0) + p.segments
            assigned.append(hid)
        for hid, units in charged.items():
            done = db.count("UPDATE holding SET used = used + ? WHERE id = ? "
                            "AND used + ? <= total", (units, hid, units))
            if done != 1:  # cannot happen under the lock; never overspend if it does
                raise Refused("error.send.quota", "phones", need=need, have=have,
                              type=sms_type.value)
        return assigned

    def _create(self, s: Session, db: Driver, req: SendRequest, now: datetime,
                lock: bool, gathering: _Gathering | None = None) -> _Created:
        """Validate, screen, charge and write one task and its records (in ``s``'s
        transaction, before any cloud call). With ``gathering``, the records of a send
        that shares a cloud call carry that call's OutId, and its rollup is written with
        the group's (``_Gathering.deltas``)."""
        p = self._prepare(s, db, req, lock, gathering and gathering.reads)
        # may drop numbers, hold or refuse
        verdict = risk.screen(s, self.ctx, p, now, gathering and gathering.risk)
        holding_ids = self._charge(db, p, now)
        tpl = p.template
        at = db.time_in(now)
        held_biz_id = platform_biz_id() if req.gateway and verdict.held else None
        task_id = db.rows(_TASK, (
            p.user_id, at, p.sign_name, tpl.id, tpl.code, tpl.name, tpl.sms_type.value,
            p.content, p.params_json, len(p.phones), len(p.invalid), p.duplicates,
            p.opted_out, p.segments, verdict.task_status.value, at, req.out_id,
            # A held gateway send is answered with a BizId of the platform's own.
            held_biz_id))[0][0]
        risk.attach(s, self.ctx, SimpleNamespace(id=task_id, user_id=p.user_id), verdict, now)
        nonce = secrets.token_hex(4)
        shared = gathering.out_id_for(p, verdict) if gathering is not None else None
        pending, refunded = DeliveryStatus.PENDING.value, db.bool_in(False)
        db.executemany(_RECORD, [
            (task_id, p.user_id, ph, p.sign_name, tpl.code, tpl.sms_type.value, p.segments,
             pending, at, hid, refunded,
             shared or out_id_for(task_id, i // MAX_PER_CALL, nonce))
            for i, (ph, hid) in enumerate(zip(p.phones, holding_ids, strict=True))])
        delta = (self.ctx.clock.day_of(now), p.user_id, p.sign_name, tpl.code,
                 tpl.sms_type.value,
                 {"total": len(p.phones), "segments": len(p.phones) * p.segments})
        if gathering is None:
            rollups.bump(s, [delta], db=db)
        else:
            gathering.deltas.append(delta)
            gathering.risk.uncounted[p.user_id] += len(p.phones)
        return _Created(task_id, p, verdict, nonce, req.gateway, held_biz_id, shared)

    def send(self, req: SendRequest) -> SendOutcome:
        return self.send_all([req])[0]

    def send_gathered(self, req: SendRequest) -> SendOutcome:
        """``send`` for a request that may arrive with many others (the gateway's): sent
        with those waiting at the same time as one group (``services.gathering``)."""
        return self._gatherer.send(req)

    def send_all(self, reqs: list[SendRequest]) -> list[SendOutcome]:
        """Several sends of one user as one decision (SendBatchSms): every one validated,
        screened and charged in one transaction before any cloud call, so a refusal of
        any (invalid, too little quota, frozen, risk control) refuses them all and
        charges nothing; then each is dispatched."""
        now = self.ctx.clock.now()
        with risk.counting_refusals(self.ctx), self.ctx.store.session() as s:
            db = Driver(s)
            created = [self._create(s, db, req, now, lock=i == 0)
                       for i, req in enumerate(reqs)]
        out = []
        for c in created:
            if c.verdict.held:
                out.append(replace(risk.held_outcome(SendOutcome, c.task_id, c.p, c.verdict),
                                   task_biz_id=c.held_biz_id or ""))
                continue
            out.append(replace(self._dispatch(c.task_id, c.p, now, c.nonce, fresh=True,
                                              keep_biz_id=c.keep_biz_id),
                               refused=c.verdict.refused))
        return out

    def send_group(self, reqs: list[SendRequest],
                   written: Callable[[], None] | None = None,
                   more: Callable[[], list[SendRequest]] | None = None,
                   ) -> list[SendOutcome | Exception]:
        """Sends that arrived together (of any users; ``services.gathering``), each decided
        on its own — a refusal (its error in its place) writes and charges nothing of it —
        but written in one transaction, and those that can share a cloud call sent in one
        SendBatchSms (``_Gathering``). The rest as ``send``. ``written`` is called once
        the sends are written, before any cloud call. ``more()``: sends that arrived
        meanwhile, written in the same transaction (their results follow ``reqs``'s)."""
        now = self.ctx.clock.now()
        results: list[SendOutcome | Exception | None] = [None] * len(reqs)
        created: dict[int, _Created] = {}
        refused: list[risk.RiskRefused] = []
        reqs = list(reqs)
        if not self.ctx.store.is_sqlite:
            # PostgreSQL: a group takes its nonces, then its users' rows in ascending id;
            # sends joining later would take locks out of that order (a deadlock with
            # another process's group). SQLite has one writer: no such order to keep.
            more = None
        with self.ctx.store.session() as s:
            db = Driver(s)
            gathering = _Gathering(risk.Batch(risk.load_settings(s)))
            base = 0
            while base < len(reqs):
                # The checks first (the nonces' rows), then by user: PostgreSQL locks each
                # user's row, always in the same order, after every other lock. Then those
                # that came meanwhile (SQLite), in the same way.
                for i in range(base, len(reqs)):
                    req = reqs[i]
                    if req.check is not None:
                        try:
                            req.check(db)
                        except Exception as exc:  # noqa: BLE001 - the caller's refusal, as is
                            results[i] = exc
                for i in sorted(range(base, len(reqs)), key=lambda i: reqs[i].user_id):
                    if results[i] is not None:
                        continue
                    try:
                        c = created[i] = self._create(s, db, reqs[i], now, lock=True,
                                                      gathering=gathering)
                    except ServiceError as exc:  # nothing of this send was written yet
                        results[i] = exc
                        if isinstance(exc, risk.RiskRefused):
                            refused.append(exc)
                        continue
                    if c.shared_out_id:
                        gathering.add(c)
                base = len(reqs)
                extra = more() if more is not None else []
                reqs.extend(extra)
                results.extend([None] * len(extra))
            rollups.bump(s, gathering.deltas, db=db)
        for exc in refused:
            risk.record_refusal(self.ctx, exc)
        if written is not None:
            written()
        # Every shared call made, then what they came to written in one transaction.
        made = [done for call in gathering.calls.values() if call.created
                for done in self._call_shared(call)]
        shared: dict[int, SendOutcome] = {}
        early: list[str] = []
        if made:
            with self.ctx.store.session() as s:
                shared, early = self._finish(Driver(s), [
                    _Done(c.task_id, c.p, calls, c.keep_biz_id, own_biz_id)
                    for c, calls, own_biz_id in made])
        if early:
            self._apply_early(sorted(early))
        for i, c in created.items():
            if c.verdict.held:
                results[i] = replace(risk.held_outcome(SendOutcome, c.task_id, c.p, c.verdict),
                                     task_biz_id=c.held_biz_id or "")
                continue
            outcome = shared.get(c.task_id) or self._dispatch(
                c.task_id, c.p, now, c.nonce, fresh=True, keep_biz_id=c.keep_biz_id)
            results[i] = replace(outcome, refused=c.verdict.refused)
        return results

    def _call_shared(self, call: _SharedCall) -> list[tuple[_Created, _Calls, str]]:
        """The cloud call of ``call``'s sends: SendBatchSms (one send alone: SendSms).
        Refused as a whole, nothing was sent: each send is then made on its own, for its
        own answer. → (send, what its call came to, the BizId it answers: one of its own
        when the call's is shared)."""
        if len(call.created) == 1:
            c = call.created[0]
            return [(c, self._call(c.task_id, c.p, c.p.phones, call.out_id), "")]
        phones, signs, params = [], [], []
        for c in call.created:
            values = json.loads(c.p.params_json)
            for phone in c.p.phones:
                phones.append(phone)
                signs.append(c.p.sign_name)
                params.append(values)
        calls = _Calls()
        try:
            result = self.cloud.sms().send_batch_sms(phones, signs, call.template_code,
                                                     params, out_id=call.out_id)
        except Exception as exc:  # noqa: BLE001 - every failure is settled, never lost
            if not maybe_sent(exc):
                return [(c, self._call(c.task_id, c.p, c.p.phones, call.out_id), "")
                        for c in call.created]
            calls.failed(exc)
            calls.unknown_any = True
            for c in call.created:
                self._unknown_chunk(c.task_id, call.out_id, calls.code, calls.message)
        else:
            calls.accepted(result, call.out_id)
        return [(c, calls, platform_biz_id() if c.keep_biz_id else "") for c in call.created]

    def send_by_code(self, user_id: int, template_code: str, sign_name: str,
                     phones: list[str], params: dict[str, str], out_id: str = "") -> SendOutcome:
        """The customer gateway's entry point: the template named by its CODE, among the
        customer's own; everything else as ``send``."""
        with self.ctx.store.read() as s:
            tpl_id = s.scalar(select(Template.id).where(Template.user_id == user_id,
                                                        Template.code == template_code)
                              .order_by(Template.id).limit(1)) if template_code else None
        if tpl_id is None:
            raise NotFound("error.template.not_found", "template", id=template_code)
        return self.send(SendRequest(user_id, tpl_id, sign_name, phones, params, out_id))

    # --- the cloud call ------------------------------------------------------------------

    def _dispatch(self, task_id: int, p: _Prepared, now: datetime, nonce: str, *,
                  fresh: bool = False, keep_biz_id: bool = False) -> SendOutcome:
        """Make the task's cloud calls. ``fresh``: the task was written a moment ago with
        ``beat_at`` = now, so the first call needs no beat of its own. A call's BizId is
        written with the next call's beat, or with the task's result after the last call
        (one transaction for a one-call send): a crash in between leaves the records
        pending with their OutId, which the reconciler settles as any lost answer.
        ``keep_biz_id``: the task keeps the BizId answered (a gateway send)."""
        calls = _Calls()
        for call, start in enumerate(range(0, len(p.phones), MAX_PER_CALL)):
            chunk = p.phones[start:start + MAX_PER_CALL]
            call_out_id = out_id_for(task_id, call, nonce)
            if not (fresh and call == 0) or calls.unsaved:
                alive = self._beat(task_id, calls.unsaved)
                calls.unsaved = []
                if not alive:
                    # The reconciler took this task over (we looked dead): it settles the
                    # remaining records, which were never sent.
                    calls.unknown_any = True
                    break
            self._call(task_id, p, chunk, call_out_id, calls)
        with self.ctx.store.session() as s:
            outcomes, early = self._finish(Driver(s), [_Done(task_id, p, calls, keep_biz_id)])
        if early:
            self._apply_early(early)
        return outcomes[task_id]

    def _call(self, task_id: int, p: _Prepared, chunk: list[str], out_id: str,
              calls: _Calls | None = None) -> _Calls:
        """One SendSms for ``chunk`` of the task's numbers, added to ``calls``. A refusal
        fails the chunk's records and gives their quota back; a lost answer makes them
        *unknown* (the reconciler settles them)."""
        calls = calls if calls is not None else _Calls()
        try:
            result = self.cloud.sms().send_sms(chunk, p.sign_name, p.template.code,
                                               json.loads(p.params_json) or None,
                                               out_id=out_id)
        except Exception as exc:  # noqa: BLE001 - every failure is settled, never lost
            calls.failed(exc)
            if maybe_sent(exc):
                calls.unknown_any = True
                self._unknown_chunk(task_id, out_id, calls.code, calls.message)
            else:
                self._fail_chunk(task_id, chunk, calls.code, calls.message)
            return calls
        calls.accepted(result, out_id)
        return calls

    def _finish(self, db: Driver, done: list[_Done]) -> tuple[dict[int, SendOutcome],
                                                                list[str]]:
        """Write what the tasks' calls came to (in the caller's transaction): the BizIds
        on their records, the BizId answered on each task (its ``own_biz_id``, else its
        first upstream one), their status and result; a few statements for a whole group.
        → the outcomes by task, and the BizIds with reports that came before them
        (``_apply_early`` after the commit)."""
        early = self._save_biz_ids(db, [(d.task_id, out_id, biz) for d in done
                                        for out_id, biz in d.calls.unsaved])
        status: dict[int, TaskStatus] = {}
        kept: dict[int, str] = {}
        results: dict[tuple, list[int]] = {}
        for d in done:
            calls = d.calls
            st = status[d.task_id] = (TaskStatus.SUBMITTED if calls.accepted_any else
                                      TaskStatus.UNKNOWN if calls.unknown_any else
                                      TaskStatus.REJECTED)
            if d.keep_biz_id and st != TaskStatus.REJECTED:
                kept[d.task_id] = d.own_biz_id or (calls.biz_ids[0] if calls.biz_ids
                                                   else platform_biz_id())
            code = "OK" if calls.accepted_any and calls.code == "OK" else calls.code
            results.setdefault((st.value, code, calls.message, calls.request_id),
                               []).append(d.task_id)
        if kept:  # whatever the status (the reconciler may own the task): the first one
            db.executemany("UPDATE send_task SET biz_id = ? WHERE id = ? AND biz_id IS NULL",
                           [(biz, task_id) for task_id, biz in kept.items()])
            kept = dict(db.rows(f"SELECT id, biz_id FROM send_task WHERE id IN "
                                f"({db.marks(len(kept))})", list(kept)))
        for (st, code, message, request_id), ids in results.items():
            db.count(f"UPDATE send_task SET status = ?, result_code = ?, result_message = ?, "
                     f"request_id = ? WHERE status = ? AND id IN ({db.marks(len(ids))})",
                     (st, code, message, request_id, TaskStatus.SENDING.value, *ids))
        outcomes = {}
        for d in done:
            p, calls = d.p, d.calls
            outcomes[d.task_id] = SendOutcome(
                task_id=d.task_id, accepted=len(p.phones), invalid=p.invalid,
                duplicates=p.duplicates, opted_out=p.opted_out, segments_each=p.segments,
                charged=p.segments * len(p.phones), status=status[d.task_id],
                result_code=calls.code, result_message=calls.message,
                biz_ids=list(calls.biz_ids), task_biz_id=kept.get(d.task_id, ""))
        return outcomes, early

    @staticmethod
    def _save_biz_ids(db: Driver, saved: list[tuple[int, str, str]]) -> list[str]:
        """Attach the calls' BizIds to their records (task id, OutId, BizId); → those of
        them with reports that came before the BizId (usually none: one indexed read)."""
        if not saved:
            return []
        pending = DeliveryStatus.PENDING.value
        db.executemany("UPDATE send_record SET biz_id = ?, status = ? WHERE task_id = ? "
                       "AND out_id = ? AND biz_id IS NULL AND status IN (?, ?)",
                       [(biz, pending, task_id, out_id, pending, DeliveryStatus.UNKNOWN.value)
                        for task_id, out_id, biz in saved])
        ids = sorted({biz for _, _, biz in saved})
        return [r[0] for r in db.rows(
            f"SELECT DISTINCT biz_id FROM pending_report WHERE biz_id IN ({db.marks(len(ids))})",
            ids)]

    def _apply_early(self, biz_ids: list[str]) -> None:
        """Reports that came before their BizId; the worker retries them anyway."""
        from smsconsole.services.reports import apply_pending_for

        try:
            with self.ctx.store.session() as s:
                apply_pending_for(s, self.ctx, biz_ids)
        except Exception:  # noqa: BLE001 - never fail a send that the cloud accepted
            log.warning("early reports of %s left for the worker", biz_ids, exc_info=True)

    def _beat(self, task_id: int, unsaved: list[tuple[str, str]] = ()) -> bool:
        """Show this task is alive before a call (and attach the previous calls' BizIds);
        False when the reconciler took it over."""
        with self.ctx.store.session() as s:
            db = Driver(s)
            early = self._save_biz_ids(db, [(task_id, o, b) for o, b in unsaved])
            alive = bool(db.count("UPDATE send_task SET beat_at = ? WHERE id = ? AND "
                                  "status = ?", (db.time_in(self.ctx.clock.now()), task_id,
                                                 TaskStatus.SENDING.value)))
        if early:
            self._apply_early(early)
        return alive

    def _unknown_chunk(self, task_id: int, out_id: str, code: str, message: str) -> None:
        """The call's answer was lost: its records stay charged and become *unknown*
        until the reconciler learns from the cloud whether they were sent."""
        with self.ctx.store.session() as s:
            s.execute(update(SendRecord)
                      .where(SendRecord.task_id == task_id, SendRecord.out_id == out_id,
                             SendRecord.biz_id.is_(None),
                             SendRecord.status == DeliveryStatus.PENDING)
                      .values(status=DeliveryStatus.UNKNOWN, err_code=code[:64],
                              err_msg=message[:256])
                      .execution_options(synchronize_session=False))

    def _fail_chunk(self, task_id: int, phones: list[str], code: str, message: str) -> None:
        """The cloud refused the call: its records fail now and their quota comes back
        (nothing was sent, so this refund does not depend on the refund setting)."""
        from smsconsole.services.reports import fail_records

        with self.ctx.store.session() as s:
            ids = list(s.scalars(select(SendRecord.id).where(SendRecord.task_id == task_id,
                                                             SendRecord.phone.in_(phones))))
            fail_records(s, self.ctx, ids, code, message[:256], refund=True)
