"""A write's outcome is never dropped (issue 18, item 5; issue 14): two writes started
in a row both deliver their result; loads still drop a superseded result."""

from __future__ import annotations

import threading

from textual.app import App, ComposeResult

from smsconsole.screens.base import MenuPage
from tests.helpers import settle


class Page(MenuPage):
    pass


class PageApp(App):
    def compose(self) -> ComposeResult:
        yield Page(None, None, id="page")  # type: ignore[arg-type]


async def test_two_writes_in_a_row_both_deliver_their_outcome():
    first_may_finish = threading.Event()
    outcomes: list[str] = []

    def slow_write() -> str:
        first_may_finish.wait(5)
        return "first saved"

    def quick_write() -> str:
        return "second saved"

    def failing_write() -> str:
        raise ValueError("third refused")

    app = PageApp()
    async with app.run_test() as pilot:
        page = app.query_one(Page)
        page.run_service(slow_write, on_done=outcomes.append)
        page.run_service(quick_write, on_done=outcomes.append)
        page.run_service(failing_write, on_error=lambda exc: outcomes.append(str(exc)))
        await pilot.pause(0.2)
        first_may_finish.set()
        await settle(pilot)
    assert sorted(outcomes) == ["first saved", "second saved", "third refused"]


async def test_a_superseded_load_is_dropped():
    first_may_finish = threading.Event()
    shown: list[str] = []

    def slow_load() -> str:
        first_may_finish.wait(5)
        return "old"

    app = PageApp()
    async with app.run_test() as pilot:
        page = app.query_one(Page)
        page.run_service(slow_load, on_done=shown.append, group="load", exclusive=True)
        page.run_service(lambda: "new", on_done=shown.append, group="load", exclusive=True)
        await pilot.pause(0.2)
        first_may_finish.set()
        await settle(pilot)
    assert shown == ["new"]
