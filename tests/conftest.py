"""Shared fixtures: real databases (a SQLite file; PostgreSQL on 127.0.0.1:5432), a fixed
clock, the services, and the sandbox.

PostgreSQL: each test run (each xdist worker) creates its own database and drops it at
the end; each test starts from empty tables. When no server answers, PostgreSQL tests
are skipped with the reason printed — except under CI (``CI=true``), where that is an
error: CI must run them. Override the server with ``SMSCONSOLE_TEST_PG``
(default ``postgresql://postgres@127.0.0.1:5432/test``).
"""

from __future__ import annotations

import base64
import os
import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from smsconsole.clock import FixedClock

# The UI's fixtures (the async test runner, the app's services, the two seeded databases)
# live in tests/app_fixtures.py, shared by tests/screens, tests/widgets and the app's tests.
pytest_plugins = ["tests.app_fixtures"]

PG_ADMIN_URL = os.environ.get("SMSCONSOLE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
# Fixed, so that processes spawned by a test decrypt what the test encrypted.
TEST_SECRET_KEY = base64.urlsafe_b64encode(b"smsconsole-tests-fixed-key-0001!")

# Loopback traffic must never go to a proxy (the Aliyun SDK ignores NO_PROXY).
for _var in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
    os.environ.pop(_var, None)
# The programs the tests start (CLI, worker, the console in a terminal) compile our
# modules once and reuse the bytecode, even where the machine sets this (~0.4 s each).
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)


def pytest_report_header(config):
    return [f"postgres: {PG_ADMIN_URL} (required: {IN_CI})"]


# --- PostgreSQL ------------------------------------------------------------------------

def _pg_available() -> str | None:
    """None when the server answers, else the reason."""
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL.replace("postgresql+psycopg", "postgresql"),
                             connect_timeout=3):
            return None
    except Exception as exc:  # noqa: BLE001
        return f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc) else ''}"


@pytest.fixture(scope="session")
def pg_server():
    reason = _pg_available()
    if reason:
        if IN_CI:
            pytest.fail(f"PostgreSQL is required under CI but does not answer: {reason}")
        pytest.skip(f"PostgreSQL not available at {PG_ADMIN_URL}: {reason}")
    return PG_ADMIN_URL


def _admin_conn():
    import psycopg

    return psycopg.connect(PG_ADMIN_URL, autocommit=True)


def create_pg_database(template: str | None = None) -> str:
    """A new database of this worker's (a copy of ``template`` if given: ``CREATE
    DATABASE … TEMPLATE`` copies files, ~0.2 s); its URL."""
    wid = os.environ.get("PYTEST_XDIST_WORKER", "gw")
    name = f"smsconsole_t_{wid}_{uuid.uuid4().hex[:8]}"
    with _admin_conn() as conn:
        conn.execute(f'CREATE DATABASE "{name}"'
                     + (f' TEMPLATE "{template}"' if template else ""))
        # A test database need not survive a crash of the server: commits do not wait
        # for the WAL to reach the disk (the suite's PostgreSQL tests ran ~15% faster).
        conn.execute(f'ALTER DATABASE "{name}" SET synchronous_commit TO off')
    return f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"


def drop_pg_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    with _admin_conn() as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,)
        )
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


def create_migrated_pg_database() -> str:
    """``create_pg_database`` with the schema migrated to the head; its URL."""
    from smsconsole.store.engine import open_store, upgrade

    url = create_pg_database()
    store = open_store(url)
    upgrade(store)
    store.dispose()
    return url


@pytest.fixture(scope="session")
def pg_database(pg_server, request):
    """A fresh database for this test run, migrated once, dropped at the end."""
    url = create_migrated_pg_database()
    yield url
    drop_pg_database(url)


def _truncate_pg(url: str) -> None:
    """Empty every table and restart the ids. ``DELETE`` (~30 ms for all of them), where
    one ``TRUNCATE`` of every table costs 100–300 ms (new files for each); a table that
    held many rows is truncated, not left full of dead rows for the next test."""
    from sqlalchemy import text
    from sqlmodel import SQLModel

    import smsconsole.store.models  # noqa: F401
    from smsconsole.store.engine import make_engine

    engine = make_engine(url, poolclass=__import__("sqlalchemy.pool").pool.NullPool)
    tables = [t.name for t in SQLModel.metadata.sorted_tables]
    with engine.begin() as conn:
        big = set(conn.execute(text(
            "SELECT relname FROM pg_stat_user_tables WHERE n_live_tup + n_dead_tup > 5000"
        )).scalars())
        if big & set(tables):
            conn.execute(text("TRUNCATE {} RESTART IDENTITY CASCADE".format(
                ", ".join(f'"{name}"' for name in tables if name in big))))
        for name in reversed(tables):  # the referencing before the referenced
            conn.execute(text(f'DELETE FROM "{name}"'))
        conn.execute(text("SELECT setval(oid, 1, false) FROM pg_class WHERE relkind = 'S'"))
    engine.dispose()


# --- SQLite ----------------------------------------------------------------------------

@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A migrated SQLite file, copied for each test (migrating every test is slow)."""
    from smsconsole.store.engine import open_store, upgrade

    path = tmp_path_factory.mktemp("template") / "template.db"
    store = open_store(f"sqlite:///{path}")
    upgrade(store)
    store.dispose()  # the last connection to close checkpoints the WAL into the file
    return path


def fresh_sqlite(template: Path, directory: Path) -> str:
    path = directory / "smsconsole.db"
    shutil.copyfile(template, path)
    return f"sqlite:///{path}"


# --- the database a test runs on --------------------------------------------------------

@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request, tmp_path, sqlite_template) -> str:
    """Each service test runs twice: on a SQLite file and on PostgreSQL."""
    if request.param == "sqlite":
        return fresh_sqlite(sqlite_template, tmp_path)
    url = request.getfixturevalue("pg_database")
    _truncate_pg(url)
    return url


@pytest.fixture
def sqlite_url(tmp_path, sqlite_template) -> str:
    """SQLite only (UI tests and the like)."""
    return fresh_sqlite(sqlite_template, tmp_path)


@pytest.fixture
def clock() -> FixedClock:
    # 2026-11-25 10:00 in Shanghai.
    return FixedClock(datetime(2026, 11, 25, 2, 0, tzinfo=UTC))


def make_services(db_url: str, data_dir: Path, clock, sandbox=None):
    from smsconsole.services import build
    from smsconsole.services.secrets import SecretBox

    services = build(db_url, data_dir, clock, migrate=False, secrets=SecretBox(TEST_SECRET_KEY))
    if sandbox is not None:
        services.ctx.extra["sandbox_endpoints"] = sandbox.endpoints
    return services


@pytest.fixture
def services(db_url, tmp_path, clock):
    svc = make_services(db_url, tmp_path, clock)
    yield svc
    svc.close()


# --- the sandbox ------------------------------------------------------------------------

@pytest.fixture(scope="session")
def sandbox(tmp_path_factory):
    """One cloud sandbox for the session (reports quickly, reviews quickly)."""
    from smsconsole.cloud.sandbox.server import Sandbox

    box = Sandbox(data_dir=tmp_path_factory.mktemp("sandbox"))
    box.start()
    yield box
    box.stop()


@pytest.fixture
def cloud_services(db_url, tmp_path, clock, sandbox):
    """Services configured for the sandbox (AK, scenarios, queues, Alipay)."""
    from tests.factories import configure_sandbox

    svc = make_services(db_url, tmp_path, clock, sandbox)
    configure_sandbox(svc)
    yield svc
    svc.close()
