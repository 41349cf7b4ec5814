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
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from smsconsole.cloud.segments import count_segments, full_text
from smsconsole.services import risk, rollups
from smsconsole.services import validation as v
from smsconsole.services.context import Context
from smsconsole.services.errors import Invalid, NotFound, Refused
from smsconsole.services.users import get_user
from smsconsole.store.models import (
    DeliveryStatus,
    Holding,
    HoldingStatus,
    OptOut,
    PendingReport,
    ReviewStatus,
    SendRecord,
    SendTask,
    Signature,
    SmsType,
    TaskStatus,
    Template,
    UserStatus,
)

log = logging.getLogger("smsconsole.sending")

MAX_NUMBERS_PER_TASK = 100_000
MAX_PER_CALL = 1000  # SendSms accepts at most 1000 numbers a call
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


@dataclass
class _Prepared:
    user_id: int
    template: Template
    sign_name: str
    content: str
    segments: int
    params_json: str
    phones: list[str]
    invalid: list[str]
    duplicates: int
    opted_out: int


class SendService:
    def __init__(self, ctx: Context, cloud=None) -> None:
        self.ctx = ctx
        self.cloud = cloud

    # --- validation --------------------------------------------------------------------

    def _prepare(self, s: Session, req: SendRequest) -> _Prepared:
        user = get_user(s, req.user_id)
        if user.status == UserStatus.FROZEN:
            raise Refused("error.send.user_frozen", "user", account=user.account,
                          reason=user.freeze_reason)
        tpl = s.get(Template, req.template_id)
        if tpl is None or tpl.user_id != user.id:
            raise NotFound("error.template.not_found", "template", id=req.template_id)
        if tpl.status != ReviewStatus.APPROVED or not tpl.code:
            raise Refused("error.send.template_not_approved", "template", name=tpl.name)
        sign_name = v.clean(req.sign_name, "sign_name")
        sig = s.scalar(select(Signature).where(Signature.user_id == user.id,
                                               Signature.name == sign_name))
        if sig is None:
            raise NotFound("error.signature.not_found_for_user", "sign_name", name=sign_name)
        if sig.status != ReviewStatus.APPROVED:
            raise Refused("error.send.signature_not_approved", "sign_name", name=sign_name)
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
            opted.update(s.scalars(select(OptOut.phone).where(OptOut.user_id == user.id,
                                                              OptOut.phone.in_(chunk))))
        if opted:
            phones = [p for p in phones if p not in opted]
        if not phones:
            raise Invalid("error.send.no_valid_numbers", "phones", invalid=len(invalid),
                          opted_out=len(opted))
        return _Prepared(user.id, tpl, sign_name, content, count_segments(content),
                         json.dumps(params, ensure_ascii=False), phones, invalid, duplicates,
                         len(opted))

    # --- charging ----------------------------------------------------------------------

    def _charge(self, s: Session, p: _Prepared, now: datetime) -> list[int]:
        """Pick a holding for each message (earliest expiry first, a message never split
        across holdings) and charge it. Returns the holding id per phone."""
        types = [p.template.sms_type, SmsType.GENERAL]
        stmt = (select(Holding)
                .where(Holding.user_id == p.user_id, Holding.status == HoldingStatus.NORMAL,
                       Holding.expires_at > now, Holding.sms_type.in_(types),
                       Holding.total > Holding.used)
                .order_by(Holding.expires_at, Holding.id)
                .with_for_update())
        holdings = list(s.scalars(stmt))
        left = {h.id: h.total - h.used for h in holdings}
        need = p.segments * len(p.phones)
        have = sum(left.values())
        if have < need:
            raise Refused("error.send.quota", "phones", need=need, have=have,
                          type=p.template.sms_type.value)
        assigned: list[int] = []
        charged: dict[int, int] = {}
        idx = 0
        for _ in p.phones:
            while idx < len(holdings) and left[holdings[idx].id] < p.segments:
                idx += 1
            if idx == len(holdings):
                # Enough units in total but scattered in remainders too small for one message.
                raise Refused("error.send.quota", "phones", need=need, have=have,
                              type=p.template.sms_type.value)
            hid = holdings[idx].id
            left[hid] -= p.segments
            charged[hid] = charged.get(hid, 0) + p.segments
            assigned.append(hid)
        for hid, units in charged.items():
            done = s.execute(
                update(Holding).where(Holding.id == hid, Holding.used + units <= Holding.total)
                .values(used=Holding.used + units).execution_options(synchronize_session=False)
            ).rowcount
            if done != 1:  # cannot happen under the lock; never overspend if it does
                raise Refused("error.send.quota", "phones", need=need, have=have,
                              type=p.template.sms_type.value)
        return assigned

    def send(self, req: SendRequest) -> SendOutcome:
        now = self.ctx.clock.now()
        with risk.counting_refusals(self.ctx), self.ctx.store.session() as s:
            get_user(s, req.user_id, lock=True)  # serializes this user's sends (PG)
            p = self._prepare(s, req)
            verdict = risk.screen(s, self.ctx, p, now)  # may drop numbers, hold or refuse
            holding_ids = self._charge(s, p, now)
            task = SendTask(user_id=p.user_id, created_at=now, sign_name=p.sign_name,
                            template_id=p.template.id, template_code=p.template.code,
                            template_name=p.template.name, sms_type=p.template.sms_type,
                            content=p.content, params_json=p.params_json,
                            numbers=len(p.phones), invalid_numbers=len(p.invalid),
                            duplicate_numbers=p.duplicates, opted_out_numbers=p.opted_out,
                            segments_each=p.segments, status=verdict.task_status,
                            beat_at=now, out_id=req.out_id)
            s.add(task)
            s.flush()
            risk.attach(s, self.ctx, task, verdict, now)
            base = dict(task_id=task.id, user_id=p.user_id, sign_name=p.sign_name,
                        template_code=p.template.code, sms_type=p.template.sms_type,
                        segments=p.segments, status=DeliveryStatus.PENDING, send_time=now,
                        err_code="", err_msg="", refunded=False)
            nonce = secrets.token_hex(4)
            s.execute(insert(SendRecord),
                      [dict(base, phone=ph, holding_id=hid,
                            out_id=out_id_for(task.id, i // MAX_PER_CALL, nonce))
                       for i, (ph, hid) in enumerate(zip(p.phones, holding_ids, strict=True))])
            rollups.bump(s, [(self.ctx.clock.day_of(now), p.user_id, p.sign_name,
                              p.template.code, p.template.sms_type.value,
                              {"total": len(p.phones), "segments": len(p.phones) * p.segments})])
            task_id = task.id
        if verdict.held:
            return risk.held_outcome(SendOutcome, task_id, p, verdict)
        return replace(self._dispatch(task_id, p, now, nonce), refused=verdict.refused)

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

    def _dispatch(self, task_id: int, p: _Prepared, now: datetime, nonce: str) -> SendOutcome:
        from smsconsole.cloud.cloud_error import CloudError
        from smsconsole.services.reports import apply_pending_for

        params = json.loads(p.params_json) or None
        biz_ids: list[str] = []
        accepted_any = unknown_any = False
        code, message, request_id = "OK", "OK", ""
        for call, start in enumerate(range(0, len(p.phones), MAX_PER_CALL)):
            chunk = p.phones[start:start + MAX_PER_CALL]
            out_id = out_id_for(task_id, call, nonce)
            if not self._beat(task_id):
                # The reconciler took this task over (we looked dead): it settles the
                # remaining records, which were never sent.
                unknown_any = True
                break
            try:
                result = self.cloud.sms().send_sms(chunk, p.sign_name, p.template.code, params,
                                                   out_id=out_id)
            except Exception as exc:  # noqa: BLE001 - every failure is settled, never lost
                if isinstance(exc, CloudError):
                    code = exc.code or "Error"
                    message = (exc.raw_message or str(exc))[:512]
                    request_id = exc.request_id or request_id
                else:
                    code, message = "Error", str(exc)[:512]
                if maybe_sent(exc):
                    unknown_any = True
                    self._unknown_chunk(task_id, out_id, code, message)
                else:
                    self._fail_chunk(task_id, chunk, code, message)
                continue
            accepted_any = True
            request_id = result.request_id or request_id
            biz_ids.append(result.biz_id)
            with self.ctx.store.session() as s:
                s.execute(update(SendRecord)
                          .where(SendRecord.task_id == task_id, SendRecord.out_id == out_id,
                                 SendRecord.biz_id.is_(None),
                                 SendRecord.status.in_([DeliveryStatus.PENDING,
                                                        DeliveryStatus.UNKNOWN]))
                          .values(biz_id=result.biz_id, status=DeliveryStatus.PENDING)
                          .execution_options(synchronize_session=False))
            try:  # reports that came before the BizId; the worker retries them anyway
                if self._reports_waiting(result.biz_id):  # usually none: no write lock
                    with self.ctx.store.session() as s:
                        apply_pending_for(s, self.ctx, [result.biz_id])
            except Exception:  # noqa: BLE001 - never fail a send that the cloud accepted
                log.warning("early reports of %s left for the worker", result.biz_id,
                            exc_info=True)
        status = (TaskStatus.SUBMITTED if accepted_any else
                  TaskStatus.UNKNOWN if unknown_any else TaskStatus.REJECTED)
        with self.ctx.store.session() as s:
            s.execute(update(SendTask)
                      .where(SendTask.id == task_id, SendTask.status == TaskStatus.SENDING)
                      .values(status=status, result_code="OK" if accepted_any and code == "OK"
                              else code, result_message=message, request_id=request_id)
                      .execution_options(synchronize_session=False))
        return SendOutcome(task_id=task_id, accepted=len(p.phones), invalid=p.invalid,
                           duplicates=p.duplicates, opted_out=p.opted_out,
                           segments_each=p.segments, charged=p.segments * len(p.phones),
                           status=status, result_code=code, result_message=message,
                           biz_ids=biz_ids)

    def _reports_waiting(self, biz_id: str) -> bool:
        """Whether reports for ``biz_id`` were kept before it was known (a read: one
        kept after it is the worker's, as one kept after ``apply_pending_for`` was)."""
        with self.ctx.store.read() as s:
            return s.scalar(select(PendingReport.id).where(PendingReport.biz_id == biz_id)
                            .limit(1)) is not None

    def _beat(self, task_id: int) -> bool:
        """Show this task is alive before a call; False when the reconciler took it over."""
        with self.ctx.store.session() as s:
            return bool(s.execute(update(SendTask)
                                  .where(SendTask.id == task_id,
                                         SendTask.status == TaskStatus.SENDING)
                                  .values(beat_at=self.ctx.clock.now())
                                  .execution_options(synchronize_session=False)).rowcount)

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
