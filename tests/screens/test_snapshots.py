"""Snapshots (one terminal size, fixed clock, seeded database, no live times) of every
wizard step, the login screen and home, in both languages.

Update after a reviewed change with ``pytest tests/screens/test_snapshots.py --snapshot-update``
and look at ``snapshot_report.html``.
"""

from __future__ import annotations

import pytest
from textual.widgets import Input

from tests import factories
from tests.helpers import SIZE, build_app, log_in, settle, still_cursors
from tests.screens.test_wizard import STEP1, STEP2, STEP3
from tests.seeds.shell import seed_shell

LANGS = ["en", "zh"]




@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("step", [1, 2, 3, 4])
def test_wizard_step(snap_compare, ui_services, lang, step):
    app = build_app(ui_services, lang)

    async def run_before(pilot) -> None:
        await settle(pilot)
        for values in (STEP1, STEP2, STEP3)[: step - 1]:
            app.screen.form().set_values(values)
            await pilot.press("ctrl+n")
            await settle(pilot)
        assert app.screen.step == step - 1
        await still_cursors(pilot)
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


@pytest.mark.parametrize("lang", LANGS)
def test_wizard_errors(snap_compare, ui_services, lang):
    app = build_app(ui_services, lang)

    async def run_before(pilot) -> None:
        await settle(pilot)
        app.screen.form().set_values({**STEP1, "email": "admin@", "name": ""})
        await pilot.press("ctrl+n")
        await settle(pilot)
        app.screen.form().set_values({"name": "Zhang San"})
        await pilot.press("ctrl+n")
        await settle(pilot)
        await still_cursors(pilot)
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


@pytest.mark.parametrize("lang", LANGS)
def test_login(snap_compare, ui_services, lang):
    factories.set_up(ui_services)
    app = build_app(ui_services, lang)

    async def run_before(pilot) -> None:
        await settle(pilot)
        app.screen.query_one("#login-id", Input).value = "admin@example.com"
        app.screen.query_one("#login-password", Input).value = "nope1234"
        app.screen.query_one("#login-password", Input).focus()
        await pilot.press("enter")
        await settle(pilot)
        await still_cursors(pilot)
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


@pytest.mark.parametrize("lang", LANGS)
def test_home(snap_compare, ui_services, lang):
    seed_shell(ui_services)
    app = build_app(ui_services, lang)

    async def run_before(pilot) -> None:
        await settle(pilot)
        await log_in(pilot)
        await settle(pilot)
        await still_cursors(pilot)
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


NARROW = (80, 24)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("view", ["home", "finance", "statistics", "package_form"])
def test_narrow(snap_compare, ui_services, lang, view):
    """80×24 (issue 18, item 7): the menu narrows, numbers are never cut, list columns
    give way whole (the status line says how many), the counts wrap."""
    seed_shell(ui_services)
    app = build_app(ui_services, lang)

    async def run_before(pilot) -> None:
        await settle(pilot)
        await log_in(pilot)
        await settle(pilot)
        key = {"finance": "7", "statistics": "0", "package_form": "5"}.get(view)
        if key:
            await pilot.press(key)
            await settle(pilot)
        if view == "package_form":
            await pilot.press("n")
            await settle(pilot)
        await still_cursors(pilot)
        await pilot.pause()

    assert snap_compare(app, terminal_size=NARROW, run_before=run_before)
