"""What the console's tests (tests/screens, tests/widgets, tests/test_app*.py) share: the
app factory, one terminal size, and the helpers that drive the app through Pilot and read
what it shows. One name, one signature each; the fixtures (the app's services, the seeded
databases) are in ``tests/app_fixtures.py``, the seed data in ``tests/seeds/``.
"""

from __future__ import annotations

import html
import io
import json
import re
import time
from dataclasses import dataclass
from pathlib import Path

from rich.cells import cell_len
from rich.console import Console
from sqlalchemy import func, select
from textual.worker import WorkerCancelled

from smsconsole.config import AppConfig
from smsconsole.screens import MENU

SIZE = (120, 36)

# page id -> its menu key.
PAGE_KEYS = {item.id: item.key for item in MENU}


# --- the app ------------------------------------------------------------------------------


def ui_config(tmp_path: Path, db_url: str, lang: str = "en", **extra) -> AppConfig:
    cfg = AppConfig(data_dir=tmp_path, db_url=db_url, lang=lang,
                    config_file=tmp_path / "config.toml", refresh_seconds=3600)
    for key, value in extra.items():
        setattr(cfg, key, value)
    return cfg


def build_app(services, lang: str = "en", actor=None, **extra):
    """The app as the command builds it, on the test's services (no report worker).

    With ``actor``, ``open_page`` logs that admin in directly (no password screen);
    without, it logs in through the login screen as the seeded admin."""
    from smsconsole.app import make_app

    data_dir = Path(services.ctx.data_dir)
    cfg = ui_config(data_dir, str(services.store.engine.url), lang, **extra)
    app = make_app(services, cfg, clock=services.ctx.clock, start_worker=False)
    app.animation_level = "none"
    app._test_actor = actor
    return app


# --- waiting ------------------------------------------------------------------------------


async def workers_done(app) -> None:
    """``app.workers.wait_for_complete()``, but a worker cancelled on the way is done too:
    a dialog closed by its own worker's callback takes the worker with it (Textual cancels
    a removed screen's workers), and whether the worker's task had seen its thread finish
    by then is a race. A worker that failed still raises."""
    for worker in list(app.workers):
        try:
            await worker.wait()
        except WorkerCancelled:
            pass


async def settle(pilot, rounds: int = 6) -> None:
    """Let workers finish and their results land (thread workers call back to the UI,
    which may start more work: repeat until nothing runs)."""
    app = pilot.app
    for _ in range(rounds):
        await workers_done(app)
        await pilot.pause()
        if not any(worker.is_running for worker in app.workers):
            return


async def database_open(pilot, seconds: float = 30.0) -> None:
    """Wait until ``run_console``'s services are built (in a thread started once the
    first frame is drawn: on a busy machine that is later than a few pauses), then
    ``settle``."""
    app = pilot.app
    deadline = time.monotonic() + seconds
    while app.services is None and time.monotonic() < deadline:
        await pilot.pause(0.05)
    await settle(pilot)


async def quiet(pilot, rounds: int = 5) -> None:
    """Like ``settle``, but done as soon as a round started no worker (each pause costs a
    few frames, and the tests press many keys)."""
    app = pilot.app
    for _ in range(rounds):
        before = [w for w in app.workers if not w.is_finished]
        await workers_done(app)
        await pilot.pause()
        if not before and all(w.is_finished for w in app.workers):
            return


# --- driving the app ----------------------------------------------------------------------


class Text(str):
    """Text to type in one go (see ``press``)."""


async def still_cursors(pilot) -> None:
    """Text cursors shown and not blinking, for a snapshot. A blink tick already under
    way when the blink stops can still hide the cursor (seen: signatures-reject-en
    without its cursor cell once in two runs), so after a pause the focused field's
    cursor is shown again (Textual has no public call for it)."""
    fields = [w for screen in pilot.app.screen_stack for w in screen.query("Input, TextArea")]
    for widget in fields:
        widget.cursor_blink = False
    await pilot.pause()
    for widget in fields:
        if widget.has_focus:
            widget._cursor_visible = True
    await pilot.pause()


async def press(pilot, *keys: str) -> None:
    """Press keys and wait until their work is done (``quiet``: one more ``settle`` after
    it changes how the signatures' reject dialog is drawn); a ``Text("…")`` among them is typed
    into the focused input at once (Pilot spends ~70 ms a key waiting for idle; typing is
    not what these tests test)."""
    for key in keys:
        if isinstance(key, Text):
            focused = pilot.app.focused
            if hasattr(focused, "insert_text_at_cursor"):
                focused.insert_text_at_cursor(str(key))
            else:  # a TextArea
                focused.insert(str(key))
            await pilot.pause()
        else:
            await pilot.press(key)
    await quiet(pilot)


async def type_into(pilot, text: str) -> None:
    """Type into the focused input (non-ASCII through the input's own API)."""
    if text.isascii():
        await pilot.press(*text)
    else:
        pilot.app.focused.insert_text_at_cursor(text)
        await pilot.pause()


async def log_in(pilot, login: str = "admin@example.com", password: str = "Secret#2026pass") -> None:
    """Log in through the login screen."""
    from textual.widgets import Input

    screen = pilot.app.screen
    screen.query_one("#login-id", Input).value = login
    screen.query_one("#login-password", Input).value = password
    screen.query_one("#login-password", Input).focus()
    await pilot.press("enter")
    await settle(pilot)


async def open_page(pilot, page_id: str):
    """Log in (directly as the app's ``actor`` when ``build_app`` was given one, else
    through the login screen) and open a page by its menu key; returns the page once its
    first data arrived."""
    app = pilot.app
    await settle(pilot)
    if app.main_screen is None:
        if app._test_actor is not None:
            app.logged_in(app._test_actor)
            await settle(pilot)
        else:
            await log_in(pilot)
    await pilot.press(PAGE_KEYS[page_id])
    await settle(pilot)
    assert app.main_screen.current == page_id
    return page_of(app, page_id)


def page_of(app, page_id: str):
    """A page of the main screen (opened before)."""
    return app.main_screen.pages[page_id]


async def select_row(pilot, page, predicate) -> object:
    """Move the cursor of the page's table to the first row matching ``predicate``."""
    from smsconsole.widgets.paged_table import PagedTable

    table = page.query_one(PagedTable)
    for index, row in enumerate(table.rows):
        if predicate(row):
            table.grid.move_cursor(row=index, animate=False)
            table.grid.focus()
            await pilot.pause()
            return row
    raise AssertionError("no such row: " + ", ".join(map(str, table.rows)))


async def fill(pilot, values: dict) -> None:
    """Set fields of the form on top (CJK text cannot be typed by Pilot)."""
    from smsconsole.widgets.form_view import FormView

    pilot.app.screen.query_one(FormView).set_values(values)
    await pilot.pause()


# --- reading what the app shows -----------------------------------------------------------


def field_error(app, name: str) -> str:
    """The error shown under a field of the screen on top ("" when none)."""
    from smsconsole.widgets.form_view import FieldRow

    for row in app.screen.query(FieldRow):
        if row.spec.name == name:
            return str(row.query_one(".field--error").render()) if row.has_class(
                "-invalid") else ""
    raise AssertionError(f"no field {name}")


def form_error(app) -> str:
    """The message at the top of the form on top ("" when none)."""
    from smsconsole.widgets.form_view import FormView

    form = app.screen.query_one(FormView)
    return str(form.query_one(".form--error").render()) if form.has_class("-has-error") else ""


def notes(app) -> list[str]:
    """Every notification shown so far, oldest first."""
    return [str(n.message) for n in app._notifications]


def text_of(widget) -> str:
    """A Static's content as plain text (rich renderables rendered at 200 columns)."""
    content = widget.content
    if isinstance(content, str):
        return content
    console = Console(width=200, record=True, file=io.StringIO())
    console.print(content)
    return console.export_text()


def screen_text(app) -> str:
    """What the terminal shows, as plain text (from the SVG screenshot; wide characters
    take two cells)."""
    svg = app.export_screenshot()
    rows: dict[int, list[tuple[int, str]]] = {}
    pattern = r'<text class="[^"]*" x="([\d.]+)" y="([\d.]+)" textLength="[\d.]+"[^>]*>(.*?)</text>'
    for match in re.finditer(pattern, svg, re.S):
        x, y = float(match.group(1)), float(match.group(2))
        text = html.unescape(match.group(3)).replace("\xa0", " ").rstrip("\n")
        rows.setdefault(round((y - 20) / 24.4), []).append((round(x / 12.2), text))
    lines = []
    for row in range(max(rows, default=-1) + 1):
        line = ""
        for col, text in sorted(rows.get(row, [])):
            line += " " * max(0, col - cell_len(line)) + text
        lines.append(line.rstrip())
    return "\n".join(lines)


# --- reading the database and the files ----------------------------------------------------


def count_rows(services, model) -> int:
    with services.store.read() as s:
        return s.scalar(select(func.count()).select_from(model))


@dataclass(frozen=True)
class LogEntry:
    action: str
    admin_name: str
    target: str
    data: object  # the detail: {"field": [old, new], ...}


def logs(services, action: str) -> list[LogEntry]:
    """The admin-log rows of ``action``, oldest first, details decoded."""
    from smsconsole.store.models import AdminLog

    with services.store.read() as s:
        rows = list(s.scalars(select(AdminLog).where(AdminLog.action == action)
                              .order_by(AdminLog.id)))
    out = []
    for row in rows:
        try:
            data = json.loads(row.detail) if row.detail else {}
        except ValueError:
            data = row.detail
        out.append(LogEntry(row.action, row.admin_name, row.target, data))
    return out


def export_dir(services) -> Path:
    return Path(services.ctx.data_dir) / "exports"
