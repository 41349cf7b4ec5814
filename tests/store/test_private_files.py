"""Issue 13 item 8: the data dir is 0700, the database, its WAL, the key and exports are
0600; a second data dir on a set-up PostgreSQL database refuses before writing a key."""

from __future__ import annotations

import os
import stat

import pytest

from smsconsole.services import build
from smsconsole.services.errors import Conflict
from smsconsole.services.exports import ExportFilter
from tests.factories import set_up


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def usual_umask():
    """The common umask (022), under which files were created 0644."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_data_dir_database_key_and_exports_are_private(tmp_path, monkeypatch, clock):
    monkeypatch.delenv("SMSCONSOLE_SECRET_KEY", raising=False)
    data = tmp_path / "data"
    db = data / "smsconsole.db"
    svc = build(f"sqlite:///{db}", data, clock)
    try:
        set_up(svc)  # writes: the WAL and shared-memory files exist now
        svc.exports.export("admin-log", data / "log.csv", "csv", ExportFilter())
        svc.exports.export("admin-log", data / "log.xlsx", "xlsx", ExportFilter())
        assert _mode(data) == 0o700
        for name in ("smsconsole.db", "smsconsole.db-wal", "smsconsole.db-shm", "secret.key",
                     "log.csv", "log.xlsx"):
            assert (data / name).exists(), name
            assert _mode(data / name) == 0o600, name
    finally:
        svc.close()


def test_an_existing_world_readable_database_is_tightened(tmp_path, monkeypatch, clock):
    monkeypatch.delenv("SMSCONSOLE_SECRET_KEY", raising=False)
    data = tmp_path / "old"
    data.mkdir(mode=0o755)
    data.chmod(0o755)
    db = data / "smsconsole.db"
    db.touch()
    db.chmod(0o644)
    svc = build(f"sqlite:///{db}", data, clock)
    svc.close()
    assert _mode(data) == 0o700 and _mode(db) == 0o600


@pytest.mark.postgres
def test_second_data_dir_on_a_set_up_postgres_refuses_before_writing_a_key(
        pg_database, tmp_path, monkeypatch, clock):
    from tests.conftest import _truncate_pg

    monkeypatch.delenv("SMSCONSOLE_SECRET_KEY", raising=False)
    _truncate_pg(pg_database)
    first = build(pg_database, tmp_path / "one", clock)
    try:
        set_up(first)
    finally:
        first.close()
    with pytest.raises(Conflict) as info:
        build(pg_database, tmp_path / "two", clock)
    assert info.value.key == "error.secret.key_missing"
    assert "secret.key" in info.value.message("en")
    assert not (tmp_path / "two" / "secret.key").exists()
    # A read-only command there (export) works, and still writes no key.
    from smsconsole.services import build_read_only

    reader = build_read_only(pg_database, tmp_path / "two", clock)
    try:
        assert reader.auth.is_set_up()
        reader.exports.export("admin-log", tmp_path / "log.csv", "csv", ExportFilter())
    finally:
        reader.close()
    assert not (tmp_path / "two" / "secret.key").exists()
    # The first data dir still works, with its own key.
    again = build(pg_database, tmp_path / "one", clock)
    again.close()
