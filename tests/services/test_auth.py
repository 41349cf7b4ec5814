from datetime import timedelta

import pytest
from sqlalchemy import select

from smsconsole.services.errors import AuthError, Conflict, Invalid
from smsconsole.store.models import Admin, AdminLog, AliyunAccess, LoginLock, SiteInfo
from tests.factories import PASSWORD, set_up, setup_input
from tests.services.helpers import refused


def test_setup_creates_admin_settings_and_log(services):
    assert not services.auth.is_set_up()
    actor = set_up(services)
    assert services.auth.is_set_up()
    with services.store.read() as s:
        admin = s.scalar(select(Admin))
        assert admin.email == "admin@example.com" and admin.phone == "13800138000"
        assert admin.password_hash != PASSWORD and admin.password_hash.startswith("$argon2")
        access = s.scalar(select(AliyunAccess))
        assert access.access_key_secret_enc and "test-secret-value" not in access.access_key_secret_enc
        assert s.scalar(select(SiteInfo)).company == "云顶短信"
        log = s.scalars(select(AdminLog).where(AdminLog.action == "system.setup")).all()
        assert len(log) == 1 and log[0].admin_id == actor.admin_id
    view = services.settings.access()
    assert view.secret_masked == "********lue"
    assert set(view.scenarios) == {"register", "reset_password", "change_phone"}


def test_setup_twice_is_refused(services):
    set_up(services)
    with refused(services, "error.setup.already_done", cls=Conflict):
        services.auth.setup(setup_input(email="other@example.com", phone="13900139000"))


@pytest.mark.parametrize("fields, key, field", [
    (dict(email="not-an-email"), "error.email.invalid", "email"),
    (dict(phone="12345"), "error.phone.invalid", "phone"),
    (dict(name=""), "error.field.required", "name"),
    (dict(company="x" * 129), "error.field.too_long", "company"),
])
def test_setup_bad_authorization_saves_nothing(services, fields, key, field):
    with refused(services, key, field, cls=Invalid):
        services.auth.setup(setup_input(**fields))
    assert not services.auth.is_set_up()


@pytest.mark.parametrize("password, confirm, key", [
    ("short1", "short1", "error.password.rule"),
    ("onlyletters", "onlyletters", "error.password.rule"),
    ("12345678", "12345678", "error.password.rule"),
    ("Secret#2026pass", "Secret#2026pasz", "error.password.mismatch"),
])
def test_setup_password_rule(services, password, confirm, key):
    data = setup_input()
    data.admin.password, data.admin.password_confirm = password, confirm
    with refused(services, key, cls=Invalid):
        services.auth.setup(data)


def test_setup_bad_access_saves_nothing(services):
    data = setup_input()
    data.access.report_queue = "bad queue name!"
    with refused(services, "error.access.queue_name", "report_queue", cls=Invalid):
        services.auth.setup(data)
    data = setup_input()
    data.access.scenarios["register"].template_code = ""
    with refused(services, "error.field.required", "scenario.register.template_code", cls=Invalid):
        services.auth.setup(data)


def test_login_by_email_or_phone_and_logout(services):
    set_up(services)
    a = services.auth.login("ADMIN@example.com", PASSWORD, origin="10.0.0.5")
    b = services.auth.login("+86 138 0013 8000", PASSWORD)
    assert a.admin_id == b.admin_id and a.origin == "10.0.0.5"
    services.auth.logout(a)
    actions = [e.action for e in services.adminlog.latest(limit=10)]
    assert actions[:3] == ["auth.logout", "auth.login", "auth.login"]


def test_wrong_password_then_lockout_says_until_when(services, clock):
    set_up(services)
    for _ in range(4):
        with pytest.raises(AuthError) as info:
            services.auth.login("admin@example.com", "Wrong1234")
        assert info.value.key == "error.login.failed"
    with pytest.raises(AuthError) as info:
        services.auth.login("admin@example.com", "Wrong1234")
    assert info.value.key == "error.login.locked"
    # 10:00 Shanghai + 15 minutes
    assert info.value.params["until"] == "2026-11-25 10:15"
    assert "10:15" in info.value.message("en") and "10:15" in info.value.message("zh")
    # Locked: even the right password is refused, and says so.
    with pytest.raises(AuthError) as info:
        services.auth.login("admin@example.com", PASSWORD)
    assert info.value.key == "error.login.locked"
    clock.advance(minutes=16)
    assert services.auth.login("admin@example.com", PASSWORD).admin_id
    failed = services.adminlog.latest("auth.login_failed", limit=20)
    assert len(failed) == 6


def test_unknown_login_gives_the_same_message(services):
    set_up(services)
    with pytest.raises(AuthError) as info:
        services.auth.login("nobody@example.com", PASSWORD)
    assert info.value.key == "error.login.failed"


def test_lockout_is_configurable(services, clock):
    actor = set_up(services)
    services.settings.set(actor, "lockout_attempts", "2")
    services.settings.set(actor, "lockout_minutes", "60")
    for _ in range(2):
        with pytest.raises(AuthError):
            services.auth.login("admin@example.com", "Wrong1234")
    with services.store.read() as s:
        lock = s.scalar(select(LoginLock))
        assert lock.locked_until == clock.now() + timedelta(minutes=60)
