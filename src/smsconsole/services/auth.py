"""First-launch setup (初始化), login with lockout (登录), log out (安全退出)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select

from smsconsole.services import adminlog
from smsconsole.services import validation as v
from smsconsole.services.context import Actor, Context, ssh_origin
from smsconsole.services.errors import AuthError, Conflict, Invalid
from smsconsole.services.secrets import hash_password, verify_password
from smsconsole.services.settings import (
    AccessInput,
    SettingsService,
    SiteInput,
    get_int_setting,
)
from smsconsole.services.views import Plain
from smsconsole.store.models import Admin, LoginLock, SystemAuthorization

LOCKOUT_ATTEMPTS = "lockout_attempts"
LOCKOUT_MINUTES = "lockout_minutes"
# The global (all origins) limit is this many times the per-origin one.
GLOBAL_FACTOR = 4
LOCAL_ORIGIN = "local"

_DUMMY: list[str] = []


def _dummy_hash() -> str:
    """An argon2 hash to verify against for unknown ids (made once, same parameters)."""
    if not _DUMMY:
        _DUMMY.append(hash_password("no-such-admin-dummy-password"))
    return _DUMMY[0]


@dataclass(frozen=True)
class AdminView(Plain):
    """The administrator, as ``setup`` and ``admin`` return it (no password hash)."""

    id: int
    name: str
    email: str
    phone: str
    created_at: datetime
    last_login_at: datetime | None


@dataclass(frozen=True)
class AuthorizationView(Plain):
    """系统授权, as ``authorization`` returns it."""

    id: int
    name: str
    company: str
    email: str
    phone: str
    purchase_order_no: str
    created_at: datetime


@dataclass
class AuthorizationInput:
    """Wizard step 1 (获取系统授权). Email and phone become the login ids, forever."""

    name: str = ""
    company: str = ""
    email: str = ""
    phone: str = ""
    purchase_order_no: str = ""


@dataclass
class AdminInput:
    """Wizard step 2: the password (login id is the step-1 email or phone)."""

    password: str = ""
    password_confirm: str = ""
    login: str = ""  # which id the admin prefers to type; must be the email or the phone


@dataclass
class SetupInput:
    authorization: AuthorizationInput = field(default_factory=AuthorizationInput)
    admin: AdminInput = field(default_factory=AdminInput)
    access: AccessInput = field(default_factory=AccessInput)
    site: SiteInput = field(default_factory=SiteInput)


class AuthService:
    def __init__(self, ctx: Context, settings: SettingsService) -> None:
        self.ctx = ctx
        self.settings = settings

    # --- setup ------------------------------------------------------------------------

    def is_set_up(self) -> bool:
        with self.ctx.store.read() as s:
            return s.scalar(select(func.count()).select_from(Admin)) > 0

    def validate_authorization(self, data: AuthorizationInput) -> AuthorizationInput:
        return AuthorizationInput(**v.every(
            name=lambda: v.text(data.name, "name", max_len=64),
            company=lambda: v.text(data.company, "company", max_len=128),
            email=lambda: v.email(data.email, "email"),
            phone=lambda: v.mobile(data.phone, "phone"),
            purchase_order_no=lambda: v.text(data.purchase_order_no, "purchase_order_no",
                                             max_len=64, required=False),
        ))

    def validate_admin(self, auth: AuthorizationInput, data: AdminInput) -> AdminInput:
        login = (data.login or auth.email).strip()
        if login.lower() not in (auth.email.lower(), auth.phone):
            raise Invalid("error.setup.login_not_id", "login")
        v.password(data.password, "password", confirm=data.password_confirm)
        return AdminInput(password=data.password, password_confirm=data.password_confirm,
                          login=login)

    def setup(self, data: SetupInput) -> AdminView:
        """The whole wizard in one transaction: nothing is saved unless all of it is valid."""
        auth = self.validate_authorization(data.authorization)
        admin_in = self.validate_admin(auth, data.admin)
        access = self.settings.validate_access(data.access, creating=True)
        site = self.settings.validate_site(data.site)
        now = self.ctx.clock.now()
        with self.ctx.store.session() as s:
            if s.scalar(select(func.count()).select_from(Admin)):
                raise Conflict("error.setup.already_done")
            s.add(SystemAuthorization(name=auth.name, company=auth.company, email=auth.email,
                                      phone=auth.phone, purchase_order_no=auth.purchase_order_no,
                                      created_at=now))
            admin = Admin(name=auth.name, email=auth.email, phone=auth.phone,
                          password_hash=hash_password(admin_in.password), created_at=now)
            s.add(admin)
            s.flush()
            actor = Actor(admin.id, admin.name, self._origin())
            self.settings.save_access(s, actor, None, access)
            self.settings.save_site(s, actor, site)
            adminlog.record(s, self.ctx, actor, "system.setup", target_type="admin",
                            target_id=admin.id, target=auth.email,
                            detail={"company": auth.company, "sandbox": access.sandbox})
            view = AdminView.of(admin)
        self.ctx.cloud.invalidate()  # the first AK row: adapters built afresh
        return view

    # --- login / logout ---------------------------------------------------------------

    def _origin(self) -> str:
        return ssh_origin()

    def login(self, login_id: str, password: str, origin: str | None = None) -> Actor:
        """Email or phone + password.

        Failures are counted per (admin, origin): ``lockout_attempts`` in a row lock that
        origin only, so a stranger cannot lock the admin out from everywhere. A slower
        global count (``GLOBAL_FACTOR`` times as many, across origins) locks every remote
        origin; the machine's own console (``local``) keeps only its own lock. The admin
        row is locked for the attempt (SELECT ... FOR UPDATE; SQLite's writes are
        serialised by BEGIN IMMEDIATE), so concurrent tries are counted exactly. An
        unknown id costs the same argon2 verification as a known one.
        """
        origin = (origin or self._origin())[:64]
        ident = (login_id or "").strip()
        phone = v.normalize_phone(ident)
        now = self.ctx.clock.now()
        with self.ctx.store.session() as s:
            admin = s.scalar(
                select(Admin)
                .where(or_(Admin.email == ident.lower(), Admin.phone == (phone or ident)))
                .with_for_update()
            )
            if admin is None:
                verify_password(_dummy_hash(), password or "")  # equal work: no enumeration
                adminlog.record(s, self.ctx, Actor(None, ident[:64], origin), "auth.login_failed",
                                target_type="admin", target=ident[:64],
                                detail={"reason": "unknown id"})
                failure = AuthError("error.login.failed")
            else:
                lock = s.scalar(select(LoginLock).where(LoginLock.admin_id == admin.id,
                                                        LoginLock.origin == origin))
                if lock is None:
                    lock = LoginLock(admin_id=admin.id, origin=origin, failed=0)
                    s.add(lock)
                until = self._locked_until(admin, lock, origin, now)
                if until is not None:
                    adminlog.record(s, self.ctx, Actor(admin.id, admin.name, origin),
                                    "auth.login_failed", target_type="admin", target_id=admin.id,
                                    target=admin.email, detail={"reason": "locked"})
                    failure = self._locked_error(until)
                elif not verify_password(admin.password_hash, password or ""):
                    failure = self._count_failure(s, admin, lock, origin, now)
                else:
                    lock.failed, lock.locked_until = 0, None
                    admin.failed_logins = 0
                    admin.locked_until = None
                    admin.last_login_at = now
                    actor = Actor(admin.id, admin.name, origin)
                    adminlog.record(s, self.ctx, actor, "auth.login", target_type="admin",
                                    target_id=admin.id, target=admin.email)
                    return actor
        # The failure is committed (counter, lock, log) before it is raised.
        raise failure

    @staticmethod
    def _locked_until(admin: Admin, lock: LoginLock, origin: str, now: datetime):
        if lock.locked_until and lock.locked_until > now:
            return lock.locked_until
        if origin != LOCAL_ORIGIN and admin.locked_until and admin.locked_until > now:
            return admin.locked_until
        return None

    def _count_failure(self, s, admin: Admin, lock: LoginLock, origin: str,
                       now: datetime) -> AuthError:
        attempts = get_int_setting(s, LOCKOUT_ATTEMPTS, 5)
        minutes = get_int_setting(s, LOCKOUT_MINUTES, 15)
        lock.failed += 1
        admin.failed_logins += 1
        detail = {"reason": "wrong password", "failures": lock.failed}
        failure = AuthError("error.login.failed")
        if admin.failed_logins >= attempts * GLOBAL_FACTOR:
            admin.locked_until = now + timedelta(minutes=minutes)
            admin.failed_logins = 0
            detail["locked_everywhere_until"] = admin.locked_until.isoformat()
            if origin != LOCAL_ORIGIN:
                failure = self._locked_error(admin.locked_until)
        if lock.failed >= attempts:
            lock.locked_until = now + timedelta(minutes=minutes)
            lock.failed = 0
            detail["locked_until"] = lock.locked_until.isoformat()
            failure = self._locked_error(lock.locked_until)
        adminlog.record(s, self.ctx, Actor(admin.id, admin.name, origin),
                        "auth.login_failed", target_type="admin", target_id=admin.id,
                        target=admin.email, detail=detail)
        return failure

    def _locked_error(self, until: datetime) -> AuthError:
        local = until.astimezone(self.ctx.clock.tz)
        return AuthError("error.login.locked", until=local.strftime("%Y-%m-%d %H:%M"))

    def logout(self, actor: Actor) -> None:
        with self.ctx.store.session() as s:
            adminlog.record(s, self.ctx, actor, "auth.logout", target_type="admin",
                            target_id=actor.admin_id, target=actor.name)

    def admin(self, admin_id: int) -> AdminView | None:
        with self.ctx.store.read() as s:
            admin = s.get(Admin, admin_id)
            return AdminView.of(admin) if admin else None

    def authorization(self) -> AuthorizationView | None:
        with self.ctx.store.read() as s:
            row = s.scalar(select(SystemAuthorization).limit(1))
            return AuthorizationView.of(row) if row else None
