"""What the shell asks of every page: a live language switch, palette commands for the
page's actions, ``esc`` clearing a filter before going home, 80×24."""

from __future__ import annotations

from smsconsole.i18n import get_lang
from tests.helpers import SIZE, build_app, notes, open_page, page_of, press
from tests.screens.test_data_snapshots import PAGES


async def test_language_switch_palette_and_escape_on_every_page(psvc, data):
    app = build_app(psvc)
    async with app.run_test(size=SIZE) as pilot:
        await open_page(pilot, "home")
        for page_id, key in PAGES:
            await press(pilot, key)
            page = page_of(app, page_id)
            titles = [title for title, _ in page.command_palette_commands()]
            assert len(titles) >= 2 and all(not title.startswith(page_id + ".")
                                            for title in titles), titles
            await press(pilot, "ctrl+l")
            assert get_lang() == "zh"
            zh = [title for title, _ in page.command_palette_commands()]
            assert zh != titles
            await press(pilot, "ctrl+l")
            # The record query starts in its phone field, where letters are typed: leave it.
            app.screen.set_focus(None)
        assert not [n for n in notes(app) if "wrong" in n or "出错" in n]
        # esc: first the filter, then home.
        await press(pilot, "9", "slash", *"137", "enter")
        assert page_of(app, "records").quick == "137"
        await press(pilot, "escape")
        assert app.screen.current == "records" and page_of(app, "records").quick == ""
        await press(pilot, "escape")
        assert app.screen.current == "home"


async def test_small_terminal(psvc, data):
    app = build_app(psvc)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_page(pilot, "stats")
        assert page_of(app, "stats").loaded is not None
        await press(pilot, "8", "enter")
        assert app.screen.__class__.__name__ == "TaskDetailScreen"
