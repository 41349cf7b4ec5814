"""Fixtures of the data pages' tests: one sandbox and one dataset for the session (built
through the services, the SDK and the report worker; see ``dataset.py``), copied into a
fresh SQLite file for each test, and the app logged in on it at the shell's size."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from smsconsole.clock import FixedClock
from tests.app_fixtures import SIZE, build_app, log_in, settle
from tests.conftest import make_services
from tests.seeds import traffic as dataset

__all__ = ["SIZE", "open_app", "settle"]


@pytest.fixture(scope="session")
def pages_sandbox(tmp_path_factory):
    """A sandbox of its own (a fresh state and a fixed seed: the same data every run)."""
    from smsconsole.cloud.sandbox.server import Sandbox

    box = Sandbox(tmp_path_factory.mktemp("pages-cloud"), config=dict(dataset.SANDBOX_CONFIG))
    box.start()
    yield box
    box.stop()


@pytest.fixture(scope="session")
def pages_template(tmp_path_factory, sqlite_template, pages_sandbox):
    """The dataset, built once: (SQLite file, Dataset)."""
    directory = tmp_path_factory.mktemp("pages-data")
    path = directory / "smsconsole.db"
    shutil.copyfile(sqlite_template, path)
    svc = make_services(f"sqlite:///{path}", directory, FixedClock(dataset.NOW), pages_sandbox)
    try:
        data = dataset.build(svc, pages_sandbox.endpoints)
    finally:
        svc.close()
    return path, data


@pytest.fixture
def data(pages_template):
    return pages_template[1]


@pytest.fixture
def psvc(pages_template, pages_sandbox, tmp_path):
    """Services on a fresh copy of the dataset, at the dataset's 'now'."""
    path = tmp_path / "smsconsole.db"
    shutil.copyfile(pages_template[0], path)
    svc = make_services(f"sqlite:///{path}", tmp_path, FixedClock(dataset.NOW), pages_sandbox)
    yield svc
    svc.close()


def open_app(services, lang: str = "en", **extra):
    return build_app(services, lang, **extra)


async def open_page(pilot, key: str) -> None:
    """Log in and open a page by its menu key."""
    await settle(pilot)
    await log_in(pilot)
    await pilot.press(key)
    await settle(pilot)


def page_of(app, page_id: str):
    return app.screen.pages[page_id]


def notifications(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


def export_dir(services) -> Path:
    return Path(services.ctx.data_dir) / "exports"


def select_row(page, predicate) -> object:
    """Move the page table's cursor to the first row matching ``predicate``."""
    table = page.table
    for index, row in enumerate(table.rows):
        if predicate(row):
            table.grid.move_cursor(row=index, animate=False)
            table.focus()
            return row
    raise AssertionError("no such row on the page shown")


async def press(pilot, *keys: str) -> None:
    await pilot.press(*keys)
    await settle(pilot)
    await settle(pilot)


def form_error(app, name: str) -> str:
    """The error shown under a field of the open form ("" when none)."""
    from smsconsole.widgets.form_view import FieldRow

    for row in app.screen.query(FieldRow):
        if row.spec.name == name:
            return str(row.query_one(".field--error").render()) if row.has_class(
                "-invalid") else ""
    raise AssertionError(f"no field {name}")
