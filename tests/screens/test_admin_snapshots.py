"""Snapshots of each admin page and each of its forms, in English and in Chinese, at the
shell's terminal size, on the seeded database with the fixed clock.

One app run per page: the page, its detail view and its forms (and the confirmations
whose wording matters: retire vs erase, reveal) in English, then ``ctrl+l`` (the live
language switch, which these snapshots check too) and the same in Chinese. The images
are syrupy snapshots in pytest-textual-snapshot's SVG format (``__snapshots__/``);
update them with ``--snapshot-update`` and review the SVGs.
"""

from __future__ import annotations

import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from pytest_textual_snapshot import SVGImageExtension
from textual.widgets import DataTable

from smsconsole.store.models import ReviewStatus
from tests.helpers import (
    SIZE,
    Text,
    build_app,
    fill,
    open_page,
    press,
    select_row,
    settle,
    still_cursors,
)

Step = Callable[..., Awaitable[None]]


@pytest.fixture
def svg_snapshot(snapshot):
    return snapshot.use_extension(SVGImageExtension)


async def shot(pilot, snapshot, name: str) -> None:
    """Compare the screen with the stored image (no toast, no blinking cursor)."""
    app = pilot.app
    await settle(pilot)
    await tables_measured(pilot)
    app.clear_notifications()
    await still_cursors(pilot)
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()
    svg = app.export_screenshot(title=app.title, simplify=True)
    # Under load a table may still be sizing its columns: take the shot once two in a
    # row agree (a real difference is stable and still fails below).
    for _ in range(20):
        await pilot.pause(0.05)
        await tables_measured(pilot)
        again = app.export_screenshot(title=app.title, simplify=True)
        if again == svg:
            break
        svg = again
    if svg != snapshot(name=name):
        # Keep what was drawn, to compare with the stored image.
        out = Path(tempfile.gettempdir()) / "smsconsole-snapshots" / f"{name}.svg"
        out.parent.mkdir(exist_ok=True)
        out.write_text(svg)
        pytest.fail(f"snapshot {name} differs; drawn: {out}")


async def tables_measured(pilot, tries: int = 50) -> None:
    """DataTables size their columns when idle; wait until every table on every screen
    shown has done so (under load the screenshot could otherwise beat it)."""
    for _ in range(tries):
        pending = [table for screen in pilot.app.screen_stack
                   for table in screen.query(DataTable)
                   if table._require_update_dimensions or table._updated_cells]
        if not pending:
            return
        await pilot.pause(0.02)
    raise AssertionError(f"tables never measured: {pending}")


def keys(*pressed: str) -> Step:
    async def step(pilot, page) -> None:
        await press(pilot, *pressed)
    return step


def on_row(predicate, *pressed: str) -> Step:
    async def step(pilot, page) -> None:
        await select_row(pilot, page, predicate)
        await press(pilot, *pressed)
    return step


def then(step: Step, *pressed: str) -> Step:
    async def run(pilot, page) -> None:
        await step(pilot, page)
        await press(pilot, *pressed)
    return run


async def walk(pilot, snapshot, page_id: str, forms: list[tuple[str, Step, tuple[str, ...]]]):
    """The page, then each form (opened by its step, closed by its keys), in both
    languages."""
    page = await open_page(pilot, page_id)
    for lang in ("en", "zh"):
        if lang == "zh":
            await press(pilot, "ctrl+l")
        await shot(pilot, snapshot, f"{page_id}-{lang}")
        for name, step, close in forms:
            await step(pilot, page)
            await shot(pilot, snapshot, f"{page_id}-{name}-{lang}")
            await press(pilot, *close)
        assert pilot.app.screen.id == "main"


async def test_users(admin_services, seed, svg_snapshot):
    app = build_app(admin_services, actor=seed.actor)
    async with app.run_test(size=SIZE) as pilot:
        await walk(pilot, svg_snapshot, "users", [
            ("detail", on_row(lambda r: r.account == "acct04", "enter"), ("escape",)),
            ("filters", keys("f"), ("escape",)),
            ("edit", on_row(lambda r: r.account == "acct01", "e"), ("escape",)),
            ("allocate", keys("a"), ("escape",)),
            ("holdings", keys("h"), ("escape",)),
            ("holding-status", keys("h", "s"), ("escape", "escape")),
            ("signatures", keys("s"), ("escape",)),
            ("templates", keys("t"), ("escape",)),
            ("freeze", keys("z"), ("escape",)),
        ])


async def test_signatures(admin_services, seed, svg_snapshot):
    app = build_app(admin_services, actor=seed.actor)

    async def assign(pilot, page) -> None:
        await press(pilot, "a", Text("acct05"), "enter")
        await fill(pilot, {"name": "优品商城"})
        await press(pilot, "ctrl+s")  # looked up: Aliyun's answer shown

    async with app.run_test(size=SIZE) as pilot:
        pending = on_row(lambda r: r.status == ReviewStatus.PENDING and r.name == "陈记小馆")
        await walk(pilot, svg_snapshot, "signatures", [
            ("detail", on_row(lambda r: r.name == "蓝海科技", "enter"), ("escape",)),
            ("filters", keys("f"), ("escape",)),
            ("reject", then(pending, "x"), ("escape",)),
            ("assign", assign, ("escape",)),
        ])


async def test_templates(admin_services, seed, svg_snapshot):
    app = build_app(admin_services, actor=seed.actor)

    async def assign(pilot, page) -> None:
        await press(pilot, "a", Text("acct02"), "enter", Text("SMS_100000006"), "ctrl+s")

    async with app.run_test(size=SIZE) as pilot:
        await walk(pilot, svg_snapshot, "templates", [
            ("detail", on_row(lambda r: r.name == "订单发货通知", "enter"), ("escape",)),
            ("assign", assign, ("escape",)),
        ])


async def test_packages(admin_services, seed, svg_snapshot):
    app = build_app(admin_services, actor=seed.actor)
    async with app.run_test(size=SIZE) as pilot:
        await walk(pilot, svg_snapshot, "packages", [
            ("detail", on_row(lambda p: p.name == "通知短信包 1万条", "enter"), ("escape",)),
            ("new", keys("n"), ("escape",)),
            ("edit", keys("e"), ("escape",)),
            ("retire", keys("d"), ("n",)),  # the confirmation says retired, not erased
            ("filters", keys("f"), ("escape",)),
        ])


async def test_site(admin_services, seed, svg_snapshot):
    app = build_app(admin_services, actor=seed.actor)
    async with app.run_test(size=SIZE) as pilot:
        await walk(pilot, svg_snapshot, "site", [("edit", keys("e"), ("escape",))])


async def test_access(admin_services, seed, svg_snapshot):
    app = build_app(admin_services, actor=seed.actor)
    async with app.run_test(size=SIZE) as pilot:
        await walk(pilot, svg_snapshot, "access", [
            ("edit", keys("e"), ("escape",)),
            ("reveal", keys("v"), ("n",)),  # asks first
        ])


# The sandbox makes new Alipay keys each session: the form shows this one instead.
SHOWN_PUBLIC_KEY = ("-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA"
                    "sandbox+public+key+shown+in+snapshots\n-----END PUBLIC KEY-----")


async def test_payment(admin_services, seed, svg_snapshot):
    app = build_app(admin_services, actor=seed.actor)

    async def edit(pilot, page) -> None:
        await press(pilot, "e")
        await fill(pilot, {"alipay_public_key": SHOWN_PUBLIC_KEY})

    async with app.run_test(size=SIZE) as pilot:
        await walk(pilot, svg_snapshot, "payment", [
            ("edit", edit, ("escape",)),
        ])
