"""What the simulation keeps about its people and their applications, and the summary
it returns.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from smsconsole.demo.data import Profile
from smsconsole.store.models import SignType, SmsType

# --- the result ---------------------------------------------------------------------------

@dataclass
class DemoSummary:
    users: int = 0
    tasks: int = 0
    messages: int = 0
    delivered: int = 0
    failed: int = 0
    pending: int = 0
    refused_sends: int = 0  # sends the service refused (no quota, frozen): nothing written
    orders: Counter = field(default_factory=Counter)  # by OrderStatus value, as they ended
    signatures: Counter = field(default_factory=Counter)  # by ReviewStatus value
    templates: Counter = field(default_factory=Counter)
    replies: int = 0
    opt_outs: int = 0
    admin_created: bool = False
    admin_login: str = ""
    admin_phone: str = ""
    admin_password: str = ""  # "" when unknown (an admin set up before the demo)
    first_day: date | None = None
    last_day: date | None = None
    seconds: float = 0.0


# --- the simulated people ------------------------------------------------------------------

@dataclass
class SimUser:
    seq: int
    profile: Profile
    brand: str
    brand_py: str
    scale: float
    at: datetime  # registration time
    rng: random.Random
    id: int = 0
    account: str = ""
    buys: bool = True  # tops up by ordering; False: lets the balance run down
    signs: list[tuple[str, SignType]] = field(default_factory=list)  # approved
    templates: dict[SmsType, list[tuple[int, str]]] = field(default_factory=dict)  # approved
    audience: list[str] = field(default_factory=list)
    frozen: bool = False
    open_order: bool = False
    wants_trial: bool = False
    offline_buyer: bool = False
    sign_attempts: int = 0
    planned: date | None = None  # the day whose sends are planned
    assigned: bool = False  # gets an existing Aliyun signature/template from the admin

    def sign_for(self, sms_type: SmsType) -> str | None:
        for name, kind in self.signs:
            if kind == SignType.GENERAL or sms_type == SmsType.VERIFICATION:
                return name
        return None


@dataclass
class SimApp:
    kind: str  # "signature" | "template"
    id: int
    user: SimUser
    applied: datetime
    flawed: bool = False
    attempt: int = 1
    sms_type: SmsType | None = None
    submitted: datetime | None = None
