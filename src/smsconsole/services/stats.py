"""业务统计 and 首页: per-day send volume and the home dashboard, read from the rollups
(``daily_total`` unfiltered, ``daily_type`` by type alone, ``daily_template_name`` by
template name alone, ``daily_stat`` with other filters) — never by scanning records.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from smsconsole.services import gateway_stats
from smsconsole.services import validation as v
from smsconsole.services.applications import SignatureService, TemplateService
from smsconsole.services.context import Context
from smsconsole.services.errors import Invalid
from smsconsole.services.holdings import HoldingService
from smsconsole.services.pushes import PushService
from smsconsole.services.records import RecordService
from smsconsole.services.risk import RiskService
from smsconsole.services.settings import get_int_setting
from smsconsole.store.models import (
    DailyStat,
    DailyTemplateName,
    DailyTotal,
    DailyType,
    Holding,
    HoldingStatus,
    KeptAside,
    ReviewStatus,
    Signature,
    SmsType,
    Template,
    User,
    UserStatus,
    WorkerStatus,
)

MAX_DAYS = 3660


@dataclass(frozen=True)
class StatsFilter:
    user_id: int | None = None
    sign_name: str = ""
    sms_type: SmsType | None = None  # template type
    template_code: str = ""
    template_name: str = ""  # substring of the template's name

    @property
    def empty(self) -> bool:
        return not (self.user_id or self.sign_name or self.sms_type or self.template_code
                    or self.template_name)

    @property
    def name_only(self) -> bool:
        return bool(self.template_name.strip()) and not (
            self.user_id or self.sign_name or self.sms_type or self.template_code)

    @property
    def type_only(self) -> bool:
        return bool(self.sms_type) and not (self.user_id or self.sign_name
                                            or self.template_code or self.template_name.strip())


@dataclass(frozen=True)
class DayRow:
    day: date
    total: int
    delivered: int
    failed: int
    segments: int

    @property
    def pending(self) -> int:
        return self.total - self.delivered - self.failed


@dataclass(frozen=True)
class LowQuota:
    user_id: int
    account: str
    name: str
    remaining: int


@dataclass(frozen=True)
class Dashboard:
    quota: dict[SmsType, tuple[int, int, int]]  # allocated, used, remaining
    today: DayRow
    month: DayRow
    signatures: dict[ReviewStatus, int]
    templates: dict[ReviewStatus, int]
    low_quota: list[LowQuota]
    expiring: list  # HoldingRow
    workers: list[WorkerStatus]
    pending_reports: int
    kept_aside: int
    at: datetime
    # The customer gateway today, all processes, and customers whose pushes fail.
    gateway_requests: int = 0
    gateway_errors: int = 0
    failing_pushes: int = 0
    held_tasks: int = 0  # risk control: tasks waiting for review
    # Per type, what can still be sent: normal holdings not yet expired (the manual's
    # "remaining" above is allocated minus used, frozen, invalid and expired included).
    usable: dict[SmsType, int] = field(default_factory=dict)


class StatsService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    @staticmethod
    def check_filter(first: date | None, last: date | None,
                     flt: StatsFilter = StatsFilter()) -> StatsFilter:
        """The days and the filter's own rules, without running a query (the filter
        form's submit): every bad field named at once (``Invalid``/``InvalidFields``)."""

        def span() -> None:
            if first and last and (last - first).days >= MAX_DAYS:
                raise Invalid("error.stats.range_too_long", "first", max=MAX_DAYS)

        v.all_valid(lambda: v.date_order(first, last), span,
                    lambda: v.search(flt.sign_name, "sign_name"),
                    lambda: v.search(flt.template_code, "template_code"),
                    lambda: v.search(flt.template_name, "template_name"))
        return flt

    def daily(self, first: date, last: date, flt: StatsFilter = StatsFilter()) -> list[DayRow]:
        """One row per day first..last (inclusive, zeros included), oldest first."""
        return self.daily_named(first, last, flt)[0]

    def daily_named(self, first: date, last: date,
                    flt: StatsFilter = StatsFilter()) -> tuple[list[DayRow], list[str]]:
        """``daily`` and, for a template-name filter, the template CODEs whose name
        matches (the screen lists them), in one read: the names are looked up once."""
        v.date_order(first, last)
        if (last - first).days >= MAX_DAYS:
            raise Invalid("error.stats.range_too_long", "first", max=MAX_DAYS)
        name = v.search(flt.template_name, "template_name")
        with self.ctx.store.read() as s:
            named: list[tuple[str, str]] = []
            if name:
                named = [tuple(r) for r in s.execute(select(Template.name, Template.code).where(
                    v.contains(Template.name, name), Template.code != ""))]
            rows = self._daily(s, first, last, flt, named)
        return rows, sorted({code for _, code in named})

    @staticmethod
    def _daily(s, first: date, last: date, flt: StatsFilter,
               named: list[tuple[str, str]]) -> list[DayRow]:
        if flt.empty:
            t = DailyTotal
            stmt = (select(t.day, t.total, t.delivered, t.failed, t.segments)
                    .where(t.day >= first, t.day <= last))
        elif flt.name_only:
            # The rollup by name: a year of a few rows a day, however many users'
            # templates carry the name.
            t = DailyTemplateName
            names = sorted({n for n, _ in named}) or [""]
            stmt = (select(t.day, func.sum(t.total), func.sum(t.delivered),
                           func.sum(t.failed), func.sum(t.segments))
                    .where(t.template_name.in_(names), t.day >= first, t.day <= last)
                    .group_by(t.day))
        elif flt.type_only:
            t = DailyType
            stmt = (select(t.day, t.total, t.delivered, t.failed, t.segments)
                    .where(t.day >= first, t.day <= last, t.sms_type == flt.sms_type))
        else:
            d = DailyStat
            stmt = (select(d.day, func.sum(d.total), func.sum(d.delivered),
                           func.sum(d.failed), func.sum(d.segments))
                    .where(d.day >= first, d.day <= last).group_by(d.day))
            if flt.user_id:
                stmt = stmt.where(d.user_id == flt.user_id)
            if flt.sign_name:
                stmt = stmt.where(d.sign_name == flt.sign_name)
            if flt.sms_type:
                stmt = stmt.where(d.sms_type == flt.sms_type)
            if flt.template_code:
                stmt = stmt.where(d.template_code == flt.template_code)
            if flt.template_name.strip():
                stmt = stmt.where(d.template_code.in_(sorted({c for _, c in named}) or [""]))
        found = {r[0]: DayRow(r[0], int(r[1] or 0), int(r[2] or 0), int(r[3] or 0),
                              int(r[4] or 0)) for r in s.execute(stmt)}
        out, day, one = [], first, timedelta(days=1)
        while day <= last:  # zeros only where a day has no row (no DayRow built twice)
            row = found.get(day)
            out.append(row if row is not None else DayRow(day, 0, 0, 0, 0))
            day += one
        return out

    def totals(self, first: date, last: date, flt: StatsFilter = StatsFilter()) -> DayRow:
        rows = self.daily(first, last, flt)
        return DayRow(first, sum(r.total for r in rows), sum(r.delivered for r in rows),
                      sum(r.failed for r in rows), sum(r.segments for r in rows))

    def sign_names(self) -> list[str]:
        with self.ctx.store.read() as s:
            return list(s.scalars(select(Signature.name).distinct().order_by(Signature.name)))

    # --- home -------------------------------------------------------------------------

    def low_quota(self, threshold: int | None = None, limit: int = 10) -> list[LowQuota]:
        """Normal users holding usable quota below ``threshold`` (low first)."""
        now = self.ctx.clock.now()
        with self.ctx.store.read() as s:
            if threshold is None:
                threshold = get_int_setting(s, "low_quota_threshold", 100)
            rem = func.sum(Holding.total - Holding.used)
            stmt = (select(User.id, User.account, User.name, rem.label("rem"))
                    .join(Holding, Holding.user_id == User.id)
                    .where(User.status == UserStatus.NORMAL,
                           Holding.status == HoldingStatus.NORMAL, Holding.expires_at > now)
                    .group_by(User.id, User.account, User.name)
                    .having(rem < threshold).order_by(rem, User.id).limit(limit))
            return [LowQuota(r[0], r[1], r[2], int(r[3] or 0)) for r in s.execute(stmt)]

    def dashboard(self) -> Dashboard:
        today = self.ctx.clock.today()
        month_first = today.replace(day=1)
        days = self.daily(month_first, today)
        month = DayRow(month_first, sum(r.total for r in days), sum(r.delivered for r in days),
                       sum(r.failed for r in days), sum(r.segments for r in days))
        holdings = HoldingService(self.ctx)
        with self.ctx.store.read() as s:
            workers = list(s.scalars(select(WorkerStatus).order_by(WorkerStatus.beat_at.desc())
                                     .limit(10)))
            kept = s.scalar(select(func.count()).select_from(KeptAside)) or 0
        return Dashboard(
            quota=holdings.quota_by_type(), today=days[-1], month=month,
            signatures=SignatureService(self.ctx).counts_by_status(),
            templates=TemplateService(self.ctx).counts_by_status(),
            low_quota=self.low_quota(), expiring=holdings.expiring(7),
            workers=workers, pending_reports=RecordService(self.ctx).pending_report_count(),
            kept_aside=kept, at=self.ctx.clock.now(), **self._gateway(),
            held_tasks=RiskService(self.ctx).waiting_count(), usable=holdings.usable_by_type(),
        )

    def _gateway(self) -> dict:
        traffic = gateway_stats.today(self.ctx)
        return dict(gateway_requests=traffic.requests, gateway_errors=traffic.errors,
                    failing_pushes=PushService(self.ctx).failing_customers())
