"""Issue 13 item 4: a lockout that holds under concurrency, per origin, without account
enumeration, and a password rule that refuses the trivial ones."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from smsconsole.services import auth as auth_module
from smsconsole.services.errors import AuthError, Invalid
from smsconsole.store.models import AdminLog, LoginLock
from tests.factories import PASSWORD, set_up, setup_input, user
from tests.services.helpers import refused


def _tried(services) -> int:
    """How many passwords were really checked (failures counted as wrong passwords)."""
    with services.store.read() as s:
        logs = s.scalars(select(AdminLog).where(AdminLog.action == "auth.login_failed")).all()
    return sum('"wrong password"' in e.detail for e in logs)


def test_ten_threads_cannot_try_more_than_the_limit(services):
    set_up(services)
    barrier = threading.Barrier(10)
    outcomes: list[str] = []
    lock = threading.Lock()

    def attack(n: int) -> None:
        barrier.wait()
        for i in range(10):
            try:
                services.auth.login("admin@example.com", f"Wrong{n}x{i}pass", origin="203.0.113.9")
            except AuthError as exc:
                with lock:
                    outcomes.append(exc.key)

    threads = [threading.Thread(target=attack, args=(n,)) for n in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert len(outcomes) == 100
    assert _tried(services) == 5  # the spec's limit: then the lock
    assert outcomes.count("error.login.locked") == 96  # the 5th try says locked, then all
    # Even the right password is refused from there...
    with pytest.raises(AuthError) as info:
        services.auth.login("admin@example.com", PASSWORD, origin="203.0.113.9")
    assert info.value.key == "error.login.locked"
    # ...but the admin is not locked out from elsewhere.
    assert services.auth.login("admin@example.com", PASSWORD, origin="198.51.100.7").admin_id


def test_lock_is_per_origin_with_a_slower_global_limit(services):
    set_up(services)
    for _ in range(5):
        with pytest.raises(AuthError):
            services.auth.login("admin@example.com", "Wrong1234x", origin="203.0.113.1")
    # Locked from there only.
    assert services.auth.login("admin@example.com", PASSWORD, origin="local").admin_id
    # A distributed guesser: 4 failures from each of many places (never an origin lock)
    # reaches the global limit (4 x 5 = 20) and locks every remote origin...
    keys = []
    for n in range(5):
        for _ in range(4):
            with pytest.raises(AuthError) as info:
                services.auth.login("admin@example.com", "Wrong1234x", origin=f"192.0.2.{n}")
            keys.append(info.value.key)
    assert keys[:-1] == ["error.login.failed"] * 19 and keys[-1] == "error.login.locked"
    with pytest.raises(AuthError) as info:
        services.auth.login("admin@example.com", PASSWORD, origin="198.51.100.200")
    assert info.value.key == "error.login.locked"
    # ...but never the machine's own console.
    assert services.auth.login("admin@example.com", PASSWORD, origin="local").admin_id
    with services.store.read() as s:
        origins = {r.origin for r in s.scalars(select(LoginLock))}
    assert "203.0.113.1" in origins and "local" in origins


def test_unknown_account_costs_an_argon2_verification(services, monkeypatch):
    set_up(services)
    calls: list[str] = []
    real = auth_module.verify_password

    def counting(password_hash: str, password: str) -> bool:
        calls.append(password_hash)
        return real(password_hash, password)

    monkeypatch.setattr(auth_module, "verify_password", counting)
    with pytest.raises(AuthError) as unknown:
        services.auth.login("nobody@example.com", "Wrong1234x", origin="203.0.113.5")
    with pytest.raises(AuthError) as wrong:
        services.auth.login("admin@example.com", "Wrong1234x", origin="203.0.113.5")
    assert unknown.value.key == wrong.value.key == "error.login.failed"
    assert len(calls) == 2
    assert all(h.startswith("$argon2id$") for h in calls)
    # Same parameters (memory, time, parallelism) for the dummy and the real hash.
    assert calls[0].split("$")[3] == calls[1].split("$")[3]


@pytest.mark.parametrize("password, key", [
    ("        1a", "error.password.rule"),
    ("password1", "error.password.rule"),
    ("Secret123", "error.password.rule"),  # 9 characters
    ("aaaaaaaaa1", "error.password.rule"),
    ("Password2026!", "error.password.common"),
    ("qwerty123456", "error.password.common"),
    ("1qaz2wsx3edc", "error.password.common"),
    ("abcdef123456", "error.password.common"),
])
def test_trivial_passwords_are_refused_everywhere(services, password, key):
    data = setup_input()
    data.admin.password = data.admin.password_confirm = password
    with refused(services, key, "password", cls=Invalid):
        services.auth.setup(data)
    set_up(services)
    with refused(services, key, "password", cls=Invalid):
        user(services, password=password)


def test_a_good_password_passes():
    from smsconsole.services import validation as v

    for good in (PASSWORD, "Harbor-Lamp-2026", "MyDog7LikesRain"):
        assert v.password(good) == good
