"""UI fixtures: the app built by ``make_app`` on a fresh SQLite file, a fixed clock,
seeded data, one terminal size for every test and snapshot."""

from __future__ import annotations

import asyncio
import inspect
from datetime import timedelta
from pathlib import Path

import pytest

from smsconsole.config import AppConfig
from smsconsole.i18n import set_lang
from tests.conftest import make_services

SIZE = (120, 36)


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


def ui_config(tmp_path: Path, db_url: str, lang: str = "en", **extra) -> AppConfig:
    cfg = AppConfig(data_dir=tmp_path, db_url=db_url, lang=lang,
                    config_file=tmp_path / "config.toml", refresh_seconds=3600)
    for key, value in extra.items():
        setattr(cfg, key, value)
    return cfg


def build_app(services, lang: str = "en", **extra):
    """The app as the command builds it, on the test's services (no report worker)."""
    from smsconsole.app import make_app

    data_dir = Path(services.ctx.data_dir)
    cfg = ui_config(data_dir, str(services.store.engine.url), lang, **extra)
    app = make_app(services, cfg, clock=services.ctx.clock, start_worker=False)
    app.animation_level = "none"
    return app


def seed(services):
    """A platform with an admin, users, quota, applications in every status, and today's
    and this month's send counts."""
    from smsconsole.services import rollups
    from smsconsole.store.models import ReviewStatus
    from tests import factories

    actor = factories.set_up(services)
    clock = services.ctx.clock
    users = [factories.user(services, account=f"acct{i:02d}", name=f"用户{i}",
                            company=f"云顶{i}号公司") for i in range(1, 5)]
    factories.quota(services, actor, users[0].id, 5000)
    factories.quota(services, actor, users[1].id, 60, days=5)
    from smsconsole.store.models import SmsType

    factories.quota(services, actor, users[2].id, 20000, SmsType.PROMOTION)
    factories.quota(services, actor, users[3].id, 1000, SmsType.VERIFICATION, days=3)
    statuses = [ReviewStatus.PENDING, ReviewStatus.PENDING, ReviewStatus.IN_REVIEW,
                ReviewStatus.APPROVED, ReviewStatus.REJECTED]
    from smsconsole.store.models import Signature, SignType, Template

    now = clock.now()
    with services.store.session() as s:
        for i, st in enumerate(statuses):
            s.add(Signature(user_id=users[i % 4].id, name=f"签名{i}", sign_type=SignType.GENERAL,
                            status=st, applied_at=now - timedelta(hours=i)))
            s.add(Template(user_id=users[i % 4].id, name=f"模板{i}", code=f"SMS_{i:06d}",
                           sms_type=SmsType.NOTIFICATION, content="您的验证码${code}",
                           status=st, applied_at=now - timedelta(hours=i)))
        today = clock.today()
        rollups.bump(s, [
            (today, users[0].id, "签名3", "SMS_000003", "notification",
             {"total": 120, "delivered": 100, "failed": 8, "segments": 130}),
            (today - timedelta(days=3), users[0].id, "签名3", "SMS_000003", "notification",
             {"total": 1000, "delivered": 950, "failed": 30, "segments": 1100}),
        ])
    return actor


async def settle(pilot, rounds: int = 6) -> None:
    """Let workers finish and their results land (thread workers call back to the UI,
    which may start more work: repeat until nothing runs)."""
    app = pilot.app
    for _ in range(rounds):
        await app.workers.wait_for_complete()
        await pilot.pause()
        if not any(worker.is_running for worker in app.workers):
            return


async def type_into(pilot, text: str) -> None:
    """Type into the focused input (non-ASCII through the input's own API)."""
    if text.isascii():
        await pilot.press(*text)
    else:
        pilot.app.focused.insert_text_at_cursor(text)
        await pilot.pause()


async def log_in(pilot, login: str = "admin@example.com", password: str = "Secret#2026pass") -> None:
    from textual.widgets import Input

    screen = pilot.app.screen
    screen.query_one("#login-id", Input).value = login
    screen.query_one("#login-password", Input).value = password
    screen.query_one("#login-password", Input).focus()
    await pilot.press("enter")
    await settle(pilot)


def count_rows(services, model) -> int:
    from sqlalchemy import func, select

    with services.store.read() as s:
        return s.scalar(select(func.count()).select_from(model))


def screen_text(app) -> str:
    """What the terminal shows, as plain text (from the SVG screenshot; wide characters
    take two cells)."""
    import html
    import re

    from rich.cells import cell_len

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
