"""订单管理 (product.md §2.8): orders by number, date range, status and user; change the
price of an unpaid order, void it, check its payment with Alipay, purge old unpaid and
void orders, export what the list shows.

``/`` filters by order number (digits: a prefix) or by user (account or name);
``f`` opens every filter. Each action runs its service call in a thread worker and says
what happened; refusals come from the service (only unpaid orders change).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from smsconsole.i18n import t
from smsconsole.screens.dialogs import ConfirmDialog, Field, FormDialog
from smsconsole.screens.dialogs.records_filters import day_range_text, enum_choices, parse_day
from smsconsole.screens.list_page import ListPage
from smsconsole.services.orders import PURGE_AFTER_DAYS, OrderFilter
from smsconsole.store.enums import OrderStatus
from smsconsole.widgets import Column, keybind
from smsconsole.widgets.format import dt, enum_label, fen, num

ORDER_NO_LEN = 16


def _status_cell(row: Any) -> str:
    return enum_label(row.status)


COLUMNS = [
    Column("order_no", "orders.col.order_no"),
    Column("account", "orders.col.user"),
    Column("package_name", "orders.col.package"),
    Column("count", "orders.col.count", align="right", render=lambda r: num(r.count)),
    Column("amount_fen", "orders.col.amount", align="right", render=lambda r: fen(r.amount_fen)),
    Column("status", "orders.col.status", render=_status_cell),
    Column("created_at", "orders.col.created", render=lambda r: dt(r.created_at)),
]  # paid at and the Alipay trade number are in the detail view (enter)


class OrdersPage(ListPage):
    FILTER = OrderFilter
    COLUMNS = COLUMNS
    QUICK_KEY = "orders.quick"
    EMPTY_KEY = "orders.empty"
    EXPORT = "orders"
    BINDINGS = [
        keybind("f", "filters", "orders.filter"),
        keybind("e", "change_price", "orders.price"),
        keybind("v", "void", "orders.void"),
        keybind("p", "check_payment", "orders.check"),
        keybind("d", "purge", "orders.purge"),
        keybind("x", "export", "orders.export"),
    ]

    def fetch(self, flt, cursor, backward, limit):
        return self.services.orders.page(flt, cursor, limit, backward=backward)

    def effective_filter(self):
        """The dialog's filters plus the ``/`` text (digits: order number, else user)."""
        text = self.quick.strip()
        if not text:
            return self.flt
        if text.isdigit():
            return replace(self.flt, order_no=text)
        return replace(self.flt, user_search=text)

    def filter_parts(self) -> list:
        flt = self.effective_filter()
        return [
            ("orders.f.order_no", flt.order_no),
            ("orders.f.dates", day_range_text(flt.first, flt.last)),
            ("orders.f.status", flt.status),
            ("orders.f.user", self.user_label or flt.user_search),
        ]

    def action_filters(self) -> None:
        flt = self.effective_filter()
        fields = [
            Field("order_no", "orders.f.order_no", value=flt.order_no,
                  help_key="orders.f.order_no.help"),
            [Field("first", "orders.f.first", kind="date", value=flt.first),
             Field("last", "orders.f.last", kind="date", value=flt.last)],
            Field("status", "orders.f.status", kind="select", value=flt.status,
                  choices=enum_choices(OrderStatus)),
            Field("user", "orders.f.user", value=self.user_label or flt.user_search,
                  help_key="datalist.user.help"),
        ]

        def submit(values: dict) -> tuple[Any, str]:
            first, last = parse_day(values["first"], "first"), parse_day(values["last"], "last")
            user = self.services.users.resolve(values["user"])
            new = OrderFilter(order_no=values["order_no"].strip(), first=first, last=last,
                              status=values["status"], user_id=user.id if user else None)
            self.services.orders.check_filter(new)
            return new, user.account if user else ""

        self.open_filters("orders.filter.title", fields, submit)

    # --- rows --------------------------------------------------------------------------

    def show_detail(self, row: Any) -> None:
        def got(result: tuple) -> None:
            changes, payment = result
            pairs: list[tuple[str, Any]] = [
                ("orders.col.order_no", row.order_no),
                ("orders.col.user", row.account),
                ("orders.col.package", row.package_name),
                ("orders.d.type", row.sms_type),
                ("orders.col.count", num(row.count)),
                ("orders.col.amount", fen(row.amount_fen)),
                ("orders.d.list_amount", fen(row.list_amount_fen)),
                ("orders.col.status", row.status),
                ("orders.col.created", dt(row.created_at, seconds=True)),
                ("orders.col.paid", dt(row.paid_at, seconds=True)),
                ("orders.col.trade_no", row.trade_no),
            ]
            if payment is not None:
                pairs.append(("orders.d.confirmed", t(
                    "orders.d.confirmed.value", via=t(f"orders.d.via.{payment.via}"),
                    at=dt(payment.confirmed_at, seconds=True))))
            for change in changes:
                pairs.append(("orders.d.price_change", t(
                    "orders.d.price_change.value", old=fen(change.old_amount_fen),
                    new=fen(change.new_amount_fen), at=dt(change.at),
                    reason=change.reason or "—")))
            actions = []
            if row.status == OrderStatus.UNPAID:
                actions = [("e", "orders.action.price", self.change_price),
                           ("v", "orders.action.void", self.void),
                           ("p", "orders.action.check", self.check_payment)]
            self.show_actions("orders.detail.title", pairs, actions, row,
                              order_no=row.order_no)

        self.run_service(self.services.orders.detail, row.id, on_done=got,
                         group="detail")

    # --- actions -----------------------------------------------------------------------

    def _refused_unless_unpaid(self, row: Any) -> bool:
        if row.status != OrderStatus.UNPAID:
            self.app.notify(t("error.order.not_unpaid", order_no=row.order_no,
                              status=enum_label(row.status)), severity="error", timeout=8)
            return True
        return False

    def action_change_price(self) -> None:
        self.with_selected(self.change_price)

    def change_price(self, row: Any) -> None:
        if self._refused_unless_unpaid(row):
            return
        old = fen(row.amount_fen)

        def submit(values: dict):
            price = values["price"].replace(",", "")
            return self.services.orders.change_price(self.actor, row.id, price,
                                                     values["reason"])

        def done(order) -> None:
            if order is not None:
                self.app.notify(t("orders.price.done", order_no=row.order_no, old=old,
                                  new=fen(order.amount_fen)))
                self.table.reload(keep_position=True)

        self.app.push_screen(FormDialog(
            "orders.price.title",
            [Field("price", "orders.field.price", kind="money", value=old.replace(",", ""),
                   required=True, help_key="orders.field.price.help"),
             Field("reason", "orders.field.reason")],
            submit, intro_key="orders.price.intro", order_no=row.order_no), done)

    def action_void(self) -> None:
        self.with_selected(self.void)

    def void(self, row: Any) -> None:
        if self._refused_unless_unpaid(row):
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.run_service(self.services.orders.void, self.actor, row.id,
                                 on_done=lambda _order: self._voided(row), group="void")

        self.app.push_screen(ConfirmDialog(t("orders.void.confirm", order_no=row.order_no,
                                             user=row.account, amount=fen(row.amount_fen)),
                                           confirm_key="orders.void.yes"), answered)

    def _voided(self, row: Any) -> None:
        self.app.notify(t("orders.void.done", order_no=row.order_no))
        self.table.reload(keep_position=True)

    def action_check_payment(self) -> None:
        self.with_selected(self.check_payment)

    def check_payment(self, row: Any) -> None:
        self.app.notify(t("orders.check.asking", order_no=row.order_no), timeout=3)
        self.run_service(self.services.orders.check_payment, self.actor, row.id,
                         on_done=lambda result: self._checked(row, result), group="check")

    def _checked(self, row: Any, result: Any) -> None:
        outcome = result.outcome
        status = result.trade_status or t("orders.check.no_trade")
        severity = "information" if outcome in ("paid_now", "already_paid") else "warning"
        self.app.notify(t(f"orders.check.{outcome}", order_no=row.order_no, status=status,
                          holding=result.holding_id or ""), severity=severity, timeout=10)
        self.table.reload(keep_position=True)

    def action_purge(self) -> None:
        self.run_service(self.services.orders.purge_count, on_done=self._confirm_purge,
                         group="purge")

    def _confirm_purge(self, count: int) -> None:
        if not count:
            self.app.notify(t("orders.purge.none", days=PURGE_AFTER_DAYS))
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.run_service(self.services.orders.purge, self.actor,
                                 on_done=self._purged, group="purge")

        self.app.push_screen(ConfirmDialog(t("orders.purge.confirm", n=num(count),
                                             days=PURGE_AFTER_DAYS),
                                           confirm_key="orders.purge.yes"), answered)

    def _purged(self, count: int) -> None:
        self.app.notify(t("orders.purge.done", n=num(count)))
        self.table.reload()

    # --- shell hooks -------------------------------------------------------------------

    def command_palette_commands(self) -> list:
        return [
            (t("orders.palette.filter"), self.action_filters),
            (t("orders.palette.price"), self.action_change_price),
            (t("orders.palette.void"), self.action_void),
            (t("orders.palette.check"), self.action_check_payment),
            (t("orders.palette.purge"), self.action_purge),
            (t("orders.palette.export"), self.action_export),
        ]
