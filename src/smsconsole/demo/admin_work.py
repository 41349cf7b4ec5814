"""The admin at the console: review sessions (submit, reject, sync), allocations,
freezing, limits, and the sandbox's failure rate of the day.
"""

from __future__ import annotations

import contextlib
from datetime import timedelta

from sqlalchemy import select

from smsconsole.cloud.types import APPROVED
from smsconsole.demo.data import (
    DEMO_PASSWORD,
    FREEZE_REASONS,
    SANDBOX_RUN,
    SIGN_ADMIN_REJECT,
    SIGN_TAKEN_REASON,
    TEMPLATE_ADMIN_REJECT,
)
from smsconsole.demo.state import SimUser
from smsconsole.services.errors import AuthError, CloudFailure, Conflict, Invalid, NotFound, Refused
from smsconsole.services.users import UserUpdate
from smsconsole.store.models import (
    HoldingStatus,
    ReviewStatus,
    Signature,
    SignType,
    SmsType,
    Template,
)


class AdminWork:
    """The admin's sessions and chores (a mixin of ``Simulation``)."""

    def session(self, kind: str) -> None:
        """An admin at the console: submit or reject new applications, sync reviews,
        check payments, allocate trials."""
        rng = self.rng
        svc, actor = self.svc, self.actor
        today = self.clock.today()
        logged = None
        if self.password_known and kind != "late" and self.logged_in_day != today and \
                rng.random() < 0.4:
            # The console session of the day (when the demo knows the password).
            login = self.summary.admin_login
            try:
                if rng.random() < 0.03:  # a typo first
                    with contextlib.suppress(AuthError):
                        svc.auth.login(login, DEMO_PASSWORD.lower(), origin="local")
                logged = svc.auth.login(login, DEMO_PASSWORD, origin="local")
            except AuthError:
                logged = None
            self.logged_in_day = today
        self._cloud_now()
        # Reviews Aliyun has finished (it takes about two hours: sooner finds nothing).
        due = self.now() - timedelta(seconds=SANDBOX_RUN["review_delay"])
        done = [a for a in self.in_review if a.submitted <= due]
        if kind != "late" and (done or not self.synced_all):
            # The run's first sync is 全部同步 (also what earlier runs left in review); later
            # ones ask only for what Aliyun may have finished (the others would answer "in
            # review": the same result, for many more calls).
            for service in (svc.signatures, svc.templates):
                only = [a.id for a in done if a.kind == service.kind] if self.synced_all else None
                if only != []:
                    service.sync_all(actor, only=only)
            self.synced_all = True
            self.reviewed()
        # New applications: reject the obviously wrong ones, submit the rest.
        ready = [a for a in self.pending_apps if self.now() - a.applied > timedelta(minutes=15)]
        for app in ready:
            self.pending_apps.remove(app)
            service = svc.signatures if app.kind == "signature" else svc.templates
            if app.flawed and rng.random() < 0.85:
                reasons = SIGN_ADMIN_REJECT if app.kind == "signature" else TEMPLATE_ADMIN_REJECT
                try:
                    service.reject(actor, app.id, rng.choice(reasons))
                except (Conflict, NotFound):
                    continue
                self.push(self.awake(self.now() + timedelta(hours=rng.uniform(3, 40)), rng),
                          self.reapply, app)
                continue
            try:
                service.submit(actor, app.id)
            except CloudFailure:
                # Aliyun refused it (a signature name someone else holds).
                try:
                    service.reject(actor, app.id, SIGN_TAKEN_REASON if app.kind == "signature"
                                   else rng.choice(TEMPLATE_ADMIN_REJECT))
                except (Conflict, NotFound):
                    continue
                self.push(self.awake(self.now() + timedelta(hours=rng.uniform(3, 40)), rng),
                          self.reapply, app)
                continue
            except (Conflict, NotFound):
                continue
            app.submitted = self.now()
            self.in_review.append(app)
        if kind == "late":
            return
        self.payments()
        for u in list(self.trial_queue):
            if self.now() - u.at > timedelta(hours=1):
                self.trial_queue.remove(u)
                self.allocate_trial(u)
        for u in self.users:
            if u.assigned and u.id:
                u.assigned = False
                self.assign_existing(u)
            if u.offline_buyer and u.id and u.templates:
                u.offline_buyer = False  # once: a signed contract, paid offline
                self.allocate(u, SmsType.GENERAL, rng.choice((10_000, 20_000, 50_000)), 365)
                self.kick(u)
        if logged is not None and kind == "afternoon":
            svc.auth.logout(logged)

    def assign_existing(self, u: SimUser) -> None:
        """分配签名 / 分配模板: an approved signature and notification template that
        already exist in the Aliyun account (the sandbox's own)."""
        if self.existing_pair is None:  # the first ones listed: the account's oldest
            sms = self.svc.cloud.sms()
            sign = next((x for x in sms.list_signs() if x.status == APPROVED
                         and x.sign_type == SignType.GENERAL.value), None)
            tpl = next((x for x in sms.list_templates() if x.status == APPROVED
                        and x.template_type == SmsType.NOTIFICATION.value), None)
            self.existing_pair = (sign, tpl)
        sign, tpl = self.existing_pair
        if sign is None or tpl is None:
            return
        try:
            self.svc.signatures.assign(self.actor, u.id, sign.name, SignType.GENERAL)
            row = self.svc.templates.assign(self.actor, u.id, tpl.code)
        except (Conflict, Refused, NotFound, Invalid, CloudFailure):
            return
        u.signs.append((sign.name, SignType.GENERAL))
        u.templates.setdefault(SmsType.NOTIFICATION, []).append((row.id, row.code))
        if u.rng.random() < 0.5 or not u.buys:
            self.allocate(u, SmsType.NOTIFICATION, 10_000, 365)  # the group pays offline
        self.kick(u)

    def reviewed(self) -> None:
        """React to what the sync found: approved ones get used, rejected ones are fixed
        and applied for again."""
        ids = {"signature": [a.id for a in self.in_review if a.kind == "signature"],
               "template": [a.id for a in self.in_review if a.kind == "template"]}
        status: dict[tuple[str, int], tuple] = {}
        with self.svc.store.read() as s:
            if ids["signature"]:
                for r in s.execute(select(Signature.id, Signature.status, Signature.name,
                                          Signature.sign_type)
                                   .where(Signature.id.in_(ids["signature"]))):
                    status[("signature", r[0])] = (r[1], r[2], r[3])
            if ids["template"]:
                for r in s.execute(select(Template.id, Template.status, Template.code,
                                          Template.sms_type)
                                   .where(Template.id.in_(ids["template"]))):
                    status[("template", r[0])] = (r[1], r[2], r[3])
        still = []
        for app in self.in_review:
            st = status.get((app.kind, app.id))
            if st is None or st[0] == ReviewStatus.IN_REVIEW:
                still.append(app)
                continue
            u = app.user
            if st[0] == ReviewStatus.APPROVED:
                if app.kind == "signature":
                    u.signs.append((st[1], SignType(st[2])))
                    self.kick(u)
                elif not app.flawed:  # (a flawed one that got through is not used)
                    u.templates.setdefault(SmsType(st[2]), []).append((app.id, st[1]))
                    self.kick(u)
            elif u.rng.random() < 0.75:
                self.push(self.awake(self.now() + timedelta(hours=u.rng.uniform(2, 48)), u.rng),
                          self.reapply, app)
        self.in_review = still

    def allocate(self, u: SimUser, sms_type: SmsType, count: int, days: int):
        expires = self.clock.today() + timedelta(days=days)
        try:
            return self.svc.holdings.allocate(self.actor, u.id, count, expires, sms_type)
        except (Invalid, NotFound):
            return None

    def allocate_trial(self, u: SimUser) -> None:
        rng = u.rng
        rates = self.rates(u)
        main = max(rates, key=lambda k: (rates[k], k.value)) if any(rates.values()) else \
            SmsType.NOTIFICATION
        days = rng.choice((7, 14, 14, 30))
        if self.end - self.now() < timedelta(days=9):
            days = rng.choice((5, 6, 7))  # recent trials: these expire within the week
        self.allocate(u, main, rng.choice((100, 200, 300, 500)), days)
        self.kick(u)

    def senders(self) -> list[SimUser]:
        return [u for u in self.users if u.id and u.templates and not u.frozen]

    def freeze_someone(self, restore: bool) -> None:
        live = self.senders()
        if not live:
            return
        rng = self.rng
        u = rng.choice(live)
        self.svc.users.freeze(self.actor, u.id, rng.choice(FREEZE_REASONS))
        u.frozen = True
        if restore:
            self.push(self.now() + timedelta(days=rng.uniform(2, 6)), self.restore, u)
        else:
            # The complaint was serious: the biggest package is frozen too.
            holdings = [h for h in self.svc.holdings.for_user(u.id)
                        if h.status == HoldingStatus.NORMAL and h.remaining > 0]
            if holdings:
                big = max(holdings, key=lambda h: (h.remaining, h.id))
                self.svc.holdings.set_status(self.actor, big.id, HoldingStatus.FROZEN)

    def restore(self, u: SimUser) -> None:
        try:
            self.svc.users.restore(self.actor, u.id)
        except Conflict:
            return
        u.frozen = False

    def mistaken_allocation(self) -> None:
        """Allocated the wrong type: invalidated, the right one allocated."""
        live = self.senders()
        if not live:
            return
        u = self.rng.choice(live)
        wrong = self.allocate(u, SmsType.PROMOTION, 5000, 90)
        if wrong is not None:
            self.svc.holdings.set_status(self.actor, wrong.id, HoldingStatus.INVALID)
            self.allocate(u, SmsType.NOTIFICATION, 5000, 90)

    def raise_limits(self) -> None:
        big = sorted((u for u in self.users if u.id), key=lambda u: -u.scale)[:3]
        for u in big:
            self.svc.users.update(self.actor, u.id, UserUpdate(max_signatures=8,
                                                                max_templates=20))

    def set_failure_rate(self, rate: float) -> None:
        self._configure(failure_rate=rate)
