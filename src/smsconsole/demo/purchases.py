"""Packages and orders: the catalog and its changes, customers ordering, paying at the
sandbox's cashier or not, price changes, payment checks and voids.
"""

from __future__ import annotations

from datetime import timedelta

from smsconsole.cloud.sandbox import client as sbc
from smsconsole.demo.data import (
    CATALOG,
    FIRST_FATES,
    OLD_PACKAGE,
    PRICE_REASONS,
    RETURN_URL,
    SALE_PACKAGE,
    PackageSpec,
)
from smsconsole.demo.notifications import notified
from smsconsole.demo.state import SimUser
from smsconsole.services.errors import CloudFailure, Conflict, Invalid, NotFound
from smsconsole.services.packages import PackageInput
from smsconsole.store.models import SmsType


class Purchases:
    """The catalog and the orders (a mixin of ``Simulation``)."""

    def create_catalog(self) -> None:
        for spec in (OLD_PACKAGE, *CATALOG):
            self._create_package(spec)

    def _create_package(self, spec: PackageSpec) -> None:
        pkg = self.svc.packages.create(self.actor, PackageInput(
            name=spec.name, sms_type=spec.sms_type.value, message_count=spec.count,
            unit_price=spec.unit_fen, validity_days=spec.days, price=spec.price_fen,
            recommended=spec.recommended, on_sale=True))
        self.packages[spec.name] = pkg.id
        self.package_specs[spec.name] = spec

    def retire_old_package(self) -> None:
        pid = self.packages.get(OLD_PACKAGE.name)
        if pid is None:
            return
        if self.svc.packages.order_count(pid) == 0 and self.now() < self.end - timedelta(days=1):
            self.push(self.now() + timedelta(days=1), self.retire_old_package)
            return
        self.svc.packages.delete(self.actor, pid)
        del self.packages[OLD_PACKAGE.name]

    def reprice_package(self) -> None:
        spec = CATALOG[3]
        pid = self.packages.get(spec.name)
        if pid is None:
            return
        new = PackageSpec(spec.name, spec.sms_type, spec.count, 5, 45_000, spec.days, True)
        self.svc.packages.update(self.actor, pid, PackageInput(
            name=new.name, sms_type=new.sms_type.value, message_count=new.count,
            unit_price=new.unit_fen, validity_days=new.days, price=new.price_fen,
            recommended=True, on_sale=True))
        self.package_specs[spec.name] = new

    def create_sale_package(self) -> None:
        if SALE_PACKAGE.name not in self.package_names:  # (once: not again on a rerun)
            self._create_package(SALE_PACKAGE)
            self.package_names.add(SALE_PACKAGE.name)

    def end_sale_package(self) -> None:
        pid = self.packages.pop(SALE_PACKAGE.name, None)
        if pid is None:
            return
        s = SALE_PACKAGE
        self.svc.packages.update(self.actor, pid, PackageInput(
            name=s.name, sms_type=s.sms_type.value, message_count=s.count,
            unit_price=s.unit_fen, validity_days=s.days, price=s.price_fen,
            recommended=False, on_sale=False))

    def choose_package(self, u: SimUser) -> PackageSpec | None:
        rates = self.rates(u)
        main = max(rates, key=lambda t: rates[t] * (1 if t != SmsType.VERIFICATION else 1))
        daily = sum(rates.values()) + 1
        options = [s for s in self.package_specs.values() if s.name in self.packages
                   and s.sms_type in (main, SmsType.GENERAL)]
        if not options:
            return None
        # Early customers try the small old package while it is on sale.
        if OLD_PACKAGE.name in self.packages and u.rng.random() < 0.5:
            return self.package_specs[OLD_PACKAGE.name]
        want = daily * u.rng.uniform(12, 40)
        fitting = sorted((s for s in options if s.count >= want), key=lambda s: s.price_fen)
        if fitting and u.rng.random() < 0.8:
            return fitting[0]
        return u.rng.choice(sorted(options, key=lambda s: s.name))

    def order(self, u: SimUser) -> None:
        """The user buys a package on the portal; what happens next is decided now."""
        if u.open_order or u.frozen:
            return
        spec = self.choose_package(u)
        if spec is None:
            return
        rng = u.rng
        try:
            order = self.svc.orders.create(u.id, self.packages[spec.name])
        except (NotFound, Conflict):
            return
        u.open_order = True
        roll = rng.random()
        n = self.summary.orders["created"]
        if n < len(FIRST_FATES):  # even a short history shows every kind of order
            fate = FIRST_FATES[n]
        elif roll < 0.08 and spec.price_fen >= 20_000:
            fate = "negotiate"
        elif roll < 0.78:
            fate = "pay"
        elif roll < 0.80:
            fate = "close"
        else:
            fate = "abandon"
        plan = {"user": u, "fate": fate, "created": self.now(), "paid": False, "checks": 0,
                "keep": n < len(FIRST_FATES)}  # (the first ones are never voided)
        self.unpaid[order.id] = plan
        self.summary.orders["created"] += 1
        if fate == "pay":
            self.push(self.now() + timedelta(minutes=rng.uniform(1, 25)), self.pay, order.id)
        elif fate == "close":
            self.push(self.now() + timedelta(minutes=rng.uniform(2, 60)), self.close, order.id)
        elif fate == "negotiate":
            self.push(self.now() + timedelta(hours=rng.uniform(1, 6)), self.negotiate, order.id)
        else:
            u.open_order = False  # gave up; orders again when the need is there

    def pay(self, order_id: int) -> None:
        plan = self.unpaid.get(order_id)
        if plan is None:
            return
        self._cloud_now()
        try:
            url = self.svc.orders.pay_url(order_id, RETURN_URL)
        except Conflict:
            return
        sbc.pay(self.eps, url)
        plan["paid"] = True
        order = self.svc.orders.get(order_id)
        if notified(self.eps, self.svc, order):
            self.settled(order_id)

    def close(self, order_id: int) -> None:
        self._cloud_now()
        try:
            url = self.svc.orders.pay_url(order_id, RETURN_URL)
        except Conflict:
            return
        sbc.close_trade(self.eps, page_pay_url=url)
        plan = self.unpaid.get(order_id)
        if plan:
            plan["user"].open_order = False

    def negotiate(self, order_id: int) -> None:
        plan = self.unpaid.get(order_id)
        if plan is None:
            return
        rng = plan["user"].rng
        order = self.svc.orders.get(order_id)
        new = max(100, round(order.amount_fen * rng.choice((0.85, 0.9, 0.92, 0.95)) / 100) * 100)
        try:
            self.svc.orders.change_price(self.actor, order_id, new, rng.choice(PRICE_REASONS))
        except (Conflict, Invalid):
            return
        if rng.random() < 0.7:
            self.push(self.now() + timedelta(hours=rng.uniform(0.5, 20)), self.pay, order_id)
        else:
            plan["user"].open_order = False

    def settled(self, order_id: int) -> None:
        plan = self.unpaid.pop(order_id, None)
        if plan:
            plan["user"].open_order = False
            self.kick(plan["user"])

    def payments(self) -> None:
        """Check payment of orders waiting (trade query); void stale ones."""
        rng = self.rng
        for order_id, plan in sorted(self.unpaid.items()):
            age = self.now() - plan["created"]
            if plan["paid"] or (plan["fate"] == "close" and age > timedelta(hours=2)) or (
                    plan["checks"] == 0 and age > timedelta(hours=3) and rng.random() < 0.3):
                plan["checks"] += 1
                try:
                    check = self.svc.orders.check_payment(self.actor, order_id)
                except (Conflict, CloudFailure, NotFound):
                    self.unpaid.pop(order_id, None)
                    continue
                if check.outcome in ("paid_now", "already_paid"):
                    self.settled(order_id)
                    continue
                if check.outcome == "closed":
                    self.svc.orders.void(self.actor, order_id)
                    self.settled(order_id)
                    continue
            if not plan["paid"] and not plan["keep"] and plan["fate"] in ("abandon", "negotiate") \
                    and age > timedelta(days=3):
                # Tidying up: some stale orders are voided, most are left to the purge.
                plan["keep"] = True
                if rng.random() > 0.3:
                    continue
                try:
                    self.svc.orders.void(self.actor, order_id)
                except Conflict:
                    pass
                self.settled(order_id)

    def purge_orders(self) -> None:
        if self.svc.orders.purge_count():
            self.svc.orders.purge(self.actor)
