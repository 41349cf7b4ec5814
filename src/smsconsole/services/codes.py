"""Verification codes (注册 / 重置密码 / 重置手机号) sent by the platform itself.

A code goes out through the platform's own AccessKey with the signature and template the
wizard set for its scenario; it is never charged to a customer. Six digits, valid five
minutes, kept as an argon2 hash only (a leaked table does not give codes away within
their lifetime), at most five wrong tries. Every request is a row, and the per-phone and
per-IP limits count rows, under a lock so that two requests at once cannot both pass.

Answers never say whether a phone is registered: a request that makes no sense for the
phone (registering a taken number, resetting the password of an unknown one) is
recorded and answered exactly like one that was sent, after the same work (see
``_skip``), but nothing is sent.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from smsconsole.cloud.cloud_error import CloudError
from smsconsole.cloud.types import SCENARIOS
from smsconsole.services import validation as v
from smsconsole.services.context import Context
from smsconsole.services.errors import CloudFailure, Invalid, Refused
from smsconsole.services.secrets import hash_password, verify_password
from smsconsole.store.models import User, VerificationCode

CODE_TTL = timedelta(minutes=5)
MAX_TRIES = 5
# (window, most requests in it): per phone, and per client address.
PHONE_LIMITS = ((timedelta(minutes=1), 1), (timedelta(hours=1), 5), (timedelta(days=1), 10))
IP_LIMITS = ((timedelta(hours=1), 30), (timedelta(days=1), 100))


@dataclass(frozen=True)
class CodeRequest:
    """What a request did (for tests and the admin; never shown to the requester)."""

    id: int
    sent: bool
    biz_id: str


def lock_key(s: Session, key: str) -> None:
    """Serialise writers on ``key`` until the transaction ends. SQLite's write
    transactions are already serial (BEGIN IMMEDIATE); PostgreSQL takes an advisory lock."""
    if s.get_bind().dialect.name == "postgresql":
        s.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": key})


class CodeService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def _count(self, s: Session, col, value: str, since: datetime) -> int:
        return s.scalar(select(func.count()).select_from(VerificationCode)
                        .where(col == value, VerificationCode.created_at > since)) or 0

    def request(self, phone: str, scenario: str, ip: str = "") -> CodeRequest:
        """Make and send a code, within the limits (``Refused`` beyond them)."""
        phone = v.mobile(phone, "phone")
        scenario = v.one_of(scenario, SCENARIOS, "scenario")
        ip = (ip or "")[:64]
        now = self.ctx.clock.now()
        code = f"{secrets.randbelow(10**6):06d}"
        with self.ctx.store.session() as s:
            lock_key(s, f"vcode:{phone}")
            for window, most in PHONE_LIMITS:
                if self._count(s, VerificationCode.phone, phone, now - window) >= most:
                    key = "error.code.too_soon" if most == 1 else "error.code.phone_limit"
                    raise Refused(key, "phone", minutes=int(window.total_seconds() // 60))
            if ip:
                lock_key(s, f"vcode-ip:{ip}")
                for window, most in IP_LIMITS:
                    if self._count(s, VerificationCode.ip, ip, now - window) >= most:
                        raise Refused("error.code.ip_limit", "phone")
            registered = s.scalar(select(User.id).where(User.phone == phone)) is not None
            row = VerificationCode(phone=phone, scenario=scenario, code_hash=hash_password(code),
                                   ip=ip, created_at=now, expires_at=now + CODE_TTL)
            s.add(row)
            s.flush()
            row_id = row.id
        if registered != (scenario == "reset_password"):
            return self._skip(row_id, phone, scenario)
        return self._send(row_id, phone, scenario, code)

    def _scenario(self, row_id: int, scenario: str):
        try:
            settings = self.ctx.cloud.aliyun()
            return next(x for x in settings.scenarios if x.key == scenario)
        except (CloudFailure, StopIteration):
            self._finish(row_id, False, "", "NotConfigured")
            raise CloudFailure("error.code.not_sent") from None

    def _skip(self, row_id: int, phone: str, scenario: str) -> CodeRequest:
        """Send nothing, but do the work a send does — the scenario's settings, one round
        trip to the SMS API (a QuerySendDetails, which sends nothing), the same row update
        and the same error when the API fails — so that neither the answer nor how long
        it takes tells whether the phone is registered."""
        sc = self._scenario(row_id, scenario)
        try:
            self.ctx.cloud.sms().query_send_details(phone, self.ctx.clock.today(),
                                                    page_size=1)
        except CloudError as exc:
            self._finish(row_id, False, "", "skipped", sc.sign_name, sc.template_code)
            raise CloudFailure("error.code.not_sent", exc) from None
        self._finish(row_id, False, "", "skipped", sc.sign_name, sc.template_code)
        return CodeRequest(row_id, False, "")

    def _send(self, row_id: int, phone: str, scenario: str, code: str) -> CodeRequest:
        sc = self._scenario(row_id, scenario)
        try:
            result = self.ctx.cloud.sms().send_sms([phone], sc.sign_name, sc.template_code,
                                                   {sc.param_name: code})
        except CloudError as exc:
            self._finish(row_id, False, "", exc.code, sc.sign_name, sc.template_code)
            raise CloudFailure("error.code.not_sent", exc) from None
        self._finish(row_id, True, result.biz_id, "OK", sc.sign_name, sc.template_code)
        return CodeRequest(row_id, True, result.biz_id)

    def _finish(self, row_id: int, sent: bool, biz_id: str, result: str, sign: str = "",
                template: str = "") -> None:
        with self.ctx.store.session() as s:
            row = s.get(VerificationCode, row_id)
            row.sent, row.biz_id, row.result_code = sent, biz_id or "", result[:64]
            row.sign_name, row.template_code = sign, template

    def sent_count(self, first, last) -> int:
        """Codes the platform sent (its own sends, charged to no customer) on platform
        days first..last, for the admin's statistics."""
        with self.ctx.store.read() as s:
            return s.scalar(select(func.count()).select_from(VerificationCode).where(
                VerificationCode.sent.is_(True),
                VerificationCode.created_at >= self.ctx.clock.day_start(first),
                VerificationCode.created_at < self.ctx.clock.day_start(
                    last + timedelta(days=1)))) or 0

    def consume(self, phone: str, scenario: str, code: str) -> None:
        """Accept a code once: the newest sent, unexpired, unused code of the phone and
        scenario. A wrong code counts a try (committed); the sixth try is refused even
        with the right code. Raises ``Invalid`` (field ``code``) otherwise."""
        code = (code or "").strip()
        now = self.ctx.clock.now()
        failure = None
        with self.ctx.store.session() as s:
            lock_key(s, f"vcode:{phone}")
            row = s.scalar(select(VerificationCode)
                           .where(VerificationCode.phone == phone,
                                  VerificationCode.scenario == scenario,
                                  VerificationCode.sent.is_(True))
                           .order_by(VerificationCode.created_at.desc(),
                                     VerificationCode.id.desc()).limit(1))
            if row is None or row.used_at is not None or row.expires_at <= now:
                failure = Invalid("error.code.wrong", "code")
            elif row.attempts >= MAX_TRIES:
                failure = Invalid("error.code.too_many_tries", "code")
            elif not (len(code) == 6 and code.isdigit()
                      and verify_password(row.code_hash, code)):
                row.attempts += 1
                failure = Invalid("error.code.wrong", "code")
            else:
                row.used_at = now
        if failure is not None:
            raise failure
