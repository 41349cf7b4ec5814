"""Customers' AccessKeys: issued once, encrypted at rest, disabled/enabled/deleted, every
change in the admin log; the CLI as cli.md says."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from sqlalchemy import select

from smsconsole.services.errors import Invalid, NotFound
from smsconsole.store.models import AdminLog, CustomerKey, KeyStatus
from tests import factories as f
from tests.conftest import TEST_SECRET_KEY
from tests.services.helpers import refused


@pytest.fixture
def admin(services):
    return f.set_up(services)


def test_create_shows_the_secret_once_and_stores_it_encrypted(services, admin):
    u = f.user(services)
    issued = services.keys.create(admin, u.id)
    assert issued.key.access_key_id.startswith("SMSC") and len(issued.secret) == 30
    with services.store.read() as s:
        row = s.scalar(select(CustomerKey))
        assert issued.secret not in row.secret_enc
        assert services.ctx.secrets.decrypt(row.secret_enc) == issued.secret
        log = s.scalars(select(AdminLog).where(AdminLog.action == "gateway.key_create")).one()
        assert issued.secret not in log.detail and issued.key.access_key_id in log.detail
    views = services.keys.list(u.id)
    assert [v.access_key_id for v in views] == [issued.key.access_key_id]
    assert not any(hasattr(v, "secret") for v in views)
    assert services.keys.auth(issued.key.access_key_id).secret == issued.secret


def test_disable_enable_delete_each_logged(services, admin):
    u = f.user(services)
    ak = services.keys.create(admin, u.id).key.access_key_id
    assert services.keys.disable(admin, ak).status == KeyStatus.DISABLED
    assert services.keys.auth(ak).enabled is False
    assert services.keys.enable(admin, ak).status == KeyStatus.ENABLED
    services.keys.delete(admin, ak)
    assert services.keys.auth(ak) is None and services.keys.list(u.id) == []
    with services.store.read() as s:
        actions = [a.action for a in s.scalars(select(AdminLog).order_by(AdminLog.id))
                   if a.action.startswith("gateway.")]
    assert actions == ["gateway.key_create", "gateway.key_disable", "gateway.key_enable",
                       "gateway.key_delete"]


def test_bad_input_changes_nothing(services, admin):
    u = f.user(services)
    with refused(services, "error.gateway.key_not_found", cls=NotFound):
        services.keys.disable(admin, "SMSCnope")
    with refused(services, "error.user.not_found", cls=NotFound):
        services.keys.create(admin, 99999)
    with refused(services, "error.gateway.callback_url", "report_url", cls=Invalid):
        services.keys.set_callbacks(admin, u.id, "ftp://x/y", "")
    with refused(services, "error.gateway.callback_url", "reply_url", cls=Invalid):
        services.keys.set_callbacks(admin, u.id, "", "http://x/\x00")
    with refused(services, "error.number.not_positive", "qps", cls=Invalid):
        services.keys.set_qps(admin, u.id, "-3")


def test_qps_default_from_the_setting_and_per_customer_override(services, admin):
    u = f.user(services)
    assert services.keys.qps_for(u.id) == 5000
    services.settings.set(admin, "gateway_qps", "300")
    assert services.keys.qps_for(u.id) == 300
    services.keys.set_qps(admin, u.id, 7)
    assert services.keys.qps_for(u.id) == 7
    services.keys.set_qps(admin, u.id, "")
    assert services.keys.qps_for(u.id) == 300


def test_nonces_are_single_use_across_service_instances(services):
    from smsconsole.services.access_keys import AccessKeyService

    other = AccessKeyService(services.ctx)  # another process would share only the DB
    assert services.keys.use_nonce("n1", "AK") is True
    assert other.use_nonce("n1", "AK") is False
    assert other.use_nonce("n1", "AK2") is True


def test_a_nonce_older_than_15_minutes_nobody_swept_is_taken_again(services):
    clock = services.ctx.clock
    assert services.keys.use_nonce("n1", "AK") is True
    clock.advance(minutes=14)
    assert services.keys.use_nonce("n1", "AK") is False
    clock.advance(minutes=2)
    assert services.keys.use_nonce("n1", "AK") is True  # the old row, taken over
    assert services.keys.use_nonce("n1", "AK") is False  # and it counts from now


def _cli_env(data_dir, db_url) -> dict:
    return dict(SMSCONSOLE_DATA_DIR=str(data_dir), SMSCONSOLE_DB_URL=db_url,
                SMSCONSOLE_LANG="en", SMSCONSOLE_SECRET_KEY=TEST_SECRET_KEY.decode())


def cli(args, data_dir, db_url):
    """The command in a process of its own."""
    return subprocess.run([sys.executable, "-m", "smsconsole", *args], capture_output=True,
                          text=True, env=dict(os.environ, **_cli_env(data_dir, db_url)),
                          timeout=120)


@pytest.fixture
def cli_here(monkeypatch, capsys):
    """The command's ``main`` in this process (a process costs ~1.5 s of imports), with
    what it printed and its exit code, as ``cli`` gives them."""
    from types import SimpleNamespace

    from smsconsole.cli import main

    def run(args, data_dir, db_url):
        for name, value in _cli_env(data_dir, db_url).items():
            monkeypatch.setenv(name, value)
        capsys.readouterr()
        code = main(list(args))
        printed = capsys.readouterr()
        return SimpleNamespace(returncode=code, stdout=printed.out, stderr=printed.err)

    return run


def test_cli_keys(services, admin, db_url, tmp_path, cli_here):
    u = f.user(services)
    out = cli(["keys", "create", u.email], tmp_path, db_url)
    assert out.returncode == 0, out.stderr
    lines = dict(line.split(" ", 1) for line in out.stdout.splitlines())
    ak, secret = lines["access-key-id"], lines["access-key-secret"]
    # Read fresh each time: the service caches a key's state for AUTH_TTL seconds, and
    # the CLI changes it in another process.
    def auth():
        from smsconsole.services.access_keys import AccessKeyService

        return AccessKeyService(services.ctx).auth(ak)

    assert auth().secret == secret
    listed = cli_here(["keys", "list", u.account], tmp_path, db_url)
    assert listed.returncode == 0 and ak in listed.stdout and "enabled" in listed.stdout
    assert secret not in listed.stdout and "never" in listed.stdout
    assert cli_here(["keys", "disable", ak], tmp_path, db_url).returncode == 0
    assert auth().enabled is False
    assert cli_here(["keys", "enable", ak], tmp_path, db_url).returncode == 0
    assert cli_here(["keys", "delete", ak], tmp_path, db_url).returncode == 0
    assert auth() is None
    with services.store.read() as s:
        origins = {a.origin for a in s.scalars(select(AdminLog).where(
            AdminLog.action.like("gateway.%")))}
    assert origins and all(o.startswith("shell") for o in origins)
    bad = cli_here(["keys", "disable", "SMSCnope"], tmp_path, db_url)
    assert bad.returncode == 1 and bad.stderr.count("\n") == 1 and "Traceback" not in bad.stderr
    nobody = cli_here(["keys", "create", "nobody@example.com"], tmp_path, db_url)
    assert nobody.returncode == 1 and "nobody@example.com" in nobody.stderr


def test_the_console_form_reports_every_bad_field_at_once(services, admin):
    """Both callback URLs and the QPS limit are checked together (issue 18, item 10)."""
    from smsconsole.services.errors import InvalidFields

    u = f.user(services)
    with pytest.raises(InvalidFields) as got:
        services.keys.set_gateway(admin, u.id, "ftp://x/y", "http://x/\x00", "-3")
    assert [e.field for e in got.value.errors] == ["report_url", "reply_url", "qps"]
    assert services.keys.customer(u.id).report_url == ""
