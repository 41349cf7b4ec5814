import subprocess
import sys
from datetime import datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlmodel import SQLModel

import smsconsole.store.models  # noqa: F401
from smsconsole.store.engine import current_revision, open_store, upgrade
from smsconsole.store.models import Admin


def head() -> str:
    """The newest migration (the lead re-chains each branch's at merge)."""
    from alembic.script import ScriptDirectory

    from smsconsole.store.engine import alembic_config

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def test_migrations_match_the_models(db_url):
    """The migrations build exactly the schema the models describe."""
    store = open_store(db_url)
    try:
        assert current_revision(store) == head()
        with store.engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(ctx, SQLModel.metadata) == []
    finally:
        store.dispose()


def test_upgrade_is_idempotent_on_a_fresh_file(tmp_path):
    url = f"sqlite:///{tmp_path / 'new' / 'x.db'}"
    store = open_store(url)
    upgrade(store)
    upgrade(store)
    assert current_revision(store) == head()
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10000
    store.dispose()


def test_naive_datetimes_are_refused(sqlite_url):
    store = open_store(sqlite_url)
    with pytest.raises(Exception, match="naive"):
        with store.session() as s:
            s.add(Admin(name="a", email="a@b.cn", phone="13800000000", password_hash="x",
                        created_at=datetime(2026, 1, 1)))
    store.dispose()


def test_times_come_back_aware_utc(db_url):
    from datetime import UTC, timedelta, timezone

    store = open_store(db_url)
    shanghai = timezone(timedelta(hours=8))
    with store.session() as s:
        s.add(Admin(name="a", email="a@b.cn", phone="13800000000", password_hash="x",
                    created_at=datetime(2026, 1, 1, 8, 0, tzinfo=shanghai)))
    with store.read() as s:
        got = s.execute(text("SELECT 1")).scalar()
        admin = s.query(Admin).one()
    assert got == 1
    assert admin.created_at == datetime(2026, 1, 1, 0, 0, tzinfo=UTC)
    assert admin.created_at.tzinfo is not None
    store.dispose()


def test_no_textual_import_below_services_and_store():
    """services/ and store/ (and the cloud adapters) never import Textual."""
    code = (
        "import sys, pkgutil, importlib, smsconsole.services, smsconsole.store, smsconsole.cloud\n"
        "for pkg in (smsconsole.services, smsconsole.store):\n"
        "    for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):\n"
        "        if '.migrations' in m.name: continue\n"
        "        importlib.import_module(m.name)\n"
        "bad = [m for m in sys.modules if m == 'textual' or m.startswith('textual.')]\n"
        "print('TEXTUAL' if bad else 'CLEAN')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "CLEAN", out.stdout + out.stderr


def test_repr_never_shows_secrets():
    from cryptography.fernet import Fernet

    from smsconsole.cloud.types import AliyunSettings
    from smsconsole.services.secrets import SecretBox, mask

    s = AliyunSettings(access_key_id="AKID", access_key_secret="very-secret-value")
    assert "very-secret" not in repr(s)
    box = SecretBox(Fernet.generate_key())
    assert "very-secret" not in repr(box)
    token = box.encrypt("very-secret-value")
    assert "very-secret" not in token and box.decrypt(token) == "very-secret-value"
    assert mask("very-secret-value") == "********lue" and mask("short") == "********"


def test_secret_key_file_is_private(tmp_path):
    import os
    import stat

    from smsconsole.services.secrets import SecretBox

    box = SecretBox.for_data_dir(tmp_path, env={})
    mode = stat.S_IMODE(os.stat(tmp_path / "secret.key").st_mode)
    assert mode == 0o600
    again = SecretBox.for_data_dir(tmp_path, env={})
    assert again.decrypt(box.encrypt("x1")) == "x1"
