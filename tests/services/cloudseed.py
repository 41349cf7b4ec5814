"""Seed users with signatures and templates that exist in the sandbox, through the real
assign flow (the console asks the cloud, then gives them to the user)."""

from __future__ import annotations

from dataclasses import dataclass

from smsconsole.cloud.types import APPROVED
from smsconsole.store.models import SignType, SmsType
from tests import factories as f


@dataclass
class Sender:
    user_id: int
    account: str
    sign_name: str
    templates: dict[SmsType, int]  # type -> the user's Template id
    codes: dict[SmsType, str]


def sandbox_catalog(services):
    sms = services.cloud.sms()
    signs = [s for s in sms.list_signs() if s.status == APPROVED]
    templates = [t for t in sms.list_templates() if t.status == APPROVED]
    return signs, templates


def sender(services, actor, **user_fields) -> Sender:
    u = f.user(services, **user_fields)
    signs, templates = sandbox_catalog(services)
    sign = next(s for s in signs if s.sign_type in ("general", None))
    services.signatures.assign(actor, u.id, sign.name, sign.sign_type or SignType.GENERAL)
    # A verification template needs a verification-capable signature too.
    ver_sign = next((s for s in signs if s.sign_type == "verification"), None)
    if ver_sign and ver_sign.name != sign.name:
        services.signatures.assign(actor, u.id, ver_sign.name, "verification")
    tpl_ids, codes = {}, {}
    for t in templates:
        kind = SmsType(t.template_type) if t.template_type in {x.value for x in SmsType} else None
        if kind and kind not in tpl_ids:
            tpl = services.templates.assign(actor, u.id, t.code)
            tpl_ids[kind], codes[kind] = tpl.id, t.code
    return Sender(u.id, u.account, sign.name, tpl_ids, codes)


def verification_sign(services) -> str:
    signs, _ = sandbox_catalog(services)
    return next((s.name for s in signs if s.sign_type == "verification"), signs[0].name)
