import pytest

from smsconsole.services.applications import ApplicationFilter
from smsconsole.services.errors import Conflict, Invalid, Refused
from smsconsole.services.users import UserUpdate
from smsconsole.store.models import ReviewStatus
from tests import factories as f
from tests.services.helpers import refused


def test_apply_list_filter_and_reject(services):
    actor = f.set_up(services)
    u = f.user(services)
    sig = services.signatures.apply(u.id, "云顶科技", "general", remark="公司名")
    tpl = services.templates.apply(u.id, "验证码", "verification", "您的验证码为${code}")
    assert sig.status == ReviewStatus.PENDING and tpl.status == ReviewStatus.PENDING
    rows = services.signatures.page(ApplicationFilter(status=ReviewStatus.PENDING)).rows
    assert [r.name for r in rows] == ["云顶科技"] and rows[0].account == u.account
    services.signatures.reject(actor, sig.id, "资质不全")
    row = services.signatures.row(sig.id)
    assert row.status == ReviewStatus.REJECTED and row.reason == "资质不全"
    with refused(services, "error.signature.not_pending", cls=Conflict):
        services.signatures.reject(actor, sig.id, "again")
    counts = services.templates.counts_by_status()
    assert counts[ReviewStatus.PENDING] == 1 and counts[ReviewStatus.APPROVED] == 0
    services.templates.delete(actor, tpl.id)
    assert services.templates.for_user(u.id) == []
    assert services.adminlog.latest(limit=1)[0].action == "template.delete"


def test_limits_are_enforced(services):
    actor = f.set_up(services)
    u = f.user(services)
    services.users.update(actor, u.id, UserUpdate(max_signatures=1, max_templates=1))
    services.signatures.apply(u.id, "第一签名", "general")
    with refused(services, "error.signature.limit", cls=Refused):
        services.signatures.apply(u.id, "第二签名", "general")
    services.templates.apply(u.id, "通知", "notification", "您好")
    with refused(services, "error.template.limit", cls=Refused):
        services.templates.apply(u.id, "通知二", "notification", "您好")


@pytest.mark.parametrize("name, sign_type, key", [
    ("", "general", "error.field.required"),
    ("a", "general", "error.field.too_short"),
    ("这个签名名字实在是太长了超过十二", "general", "error.field.too_long"),
    ("【云顶】", "general", "error.signature.name_chars"),
    ("云顶科技", "marketing", "error.choice.invalid"),
])
def test_signature_bad_input(services, name, sign_type, key):
    f.set_up(services)
    u = f.user(services)
    with refused(services, key, cls=Invalid):
        services.signatures.apply(u.id, name, sign_type)


@pytest.mark.parametrize("name, sms_type, content, key", [
    ("", "notification", "x", "error.field.required"),
    ("n" * 31, "notification", "x", "error.field.too_long"),
    ("通知", "general", "x", "error.template.type"),
    ("通知", "notification", "", "error.field.required"),
    ("通知", "notification", "x" * 501, "error.field.too_long"),
])
def test_template_bad_input(services, name, sms_type, content, key):
    f.set_up(services)
    u = f.user(services)
    with refused(services, key, cls=Invalid):
        services.templates.apply(u.id, name, sms_type, content)


def test_sync_all_can_be_limited_to_some_applications(db_url, tmp_path, clock, sandbox):
    from smsconsole.cloud.sandbox import client as sandbox_client
    from smsconsole.store.models import SmsType
    from tests.conftest import make_services

    svc = make_services(db_url, tmp_path, clock, sandbox)
    try:
        actor = f.configure_sandbox(svc)
        who = f.user(svc)
        ids = []
        for i in range(2):
            tpl = svc.templates.apply(who.id, f"限定同步{i}", SmsType.NOTIFICATION,
                                      f"您的包裹{i}已到，取件码${{code}}")
            svc.templates.submit(actor, tpl.id)
            ids.append(tpl.id)
        sandbox_client.advance_reviews(sandbox.endpoints, "reject")
        result = svc.templates.sync_all(actor, only=[ids[0]])
        assert (result.checked, result.rejected) == (1, 1)
        statuses = {r.id: r.status for r in svc.templates.page().rows if r.id in ids}
        assert statuses == {ids[0]: ReviewStatus.REJECTED, ids[1]: ReviewStatus.IN_REVIEW}
    finally:
        svc.close()
