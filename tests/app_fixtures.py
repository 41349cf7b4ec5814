"""The console's fixtures (a pytest plugin, registered in ``tests/conftest.py``): the
``async def`` test runner, English by default, the app's services on a fresh SQLite file,
and the seeded databases.

Seeded databases, one mechanism: a dataset is built once per test session, through the
services, into a SQLite file (``seeded``), and each test gets services on a fresh copy
of that file (``services_on``) — every test starts from the same data without paying for
the seeding. Two datasets, because their data differ:

- ``seed`` / ``admin_services`` (``tests/seeds/admin.py``): five users, packages, an
  order, signatures and templates in every review state, on the session's sandbox;
- ``data`` / ``psvc`` (``tests/seeds/traffic.py``): two weeks of real sending through
  the SDK, the sandbox and the report worker, on a sandbox of its own with a fixed seed.

The app factory and the helpers tests call are in ``tests/helpers.py``.
"""

from __future__ import annotations

import asyncio
import inspect
import shutil
from datetime import datetime
from pathlib import Path

import pytest

from smsconsole.clock import FixedClock
from smsconsole.i18n import set_lang
from tests.conftest import fresh_sqlite, make_services
from tests.seeds import admin, traffic


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem):
    """Run ``async def`` tests in a fresh event loop (Textual's Pilot needs one; no
    pytest-asyncio in the pinned test dependencies)."""
    if inspect.iscoroutinefunction(pyfuncitem.obj):
        names = pyfuncitem._fixtureinfo.argnames
        kwargs = {name: pyfuncitem.funcargs[name] for name in names}
        asyncio.run(pyfuncitem.obj(**kwargs))
        return True
    return None


@pytest.fixture(autouse=True)
def _english_by_default():
    set_lang("en")
    yield
    set_lang("en")


@pytest.fixture
def ui_services(sqlite_url, tmp_path, clock):
    svc = make_services(sqlite_url, tmp_path, clock)
    yield svc
    svc.close()


# --- seeded databases ----------------------------------------------------------------------


def seeded(tmp_path_factory, sqlite_template, name: str, now: datetime, sandbox, build):
    """Build a dataset once: ``build(services, clock)`` on a fresh migrated SQLite file,
    the clock at ``now``; returns (the file, what ``build`` returned)."""
    directory = tmp_path_factory.mktemp(name)
    url = fresh_sqlite(sqlite_template, directory)
    clock = FixedClock(now)
    services = make_services(url, directory, clock, sandbox)
    try:
        data = build(services, clock)
    finally:
        services.close()
    return directory / "smsconsole.db", data


def services_on(seeded_db, tmp_path: Path, clock, sandbox):
    """Services on a fresh copy of a seeded database (a generator for a fixture)."""
    path = tmp_path / "smsconsole.db"
    shutil.copyfile(seeded_db[0], path)
    services = make_services(f"sqlite:///{path}", tmp_path, clock, sandbox)
    yield services
    services.close()


def own_sandbox(tmp_path_factory, name: str, config: dict | None = None):
    """A sandbox of a dataset's own, running for the session (a fresh state, so the codes
    it gives the dataset do not depend on what other tests did first)."""
    from smsconsole.cloud.sandbox.server import Sandbox

    box = Sandbox(tmp_path_factory.mktemp(name), config=dict(config or {}))
    box.start()
    yield box
    box.stop()


# The admin pages' dataset, on a sandbox of its own: the codes the sandbox gives the
# seed's templates (SMS_2000000nn, shown in tests and snapshots) must not depend on what
# other tests applied to a shared sandbox first (a run failed on SMS_200000003).

@pytest.fixture(scope="session")
def admin_sandbox(tmp_path_factory):
    yield from own_sandbox(tmp_path_factory, "admin-cloud")


@pytest.fixture(scope="session")
def admin_seed(tmp_path_factory, sqlite_template, admin_sandbox):
    return seeded(tmp_path_factory, sqlite_template, "admin-seed", admin.NOW, admin_sandbox,
                  admin.build)


@pytest.fixture
def seed(admin_seed) -> admin.Seed:
    return admin_seed[1]


@pytest.fixture
def admin_services(admin_seed, tmp_path, clock, admin_sandbox):
    """Services on a fresh copy of the admin dataset, wired to its sandbox."""
    yield from services_on(admin_seed, tmp_path, clock, admin_sandbox)


# The data pages' dataset, on a sandbox of its own (a fresh state and a fixed seed: the
# same data every run).

@pytest.fixture(scope="session")
def pages_sandbox(tmp_path_factory):
    yield from own_sandbox(tmp_path_factory, "pages-cloud", traffic.SANDBOX_CONFIG)


@pytest.fixture(scope="session")
def pages_template(tmp_path_factory, sqlite_template, pages_sandbox):
    return seeded(tmp_path_factory, sqlite_template, "pages-data", traffic.NOW, pages_sandbox,
                  lambda services, clock: traffic.build(services, pages_sandbox.endpoints))


@pytest.fixture
def data(pages_template) -> traffic.Dataset:
    return pages_template[1]


@pytest.fixture
def psvc(pages_template, pages_sandbox, tmp_path):
    """Services on a fresh copy of the data pages' dataset, at the dataset's 'now'."""
    yield from services_on(pages_template, tmp_path, FixedClock(traffic.NOW), pages_sandbox)
