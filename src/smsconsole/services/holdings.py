"""Quota holdings: allocate (分配短信包), allocation records (分配记录) with status
changes, and the finance list (财务管理) of everything bought or allocated."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smsconsole.services import adminlog
from smsconsole.services import validation as v
from smsconsole.services.context import Actor, Context
from smsconsole.services.errors import Conflict, Invalid, NotFound
from smsconsole.services.paging import Page, keyset_page
from smsconsole.services.users import get_user
from smsconsole.services.views import Plain
from smsconsole.store.models import (
    Holding,
    HoldingSource,
    HoldingStatus,
    Order,
    SmsType,
    User,
)


@dataclass(frozen=True)
class HoldingView(Plain):
    """One holding, as ``allocate`` and ``set_status`` return it."""

    id: int
    user_id: int
    sms_type: SmsType
    total: int
    used: int
    expires_at: datetime
    status: HoldingStatus
    source: HoldingSource
    order_id: int | None
    admin_id: int | None
    allocated_at: datetime

    @property
    def remaining(self) -> int:
        return self.total - self.used


@dataclass(frozen=True)
class HoldingRow:
    """A holding as lists show it (allocation records and finance)."""

    id: int
    user_id: int
    account: str
    user_name: str
    allocated_at: datetime
    sms_type: SmsType
    total: int
    used: int
    expires_at: datetime
    status: HoldingStatus
    source: HoldingSource
    order_no: str  # "" for admin allocations

    @property
    def remaining(self) -> int:
        return self.total - self.used


@dataclass(frozen=True)
class FinanceFilter:
    user_id: int | None = None
    user_search: str = ""  # account or name substring
    sms_type: SmsType | None = None
    status: HoldingStatus | None = None
    source: HoldingSource | None = None
    first: date | None = None  # allocated on or after (platform day)
    last: date | None = None  # allocated on or before


def _row_select():
    return (
        select(Holding.id, Holding.user_id, User.account, User.name.label("user_name"),
               Holding.allocated_at, Holding.sms_type, Holding.total, Holding.used,
               Holding.expires_at, Holding.status, Holding.source,
               func.coalesce(Order.order_no, "").label("order_no"))
        .join(User, User.id == Holding.user_id)
        .outerjoin(Order, Order.id == Holding.order_id)
    )


# An allocation is valid for at most this many years (to the end of that year).
MAX_YEARS = 100


def expiry_from_date(ctx: Context, day: date) -> datetime:
    """Valid through the end of ``day`` (platform time)."""
    return ctx.clock.day_start(day + timedelta(days=1))


def add_holding(s: Session, ctx: Context, *, user_id: int, sms_type: SmsType, total: int,
                expires_at: datetime, source: HoldingSource, order_id: int | None = None,
                admin_id: int | None = None) -> Holding:
    holding = Holding(user_id=user_id, sms_type=sms_type, total=total, used=0,
                      expires_at=expires_at, status=HoldingStatus.NORMAL, source=source,
                      order_id=order_id, admin_id=admin_id, allocated_at=ctx.clock.now())
    s.add(holding)
    s.flush()
    return holding


class HoldingService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def allocate(self, actor: Actor, user_id: int, count, expires_on: date | str,
                 sms_type) -> HoldingView:
        """分配短信包: a trial or offline purchase, valid through ``expires_on``."""
        count = v.positive_int(count, "count", maximum=100_000_000)
        sms_type = v.one_of(sms_type, SmsType, "sms_type")
        if isinstance(expires_on, str):
            try:
                expires_on = date.fromisoformat(v.clean(expires_on, "expires_on"))
            except ValueError:
                raise Invalid("error.date.invalid", "expires_on", value=expires_on) from None
        if not isinstance(expires_on, date):
            raise Invalid("error.date.invalid", "expires_on", value=expires_on)
        if expires_on < self.ctx.clock.today():
            raise Invalid("error.holding.expiry_past", "expires_on", day=expires_on.isoformat())
        # The end of the last day must stay a real time (9999-12-31 + 1 day overflowed).
        latest = self.ctx.clock.today().replace(year=self.ctx.clock.today().year + MAX_YEARS,
                                                month=12, day=31)
        if expires_on > latest:
            raise Invalid("error.holding.expiry_too_far", "expires_on", day=expires_on.isoformat(),
                          max=latest.isoformat())
        with self.ctx.store.session() as s:
            user = get_user(s, user_id)
            holding = add_holding(s, self.ctx, user_id=user.id, sms_type=sms_type, total=count,
                                  expires_at=expiry_from_date(self.ctx, expires_on),
                                  source=HoldingSource.ADMIN, admin_id=actor.admin_id)
            adminlog.record(s, self.ctx, actor, "holding.allocate", target_type="user",
                            target_id=user.id, target=user.account,
                            detail={"holding": holding.id, "type": sms_type.value,
                                    "count": count, "expires_on": expires_on.isoformat()})
            return HoldingView.of(holding)

    def for_user(self, user_id: int) -> list[HoldingRow]:
        """分配记录: all the user's holdings, newest first."""
        with self.ctx.store.read() as s:
            get_user(s, user_id)
            stmt = _row_select().where(Holding.user_id == user_id).order_by(
                Holding.allocated_at.desc(), Holding.id.desc())
            return [HoldingRow(*r) for r in s.execute(stmt)]

    def get(self, holding_id: int) -> HoldingRow:
        with self.ctx.store.read() as s:
            row = s.execute(_row_select().where(Holding.id == holding_id)).first()
            if row is None:
                raise NotFound("error.holding.not_found", id=holding_id)
            return HoldingRow(*row)

    def set_status(self, actor: Actor, holding_id: int, status) -> HoldingView:
        """正常 / 失效 / 冻结. Invalid and frozen holdings are never charged."""
        status = v.one_of(status, HoldingStatus, "status")
        with self.ctx.store.session() as s:
            holding = s.scalar(select(Holding).where(Holding.id == holding_id).with_for_update())
            if holding is None:
                raise NotFound("error.holding.not_found", id=holding_id)
            if holding.status == status:
                raise Conflict("error.holding.same_status", status=status)
            old = holding.status
            holding.status = status
            user = s.get(User, holding.user_id)
            adminlog.record(s, self.ctx, actor, "holding.status", target_type="holding",
                            target_id=holding.id, target=f"{user.account} #{holding.id}",
                            detail={"status": [old.value, status.value]})
            return HoldingView.of(holding)

    @staticmethod
    def check_finance_filter(flt: FinanceFilter) -> FinanceFilter:
        """The finance filter's own rules, without running a query (a filter form's
        submit): every bad field named at once (``Invalid``/``InvalidFields``)."""
        v.all_valid(lambda: v.search(flt.user_search, "user_search"),
                    lambda: v.date_order(flt.first, flt.last))
        return flt

    def finance_stmt(self, flt: FinanceFilter):
        stmt = _row_select()
        if flt.user_id:
            stmt = stmt.where(Holding.user_id == flt.user_id)
        term = v.search(flt.user_search, "user_search")
        if term:
            stmt = stmt.where(v.contains(User.account, term) | v.contains(User.name, term))
        if flt.sms_type:
            stmt = stmt.where(Holding.sms_type == flt.sms_type)
        if flt.status:
            stmt = stmt.where(Holding.status == flt.status)
        if flt.source:
            stmt = stmt.where(Holding.source == flt.source)
        v.date_order(flt.first, flt.last)
        if flt.first:
            stmt = stmt.where(Holding.allocated_at >= self.ctx.clock.day_start(flt.first))
        if flt.last:
            stmt = stmt.where(Holding.allocated_at < expiry_from_date(self.ctx, flt.last))
        return stmt

    def finance_page(self, flt: FinanceFilter = FinanceFilter(), cursor=None, limit: int = 50,
                     backward: bool = False) -> Page[HoldingRow]:
        """财务管理: every holding bought or allocated."""
        with self.ctx.store.read() as s:
            page = keyset_page(s, self.finance_stmt(flt), (Holding.allocated_at, Holding.id),
                               cursor, limit, backward=backward)
        return Page([HoldingRow(*r) for r in page.rows], page.first, page.last, page.has_next,
                    page.has_prev)

    def finance_stream(self, flt: FinanceFilter = FinanceFilter(), batch: int = 2000):
        """Every matching holding, newest first, in batches (exports)."""
        cursor = None
        while True:
            page = self.finance_page(flt, cursor, batch)
            yield from page.rows
            if not page.has_next:
                return
            cursor = page.last

    def expiring(self, days: int = 7, limit: int = 20) -> list[HoldingRow]:
        """Normal holdings with quota left that expire within ``days``."""
        now = self.ctx.clock.now()
        stmt = (_row_select()
                .where(Holding.status == HoldingStatus.NORMAL, Holding.expires_at > now,
                       Holding.expires_at <= now + timedelta(days=days),
                       Holding.total > Holding.used)
                .order_by(Holding.expires_at, Holding.id).limit(limit))
        with self.ctx.store.read() as s:
            return [HoldingRow(*r) for r in s.execute(stmt)]

    def usable_by_type(self) -> dict[SmsType, int]:
        """Home: per type, what can still be sent (normal holdings, not expired)."""
        out = {t: 0 for t in SmsType}
        now = self.ctx.clock.now()
        with self.ctx.store.read() as s:
            rows = s.execute(select(Holding.sms_type, func.sum(Holding.total - Holding.used))
                             .where(Holding.status == HoldingStatus.NORMAL,
                                    Holding.expires_at > now)
                             .group_by(Holding.sms_type))
            for sms_type, left in rows:
                out[SmsType(sms_type)] = int(left or 0)
        return out

    def quota_by_type(self) -> dict[SmsType, tuple[int, int, int]]:
        """Home: per type, (allocated, used, remaining) over every holding."""
        out = {t: (0, 0, 0) for t in SmsType}
        with self.ctx.store.read() as s:
            rows = s.execute(select(Holding.sms_type, func.sum(Holding.total),
                                    func.sum(Holding.used)).group_by(Holding.sms_type))
            for sms_type, total, used in rows:
                total, used = int(total or 0), int(used or 0)
                out[SmsType(sms_type)] = (total, used, total - used)
        return out
