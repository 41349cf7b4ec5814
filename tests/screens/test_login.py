"""Login (§2.2): wrong password, lockout saying until when, log out back to login."""

from __future__ import annotations

from textual.widgets import Input, Static

from smsconsole.screens.dialogs.confirm import ConfirmDialog
from smsconsole.screens.login import LoginScreen
from smsconsole.shell import MainScreen
from smsconsole.store.models import AdminLog
from tests import factories
from tests.helpers import SIZE, build_app, database_open, log_in, settle


def message(app) -> str:
    return str(app.screen.query_one("#login-message", Static).render())


async def test_wrong_password_gives_the_service_message(ui_services):
    factories.set_up(ui_services)
    app = build_app(ui_services)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        await log_in(pilot, password="Wrong1234")
        assert isinstance(app.screen, LoginScreen)
        assert message(app) == "Wrong login id or password."
        assert app.screen.query_one("#login-password", Input).value == ""
        await log_in(pilot, login="nobody@example.com")
        assert message(app) == "Wrong login id or password."  # no hint which part


async def test_blank_fields_are_asked_for(ui_services):
    factories.set_up(ui_services)
    app = build_app(ui_services)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter", "enter")
        await settle(pilot)
        assert "Enter your email or phone" in message(app)


async def test_lockout_says_until_when(ui_services):
    factories.set_up(ui_services)
    app = build_app(ui_services)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for _ in range(5):
            await log_in(pilot, password="Wrong1234")
        # The clock stands at 10:00 Shanghai; 15 minutes' lock.
        assert "locked until 2026-11-25 10:15" in message(app)
        await log_in(pilot)  # the right password does not help while locked
        assert isinstance(app.screen, LoginScreen)
        assert "locked until 2026-11-25 10:15" in message(app)


async def test_login_by_phone_shows_home_with_company_and_admin(ui_services):
    factories.set_up(ui_services)
    app = build_app(ui_services)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await log_in(pilot, login="13800138000")
        assert isinstance(app.screen, MainScreen)
        assert app.main_screen.current == "home"
        header = str(app.screen.query_one("#header-title", Static).render())
        assert "云顶短信" in header
        assert "管理员" in str(app.screen.query_one("#header-admin", Static).render())


async def test_log_out_asks_then_returns_to_a_fresh_login(ui_services):
    factories.set_up(ui_services)
    app = build_app(ui_services)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await log_in(pilot)
        main = app.screen
        await pilot.press("X")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")  # changed my mind
        await settle(pilot)
        assert app.screen is main
        await pilot.press("X")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        assert app.actor is None and app.main_screen is None
        assert not main.is_attached  # every page and what it cached is gone
        assert "logged out" in message(app)
    from sqlalchemy import select

    with ui_services.store.read() as s:
        actions = list(s.scalars(select(AdminLog.action).order_by(AdminLog.id)))
    assert actions[-2:] == ["auth.login", "auth.logout"]


async def test_database_opened_after_the_first_paint(tmp_path):
    """``run_console``'s path: no services given; the screen is drawn first, the
    services are built in a thread, then login works."""
    from smsconsole.app import make_app
    from smsconsole.config import AppConfig
    from smsconsole.screens.wizard import SetupWizard

    cfg = AppConfig(data_dir=tmp_path, db_url=f"sqlite:///{tmp_path}/fresh.db", lang="en",
                    config_file=tmp_path / "none.toml", refresh_seconds=3600)
    app = make_app(None, cfg, start_worker=False)
    async with app.run_test(size=SIZE) as pilot:
        # No file yet: the wizard, at once, as the App's own screen (drawn a frame
        # sooner than a pushed one).
        assert isinstance(app.screen, SetupWizard) and app.screen_stack == [app.screen]
        await database_open(pilot)
        assert app.services is not None
    app.shutdown()
    app = make_app(None, cfg, start_worker=False)
    async with app.run_test(size=SIZE) as pilot:
        # The file exists, so the login is guessed; nobody is set up: the wizard in its
        # place once the database says so.
        assert isinstance(app.screen, LoginScreen)
        await database_open(pilot)
        assert isinstance(app.screen, SetupWizard) and len(app.screen_stack) == 1
        factories.set_up(app.services)
    app.shutdown()
    app = make_app(None, cfg, start_worker=False)
    async with app.run_test(size=SIZE) as pilot:
        first = app.screen
        assert isinstance(first, LoginScreen) and app.screen_stack == [first]
        await database_open(pilot)
        assert app.screen is first  # the guess was right: the same screen, as typed
        await log_in(pilot)
        assert isinstance(app.screen, MainScreen) and len(app.screen_stack) == 1
        app.logout()
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen) and app.screen is not first
        await log_in(pilot)
        assert isinstance(app.screen, MainScreen) and len(app.screen_stack) == 1
    app.shutdown()


async def test_report_worker_runs_while_logged_in(ui_services, monkeypatch):
    """After login the in-app report worker starts (when the AK has queue names) and
    stops at log out."""
    import smsconsole.services.worker as worker_module

    class Handle:
        stopped = False

        def stop(self) -> None:
            Handle.stopped = True

    started = []
    monkeypatch.setattr(worker_module, "start_in_app",
                        lambda services: started.append(services) or Handle())
    factories.set_up(ui_services)  # queue names configured
    from smsconsole.app import make_app
    from tests.helpers import ui_config

    app = make_app(ui_services, ui_config(ui_services.ctx.data_dir, "sqlite://"),
                   start_worker=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await log_in(pilot)
        assert started == [ui_services] and isinstance(app.report_worker, Handle)
        app.logout()
        await settle(pilot)
        assert Handle.stopped and app.report_worker is None


def _imported_by_the_first_screens(modules: tuple[str, ...]) -> list[str]:
    """Which of ``modules`` a fresh interpreter has loaded once the console's module and
    its first screens (login, wizard) are imported."""
    import json
    import subprocess
    import sys

    code = ("import json, sys, smsconsole.app, smsconsole.screens.login, "
            "smsconsole.screens.wizard;"
            f"print(json.dumps(sorted(m for m in {list(modules)!r} if m in sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    return json.loads(out)


def test_the_console_module_leaves_the_database_layer_for_later():
    """The login screen is drawn before SQLAlchemy/SQLModel are imported (start-up)."""
    assert _imported_by_the_first_screens(
        ("sqlalchemy", "sqlmodel", "smsconsole.services", "smsconsole.store")) == []


def test_the_first_screens_leave_the_pages_and_their_table_for_later():
    """The wizard imported the pages' base (and its table, ~13 ms) for ``run_in_thread``
    alone; the first screens take it from ``screens/threads.py``."""
    assert _imported_by_the_first_screens(
        ("smsconsole.screens.base", "smsconsole.widgets.paged_table", "smsconsole.shell")) == []


async def test_the_collector_paused_for_start_up_is_back_on_after_the_first_frame(tmp_path):
    """``smsconsole`` pauses the garbage collector for its start-up (~15 ms of collections
    in a ~300 ms launch); the App turns it back on once the first frame is drawn."""
    import gc

    from smsconsole.app import make_app
    from smsconsole.config import AppConfig

    cfg = AppConfig(data_dir=tmp_path, db_url=f"sqlite:///{tmp_path}/fresh.db", lang="en",
                    config_file=tmp_path / "none.toml", refresh_seconds=3600)
    gc.disable()
    try:
        app = make_app(None, cfg, start_worker=False)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            assert app.first_frame_drawn and gc.isenabled()
        app.shutdown()
    finally:
        gc.unfreeze()  # what the App froze is this test process's: back in sight
        gc.enable()
