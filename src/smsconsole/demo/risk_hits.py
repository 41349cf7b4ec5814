"""Risk control (风控) with real hits at the end of the history, for the screens.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import TYPE_CHECKING

from smsconsole.demo.state import SimUser
from smsconsole.services.errors import Invalid, NotFound, Refused
from smsconsole.services.sending import VARIABLE, SendRequest
from smsconsole.store.models import SmsType, Template

if TYPE_CHECKING:
    from smsconsole.demo.simulation import Simulation  # (which imports this module)


def trip_risk_rules(sim: Simulation, seed: int) -> None:
    """Risk control (风控) with real hits for the screens: the rules switched on, a
    verification-code loop on one number, a promotion sent at night (held until 08:00),
    a blocked word in a variable and a spike held for review. Deterministic per seed."""
    svc, actor, rng = sim.svc, sim.actor, random.Random(7_000 + seed)
    svc.risk.save_settings(actor, {"quiet_mode": "hold", "volume_hold": True,
                                   "volume_multiple": 10, "volume_floor": 50})
    svc.risk.import_words(actor, ["代开发票", "加微信", "刷单返利", "贷款秒批"])
    svc.risk.import_numbers(actor, ["13800138000,投诉号码", "13911112222,运营商通报"])
    live = [u for u in sim.users if u.id and not u.frozen]

    def send(u: SimUser, sms_type: SmsType, phones: list[str], **override: str) -> None:
        sign = u.sign_for(sms_type)
        if sign is None or not u.templates.get(sms_type):
            return
        tpl_id = u.templates[sms_type][0][0]
        with svc.store.read() as s:
            content = s.get(Template, tpl_id).content
        params = dict(sim.params(u, content), **override)
        if not params and override:
            return  # no variable to carry the word
        sim._cloud_now()
        try:
            out = svc.sending.send(SendRequest(u.id, tpl_id, sign, phones, params))
            sim.summary.tasks += 1
            sim.summary.messages += out.accepted
        except (Refused, Invalid, NotFound):
            sim.summary.refused_sends += 1

    end = sim.now()
    coders = [u for u in live if u.templates.get(SmsType.VERIFICATION)]
    if coders:  # a login page stuck in a loop: one number, every few seconds
        u, phone = coders[0], sim.random_phone(rng)
        sim.allocate(u, SmsType.VERIFICATION, 20, 30)
        for i in range(8):
            sim._set(end - timedelta(minutes=20) + timedelta(seconds=20 * i))
            send(u, SmsType.VERIFICATION, [phone])
    promoters = [u for u in live if u.templates.get(SmsType.PROMOTION) and u.audience]
    if promoters:  # last night at 23:10: held until the quiet hours end
        u = promoters[0]
        night = sim.at(sim.clock.day_of(end) - timedelta(days=1), 23 + 10 / 60)
        sim._set(night)
        sim.allocate(u, SmsType.PROMOTION, 200, 30)
        send(u, SmsType.PROMOTION, u.audience[:20])
    notifiers = [u for u in live if u.templates.get(SmsType.NOTIFICATION)]
    sim._set(end - timedelta(minutes=10))
    for u, word in zip(notifiers[:2], ("加 微 信 领红包", "代开发票"), strict=False):
        phones = u.audience[:3] or [sim.random_phone(rng)]
        with svc.store.read() as s:
            names = template_variables(s.get(Template, u.templates[SmsType.NOTIFICATION][0][0]))
        if names:
            send(u, SmsType.NOTIFICATION, phones, **{names[0]: word})
    if notifiers:  # a spike: more than ten times the usual day
        u = notifiers[-1]
        usual = sum(n for _, n in svc.risk.customer_days(u.id, 30)) / 30
        size = max(60, int(usual * 10) + 10)
        phones = (u.audience + [sim.random_phone(rng) for _ in range(size)])[:size]
        sim.allocate(u, SmsType.NOTIFICATION, size, 30)
        sim._set(end - timedelta(minutes=5))
        send(u, SmsType.NOTIFICATION, phones)
    sim._set(end)
    svc.risk.release_due()  # last night's promotion: the quiet hours are over
    sim.drain()


def template_variables(tpl) -> list[str]:
    return VARIABLE.findall(tpl.content) if tpl is not None else []
