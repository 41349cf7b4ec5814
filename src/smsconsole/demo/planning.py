"""When things happen: the run's plan (users arriving, the admin's occasional chores,
failure spikes), each day's admin sessions and every user's sends and orders.
"""

from __future__ import annotations

import math
import random
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from smsconsole.demo.data import (
    BRAND_A,
    BRAND_B,
    BUSINESS_HOURS,
    CAMPAIGNS,
    HOURS,
    PROFILES,
    SHOPPING_DAYS,
    WEEKDAY,
)
from smsconsole.demo.state import SimUser
from smsconsole.store.models import Holding, HoldingStatus, SmsType


class Planning:
    """The schedule (a mixin of ``Simulation``)."""

    def plan(self) -> None:
        # A second run on the same database gets its own sequence of events.
        self.rng = rng = random.Random(f"smsconsole-demo:{self.seed}:{self.demo_seq}")
        days = [self.first_day + timedelta(days=i) for i in range(self.n_days)]
        for d in days:
            self.base_fail[d] = round(rng.uniform(0.02, 0.06), 3)
        n_spikes = max(1, round(self.n_days / 30)) if self.n_days >= 5 else 0
        candidates = days[1:-2]
        for d in sorted(rng.sample(candidates, min(n_spikes, len(candidates)))):
            start = rng.uniform(9, 15)
            self.spikes[d] = (start, start + rng.uniform(2, 4), round(rng.uniform(0.3, 0.5), 2))
        # The catalog on the first morning (unless an earlier run made one).
        if not self.packages:
            self.push(self.at(self.first_day, 8.75), self.create_catalog)
        # Users register over the period, more of them as the platform grows.
        span = (self.end - timedelta(minutes=30) - self.start).total_seconds()
        first_week = min(7, self.n_days) * 86400
        for i in range(self.n_users):
            seq = self.demo_seq + i + 1
            urng = random.Random(f"smsconsole-demo:{self.seed}:{seq}")
            if i < max(2, int(self.n_users * 0.3)):  # the launch: customers moving over
                offset = urng.uniform(0.3, 1.0) * min(first_week, max(86400, span * 0.1))
            else:
                offset = (urng.random() ** 0.85) * span
            day0 = self.clock.day_of(self.start + timedelta(seconds=offset))
            at = max(self.at(day0, self.pick_hour(urng, BUSINESS_HOURS)),
                     self.start + timedelta(hours=9))
            if at >= self.end - timedelta(minutes=30):  # (a history ending early in a day)
                at = max(self.start, self.end - timedelta(minutes=urng.uniform(30, 90)))
            profile = urng.choices(PROFILES, weights=[p.weight for p in PROFILES])[0]
            scale = min(8.0, math.exp(urng.gauss(0, 0.9)))
            brand, brand_py = self.new_brand(urng)
            u = SimUser(seq, profile, brand, brand_py, scale, at, urng)
            u.buys = urng.random() > 0.18
            u.wants_trial = urng.random() < 0.4
            u.offline_buyer = scale > 3.0 and urng.random() < 0.5
            # A subsidiary using its group's signature: the admin assigns existing ones.
            u.assigned = profile.key != "idle" and (i == 1 or urng.random() < 0.03)
            self.users.append(u)
            self.push(at, self.register, u)
        # Things the admin does once in a while.
        later = days[max(1, len(days) // 3)] if len(days) > 2 else days[-1]
        self.push(self.at(later, 11.2), self.retire_old_package)
        if len(days) >= 20:
            self.push(self.at(days[len(days) // 2], 10.4), self.reprice_package)
            self.push(self.at(days[int(len(days) * 0.6)], 10.1), self.create_sale_package)
            self.push(self.at(days[int(len(days) * 0.8)], 17.2), self.end_sale_package)
        if len(days) >= 60:
            self.push(self.at(days[int(len(days) * 0.6)], 16.5), self.purge_orders)
        for frac, restore in ((0.35, True), (0.7, False), (0.93, False)):
            d = days[min(len(days) - 1, max(1, int(len(days) * frac)))]
            self.push(self.at(d, rng.uniform(10, 17)), self.freeze_someone, restore)
        self.push(self.at(days[max(0, len(days) - 3)], 14.3), self.mistaken_allocation)
        self.push(self.at(days[len(days) // 2], 15.6), self.raise_limits)
        # The last hours: applications submitted by a late session (in review when the
        # history ends) and fresh ones (pending).
        self.push(self.end - timedelta(minutes=rng.uniform(35, 50)), self.session, "late")
        for k, kind in enumerate(("signature", "template", "signature", "template")):
            minutes = rng.uniform(75, 100) if k < 2 else rng.uniform(5, 25)
            self.push(self.end - timedelta(minutes=minutes), self.late_application, kind, k)

    def new_brand(self, rng: random.Random) -> tuple[str, str]:
        for _ in range(200):
            a, b = rng.choice(BRAND_A), rng.choice(BRAND_B)
            brand, py = a[0] + b[0], a[1] + b[1]
            if brand not in self.brands:
                self.brands.add(brand)
                return brand, py
        a, b, c = rng.choice(BRAND_A), rng.choice(BRAND_B), rng.choice(BRAND_B)
        return a[0] + b[0] + c[0], a[1] + b[1] + c[1]

    def plan_day(self, day: date) -> None:
        """The day's admin sessions, cloud behaviour, and the sends of every user who
        can send (one who becomes able to during the day starts then: ``kick``)."""
        rng = self.rng
        wd = day.weekday()
        if wd < 5:
            self.push(self.at(day, rng.uniform(9.2, 10.2)), self.session, "morning")
            self.push(self.at(day, rng.uniform(14.5, 16.5)), self.session, "afternoon")
        elif rng.random() < (0.6 if wd == 5 else 0.35):
            self.push(self.at(day, rng.uniform(10, 17)), self.session, "weekend")
        self.push(self.at(day, 0), self.set_failure_rate, self.base_fail[day])
        if day in self.spikes:
            start, stop, rate = self.spikes[day]
            self.push(self.at(day, start), self.set_failure_rate, rate)
            self.push(self.at(day, stop), self.set_failure_rate, self.base_fail[day])
        remaining = self.remaining_now()
        for u in self.users:
            if not u.id or u.frozen:
                continue
            self.plan_user_day(u, day, remaining.get(u.id, {}))

    def festival(self, day: date, sms_type: SmsType) -> float:
        for month, dom in SHOPPING_DAYS:
            try:
                big = date(day.year, month, dom)
            except ValueError:
                continue
            delta = (day - big).days
            if sms_type == SmsType.PROMOTION and -10 <= delta <= 0:
                return 3.0 if delta == 0 else 1.8
            if sms_type == SmsType.NOTIFICATION and 1 <= delta <= 4:
                return 1.7
        return 1.0

    def rates(self, u: SimUser) -> dict[SmsType, float]:
        p, s = u.profile, u.scale * self.volume
        return {SmsType.VERIFICATION: p.verification * math.sqrt(u.scale) * self.volume * 0.6,
                SmsType.NOTIFICATION: p.notification * s,
                SmsType.PROMOTION: p.promotion * s}

    def plan_user_day(self, u: SimUser, day: date, remaining: dict,
                      after: datetime | None = None) -> None:
        """The user's sends of the day (from ``after`` on, for one who just became
        ready), and an order when the balance will not last."""
        rng = u.rng
        rates = self.rates(u)
        self.maybe_order(u, remaining, day, after)
        if u.planned == day:
            return
        general = remaining.get(SmsType.GENERAL.value, 0)

        def push(hours: float, fn, *args) -> None:
            at = self.at(day, hours)
            if after is None or at > after:
                self.push(at, fn, *args)

        for sms_type, rate in rates.items():
            if rate <= 0 or sms_type not in u.templates or not u.sign_for(sms_type):
                continue
            if remaining.get(sms_type.value, 0) + general <= 0:
                continue  # nothing to send with (the portal says so before they try)
            u.planned = day
            lam = rate * WEEKDAY[sms_type][day.weekday()] * self.festival(day, sms_type)
            if sms_type == SmsType.VERIFICATION:
                for _ in range(self.poisson(rng, lam)):
                    push(self.pick_hour(rng, HOURS[sms_type]), self.send_code, u)
            elif sms_type == SmsType.NOTIFICATION:
                # A batch or two a day for the big senders, one every week or so for the
                # small ones (the day's volume in expectation either way).
                per_day = min(1.0, max(0.05, lam / 500))
                for _ in range(self.poisson(rng, per_day)):
                    size = max(1, round(lam / per_day * rng.uniform(0.5, 1.5)))
                    push(self.pick_hour(rng, HOURS[sms_type]), self.send_batch, u, sms_type,
                         size)
            elif rng.random() < CAMPAIGNS * min(2.0, self.festival(day, sms_type)):
                # Campaigns: now and then, each to a big part of the audience.
                size = max(20, round(lam / CAMPAIGNS * rng.uniform(0.6, 1.4)))
                push(self.pick_hour(rng, HOURS[sms_type]), self.send_batch, u, sms_type, size)

    def maybe_order(self, u: SimUser, remaining: dict, day: date, after: datetime | None) -> None:
        """Order a package when the balance will not last three more days."""
        if not u.buys or u.open_order or not u.templates:
            return
        if sum(remaining.values()) >= 3 * sum(self.rates(u).values()) + 50:
            return
        at = self.at(day, self.pick_hour(u.rng, BUSINESS_HOURS))
        if after is not None and at <= after:
            at = after + timedelta(minutes=u.rng.uniform(10, 180))
        self.push(at, self.order, u)

    def kick(self, u: SimUser) -> None:
        """The user just got what was missing (an approval, quota): sending starts now,
        or buying does."""
        if u.id and not u.frozen and u.templates:
            rem = self.remaining_now([u.id]).get(u.id, {})
            self.plan_user_day(u, self.clock.today(), rem, after=self.now())

    def remaining_now(self, ids: list[int] | None = None) -> dict[int, dict[str, int]]:
        """Usable quota per demo user and type, from the holdings."""
        ids = self.my_user_ids if ids is None else ids
        if not ids:
            return {}
        now = self.now()
        out: dict[int, dict[str, int]] = {}
        with self.svc.store.read() as s:
            rows = s.execute(
                select(Holding.user_id, Holding.sms_type, func.sum(Holding.total - Holding.used))
                .where(Holding.user_id.in_(ids),
                       Holding.status == HoldingStatus.NORMAL, Holding.expires_at > now)
                .group_by(Holding.user_id, Holding.sms_type))
            for uid, sms_type, rem in rows:
                out.setdefault(uid, {})[SmsType(sms_type).value] = int(rem or 0)
        return out
