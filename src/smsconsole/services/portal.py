"""Self-service for a logged-in customer: the services the console uses, limited to what
is the customer's own. Another customer's order, signature or template is "not found",
exactly like one that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import or_, select

from smsconsole.services import validation as v
from smsconsole.services.accounts import AccountService
from smsconsole.services.applications import (
    SignatureService,
    SignatureView,
    TemplateService,
    TemplateView,
)
from smsconsole.services.codes import CodeService
from smsconsole.services.context import Context
from smsconsole.services.errors import Conflict, Invalid, NotFound
from smsconsole.services.orders import OrderService, OrderView
from smsconsole.services.packages import PackageService
from smsconsole.services.settings import SettingsService
from smsconsole.services.stats import StatsFilter, StatsService
from smsconsole.services.users import get_user, remaining_by_user
from smsconsole.store.models import (
    DeliveryStatus,
    Order,
    ReviewStatus,
    SendRecord,
    SendTask,
    Signature,
    SmsType,
)

PAGE_MAX = 200


@dataclass(frozen=True)
class PortalRecord:
    """One send record as its customer sees it (``records``): ``biz_id`` is the one the
    customer was answered."""

    id: int
    biz_id: str | None
    phone: str
    sign_name: str
    template_code: str
    sms_type: SmsType
    status: DeliveryStatus
    err_code: str
    err_msg: str
    segments: int
    send_time: datetime
    report_time: datetime | None
EARLIEST, LATEST = date(2000, 1, 1), date(2099, 12, 31)


def _day(value: date | None, field: str) -> date | None:
    """A day the platform can have data for (far years overflow time arithmetic)."""
    if value is not None and not EARLIEST <= value <= LATEST:
        raise Invalid("error.date.invalid", field, value=value.isoformat())
    return value


class Portal:
    """Everything the REST API needs, built once per process from the context."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.settings = SettingsService(ctx)
        self.codes = CodeService(ctx)
        self.accounts = AccountService(ctx, self.codes)
        self.orders = OrderService(ctx, ctx.cloud)
        self.packages = PackageService(ctx)
        self.signatures = SignatureService(ctx, ctx.cloud)
        self.templates = TemplateService(ctx, ctx.cloud)
        self.stats = StatsService(ctx)

    @classmethod
    def of(cls, ctx: Context) -> Portal:
        portal = ctx.extra.get("portal")
        if portal is None:
            portal = ctx.extra["portal"] = cls(ctx)
        return portal

    # --- profile ------------------------------------------------------------------------

    def profile(self, user_id: int) -> dict:
        with self.ctx.store.read() as s:
            user = get_user(s, user_id)
            quota = remaining_by_user(s, [user.id], self.ctx.clock.now())[user.id]
            return {"id": user.id, "account": user.account, "name": user.name,
                    "company": user.company, "phone": user.phone, "email": user.email,
                    "status": user.status.value, "freeze_reason": user.freeze_reason,
                    "registered_at": user.registered_at,
                    "max_signatures": user.max_signatures, "max_templates": user.max_templates,
                    "quota": {t.value: n for t, n in quota.items()}}

    # --- orders -------------------------------------------------------------------------

    def create_order(self, user_id: int, package_id: int, return_url: str = "") -> tuple[OrderView, str]:
        order = self.orders.create(user_id, package_id)
        return order, self.orders.pay_url(order.id, return_url)

    def order(self, user_id: int, order_no: str) -> OrderView:
        with self.ctx.store.read() as s:
            order = s.scalar(select(Order).where(Order.order_no == order_no,
                                                 Order.user_id == user_id))
            if order is None:
                raise NotFound("error.order.not_found", order_no=order_no[:32])
            return OrderView.of(order)

    def order_list(self, user_id: int, limit: int = 50) -> list[OrderView]:
        with self.ctx.store.read() as s:
            return [OrderView.of(o) for o in s.scalars(
                select(Order).where(Order.user_id == user_id)
                .order_by(Order.created_at.desc(), Order.id.desc())
                .limit(min(limit, PAGE_MAX)))]

    # --- signatures and templates ---------------------------------------------------------

    def _own(self, model, user_id: int, app_id: int):
        with self.ctx.store.read() as s:
            app = s.get(model, app_id)
            if app is None or app.user_id != user_id:
                kind = "signature" if model is Signature else "template"
                raise NotFound(f"error.{kind}.not_found", id=app_id)
            return app

    def applications(self, model, user_id: int) -> list[SignatureView] | list[TemplateView]:
        view = SignatureView if model is Signature else TemplateView
        with self.ctx.store.read() as s:
            return [view.of(a) for a in s.scalars(
                select(model).where(model.user_id == user_id)
                .order_by(model.applied_at.desc(), model.id.desc()))]

    def delete_application(self, model, user_id: int, app_id: int) -> None:
        """A customer withdraws a pending or rejected application (approved ones may carry
        sends; the admin removes those)."""
        self._own(model, user_id, app_id)
        with self.ctx.store.session() as s:
            app = s.scalar(select(model).where(model.id == app_id).with_for_update())
            if app is None:
                return
            if app.status not in (ReviewStatus.PENDING, ReviewStatus.REJECTED):
                raise Conflict("error.application.not_deletable")
            s.delete(app)

    # --- records and statistics ---------------------------------------------------------

    def records(self, user_id: int, biz_id: str = "", phone: str = "",
                first: date | None = None, last: date | None = None,
                limit: int = 50) -> list[PortalRecord]:
        first, last = _day(first, "from"), _day(last, "to")
        v.date_order(first, last, "to")
        # A record's BizId is the one its customer was answered (SendTask.biz_id: held,
        # unknown outcome, SendBatchSms groups), else the upstream one.
        stmt = (select(SendRecord, SendTask.biz_id)
                .join(SendTask, SendTask.id == SendRecord.task_id)
                .where(SendRecord.user_id == user_id))
        if biz_id:
            stmt = stmt.where(or_(SendRecord.biz_id == biz_id, SendTask.biz_id == biz_id))
        if phone:
            stmt = stmt.where(SendRecord.phone == v.mobile(phone, "phone"))
        if first:
            stmt = stmt.where(SendRecord.send_time >= self.ctx.clock.day_start(first))
        if last:
            stmt = stmt.where(SendRecord.send_time
                              < self.ctx.clock.day_start(last + timedelta(days=1)))
        with self.ctx.store.read() as s:
            rows = s.execute(stmt.order_by(SendRecord.send_time.desc(), SendRecord.id.desc())
                             .limit(min(limit, PAGE_MAX))).all()
            return [PortalRecord(r.id, answered or r.biz_id, r.phone, r.sign_name,
                                 r.template_code, r.sms_type, r.status, r.err_code, r.err_msg,
                                 r.segments, r.send_time, r.report_time)
                    for r, answered in rows]

    def daily(self, user_id: int, first: date | None, last: date | None):
        first, last = _day(first, "from"), _day(last, "to")
        last = last or self.ctx.clock.today()
        first = first or last - timedelta(days=29)
        if (last - first).days > 366:
            raise Invalid("error.stats.range_too_long", "from", max=366)
        return self.stats.daily(first, last, StatsFilter(user_id=user_id))
