"""Home's report-worker line right after login and after logging back in (issue 18,
item 12)."""

from __future__ import annotations

from datetime import timedelta

from smsconsole.i18n import t
from smsconsole.screens.home import worker_summary
from smsconsole.store.models import WorkerStatus
from tests import factories
from tests.helpers import SIZE, log_in, settle


def _row(worker_id, day, beat_at, reports, replies, stopped):
    return WorkerStatus(worker_id=worker_id, started_at=beat_at, beat_at=beat_at, day=day,
                        reports_today=reports, replies_today=replies, kept_aside=0,
                        error="", stopped=stopped)


def test_todays_counts_survive_a_new_login(clock):
    """A worker stopped at log out counted 40 reports today; the one started at the next
    login has counted 2 so far: today is 42, not 2."""
    now = clock.now()
    today = clock.today()
    rows = [_row("new", today, now, 2, 1, False),
            _row("old", today, now - timedelta(minutes=5), 40, 3, True),
            _row("yesterday", today - timedelta(days=1), now - timedelta(days=1), 900, 9, True)]
    state, text = worker_summary(rows, 0, 0, now)
    assert state == "ok"
    assert t("worker.running", n=1, last="—", reports="42", replies="4") in text


async def test_home_shows_the_worker_as_soon_as_it_starts(ui_services, monkeypatch):
    """With home's own refresh an hour away, home says "running" once the in-app worker
    has started (its queues are unreachable here: its polls fail, it still runs)."""
    import smsconsole.services.worker as worker_module
    from smsconsole.app import make_app
    from tests.helpers import ui_config

    monkeypatch.setattr(worker_module, "IN_APP_START_DELAY", 0.0)
    factories.set_up(ui_services)  # queue names configured
    app = make_app(ui_services, ui_config(ui_services.ctx.data_dir, "sqlite://"),
                   start_worker=True)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await log_in(pilot)
            running = t("worker.running", n=1, last="—", reports="0", replies="0")
            line = ""
            for _ in range(50):  # bounded: up to ~5 s
                await pilot.pause(0.1)
                line = str(app.screen.query_one("#status-line").render())
                if line.startswith(running.split("·")[0].strip()) and "(1)" in line:
                    break
            assert "(1)" in line, line
            app.logout()
            await settle(pilot)
    finally:
        handle = app.report_worker
        if handle is not None:
            handle.stop()


async def test_home_draws_the_numbers_read_while_the_login_was_typed(ui_services, monkeypatch):
    """Start-up reads the dashboard while the admin types (the app's head start): home's
    first draw shows those numbers, and reads them again only once they are older than
    the refresh interval (issue 19: enter to home drawn with its numbers)."""
    import time

    from tests.helpers import build_app

    factories.set_up(ui_services)
    early = ui_services.stats.dashboard()
    reads: list[int] = []
    real = ui_services.stats.dashboard
    monkeypatch.setattr(ui_services.stats, "dashboard",
                        lambda *a, **k: reads.append(1) or real(*a, **k))
    app = build_app(ui_services)
    app._early_dashboard = (early, time.monotonic())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await log_in(pilot)
        home = app.main_screen.pages["home"]
        assert home.dashboard is early
        assert reads == []
        assert app.take_early_dashboard() is None  # used once
