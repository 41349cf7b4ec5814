import json

import pytest

from smsconsole.services.errors import Conflict, Invalid, NotFound
from smsconsole.services.users import Registration, UserFilter, UserUpdate
from smsconsole.store.models import SmsType, UserStatus
from tests import factories as f
from tests.services.helpers import refused


def test_register_and_list_with_remaining_quota(services):
    actor = f.set_up(services)
    u1 = f.user(services, account="alice", name="爱丽丝", phone="13911112222")
    u2 = f.user(services, account="bob", name="Bob", company="鲍勃科技")
    f.quota(services, actor, u1.id, 500, SmsType.NOTIFICATION)
    f.quota(services, actor, u1.id, 200, SmsType.PROMOTION)
    page = services.users.page()
    assert [r.account for r in page.rows] == ["bob", "alice"]  # newest first (same time: id)
    alice = page.rows[1]
    assert alice.remaining[SmsType.NOTIFICATION] == 500
    assert alice.remaining[SmsType.PROMOTION] == 200
    assert alice.remaining[SmsType.VERIFICATION] == 0
    assert services.users.page(UserFilter(search="1391111")).rows[0].id == u1.id
    assert services.users.page(UserFilter(search="鲍勃")).rows[0].id == u2.id
    assert [u.account for u in services.users.search("ali")] == ["alice"]


def test_paging_is_keyset_and_stable(services, clock):
    f.set_up(services)
    for _ in range(7):
        f.user(services)
        clock.advance(seconds=1)
    first = services.users.page(limit=3)
    second = services.users.page(cursor=first.last, limit=3)
    third = services.users.page(cursor=second.last, limit=3)
    ids = [r.id for r in first.rows + second.rows + third.rows]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 7
    assert first.has_next and second.has_next and not third.has_next
    back = services.users.page(cursor=second.first, limit=3, backward=True)
    assert [r.id for r in back.rows] == [r.id for r in first.rows]


@pytest.mark.parametrize("fields, key, field", [
    (dict(phone="1234"), "error.phone.invalid", "phone"),
    (dict(account=""), "error.field.required", "account"),
    (dict(account="a b c"), "error.user.account_format", "account"),
    (dict(name="x" * 65), "error.field.too_long", "name"),
    (dict(email="nope"), "error.email.invalid", "email"),
    (dict(password="short"), "error.password.rule", "password"),
])
def test_register_bad_input(services, fields, key, field):
    f.set_up(services)
    data = dict(account="carol", name="Carol", phone="13700001111", password=f.PASSWORD)
    data.update(fields)
    with refused(services, key, field, cls=Invalid):
        services.users.register(Registration(**data))


def test_register_duplicates_refused(services):
    f.set_up(services)
    f.user(services, account="dave", phone="13700002222")
    with refused(services, "error.user.account_taken", cls=Conflict):
        f.user(services, account="dave")
    with refused(services, "error.user.phone_taken", cls=Conflict):
        f.user(services, phone="+8613700002222")


def test_update_logs_old_and_new(services):
    actor = f.set_up(services)
    u = f.user(services, name="旧名")
    services.users.update(actor, u.id, UserUpdate(name="新名", max_signatures="8",
                                                  max_templates=20))
    row = services.users.row(u.id)
    assert (row.name, row.max_signatures, row.max_templates) == ("新名", 8, 20)
    entry = services.adminlog.latest("user.update", limit=1)[0]
    detail = json.loads(entry.detail)
    assert detail["name"] == ["旧名", "新名"] and detail["max_signatures"] == [5, 8]
    assert entry.target == u.account and entry.admin_id == actor.admin_id


@pytest.mark.parametrize("update, key", [
    (UserUpdate(max_signatures=-1), "error.number.not_positive"),
    (UserUpdate(max_templates=1.5), "error.number.not_integer"),
    (UserUpdate(max_templates="ten"), "error.number.not_integer"),
    (UserUpdate(name=""), "error.field.required"),
    (UserUpdate(phone="000"), "error.phone.invalid"),
])
def test_update_bad_input(services, update, key):
    actor = f.set_up(services)
    u = f.user(services)
    with refused(services, key, cls=Invalid):
        services.users.update(actor, u.id, update)


def test_unknown_user(services):
    actor = f.set_up(services)
    with refused(services, "error.user.not_found", cls=NotFound):
        services.users.update(actor, 9999, UserUpdate(name="x"))
    with refused(services, "error.user.not_found", cls=NotFound):
        services.users.freeze(actor, 9999, "reason")


def test_freeze_and_restore(services):
    actor = f.set_up(services)
    u = f.user(services)
    services.users.freeze(actor, u.id, "欠费")
    row = services.users.row(u.id)
    assert row.status == UserStatus.FROZEN and row.freeze_reason == "欠费"
    with refused(services, "error.user.already_frozen", cls=Conflict):
        services.users.freeze(actor, u.id, "again")
    other = f.user(services)
    with refused(services, "error.field.required", "reason", cls=Invalid):
        services.users.freeze(actor, other.id, "  ")
    services.users.restore(actor, u.id)
    assert services.users.row(u.id).status == UserStatus.NORMAL
    with refused(services, "error.user.not_frozen", cls=Conflict):
        services.users.restore(actor, u.id)
    actions = [e.action for e in services.adminlog.latest(limit=2)]
    assert actions == ["user.restore", "user.freeze"]
