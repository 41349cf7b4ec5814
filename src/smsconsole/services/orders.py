"""订单管理: orders for packages — create and pay (portal side), search, change price,
purge old unpaid/void orders, and check payment with Alipay.

Paying an order creates its holding exactly once, however many times the payment is
reported (notify, trade query, both, twice): the status moves unpaid → paid in one
conditional UPDATE and only the caller that moved it creates the holding.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from smsconsole.clock import parse_china_time
from smsconsole.cloud.cloud_error import CloudError
from smsconsole.i18n import get_lang
from smsconsole.services import adminlog
from smsconsole.services import validation as v
from smsconsole.services.context import Actor, Context
from smsconsole.services.errors import CloudFailure, Conflict, Invalid, NotFound
from smsconsole.services.holdings import add_holding, expiry_from_date
from smsconsole.services.paging import Page, keyset_page
from smsconsole.services.users import get_user
from smsconsole.services.views import Plain
from smsconsole.store.models import (
    HoldingSource,
    Order,
    OrderPayment,
    OrderPriceChange,
    OrderStatus,
    PackageProduct,
    SmsType,
    User,
)

PURGE_AFTER_DAYS = 30


@dataclass(frozen=True)
class OrderFilter:
    order_no: str = ""  # exact, or a prefix
    first: date | None = None  # created on or after (platform day)
    last: date | None = None
    status: OrderStatus | None = None
    user_id: int | None = None
    user_search: str = ""


@dataclass(frozen=True)
class OrderView(Plain):
    """One order, as ``create``, ``get``, ``change_price`` and ``void`` return it."""

    id: int
    order_no: str
    user_id: int
    package_id: int
    package_name: str
    sms_type: SmsType
    count: int
    validity_days: int
    amount_fen: int
    list_amount_fen: int
    status: OrderStatus
    created_at: datetime
    paid_at: datetime | None
    trade_no: str


@dataclass(frozen=True)
class PriceChangeView(Plain):
    """One 改价 of an order (``price_changes``)."""

    id: int
    order_id: int
    old_amount_fen: int
    new_amount_fen: int
    admin_id: int | None
    reason: str
    at: datetime


@dataclass(frozen=True)
class PaymentView(Plain):
    """How an order was confirmed paid (``payment``): via notify | check | return."""

    order_id: int
    via: str
    confirmed_at: datetime
    trade_no: str
    notify_id: str


@dataclass(frozen=True)
class OrderRow:
    id: int
    order_no: str
    user_id: int
    account: str
    package_name: str
    sms_type: object
    count: int
    amount_fen: int
    list_amount_fen: int
    status: OrderStatus
    created_at: datetime
    paid_at: datetime | None
    trade_no: str


@dataclass(frozen=True)
class PaymentCheck:
    """What a payment check found: ``outcome`` is "paid_now", "already_paid",
    "not_paid" (with Alipay's trade status, "" when the trade does not exist yet) or
    "closed"."""

    outcome: str
    trade_status: str = ""
    holding_id: int | None = None


def _row_select():
    return (select(Order.id, Order.order_no, Order.user_id, User.account, Order.package_name,
                   Order.sms_type, Order.count, Order.amount_fen, Order.list_amount_fen,
                   Order.status, Order.created_at, Order.paid_at, Order.trade_no)
            .join(User, User.id == Order.user_id))


class OrderService:
    def __init__(self, ctx: Context, cloud=None) -> None:
        self.ctx = ctx
        self.cloud = cloud

    # --- portal side ----------------------------------------------------------------

    def create(self, user_id: int, package_id: int) -> OrderView:
        """A user orders a package on sale at its current price."""
        with self.ctx.store.session() as s:
            user = get_user(s, user_id)
            pkg = s.get(PackageProduct, package_id)
            if pkg is None or pkg.retired:
                raise NotFound("error.package.not_found", id=package_id)
            if not pkg.on_sale:
                raise Conflict("error.package.not_on_sale", name=pkg.name)
            now = self.ctx.clock.now()
            order = Order(order_no=uuid.uuid4().hex[:32], user_id=user.id, package_id=pkg.id,
                          package_name=pkg.name, sms_type=pkg.sms_type, count=pkg.message_count,
                          validity_days=pkg.validity_days, amount_fen=pkg.price_fen,
                          list_amount_fen=pkg.price_fen, status=OrderStatus.UNPAID,
                          created_at=now)
            s.add(order)
            s.flush()
            # Readable, unique and sortable: the platform day and the row id.
            order.order_no = f"{now.astimezone(self.ctx.clock.tz):%Y%m%d}{order.id:08d}"
            return OrderView.of(order)

    def pay_url(self, order_id: int, return_url: str = "") -> str:
        """The Alipay page-pay URL the portal sends the buyer to."""
        order = self.get(order_id)
        if order.status != OrderStatus.UNPAID:
            raise Conflict("error.order.not_unpaid", order_no=order.order_no,
                           status=order.status)
        client = self.cloud.alipay()
        return client.page_pay_url(order.order_no, order.amount_fen,
                                   f"{order.package_name} ({order.count})", return_url)

    def handle_notify(self, form: dict) -> str:
        """Alipay's async notify: verify the RSA2 signature, check app id, order and
        amount, mark paid and grant the holding in one transaction. Returns the body to
        answer: "success" once committed (also for a repeat: nothing changes), "fail"
        otherwise so that Alipay retries. Raises only when the database fails."""
        # Here, not at the top: cloud.payments imports the Alipay SDK (over a second).
        from smsconsole.cloud.payments import parse_fen

        data = {str(k): str(val) for k, val in dict(form).items()}
        try:
            client = self.cloud.alipay()
            settings = self.cloud.alipay_settings()
        except CloudFailure:
            return "fail"
        if not client.verify_notify(data):
            return "fail"
        if data.get("app_id") != settings.app_id:
            return "fail"
        try:
            amount = parse_fen(data.get("total_amount", ""))
        except ValueError:
            return "fail"
        with self.ctx.store.session() as s:
            order = s.scalar(select(Order).where(Order.order_no == data.get("out_trade_no", "")))
            if order is None or amount != order.amount_fen:
                return "fail"
            if data.get("trade_status") not in ("TRADE_SUCCESS", "TRADE_FINISHED"):
                return "success"  # WAIT_BUYER_PAY, TRADE_CLOSED: nothing to do
            paid_at = self._alipay_time(data.get("gmt_payment", ""))
            self._mark_paid(s, order.id, data.get("trade_no", ""), paid_at,
                            Actor(None, "alipay", "alipay"), via="notify",
                            notify_id=data.get("notify_id", ""))
        return "success"

    def _alipay_time(self, text: str) -> datetime:
        try:
            return parse_china_time(text) if text else self.ctx.clock.now()
        except ValueError:
            return self.ctx.clock.now()

    def _mark_paid(self, s: Session, order_id: int, trade_no: str, paid_at: datetime,
                   actor: Actor | None, *, via: str = "check", notify_id: str = "") -> int | None:
        """unpaid → paid and the holding, once. Returns the new holding id, or None when
        the order was not unpaid (already paid, void)."""
        moved = s.execute(
            update(Order).where(Order.id == order_id, Order.status == OrderStatus.UNPAID)
            .values(status=OrderStatus.PAID, paid_at=paid_at, trade_no=trade_no)
            .execution_options(synchronize_session=False)
        ).rowcount
        if moved != 1:
            return None
        order = s.get(Order, order_id)
        s.refresh(order)
        expires_on = self.ctx.clock.day_of(paid_at) + timedelta(days=order.validity_days)
        holding = add_holding(s, self.ctx, user_id=order.user_id, sms_type=order.sms_type,
                              total=order.count, expires_at=expiry_from_date(self.ctx, expires_on),
                              source=HoldingSource.ORDER, order_id=order.id)
        s.add(OrderPayment(order_id=order.id, via=via, confirmed_at=self.ctx.clock.now(),
                           trade_no=trade_no[:64], notify_id=notify_id[:64]))
        if actor is not None:
            adminlog.record(s, self.ctx, actor, "order.paid", target_type="order",
                            target_id=order.id, target=order.order_no,
                            detail={"status": ["unpaid", "paid"], "trade_no": trade_no,
                                    "holding": holding.id})
        return holding.id

    def mark_paid(self, order_no: str, trade_no: str, paid_at: datetime | None = None) -> int | None:
        """Portal/demo side: a payment confirmed elsewhere (e.g. the return URL)."""
        with self.ctx.store.session() as s:
            order = s.scalar(select(Order).where(Order.order_no == order_no))
            if order is None:
                raise NotFound("error.order.not_found", order_no=order_no)
            return self._mark_paid(s, order.id, trade_no, paid_at or self.ctx.clock.now(), None,
                                   via="return")

    # --- admin side -----------------------------------------------------------------

    def get(self, order_id: int) -> OrderView:
        with self.ctx.store.read() as s:
            order = s.get(Order, order_id)
            if order is None:
                raise NotFound("error.order.not_found", order_no=order_id)
            return OrderView.of(order)

    def row(self, order_id: int) -> OrderRow:
        with self.ctx.store.read() as s:
            r = s.execute(_row_select().where(Order.id == order_id)).first()
            if r is None:
                raise NotFound("error.order.not_found", order_no=order_id)
            return OrderRow(*r)

    def payment(self, order_id: int) -> PaymentView | None:
        """How and when the order was confirmed paid (None: unpaid, or paid before this
        was recorded)."""
        with self.ctx.store.read() as s:
            row = s.get(OrderPayment, order_id)
            return PaymentView.of(row) if row else None

    def detail(self, order_id: int) -> tuple[list[PriceChangeView], PaymentView | None]:
        """What the order detail shows beyond the row: price changes and confirmation."""
        return self.price_changes(order_id), self.payment(order_id)

    def price_changes(self, order_id: int) -> list[PriceChangeView]:
        with self.ctx.store.read() as s:
            return [PriceChangeView.of(c) for c in s.scalars(
                select(OrderPriceChange).where(OrderPriceChange.order_id == order_id)
                .order_by(OrderPriceChange.id))]

    @staticmethod
    def check_filter(flt: OrderFilter) -> OrderFilter:
        """The filter's own rules, without running a query (what a filter form calls on
        submit): every bad field named at once (``Invalid``/``InvalidFields``)."""
        v.all_valid(lambda: v.search(flt.order_no, "order_no"),
                    lambda: v.date_order(flt.first, flt.last),
                    lambda: v.search(flt.user_search, "user_search"))
        return flt

    def stmt(self, flt: OrderFilter):
        stmt = _row_select()
        v.date_order(flt.first, flt.last)
        no = v.search(flt.order_no, "order_no")
        if no:
            if re.fullmatch(r"[0-9]{1,15}", no):
                # A prefix of the 16-digit order number, as a range the index serves.
                stmt = stmt.where(Order.order_no.between(no.ljust(16, "0"), no.ljust(16, "9")))
            else:
                stmt = stmt.where(Order.order_no == no)
        if flt.first:
            stmt = stmt.where(Order.created_at >= self.ctx.clock.day_start(flt.first))
        if flt.last:
            stmt = stmt.where(Order.created_at < self.ctx.clock.day_start(flt.last + timedelta(days=1)))
        if flt.status:
            stmt = stmt.where(Order.status == flt.status)
        if flt.user_id:
            stmt = stmt.where(Order.user_id == flt.user_id)
        term = v.search(flt.user_search, "user_search")
        if term:
            stmt = stmt.where(v.contains(User.account, term) | v.contains(User.name, term))
        return stmt

    def page(self, flt: OrderFilter = OrderFilter(), cursor=None, limit: int = 50,
             backward: bool = False) -> Page[OrderRow]:
        with self.ctx.store.read() as s:
            page = keyset_page(s, self.stmt(flt), (Order.created_at, Order.id), cursor, limit,
                               backward=backward)
        return Page([OrderRow(*r) for r in page.rows], page.first, page.last, page.has_next,
                    page.has_prev)

    def stream(self, flt: OrderFilter = OrderFilter(), batch: int = 2000):
        cursor = None
        while True:
            page = self.page(flt, cursor, batch)
            yield from page.rows
            if not page.has_next:
                return
            cursor = page.last

    def change_price(self, actor: Actor, order_id: int, new_price, reason: str = "") -> OrderView:
        """改价: only an unpaid order; old and new price go to the admin log."""
        checked = v.every(price=lambda: v.money_fen(new_price, "price"),
                          reason=lambda: v.text(reason, "reason", max_len=256, required=False))
        new_fen, reason = checked["price"], checked["reason"]
        with self.ctx.store.session() as s:
            order = s.scalar(select(Order).where(Order.id == order_id).with_for_update())
            if order is None:
                raise NotFound("error.order.not_found", order_no=order_id)
            if order.status != OrderStatus.UNPAID:
                raise Conflict("error.order.not_unpaid", order_no=order.order_no,
                               status=order.status)
            if new_fen == order.amount_fen:
                raise Invalid("error.order.same_price", "price")
            old = order.amount_fen
            order.amount_fen = new_fen
            s.add(OrderPriceChange(order_id=order.id, old_amount_fen=old, new_amount_fen=new_fen,
                                   admin_id=actor.admin_id, reason=reason, at=self.ctx.clock.now()))
            adminlog.record(s, self.ctx, actor, "order.price", target_type="order",
                            target_id=order.id, target=order.order_no,
                            detail={"amount_yuan": [v.yuan(old), v.yuan(new_fen)],
                                    "reason": reason})
            return OrderView.of(order)

    def void(self, actor: Actor, order_id: int) -> OrderView:
        """作废 an unpaid order."""
        with self.ctx.store.session() as s:
            order = s.scalar(select(Order).where(Order.id == order_id).with_for_update())
            if order is None:
                raise NotFound("error.order.not_found", order_no=order_id)
            if order.status != OrderStatus.UNPAID:
                raise Conflict("error.order.not_unpaid", order_no=order.order_no,
                               status=order.status)
            order.status = OrderStatus.VOID
            adminlog.record(s, self.ctx, actor, "order.void", target_type="order",
                            target_id=order.id, target=order.order_no,
                            detail={"status": ["unpaid", "void"]})
            return OrderView.of(order)

    def _purge_where(self):
        cutoff = self.ctx.clock.now() - timedelta(days=PURGE_AFTER_DAYS)
        return (Order.status.in_([OrderStatus.UNPAID, OrderStatus.VOID]),
                Order.created_at < cutoff)

    def purge_count(self) -> int:
        """How many orders ``purge`` would remove (for the confirmation)."""
        with self.ctx.store.read() as s:
            return s.scalar(select(func.count()).select_from(Order).where(*self._purge_where())) or 0

    def purge(self, actor: Actor) -> int:
        """删除订单: every unpaid or void order older than 30 days. Returns how many."""
        with self.ctx.store.session() as s:
            ids = list(s.scalars(select(Order.id).where(*self._purge_where())))
            if not ids:
                return 0
            for start in range(0, len(ids), 500):
                chunk = ids[start:start + 500]
                s.execute(delete(OrderPriceChange).where(OrderPriceChange.order_id.in_(chunk)))
                s.execute(delete(Order).where(Order.id.in_(chunk)))
            adminlog.record(s, self.ctx, actor, "order.purge", target_type="order",
                            target=f"{len(ids)} orders",
                            detail={"count": len(ids), "older_than_days": PURGE_AFTER_DAYS})
            return len(ids)

    def check_payment(self, actor: Actor, order_id: int) -> PaymentCheck:
        """Ask Alipay (trade query) about an unpaid order; if paid, mark it paid and create
        the holding — exactly once, however often it is checked."""
        order = self.get(order_id)
        if order.status == OrderStatus.PAID:
            return PaymentCheck("already_paid", "TRADE_SUCCESS")
        if order.status != OrderStatus.UNPAID:
            raise Conflict("error.order.not_unpaid", order_no=order.order_no,
                           status=order.status)
        try:
            trade = self.cloud.alipay().query_trade(order.order_no)
        except CloudError as exc:
            raise CloudFailure("error.cloud.call_failed", exc, code=exc.code,
                               detail=exc.meaning(self._lang())) from None
        with self.ctx.store.session() as s:
            if trade.paid:
                if trade.total_amount_fen and trade.total_amount_fen != order.amount_fen:
                    raise Conflict("error.order.amount_mismatch", order_no=order.order_no,
                                   paid=v.yuan(trade.total_amount_fen),
                                   expected=v.yuan(order.amount_fen))
                holding = self._mark_paid(s, order.id, trade.trade_no,
                                          self._alipay_time(trade.paid_at), actor)
                if holding is None:
                    return PaymentCheck("already_paid", trade.status)
                return PaymentCheck("paid_now", trade.status, holding)
            adminlog.record(s, self.ctx, actor, "order.check", target_type="order",
                            target_id=order.id, target=order.order_no,
                            detail={"trade_status": trade.status or "TRADE_NOT_EXIST"})
        if trade.status == "TRADE_CLOSED":
            return PaymentCheck("closed", trade.status)
        return PaymentCheck("not_paid", trade.status)

    @staticmethod
    def _lang() -> str:
        return get_lang()
