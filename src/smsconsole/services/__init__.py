"""Business rules. No Textual import anywhere here (a test checks it).

``build(...)`` makes a ``Services`` facade: one object holding every service, built
once and handed to the console, the CLI, the worker and the tests::

    services = build(db_url="sqlite:///x.db", data_dir=Path("x"))
    services.users.page()
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError

from smsconsole.clock import Clock
from smsconsole.services.access_keys import AccessKeyService
from smsconsole.services.adminlog import AdminLogService
from smsconsole.services.applications import SignatureService, TemplateService
from smsconsole.services.auth import AuthService
from smsconsole.services.cloud_access import CloudProvider
from smsconsole.services.context import Actor, Context
from smsconsole.services.errors import Conflict, ServiceError
from smsconsole.services.exports import ExportService
from smsconsole.services.holdings import HoldingService
from smsconsole.services.orders import OrderService
from smsconsole.services.packages import PackageService
from smsconsole.services.pushes import PushService
from smsconsole.services.records import RecordService
from smsconsole.services.risk import RiskService
from smsconsole.services.secrets import MissingKeyBox, SecretBox
from smsconsole.services.sending import SendService
from smsconsole.services.settings import SettingsService
from smsconsole.services.stats import StatsService
from smsconsole.services.users import UserService
from smsconsole.store.engine import Store, is_current, open_store, upgrade
from smsconsole.store.models import Admin
from smsconsole.store.private_files import private_dir


@dataclass
class Services:
    ctx: Context
    settings: SettingsService
    cloud: CloudProvider
    auth: AuthService
    users: UserService
    packages: PackageService
    holdings: HoldingService
    orders: OrderService
    signatures: SignatureService
    templates: TemplateService
    sending: SendService
    records: RecordService
    stats: StatsService
    adminlog: AdminLogService
    exports: ExportService
    keys: AccessKeyService
    pushes: PushService
    risk: RiskService

    @property
    def store(self) -> Store:
        return self.ctx.store

    def close(self) -> None:
        self.ctx.store.dispose()


def from_context(ctx: Context) -> Services:
    settings = SettingsService(ctx)
    cloud = ctx.cloud
    return Services(
        ctx=ctx, settings=settings, cloud=cloud, auth=AuthService(ctx, settings),
        users=UserService(ctx), packages=PackageService(ctx), holdings=HoldingService(ctx),
        orders=OrderService(ctx, cloud), signatures=SignatureService(ctx, cloud),
        templates=TemplateService(ctx, cloud), sending=SendService(ctx, cloud),
        records=RecordService(ctx), stats=StatsService(ctx), adminlog=AdminLogService(ctx),
        exports=ExportService(ctx), keys=AccessKeyService(ctx),
        pushes=PushService(ctx), risk=RiskService(ctx, cloud),
    )


def build(db_url: str, data_dir: Path, clock: Clock | None = None, *, migrate: bool = True,
          secrets: SecretBox | None = None) -> Services:
    """Open the database (applying migrations unless ``migrate`` is False) and build
    every service on it."""
    private_dir(Path(data_dir))
    store = open_store(db_url)
    try:
        if migrate:
            upgrade(store)
        if secrets is None:
            # A set-up database's secrets were encrypted with an existing key: never
            # write a new one next to it (a second --data-dir on the same PostgreSQL).
            secrets = SecretBox.for_data_dir(Path(data_dir), create=not _is_set_up(store))
    except BaseException:
        store.dispose()
        raise
    ctx = Context(store=store, clock=clock or Clock(), data_dir=Path(data_dir),
                  secrets=secrets)
    services = from_context(ctx)
    _apply_timezone(services)
    return services


def build_read_only(db_url: str, data_dir: Path, clock: Clock | None = None) -> Services:
    """``build`` for commands that only read (export, check): no migration, so no write
    lock; a schema behind this version is refused, saying what to run."""
    store = open_store(db_url)
    try:
        current = is_current(store)
    finally:
        store.dispose()
    if not current:
        raise Conflict("error.db.behind")
    try:
        return build(db_url, data_dir, clock, migrate=False)
    except Conflict as exc:
        if exc.key != "error.secret.key_missing":
            raise
        # Never a new key; lists and exports need none.
        return build(db_url, data_dir, clock, migrate=False, secrets=MissingKeyBox(exc))


def _is_set_up(store: Store) -> bool:
    try:
        with store.read() as s:
            return bool(s.scalar(select(func.count()).select_from(Admin)))
    except DBAPIError:  # no tables yet
        return False


def _apply_timezone(services: Services) -> None:
    tz = services.settings.get("timezone")
    if tz:
        services.ctx.clock.tz = ZoneInfo(tz)


__all__ = ["Services", "build", "build_read_only", "from_context", "Actor", "Context", "ServiceError"]
