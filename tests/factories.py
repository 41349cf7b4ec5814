"""Seed data for tests, made through the services wherever a service exists."""

from __future__ import annotations

from datetime import timedelta
from itertools import count

from smsconsole.services import Actor
from smsconsole.services.auth import AdminInput, AuthorizationInput, SetupInput
from smsconsole.services.settings import AccessInput, ScenarioInput, SiteInput
from smsconsole.services.users import Registration
from smsconsole.store.models import Origin, ReviewStatus, Signature, SignType, SmsType, Template

PASSWORD = "Secret#2026pass"
_seq = count(1)


def setup_input(sandbox: bool = False, **auth) -> SetupInput:
    scenario = ScenarioInput("测试签名", "SMS_100001", "code")
    access = AccessInput(sandbox=True) if sandbox else AccessInput(
        access_key_id="TESTAKID0001", access_key_secret="test-secret-value",
        scenarios={k: scenario for k in ("register", "reset_password", "change_phone")},
        report_queue="Alicom-Queue-1234567890-SmsReport",
        reply_queue="Alicom-Queue-1234567890-SmsUp",
    )
    fields = dict(name="管理员", company="云顶短信", email="admin@example.com",
                  phone="13800138000", purchase_order_no="")
    fields.update(auth)
    return SetupInput(
        authorization=AuthorizationInput(**fields),
        admin=AdminInput(password=PASSWORD, password_confirm=PASSWORD),
        access=access,
        site=SiteInput(company="云顶短信", address="天津市南开区", email="help@example.com",
                       phone="022-8788-2266"),
    )


def set_up(services, sandbox: bool = False) -> Actor:
    admin = services.auth.setup(setup_input(sandbox))
    return Actor(admin.id, admin.name, "local")


def configure_sandbox(services) -> Actor:
    """Set up an admin whose AK and payment point at the test sandbox."""
    from smsconsole.services.cloud_access import sandbox_payment_values

    actor = set_up(services, sandbox=True)
    services.settings.update_payment(actor, sandbox_payment_values(services.ctx))
    return actor


def user(services, **fields):
    n = next(_seq)
    data = dict(account=f"user{n:04d}", name=f"用户{n}", phone=f"139{n:08d}",
                password=PASSWORD, company=f"公司{n}", email=f"user{n}@example.com")
    data.update(fields)
    return services.users.register(Registration(**data))


def approved_signature(services, user_id: int, name: str = "云顶科技",
                       sign_type: SignType = SignType.GENERAL) -> Signature:
    """Seed an approved signature (as if Aliyun approved it)."""
    now = services.ctx.clock.now()
    with services.store.session() as s:
        sig = Signature(user_id=user_id, name=name, sign_type=sign_type,
                        status=ReviewStatus.APPROVED, origin=Origin.ASSIGNED, applied_at=now,
                        submitted_at=now, reviewed_at=now)
        s.add(sig)
        s.flush()
        return sig


def approved_template(services, user_id: int, code: str = "SMS_900001",
                      sms_type: SmsType = SmsType.NOTIFICATION,
                      content: str = "您的订单${order}已发货。", name: str = "发货通知") -> Template:
    now = services.ctx.clock.now()
    with services.store.session() as s:
        tpl = Template(user_id=user_id, name=name, code=code, sms_type=sms_type,
                       content=content, status=ReviewStatus.APPROVED, origin=Origin.ASSIGNED,
                       applied_at=now, submitted_at=now, reviewed_at=now)
        s.add(tpl)
        s.flush()
        return tpl


def quota(services, actor: Actor, user_id: int, amount: int,
          sms_type: SmsType = SmsType.NOTIFICATION, days: int = 30):
    expires = services.ctx.clock.today() + timedelta(days=days)
    return services.holdings.allocate(actor, user_id, amount, expires, sms_type)


def phones(n: int, start: int = 0) -> list[str]:
    return [f"137{i:08d}" for i in range(start, start + n)]
