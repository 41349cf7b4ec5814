"""The shell's small dataset, seeded into each test's own fresh database (the shell tests
and the login/home snapshots): an admin, four users with quota, signatures and templates
in every review status, today's and this month's send counts."""

from __future__ import annotations

from datetime import timedelta


def seed_shell(services):
    """A platform with an admin, users, quota, applications in every status, and today's
    and this month's send counts."""
    from smsconsole.services import rollups
    from smsconsole.store.models import ReviewStatus
    from tests import factories

    actor = factories.set_up(services)
    clock = services.ctx.clock
    users = [factories.user(services, account=f"acct{i:02d}", name=f"用户{i}",
                            company=f"云顶{i}号公司") for i in range(1, 5)]
    factories.quota(services, actor, users[0].id, 5000)
    factories.quota(services, actor, users[1].id, 60, days=5)
    from smsconsole.store.models import SmsType

    factories.quota(services, actor, users[2].id, 20000, SmsType.PROMOTION)
    factories.quota(services, actor, users[3].id, 1000, SmsType.VERIFICATION, days=3)
    statuses = [ReviewStatus.PENDING, ReviewStatus.PENDING, ReviewStatus.IN_REVIEW,
                ReviewStatus.APPROVED, ReviewStatus.REJECTED]
    from smsconsole.store.models import Signature, SignType, Template

    now = clock.now()
    with services.store.session() as s:
        for i, st in enumerate(statuses):
            s.add(Signature(user_id=users[i % 4].id, name=f"签名{i}", sign_type=SignType.GENERAL,
                            status=st, applied_at=now - timedelta(hours=i)))
            s.add(Template(user_id=users[i % 4].id, name=f"模板{i}", code=f"SMS_{i:06d}",
                           sms_type=SmsType.NOTIFICATION, content="您的验证码${code}",
                           status=st, applied_at=now - timedelta(hours=i)))
        today = clock.today()
        rollups.bump(s, [
            (today, users[0].id, "签名3", "SMS_000003", "notification",
             {"total": 120, "delivered": 100, "failed": 8, "segments": 130}),
            (today - timedelta(days=3), users[0].id, "签名3", "SMS_000003", "notification",
             {"total": 1000, "delivered": 950, "failed": 30, "segments": 1100}),
        ])
    return actor
