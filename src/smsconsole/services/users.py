"""用户管理: customers — register (portal side), list, edit, freeze / restore."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from smsconsole.services import adminlog
from smsconsole.services import validation as v
from smsconsole.services.context import Actor, Context
from smsconsole.services.errors import Conflict, Invalid, NotFound
from smsconsole.services.paging import Page, keyset_page
from smsconsole.services.secrets import hash_password
from smsconsole.services.views import Plain
from smsconsole.store.models import (
    CustomerAccount,
    Holding,
    HoldingStatus,
    SmsType,
    User,
    UserStatus,
)


@dataclass
class Registration:
    """What a customer gives the portal to register."""

    account: str = ""
    name: str = ""
    phone: str = ""
    password: str = field(default="", repr=False)
    company: str = ""
    email: str = ""


@dataclass
class UserUpdate:
    """编辑: user info and the signature/template limits. None = unchanged."""

    name: str | None = None
    company: str | None = None
    email: str | None = None
    phone: str | None = None
    max_signatures: int | str | None = None
    max_templates: int | str | None = None


@dataclass(frozen=True)
class UserFilter:
    search: str = ""  # account, name, company, phone or email (substring; phone prefix)
    status: UserStatus | None = None


@dataclass(frozen=True)
class UserMatch:
    """The user a typed text stands for (``UserService.resolve``)."""

    id: int
    account: str
    name: str

    @property
    def label(self) -> str:
        """``account (name)``, as filter lines show it."""
        return f"{self.account} ({self.name})" if self.name else self.account


@dataclass(frozen=True)
class UserView(Plain):
    """One user, as ``register``, ``get``, ``update``, ``freeze``, ``restore`` and
    ``search`` return it (no password hash)."""

    id: int
    account: str
    name: str
    company: str
    phone: str
    email: str
    status: UserStatus
    freeze_reason: str
    max_signatures: int
    max_templates: int
    registered_at: object


@dataclass(frozen=True)
class UserRow:
    id: int
    account: str
    name: str
    company: str
    phone: str
    email: str
    registered_at: object
    status: UserStatus
    freeze_reason: str
    max_signatures: int
    max_templates: int
    remaining: dict[SmsType, int]  # usable quota per type (normal, unexpired holdings)
    registered_via: str = "console"  # portal (signed up by SMS code) | console
    last_login_at: object = None  # the portal login, None if never


def get_user(s: Session, user_id: int, *, lock: bool = False) -> User:
    """The ORM row, for other services working inside their own session."""
    stmt = select(User).where(User.id == user_id)
    if lock:
        stmt = stmt.with_for_update()
    user = s.scalar(stmt)
    if user is None:
        raise NotFound("error.user.not_found", id=user_id)
    return user


def remaining_by_user(s: Session, user_ids: list[int], now) -> dict[int, dict[SmsType, int]]:
    """Usable quota per user and type: normal, unexpired holdings only."""
    out: dict[int, dict[SmsType, int]] = {uid: {t: 0 for t in SmsType} for uid in user_ids}
    if not user_ids:
        return out
    rows = s.execute(
        select(Holding.user_id, Holding.sms_type, func.sum(Holding.total - Holding.used))
        .where(Holding.user_id.in_(user_ids), Holding.status == HoldingStatus.NORMAL,
               Holding.expires_at > now)
        .group_by(Holding.user_id, Holding.sms_type)
    )
    for uid, sms_type, rem in rows:
        out[uid][SmsType(sms_type)] = int(rem or 0)
    return out


class UserService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    # --- portal side ----------------------------------------------------------------

    def register(self, data: Registration, *, password_hash: str | None = None) -> UserView:
        account = v.text(data.account, "account", min_len=3, max_len=64)
        if not account.replace("_", "").replace("-", "").replace(".", "").isalnum():
            raise Invalid("error.user.account_format", "account")
        name = v.text(data.name, "name", max_len=64)
        phone = v.mobile(data.phone, "phone")
        email = v.email(data.email, "email", required=False)
        company = v.text(data.company, "company", max_len=128, required=False)
        if password_hash is None:
            password_hash = hash_password(v.password(data.password, "password"))
        with self.ctx.store.session() as s:
            if s.scalar(select(User.id).where(User.account == account)):
                raise Conflict("error.user.account_taken", "account", account=account)
            if s.scalar(select(User.id).where(User.phone == phone)):
                raise Conflict("error.user.phone_taken", "phone", phone=phone)
            user = User(account=account, name=name, phone=phone, email=email, company=company,
                        password_hash=password_hash, registered_at=self.ctx.clock.now())
            s.add(user)
            s.flush()
            return UserView.of(user)

    # --- admin side -----------------------------------------------------------------

    def get(self, user_id: int) -> UserView:
        with self.ctx.store.read() as s:
            return UserView.of(get_user(s, user_id))

    def row(self, user_id: int) -> UserRow:
        with self.ctx.store.read() as s:
            user = get_user(s, user_id)
            rem = remaining_by_user(s, [user.id], self.ctx.clock.now())
            return self._row(user, rem[user.id], self._accounts(s, [user.id]).get(user.id))

    @staticmethod
    def _row(u: User, remaining: dict[SmsType, int], acct=None) -> UserRow:
        return UserRow(u.id, u.account, u.name, u.company, u.phone, u.email, u.registered_at,
                       u.status, u.freeze_reason, u.max_signatures, u.max_templates, remaining,
                       acct.registered_via if acct else "console",
                       acct.last_login_at if acct else None)

    @staticmethod
    def _accounts(s: Session, user_ids: list[int]) -> dict:
        if not user_ids:
            return {}
        return {a.user_id: a for a in s.scalars(
            select(CustomerAccount).where(CustomerAccount.user_id.in_(user_ids)))}

    def _filtered(self, flt: UserFilter):
        stmt = select(User)
        if flt.status:
            stmt = stmt.where(User.status == flt.status)
        text = v.search(flt.search)
        if text:
            conds = [v.contains(c, text) for c in (User.account, User.name, User.company,
                                                    User.email)]
            span = v.phone_prefix_range(text)
            if span:
                conds.append(User.phone.between(*span))
            stmt = stmt.where(or_(*conds))
        return stmt

    def page(self, flt: UserFilter = UserFilter(), cursor=None, limit: int = 50,
             backward: bool = False) -> Page[UserRow]:
        with self.ctx.store.read() as s:
            page = keyset_page(s, self._filtered(flt), (User.registered_at, User.id), cursor,
                               limit, backward=backward, scalars=True)
            ids = [u.id for u in page.rows]
            rem = remaining_by_user(s, ids, self.ctx.clock.now())
            accts = self._accounts(s, ids)
            rows = [self._row(u, rem[u.id], accts.get(u.id)) for u in page.rows]
        return Page(rows, page.first, page.last, page.has_next, page.has_prev)

    def search(self, text: str, limit: int = 20) -> list[UserView]:
        """For user pickers: best matches for a typed text."""
        with self.ctx.store.read() as s:
            stmt = self._filtered(UserFilter(search=text)).order_by(User.account).limit(limit)
            return [UserView.of(u) for u in s.scalars(stmt)]

    def resolve(self, text: str | None, field: str = "user") -> UserMatch | None:
        """The one user lookup of every filter form: a typed account, name or phone →
        the user. Blank → None. An exact account or phone wins; otherwise exactly one
        user may match. Refused at ``field`` (``error.user.no_match`` /
        ``error.user.ambiguous``, naming up to five accounts) otherwise."""
        value = (text or "").strip()
        if not value:
            return None
        found = self.search(value, limit=6)
        exact = [u for u in found if value in (u.account, u.phone)]
        if exact:
            found = exact[:1]
        if not found:
            raise NotFound("error.user.no_match", field, text=value)
        if len(found) > 1:
            raise Invalid("error.user.ambiguous", field, text=value,
                          accounts=", ".join(u.account for u in found[:5]))
        return UserMatch(found[0].id, found[0].account, found[0].name)

    def update(self, actor: Actor, user_id: int, data: UserUpdate) -> UserView:
        checks = {
            "name": lambda: v.text(data.name, "name", max_len=64),
            "company": lambda: v.text(data.company, "company", max_len=128, required=False),
            "email": lambda: v.email(data.email, "email", required=False),
            "phone": lambda: v.mobile(data.phone, "phone"),
            "max_signatures": lambda: v.positive_int(data.max_signatures, "max_signatures",
                                                     maximum=1000, allow_zero=True),
            "max_templates": lambda: v.positive_int(data.max_templates, "max_templates",
                                                    maximum=1000, allow_zero=True),
        }
        # Every field given is checked, all failures reported at once (issue 18, item 10).
        changes: dict = v.every(**{name: check for name, check in checks.items()
                                   if getattr(data, name) is not None})
        with self.ctx.store.session() as s:
            user = get_user(s, user_id, lock=True)
            if "phone" in changes and changes["phone"] != user.phone and s.scalar(
                    select(User.id).where(User.phone == changes["phone"])):
                raise Conflict("error.user.phone_taken", "phone", phone=changes["phone"])
            old = {k: getattr(user, k) for k in changes}
            diff = adminlog.changes(old, changes)
            for k, val in changes.items():
                setattr(user, k, val)
            if diff:
                adminlog.record(s, self.ctx, actor, "user.update", target_type="user",
                                target_id=user.id, target=user.account, detail=diff)
            return UserView.of(user)

    def freeze(self, actor: Actor, user_id: int, reason: str) -> UserView:
        """冻结账号: the user can log in to the portal but not send; ``reason`` is shown there."""
        reason = v.text(reason, "reason", max_len=256)
        with self.ctx.store.session() as s:
            user = get_user(s, user_id, lock=True)
            if user.status == UserStatus.FROZEN:
                raise Conflict("error.user.already_frozen", account=user.account)
            user.status, user.freeze_reason = UserStatus.FROZEN, reason
            adminlog.record(s, self.ctx, actor, "user.freeze", target_type="user",
                            target_id=user.id, target=user.account,
                            detail={"status": ["normal", "frozen"], "reason": reason})
            return UserView.of(user)

    def restore(self, actor: Actor, user_id: int) -> UserView:
        """恢复账号."""
        with self.ctx.store.session() as s:
            user = get_user(s, user_id, lock=True)
            if user.status != UserStatus.FROZEN:
                raise Conflict("error.user.not_frozen", account=user.account)
            old_reason = user.freeze_reason
            user.status, user.freeze_reason = UserStatus.NORMAL, ""
            adminlog.record(s, self.ctx, actor, "user.restore", target_type="user",
                            target_id=user.id, target=user.account,
                            detail={"status": ["frozen", "normal"], "reason": [old_reason, ""]})
            return UserView.of(user)

    def count(self) -> int:
        with self.ctx.store.read() as s:
            return s.scalar(select(func.count()).select_from(User)) or 0
