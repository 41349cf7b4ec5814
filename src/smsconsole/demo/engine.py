"""The simulation's engine: the services' clock and the sandbox's virtual clock moved
together event by event (a heap of timed events), the admin set up first, what earlier
runs left, each day drained through the real report worker, and the summary counted.
"""

from __future__ import annotations

import heapq
import math
import random
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from smsconsole.clock import FixedClock
from smsconsole.demo.data import (
    CATALOG,
    DEMO_ADMIN_EMAIL,
    DEMO_ADMIN_PHONE,
    DEMO_COMPANY,
    DEMO_PASSWORD,
    OLD_PACKAGE,
    SALE_PACKAGE,
    VOLUME,
    WORKER_ID,
    PackageSpec,
)
from smsconsole.demo.sandbox_control import SandboxControl
from smsconsole.demo.state import DemoSummary, SimApp, SimUser
from smsconsole.services.auth import AdminInput, AuthorizationInput, SetupInput
from smsconsole.services.cloud_access import sandbox_endpoints, sandbox_payment_values
from smsconsole.services.context import Actor
from smsconsole.services.errors import CloudFailure, Refused
from smsconsole.services.secrets import verify_password
from smsconsole.services.settings import AccessInput, SiteInput
from smsconsole.services.worker import ReportWorker
from smsconsole.store.models import (
    Admin,
    OptOut,
    Order,
    PackageProduct,
    Reply,
    SendRecord,
    SendTask,
    Signature,
    Template,
    User,
)


class Engine:
    """Time, events and setup; the activities are the other mixins (``Simulation``)."""

    def __init__(self, services, *, users: int, days: int, seed: int, end: datetime,
                 volume: float, progress: Callable[[int, int, DemoSummary], None] | None
                 ) -> None:
        self.svc = services
        self.volume = VOLUME * volume
        self.n_users = users
        self.n_days = days
        self.seed = seed
        self.end = end
        self.progress = progress
        self.rng = random.Random()  # seeded in plan(), once earlier runs are known
        self.summary = DemoSummary()
        self.clock: FixedClock = services.ctx.clock
        tz = self.clock.tz
        self.last_day = end.astimezone(tz).date()
        self.first_day = self.last_day - timedelta(days=days - 1)
        self.start = self.clock.day_start(self.first_day)
        self.eps = None
        self.control: SandboxControl | None = None
        self.contents: dict[int, str] = {}  # template id -> content
        self.actor: Actor | None = None
        self.password_known = False
        self.users: list[SimUser] = []
        self.pending_apps: list[SimApp] = []
        self.in_review: list[SimApp] = []
        self.unpaid: dict[int, dict] = {}  # order id -> what happens to it
        self.packages: dict[str, int] = {}  # spec name -> product id
        self.package_specs: dict[str, PackageSpec] = {}
        self.trial_queue: list[SimUser] = []
        self.heap: list = []
        self._seq = 0
        self._cloud_at: datetime | None = None
        self._cloud_cfg: dict = {}
        self.logged_in_day: date | None = None
        self.worker = None
        self.spikes: dict[date, tuple[float, float, float]] = {}
        self.base_fail: dict[date, float] = {}
        self.taken_names: set[str] = set()
        self.brands: set[str] = set()
        self.existing_pair: tuple | None = None  # (SignInfo, TemplateInfo) to assign
        self.my_user_ids: list[int] = []
        # From existing(): what is in the database already.
        self.taken_accounts: set[str] = set()
        self.taken_phones: set[str] = set()
        self.package_names: set[str] = set()
        self.demo_seq = 0
        self.password_hash = ""  # every demo user's (DEMO_PASSWORD), hashed once
        self.synced_all = False

    def now(self) -> datetime:
        return self.clock.now()

    def _set(self, at: datetime) -> None:
        self.clock.set(at)

    def _cloud_now(self) -> None:
        """Move the sandbox's virtual clock to the simulated now (send and report times,
        review deadlines, frequency limits and trade times follow it)."""
        at = self.now()
        if self._cloud_at != at:
            # Held: the sandbox's times (payments, reports) must not depend on how fast
            # this machine replays (same seed, same history).
            self.control.call("/clock", {"now": at.isoformat(), "hold": True})
            self._cloud_at = at

    def _configure(self, **cfg) -> None:
        changed = {k: v for k, v in cfg.items() if self._cloud_cfg.get(k) != v}
        if changed:
            self.control.call("/config", changed)
            self._cloud_cfg.update(changed)

    def at(self, day: date, hours: float) -> datetime:
        return self.clock.day_start(day) + timedelta(hours=hours)

    def push(self, at: datetime, fn: Callable, *args) -> None:
        if at >= self.end - timedelta(minutes=1):
            return  # the future: does not happen
        self._seq += 1
        heapq.heappush(self.heap, (at, self._seq, fn, args))

    @staticmethod
    def pick_hour(rng: random.Random, weights) -> float:
        hour = rng.choices(range(24), weights=weights)[0]
        return hour + rng.random()

    @staticmethod
    def poisson(rng: random.Random, lam: float) -> int:
        if lam <= 0:
            return 0
        if lam > 30:
            return max(0, round(rng.gauss(lam, math.sqrt(lam))))
        limit, k, p = math.exp(-lam), 0, 1.0
        while True:
            p *= rng.random()
            if p <= limit:
                return k
            k += 1

    def ensure_admin(self) -> None:
        svc = self.svc
        s = self.summary
        self._set(self.at(self.first_day, 8.5))
        if not svc.auth.is_set_up():
            admin = svc.auth.setup(SetupInput(
                authorization=AuthorizationInput(name="演示管理员", company=DEMO_COMPANY,
                                                 email=DEMO_ADMIN_EMAIL, phone=DEMO_ADMIN_PHONE),
                admin=AdminInput(password=DEMO_PASSWORD, password_confirm=DEMO_PASSWORD,
                                 login=DEMO_ADMIN_EMAIL),
                access=AccessInput(sandbox=True),
                site=SiteInput(company=DEMO_COMPANY, address="杭州市西湖区文三路 90 号",
                               email="service@example.com", phone="0571-8888-6666"),
            ))
            s.admin_created = True
            self.password_known = True
        else:
            with svc.store.read() as ses:
                admin = ses.scalar(select(Admin).order_by(Admin.id).limit(1))
            self.password_known = verify_password(admin.password_hash, DEMO_PASSWORD)
        s.admin_login, s.admin_phone = admin.email, admin.phone
        s.admin_password = DEMO_PASSWORD if self.password_known else ""
        self.actor = Actor(admin.id, admin.name, "local")
        view = svc.settings.access()
        if view is None or not view.sandbox:
            raise Refused("demo.error.not_sandbox")
        payment = svc.settings.payment()
        if payment is None:
            svc.settings.update_payment(self.actor, sandbox_payment_values(svc.ctx))
        elif not payment.sandbox:
            raise Refused("demo.error.not_sandbox")
        self.eps = sandbox_endpoints(svc.ctx)

    def existing(self) -> None:
        """What earlier runs (or other data) left: names and numbers not to reuse."""
        with self.svc.store.read() as s:
            self.taken_names.update(s.scalars(select(Signature.name)))
            self.taken_accounts = set(s.scalars(select(User.account)))
            self.taken_phones = set(s.scalars(select(User.phone)))
            self.demo_seq = len(self.taken_accounts)
            products = list(s.scalars(select(PackageProduct)))
        for sign in self.svc.cloud.sms().list_signs():
            self.taken_names.add(sign.name)
        self.package_names = {p.name for p in products}
        for p in products:
            if not p.retired and p.on_sale:
                self.packages.setdefault(p.name, p.id)
        specs = {p.name: p for p in (*CATALOG, OLD_PACKAGE, SALE_PACKAGE)}
        self.package_specs = {n: specs[n] for n in self.packages if n in specs}

    def run(self) -> None:
        self.plan()
        days = [self.first_day + timedelta(days=i) for i in range(self.n_days)]
        for i, day in enumerate(days):
            self._set(self.at(day, 0))
            self.plan_day(day)
            day_end = min(self.at(day + timedelta(days=1), 0), self.end)
            while self.heap and self.heap[0][0] < day_end:
                at, _, fn, args = heapq.heappop(self.heap)
                self._set(at)
                fn(*args)
            self._set(day_end - timedelta(seconds=1) if day_end < self.end else self.end)
            self.drain()
            if self.progress:
                self.progress(i + 1, len(days), self.summary)

    def drain(self) -> None:
        """Every report and reply the sandbox has scheduled, through the real worker."""
        if self.worker is None:
            self.worker = ReportWorker(self.svc, WORKER_ID, wait_seconds=0)
        self.control.call("/reports/flush", {})
        self.worker.run(once=True)  # until both queues are empty
        if self.worker.failed:
            raise CloudFailure("demo.error.worker", detail=self.worker.health.error)

    def finish(self) -> None:
        """The summary, counted from the database (this run's users only)."""
        s = self.summary
        ids = self.my_user_ids
        if not ids:
            return
        with self.svc.store.read() as ses:
            for status, n in ses.execute(select(SendRecord.status, func.count())
                                         .where(SendRecord.user_id.in_(ids))
                                         .group_by(SendRecord.status)):
                setattr(s, str(getattr(status, "value", status)), int(n))
            s.orders = Counter({str(getattr(st, "value", st)): int(n) for st, n in ses.execute(
                select(Order.status, func.count()).where(Order.user_id.in_(ids))
                .group_by(Order.status))})
            for model, bucket in ((Signature, s.signatures), (Template, s.templates)):
                for st, n in ses.execute(select(model.status, func.count())
                                         .where(model.user_id.in_(ids)).group_by(model.status)):
                    bucket[str(getattr(st, "value", st))] = int(n)
            s.replies = ses.scalar(select(func.count()).select_from(Reply)
                                   .where(Reply.user_id.in_(ids))) or 0
            s.opt_outs = ses.scalar(select(func.count()).select_from(OptOut)
                                    .where(OptOut.user_id.in_(ids))) or 0
            s.tasks = ses.scalar(select(func.count()).select_from(SendTask)
                                 .where(SendTask.user_id.in_(ids))) or 0
