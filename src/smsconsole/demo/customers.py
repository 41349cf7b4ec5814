"""Customers on the portal: they register, and apply for signatures and templates
(and apply again once the admin or Aliyun rejects them).
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from smsconsole.demo.data import (
    CAMPAIGNS,
    CITIES,
    FLAWED_TPLS,
    GIVEN,
    MOBILE_PREFIXES,
    NOTIFY_TPLS,
    PROMO_TPLS,
    SURNAMES,
    VERIFY_TPLS,
    Tpl,
)
from smsconsole.demo.state import SimApp, SimUser
from smsconsole.services.errors import Conflict, Invalid, Refused
from smsconsole.services.users import Registration
from smsconsole.store.models import SignType, SmsType


class Customers:
    """Registration and applications (a mixin of ``Simulation``)."""

    def register(self, u: SimUser) -> None:
        rng = u.rng
        name = rng.choice(SURNAMES) + rng.choice(GIVEN)
        company = f"{rng.choice(CITIES)}{u.brand}{u.profile.industry}"
        for attempt in range(50):
            n = u.seq + attempt * 7919
            account = f"{u.brand_py}{n:03d}"
            phone = self.phone_of(n)
            if account in self.taken_accounts or phone in self.taken_phones:
                continue
            try:
                user = self.svc.users.register(
                    Registration(account=account, name=name, phone=phone, company=company,
                                 email=f"{u.brand_py}{n}@{u.brand_py}.cn"),
                    password_hash=self.password_hash)
            except Conflict:
                self.taken_accounts.add(account)
                self.taken_phones.add(phone)
                continue
            break
        else:  # pragma: no cover - 50 collisions in a row
            return
        u.id, u.account = user.id, user.account
        self.taken_accounts.add(account)
        self.taken_phones.add(phone)
        self.my_user_ids.append(user.id)
        self.summary.users += 1
        size = self.audience_size(u)
        seen: set[str] = set()
        while len(seen) < size:
            seen.add(self.random_phone(rng))
        u.audience = sorted(seen)
        rng.shuffle(u.audience)
        if u.profile.key == "idle" and rng.random() < 0.5:
            return  # registered, looked around, never applied
        self.push(self.awake(u.at + timedelta(minutes=rng.uniform(5, 480)), rng),
                  self.apply_signature, u)
        for k, tpl in enumerate(self.templates_for(u)):
            delay = timedelta(minutes=rng.uniform(20, 720) + 60 * k)
            self.push(self.awake(u.at + delay, rng), self.apply_template, u, tpl, 1)
        if u.wants_trial:
            self.trial_queue.append(u)

    def awake(self, at: datetime, rng: random.Random) -> datetime:
        """People do their portal work in the day: a time in the small hours moves to
        the morning."""
        local = at.astimezone(self.clock.tz)
        if local.hour < 7:
            return self.at(local.date(), rng.uniform(7.5, 10.5))
        return at

    def audience_size(self, u: SimUser) -> int:
        rates = self.rates(u)
        promo = rates[SmsType.PROMOTION] / CAMPAIGNS
        notify = rates[SmsType.NOTIFICATION] * 25  # a batch goes to a part of them
        return int(min(30_000, max(40, promo * 1.2, notify)))

    @staticmethod
    def phone_of(n: int) -> str:
        """A user's own mobile number: distinct for distinct ``n``."""
        prefix = MOBILE_PREFIXES[n % len(MOBILE_PREFIXES)]
        body = (n // len(MOBILE_PREFIXES) * 48_271 + 12_345_678) % 100_000_000
        return f"{prefix}{body:08d}"

    @staticmethod
    def random_phone(rng: random.Random) -> str:
        return f"{rng.choice(MOBILE_PREFIXES)}{rng.randrange(100_000_000):08d}"

    def templates_for(self, u: SimUser) -> list[Tpl]:
        rng, key = u.rng, u.profile.key
        out: list[Tpl] = []
        p = u.profile
        if p.verification > 0 or (key == "idle" and rng.random() < 0.5):
            out.append(rng.choice(VERIFY_TPLS))
        if p.notification > 0:
            out.append(NOTIFY_TPLS.get(key, NOTIFY_TPLS["app"]))
        if p.promotion > 0:
            out.append(rng.choice(PROMO_TPLS))
        if rng.random() < 0.08:
            out.insert(0, rng.choice(FLAWED_TPLS))
        if key == "app" and rng.random() < 0.25:
            out.append(rng.choice(VERIFY_TPLS))
        return out

    def sign_name(self, u: SimUser) -> str:
        rng = u.rng
        suffixes = list(u.profile.sign_suffixes) + ["官方", "在线", "服务"]
        for _ in range(30):
            name = u.brand + rng.choice(suffixes)
            if name not in self.taken_names:
                return name
        return u.brand + str(u.seq)[-4:]

    def apply_signature(self, u: SimUser) -> None:
        rng = u.rng
        u.sign_attempts += 1
        if u.sign_attempts == 1 and rng.random() < 0.04:
            name = rng.choice(sorted(n for n in self.taken_names if 2 <= len(n) <= 12)
                              or [self.sign_name(u)])  # someone else's: Aliyun refuses it
        else:
            name = self.sign_name(u)
        kind = SignType.VERIFICATION if (u.profile.key == "app" and u.sign_attempts == 1
                                         and rng.random() < 0.3) else SignType.GENERAL
        try:
            sig = self.svc.signatures.apply(u.id, name, kind, source=u.profile.sign_source,
                                            remark=f"用于{u.brand}的会员注册、订单与服务通知")
        except (Conflict, Refused, Invalid):
            return
        self.taken_names.add(name)
        self.pending_apps.append(SimApp("signature", sig.id, u, self.now(),
                                      flawed=rng.random() < 0.07, attempt=u.sign_attempts))
        if kind == SignType.VERIFICATION:  # a general one too, for notifications
            self.push(self.now() + timedelta(hours=rng.uniform(2, 30)), self.apply_signature, u)

    def apply_template(self, u: SimUser, tpl: Tpl, attempt: int) -> None:
        try:
            row = self.svc.templates.apply(u.id, tpl.name if attempt == 1 else
                                           f"{tpl.name}（修改）", tpl.sms_type, tpl.content,
                                           remark=f"{u.brand}{tpl.name}")
        except (Refused, Invalid, Conflict):
            return
        self.pending_apps.append(SimApp("template", row.id, u, self.now(), flawed=tpl.flawed,
                                      attempt=attempt, sms_type=tpl.sms_type))

    def reapply(self, app: SimApp) -> None:
        u = app.user
        if app.kind == "signature":
            if u.sign_attempts < 3:
                self.apply_signature(u)
            return
        if app.attempt >= 3:
            return
        if app.flawed:  # fixed: a proper template of the type the user needs
            fixed = NOTIFY_TPLS.get(u.profile.key, NOTIFY_TPLS["app"])
        else:
            fixed = {SmsType.VERIFICATION: VERIFY_TPLS[0], SmsType.PROMOTION: PROMO_TPLS[0]}.get(
                app.sms_type, NOTIFY_TPLS.get(u.profile.key, NOTIFY_TPLS["app"]))
        self.apply_template(u, fixed, app.attempt + 1)

    def late_application(self, kind: str, k: int) -> None:
        """Applications of the last hour or two, so that the lists show every status:
        these stay pending, or (submitted by the late session) in review."""
        live = [u for u in self.users if u.id and not u.frozen]
        for i in range(len(live)):
            u = live[(k * 7 + i + self.seed) % len(live)]
            try:
                if kind == "signature":
                    name = self.sign_name(u)
                    sig = self.svc.signatures.apply(u.id, name, SignType.GENERAL,
                                                    source=u.profile.sign_source,
                                                    remark=f"{u.brand}新业务线")
                    self.taken_names.add(name)
                    self.pending_apps.append(SimApp("signature", sig.id, u, self.now()))
                else:
                    tpl = PROMO_TPLS[2] if k % 2 else VERIFY_TPLS[1]
                    row = self.svc.templates.apply(u.id, tpl.name, tpl.sms_type, tpl.content,
                                                   remark=f"{u.brand}{tpl.name}")
                    self.pending_apps.append(SimApp("template", row.id, u, self.now(),
                                                  sms_type=tpl.sms_type))
                return
            except (Refused, Invalid, Conflict):
                continue
