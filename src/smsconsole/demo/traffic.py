"""Sending: verification codes, notification batches and promotion campaigns through
``SendService.send``, with believable variables.
"""

from __future__ import annotations

from datetime import timedelta

from smsconsole.demo.data import COURSES, EXPRESS, PRODUCTS, SERVICES, SURNAMES
from smsconsole.demo.state import SimUser
from smsconsole.services.errors import Invalid, NotFound, Refused
from smsconsole.services.sending import VARIABLE, SendRequest
from smsconsole.store.models import SmsType, Template


class Traffic:
    """The customers' sends (a mixin of ``Simulation``)."""

    def params(self, u: SimUser, content: str) -> dict[str, str]:
        rng = u.rng
        local = self.now().astimezone(self.clock.tz)
        values = {
            "code": f"{rng.randrange(1_000_000):06d}",
            "express": rng.choice(EXPRESS),
            "no": f"SF{rng.randrange(10**12):012d}",
            "courier": rng.choice(SURNAMES) + "师傅",
            "month": str(local.month),
            "amount": f"{rng.uniform(200, 9000):.2f}",
            "date": (local + timedelta(days=rng.randint(5, 20))).strftime("%m月%d日"),
            "course": rng.choice(COURSES),
            "time": (local + timedelta(days=1)).strftime("%m月%d日") + f"{rng.randint(9, 20)}:00",
            "service": rng.choice(SERVICES),
            "hours": str(rng.randint(1, 4)),
            "activity": "周年庆抽奖活动",
            "product": rng.choice(PRODUCTS),
        }
        return {name: values.get(name, "1") for name in VARIABLE.findall(content)}

    def _send(self, u: SimUser, sms_type: SmsType, phones: list[str]) -> bool:
        if u.frozen or not u.templates.get(sms_type):
            return False
        sign = u.sign_for(sms_type)
        if sign is None:
            return False
        tpl_id, _code = u.rng.choice(u.templates[sms_type])
        content = self.contents.get(tpl_id)
        if content is None:
            with self.svc.store.read() as s:
                content = self.contents[tpl_id] = s.get(Template, tpl_id).content
        self._cloud_now()
        try:
            out = self.svc.sending.send(SendRequest(u.id, tpl_id, sign, phones,
                                                    self.params(u, content)))
        except (Refused, Invalid, NotFound):
            self.summary.refused_sends += 1
            if u.buys and not u.open_order:
                self.push(self.now() + timedelta(minutes=u.rng.uniform(10, 240)), self.order, u)
            return False
        self.summary.tasks += 1
        self.summary.messages += out.accepted
        return True

    def send_code(self, u: SimUser) -> None:
        phone = self.random_phone(u.rng)
        if self._send(u, SmsType.VERIFICATION, [phone]):
            roll = u.rng.random()
            if roll < 0.03:  # tapped "get code" twice: Aliyun's per-minute limit refuses it
                self.push(self.now() + timedelta(seconds=u.rng.uniform(15, 50)),
                          self.resend_code, u, phone)
            elif roll < 0.06:  # waited, asked again
                self.push(self.now() + timedelta(minutes=u.rng.uniform(2, 5)),
                          self.resend_code, u, phone)

    def resend_code(self, u: SimUser, phone: str) -> None:
        self._send(u, SmsType.VERIFICATION, [phone])

    def send_batch(self, u: SimUser, sms_type: SmsType, size: int) -> None:
        if not u.audience:
            return
        size = min(size, len(u.audience))
        if sms_type == SmsType.PROMOTION:
            start = u.rng.randrange(len(u.audience))
            phones = (u.audience[start:] + u.audience[:start])[:size]
        else:
            phones = u.rng.sample(u.audience, size)
        # A few typos and repeats, as pasted lists have.
        if size > 30 and u.rng.random() < 0.2:
            phones = phones + phones[:2] + ["1380013800", "138-0013-8abc"]
        self._send(u, sms_type, phones)
