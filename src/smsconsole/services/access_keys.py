"""Customers' AccessKeys for the Aliyun-compatible gateway, and per-customer gateway
settings (QPS limit, callback URLs).

A key's secret is generated here, returned once by ``create`` and kept Fernet-encrypted
(the gateway needs it back to recompute HMAC signatures, so it cannot be hashed). Every
change is written to the admin log in the same transaction.
"""

from __future__ import annotations

import secrets as _random
import string
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError

from smsconsole.services import adminlog
from smsconsole.services import validation as v
from smsconsole.services.context import Actor, Context
from smsconsole.services.errors import Invalid, NotFound
from smsconsole.services.settings import get_int_setting
from smsconsole.services.users import get_user
from smsconsole.services.views import Plain
from smsconsole.store.fastsql import Driver
from smsconsole.store.models import CustomerGateway, CustomerKey, GatewayNonce, KeyStatus, User

KEY_PREFIX = "SMSC"  # never mistaken for an Aliyun key (those start with LTAI)
_ALNUM = string.ascii_letters + string.digits
AUTH_TTL = 5.0  # seconds a key's state may be read from this process's cache
LAST_USED_EVERY = 60.0  # seconds between last-used writes for one key (one process)
MAX_QPS = 100_000


@dataclass(frozen=True)
class GatewaySettings(Plain):
    """A customer's gateway settings (``customer``): QPS limit (None: the platform
    default) and callback URLs."""

    user_id: int
    qps_limit: int | None
    report_url: str
    reply_url: str
    updated_at: datetime


@dataclass(frozen=True)
class KeyView:
    """What may be shown: never the secret."""

    id: int
    user_id: int
    access_key_id: str
    status: KeyStatus
    created_at: datetime
    last_used_at: datetime | None


@dataclass(frozen=True)
class IssuedKey:
    key: KeyView
    secret: str  # shown once, never again


@dataclass(frozen=True)
class KeyAuth:
    """What the gateway needs to check a request signed with a key."""

    key_id: int
    user_id: int
    access_key_id: str
    secret: str
    enabled: bool


def _view(k: CustomerKey) -> KeyView:
    return KeyView(k.id, k.user_id, k.access_key_id, k.status, k.created_at, k.last_used_at)


def find_user(s, ref: str) -> User:
    """A customer by account, email or phone (the CLI's ACCOUNT)."""
    ref = (ref or "").strip()
    if not ref:
        raise Invalid("error.field.required", "account")
    user = s.scalar(select(User).where(or_(User.account == ref, User.email == ref,
                                           User.phone == ref)).limit(1))
    if user is None:
        raise NotFound("error.user.not_found_ref", "account", ref=ref)
    return user


class AccessKeyService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._used: dict[int, float] = {}
        self._auth: dict[str, tuple[float, KeyAuth]] = {}
        self._lock = threading.Lock()

    # --- admin ---------------------------------------------------------------------------

    def user_id_for(self, ref: str) -> int:
        with self.ctx.store.read() as s:
            return find_user(s, ref).id

    def create(self, actor: Actor, user_id: int) -> IssuedKey:
        now = self.ctx.clock.now()
        secret = "".join(_random.choice(_ALNUM) for _ in range(30))
        for _ in range(3):
            ak = KEY_PREFIX + "".join(_random.choice(_ALNUM) for _ in range(20))
            try:
                with self.ctx.store.session() as s:
                    user = get_user(s, user_id)
                    key = CustomerKey(user_id=user.id, access_key_id=ak,
                                      secret_enc=self.ctx.secrets.encrypt(secret),
                                      created_at=now)
                    s.add(key)
                    s.flush()
                    adminlog.record(s, self.ctx, actor, "gateway.key_create",
                                    target_type="user", target_id=user.id,
                                    target=user.account, detail={"access_key_id": ak})
                    return IssuedKey(_view(key), secret)
            except IntegrityError:  # an id collision: astronomically rare; draw again
                continue
        raise RuntimeError("could not draw a unique AccessKey id")

    def list(self, user_id: int) -> list[KeyView]:
        with self.ctx.store.read() as s:
            get_user(s, user_id)
            rows = s.scalars(select(CustomerKey).where(CustomerKey.user_id == user_id)
                             .order_by(CustomerKey.id))
            return [_view(k) for k in rows]

    def _key(self, s, access_key_id: str) -> CustomerKey:
        key = s.scalar(select(CustomerKey).where(
            CustomerKey.access_key_id == (access_key_id or "").strip()))
        if key is None:
            raise NotFound("error.gateway.key_not_found", "access_key_id",
                           id=access_key_id)
        return key

    def _set_status(self, actor: Actor, access_key_id: str, status: KeyStatus,
                    action: str) -> KeyView:
        with self.ctx.store.session() as s:
            key = self._key(s, access_key_id)
            user = get_user(s, key.user_id)
            old = key.status
            key.status = status
            self._auth.pop(key.access_key_id, None)
            adminlog.record(s, self.ctx, actor, action, target_type="user",
                            target_id=user.id, target=user.account,
                            detail={"access_key_id": key.access_key_id,
                                    "status": [old.value, status.value]})
            s.flush()
            return _view(key)

    def disable(self, actor: Actor, access_key_id: str) -> KeyView:
        return self._set_status(actor, access_key_id, KeyStatus.DISABLED, "gateway.key_disable")

    def enable(self, actor: Actor, access_key_id: str) -> KeyView:
        return self._set_status(actor, access_key_id, KeyStatus.ENABLED, "gateway.key_enable")

    def delete(self, actor: Actor, access_key_id: str) -> None:
        with self.ctx.store.session() as s:
            key = self._key(s, access_key_id)
            user = get_user(s, key.user_id)
            adminlog.record(s, self.ctx, actor, "gateway.key_delete", target_type="user",
                            target_id=user.id, target=user.account,
                            detail={"access_key_id": key.access_key_id})
            s.delete(key)
            self._auth.pop(key.access_key_id, None)

    # --- per-customer settings -----------------------------------------------------------

    def customer(self, user_id: int) -> GatewaySettings:
        """The customer's gateway settings (defaults when never set)."""
        with self.ctx.store.read() as s:
            get_user(s, user_id)
            row = s.get(CustomerGateway, user_id)
            if row is None:
                row = CustomerGateway(user_id=user_id, updated_at=self.ctx.clock.now())
            return GatewaySettings.of(row)

    def set_qps(self, actor: Actor, user_id: int, qps: int | str | None) -> None:
        """The customer's QPS limit; None or "" goes back to the platform default."""
        value = None if qps in (None, "") else v.positive_int(qps, "qps", maximum=MAX_QPS)
        self._update(actor, user_id, "gateway.qps", qps_limit=value)

    def set_callbacks(self, actor: Actor, user_id: int, report_url: str,
                      reply_url: str) -> None:
        self._update(actor, user_id, "gateway.callbacks",
                     report_url=callback_url(report_url, "report_url"),
                     reply_url=callback_url(reply_url, "reply_url"))

    def set_gateway(self, actor: Actor, user_id: int, report_url: str, reply_url: str,
                    qps: int | str | None) -> None:
        """The console's form: callback URLs and QPS limit, validated together, one change."""
        values = v.every(report_url=lambda: callback_url(report_url, "report_url"),
                         reply_url=lambda: callback_url(reply_url, "reply_url"),
                         qps_limit=lambda: None if qps in (None, "") else v.positive_int(
                             qps, "qps", maximum=MAX_QPS))
        self._update(actor, user_id, "gateway.settings", **values)

    def _update(self, actor: Actor, user_id: int, action: str, **values) -> None:
        now = self.ctx.clock.now()
        with self.ctx.store.session() as s:
            user = get_user(s, user_id, lock=True)
            row = s.get(CustomerGateway, user_id)
            if row is None:
                row = CustomerGateway(user_id=user_id, updated_at=now)
                s.add(row)
            old = {k: getattr(row, k) for k in values}
            for k, val in values.items():
                setattr(row, k, val)
            row.updated_at = now
            adminlog.record(s, self.ctx, actor, action, target_type="user", target_id=user.id,
                            target=user.account, detail=adminlog.changes(old, values))

    # --- the gateway's side ---------------------------------------------------------------

    def auth(self, access_key_id: str) -> KeyAuth | None:
        """The key as the gateway checks it, cached for ``AUTH_TTL`` seconds (a query and
        a decryption saved per request); a change made in this process applies at once,
        one made in another process within ``AUTH_TTL``."""
        mono = time.monotonic()
        hit = self._auth.get(access_key_id)
        if hit is not None and mono - hit[0] < AUTH_TTL:
            return hit[1]
        with self.ctx.store.read() as s:
            key = s.scalar(select(CustomerKey).where(CustomerKey.access_key_id == access_key_id))
            found = None if key is None else KeyAuth(
                key.id, key.user_id, key.access_key_id, self.ctx.secrets.decrypt(key.secret_enc),
                key.status == KeyStatus.ENABLED)
        if found is not None:  # unknown ids are not kept: anyone can send those
            self._auth[access_key_id] = (mono, found)
        return found

    def qps_for(self, user_id: int) -> int:
        with self.ctx.store.read() as s:
            row = s.get(CustomerGateway, user_id)
            if row is not None and row.qps_limit:
                return row.qps_limit
            return get_int_setting(s, "gateway_qps", 5000)

    def touch(self, key_id: int) -> None:
        """Record the key's last use (at most once a minute per key and process)."""
        mono = time.monotonic()
        with self._lock:
            if mono - self._used.get(key_id, -LAST_USED_EVERY) < LAST_USED_EVERY:
                return
            self._used[key_id] = mono
        with self.ctx.store.session() as s:
            s.execute(update(CustomerKey).where(CustomerKey.id == key_id)
                      .values(last_used_at=self.ctx.clock.now())
                      .execution_options(synchronize_session=False))

    def use_nonce(self, nonce: str, access_key_id: str) -> bool:
        """True the first time this key's nonce is seen within 15 minutes, across every
        process on the database (the primary key decides)."""
        return self.use_nonce_key(nonce_key(access_key_id, nonce))

    def use_nonce_key(self, key: str) -> bool:
        """``use_nonce`` for a ``nonce_key``, in a transaction of its own."""
        with self.ctx.store.session() as s:  # plain SQL: one per request
            return take_nonce(Driver(s), key, self.ctx.clock.now())

    def sweep_nonces(self) -> int:
        cutoff = self.ctx.clock.now() - NONCE_WINDOW
        with self.ctx.store.session() as s:
            return s.execute(delete(GatewayNonce).where(GatewayNonce.at < cutoff)).rowcount


NONCE_WINDOW = timedelta(minutes=15)


def nonce_key(access_key_id: str, nonce: str) -> str:
    """A request nonce as the gateway_nonce table keeps it (per AccessKey)."""
    return f"{access_key_id}:{nonce}"[:200]


def take_nonce(db: Driver, key: str, now: datetime) -> bool:
    """True the first time ``key`` is seen within ``NONCE_WINDOW``, in the caller's
    transaction (a send's own, for the gateway's SendSms): the primary key decides, so a
    replay is refused across every process on the database. An old row nobody swept yet
    is taken over."""
    at = db.time_in(now)
    if db.count("INSERT INTO gateway_nonce (nonce, at) VALUES (?, ?) ON CONFLICT DO NOTHING",
                (key, at)):
        return True
    return bool(db.count("UPDATE gateway_nonce SET at = ? WHERE nonce = ? AND at < ?",
                         (at, key, db.time_in(now - NONCE_WINDOW))))


def callback_url(raw: str | None, field: str) -> str:
    """An http(s) URL of at most 512 characters, or "" (no push)."""
    value = (raw or "").strip()
    if not value:
        return ""
    parts = urlsplit(value)
    if (len(value) > 512 or parts.scheme not in ("http", "https") or not parts.hostname
            or any(c.isspace() or ord(c) < 32 for c in value)):
        raise Invalid("error.gateway.callback_url", field)
    return value
