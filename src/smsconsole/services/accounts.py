"""Customer accounts on the portal side: register by SMS code, log in to an expiring,
revocable session, log out, reset the password and change the phone by code.

Same password rules and lockout as the admin login (``lockout_attempts`` failures in a
row lock the account for ``lockout_minutes``). A session token is random; only its
SHA-256 is stored, so the table cannot be replayed.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update

from smsconsole.services import validation as v
from smsconsole.services.auth import LOCKOUT_ATTEMPTS, LOCKOUT_MINUTES
from smsconsole.services.codes import CodeService
from smsconsole.services.context import Context
from smsconsole.services.errors import AuthError, Conflict
from smsconsole.services.secrets import hash_password, verify_password
from smsconsole.services.settings import get_int_setting
from smsconsole.services.users import UserView
from smsconsole.store.models import CustomerAccount, CustomerSession, User

SESSION_TTL = timedelta(days=7)
# Verified against when the login id is unknown, so both answers take as long.
_DUMMY_HASH = hash_password("not-a-real-password-0")
DEFAULT_MAX_SIGNATURES = "default_max_signatures"
DEFAULT_MAX_TEMPLATES = "default_max_templates"


@dataclass
class SignUp:
    phone: str = ""
    code: str = ""
    email: str = ""
    password: str = field(default="", repr=False)
    company: str = ""
    name: str = ""


@dataclass(frozen=True)
class SessionToken:
    token: str = field(repr=False)
    expires_at: datetime
    user_id: int


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


class AccountService:
    def __init__(self, ctx: Context, codes: CodeService) -> None:
        self.ctx = ctx
        self.codes = codes

    # --- register ---------------------------------------------------------------------

    def register(self, data: SignUp) -> UserView:
        """A new customer: every field checked and the email free first (so a typo does
        not burn the code), then the code, then the user in one transaction."""
        phone = v.mobile(data.phone, "phone")
        email = v.email(data.email, "email")
        password = v.password(data.password, "password")
        company = v.text(data.company, "company", max_len=128)
        name = v.text(data.name, "name", max_len=64)
        with self.ctx.store.read() as s:
            if s.scalar(select(User.id).where(User.email == email)):
                raise Conflict("error.user.email_taken", "email", email=email)
        # A taken phone never got a register code: it fails here like any wrong code,
        # so this answer does not tell whether the phone is registered either.
        self.codes.consume(phone, "register", data.code)
        pw_hash = hash_password(password)
        now = self.ctx.clock.now()
        with self.ctx.store.session() as s:
            if s.scalar(select(User.id).where(or_(User.phone == phone, User.email == email))):
                raise Conflict("error.user.phone_taken", "phone", phone=phone)
            account = phone if not s.scalar(select(User.id).where(User.account == phone)) \
                else f"u{phone}"
            user = User(account=account, name=name, company=company, phone=phone, email=email,
                        password_hash=pw_hash, registered_at=now,
                        max_signatures=get_int_setting(s, DEFAULT_MAX_SIGNATURES, 5),
                        max_templates=get_int_setting(s, DEFAULT_MAX_TEMPLATES, 10))
            s.add(user)
            s.flush()
            s.add(CustomerAccount(user_id=user.id, registered_via="portal"))
            return UserView.of(user)

    # --- sessions ---------------------------------------------------------------------

    def login(self, login_id: str, password: str, origin: str = "") -> SessionToken:
        """Email or phone + password → a session token. Locks after N failures."""
        ident = (login_id or "").strip()
        phone = v.normalize_phone(ident)
        now = self.ctx.clock.now()
        with self.ctx.store.session() as s:
            user = s.scalar(select(User).where(
                or_(User.email == ident.lower(), User.phone == (phone or ident))).limit(1))
            if user is None:
                verify_password(_DUMMY_HASH, password or "")
                failure = AuthError("error.login.failed")
            else:
                acct = s.get(CustomerAccount, user.id, with_for_update=True)
                if acct is None:
                    acct = CustomerAccount(user_id=user.id, registered_via="console")
                    s.add(acct)
                if acct.locked_until and acct.locked_until > now:
                    failure = self._locked(acct.locked_until)
                elif not verify_password(user.password_hash, password or ""):
                    acct.failed_logins = (acct.failed_logins or 0) + 1
                    failure = AuthError("error.login.failed")
                    if acct.failed_logins >= get_int_setting(s, LOCKOUT_ATTEMPTS, 5):
                        acct.locked_until = now + timedelta(
                            minutes=get_int_setting(s, LOCKOUT_MINUTES, 15))
                        acct.failed_logins = 0
                        failure = self._locked(acct.locked_until)
                else:
                    acct.failed_logins, acct.locked_until, acct.last_login_at = 0, None, now
                    token = secrets.token_urlsafe(32)
                    expires = now + SESSION_TTL
                    s.add(CustomerSession(user_id=user.id, token_hash=token_hash(token),
                                          created_at=now, expires_at=expires,
                                          origin=(origin or "")[:64]))
                    return SessionToken(token, expires, user.id)
        raise failure  # the counter and the lock are committed first

    def _locked(self, until: datetime) -> AuthError:
        local = until.astimezone(self.ctx.clock.tz)
        return AuthError("error.login.locked", until=local.strftime("%Y-%m-%d %H:%M"))

    def authenticate(self, token: str) -> int:
        """The user id of a live session token; ``AuthError`` for a missing, forged,
        expired or revoked one (the same refusal for all)."""
        if not token or len(token) > 200:
            raise AuthError("error.session.invalid")
        now = self.ctx.clock.now()
        with self.ctx.store.read() as s:
            row = s.scalar(select(CustomerSession).where(
                CustomerSession.token_hash == token_hash(token)))
            if row is None or row.revoked_at is not None or row.expires_at <= now:
                raise AuthError("error.session.invalid")
            return row.user_id

    def logout(self, token: str) -> None:
        with self.ctx.store.session() as s:
            s.execute(update(CustomerSession)
                      .where(CustomerSession.token_hash == token_hash(token),
                             CustomerSession.revoked_at.is_(None))
                      .values(revoked_at=self.ctx.clock.now()))

    def _revoke_all(self, s, user_id: int) -> None:
        s.execute(update(CustomerSession)
                  .where(CustomerSession.user_id == user_id, CustomerSession.revoked_at.is_(None))
                  .values(revoked_at=self.ctx.clock.now()))

    # --- password and phone -----------------------------------------------------------

    def reset_password(self, phone: str, code: str, password: str) -> None:
        """By a code sent to the phone; every session of the user ends, the lock lifts."""
        phone = v.mobile(phone, "phone")
        password = v.password(password, "password")
        self.codes.consume(phone, "reset_password", code)
        pw_hash = hash_password(password)
        with self.ctx.store.session() as s:
            user = s.scalar(select(User).where(User.phone == phone).with_for_update())
            if user is None:  # no code is ever sent for an unknown phone
                raise AuthError("error.code.wrong")
            user.password_hash = pw_hash
            acct = s.get(CustomerAccount, user.id)
            if acct is not None:
                acct.failed_logins, acct.locked_until = 0, None
            self._revoke_all(s, user.id)

    def change_phone(self, user_id: int, phone: str, code: str) -> UserView:
        """To a new number, proved by a code sent to that number."""
        phone = v.mobile(phone, "phone")
        self.codes.consume(phone, "change_phone", code)  # none is sent to a taken number
        with self.ctx.store.session() as s:
            user = s.scalar(select(User).where(User.id == user_id).with_for_update())
            if s.scalar(select(User.id).where(User.phone == phone, User.id != user_id)):
                raise Conflict("error.user.phone_taken", "phone", phone=phone)
            user.phone = phone
            return UserView.of(user)

    # --- for the console ----------------------------------------------------------------

    def accounts(self, user_ids: list[int]) -> dict[int, CustomerAccount]:
        """Portal facts (how registered, last login) of the given users."""
        if not user_ids:
            return {}
        with self.ctx.store.read() as s:
            return {a.user_id: a for a in s.scalars(
                select(CustomerAccount).where(CustomerAccount.user_id.in_(user_ids)))}
