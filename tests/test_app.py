"""The shell: every menu by its key, the side menu, the command palette, ``?``, ``esc``,
the language switch, the keymap, home's counts opening filtered lists, 80×24 and
NO_COLOR."""

from __future__ import annotations

import pytest
from textual.widgets import ContentSwitcher, Static

from smsconsole.i18n import get_lang, t
from smsconsole.screens import MENU, MenuEntry
from smsconsole.screens.base import MenuPage
from smsconsole.screens.dialogs.help_keys import KeysDialog
from smsconsole.shell import MainScreen
from smsconsole.widgets import PagedTable
from tests.helpers import SIZE, build_app, log_in, settle
from tests.screens.sample_page import SamplePage
from tests.seeds.shell import seed_shell


@pytest.fixture
def seeded(ui_services):
    seed_shell(ui_services)
    return ui_services


@pytest.fixture
def sample_pages():
    """Users and signatures served by the sample page (the contract colleagues use)."""
    saved = list(MENU)
    for index, item in enumerate(MENU):
        if item.id in ("users", "signatures"):
            MENU[index] = MenuEntry(item.id, item.key, item.label_key, lambda: SamplePage,
                                    item.group_key)
    yield
    MENU[:] = saved


def current(app) -> str:
    assert isinstance(app.screen, MainScreen), type(app.screen).__name__
    return app.screen.current


@pytest.mark.slow
async def test_every_menu_by_its_key(seeded):
    app = build_app(seeded)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await log_in(pilot)
        for item in [*MENU[1:], MENU[0]]:
            # A page may focus a text field, which takes letters and digits as typing:
            # the user leaves it first (tab / the menu), as here.
            app.screen.query_one("#menu").focus()
            await pilot.press(item.key)
            await settle(pilot)
            assert current(app) == item.id
            switcher = app.screen.query_one("#pages", ContentSwitcher)
            assert switcher.current == f"page-{item.id}"
            page = app.screen.pages[item.id]
            assert isinstance(page, MenuPage) and page.display
            crumb = str(app.screen.query_one("#crumb", Static).render())
            assert crumb.endswith(t(item.label_key))


async def test_side_menu_by_arrows_and_enter(seeded):
    app = build_app(seeded)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await log_in(pilot)
        menu = app.screen.query_one("#menu")
        menu.focus()
        menu.highlighted = menu.get_option_index("orders")
        await pilot.press("down", "enter")  # the next line: finance
        await settle(pilot)
        assert current(app) == "finance"


async def test_command_palette_opens_a_page(seeded):
    app = build_app(seeded)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await log_in(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"admin log")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert current(app) == "adminlog"
        # The other language's name matches too.
        await pilot.press("ctrl+p")
        await settle(pilot)
        app.screen.query_one("Input").insert_text_at_cursor("订单管理")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert current(app) == "orders"
        # The menu group's own name finds its pages (issue 18, item 12): "statistics"
        # is the group of "Send volume".
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"statistics")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert current(app) in ("stats", "query")


async def test_question_mark_shows_every_key(seeded):
    app = build_app(seeded)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await log_in(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, KeysDialog)
        titles = [title for title, _rows in app.screen.sections]
        assert titles == ["Here", "Menus", "Everywhere", "Lists"]
        menu = dict(app.screen.sections[1][1])
        assert menu["2"] == "Users" and menu["X"] == "Log out" and menu["F"] == "Record query"
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)


async def test_escape_clears_the_filter_then_goes_home(seeded, sample_pages):
    app = build_app(seeded)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await log_in(pilot)
        await pilot.press("2")
        await settle(pilot)
        page = app.screen.pages["users"]
        table = page.query_one(PagedTable)
        assert table.page_number == 1 and len(table.rows) == 2 and table.has_next
        await pilot.press("slash", *"acct03", "enter")
        await settle(pilot)
        assert [r.account for r in table.rows] == ["acct03"]
        await pilot.press("escape")  # clears the filter
        await settle(pilot)
        assert current(app) == "users" and table.filter_text == ""
        assert len(table.rows) == 2
        await pilot.press("escape")  # then home
        await settle(pilot)
        assert current(app) == "home"


async def test_home_counts_open_the_list_filtered(seeded, sample_pages):
    app = build_app(seeded)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await log_in(pilot)
        assert app.focused.id == "signatures-pending"
        await pilot.press("right")
        await pilot.press("tab")  # in review
        assert app.focused.id == "signatures-in_review"
        await pilot.press("enter")
        await settle(pilot)
        assert current(app) == "signatures"
        page = app.screen.pages["signatures"]
        assert page.filters["status"].value == "in_review"


async def test_language_switches_live(seeded):
    app = build_app(seeded)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await log_in(pilot)
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("ctrl+l")
        await settle(pilot)
        assert get_lang() == "zh"
        screen = app.screen
        assert "管理员：管理员" in str(screen.query_one("#header-admin", Static).render())
        assert str(screen.query_one("#crumb", Static).render()) == "用户管理"
        prompts = [str(o.prompt) for o in screen.query_one("#menu").options]
        assert any("安全退出" in p for p in prompts)
        footer = {b.binding.id: b.binding.description
                  for b in screen.active_bindings.values()}
        assert footer.get("app.language") == "English"
        await pilot.press("ctrl+l")
        await settle(pilot)
        assert get_lang() == "en"
        assert str(screen.query_one("#crumb", Static).render()) == "Users"


async def test_keymap_from_the_config_file(seeded):
    app = build_app(seeded, keymap={"menu.users": "u", "app.language": "f9"})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await log_in(pilot)
        await pilot.press("u")
        await settle(pilot)
        assert current(app) == "users"
        prompts = [str(o.prompt) for o in app.screen.query_one("#menu").options]
        assert any(p.strip(" ▸").startswith("u ") and "Users" in p for p in prompts)
        await pilot.press("f9")
        await settle(pilot)
        assert get_lang() == "zh"


async def test_usable_at_80x24_without_colour(seeded, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = build_app(seeded)
    assert app.no_color
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await log_in(pilot)
        for key in ("2", "0", "1"):
            app.screen.query_one("#menu").focus()
            await pilot.press(key)
            await settle(pilot)
        assert current(app) == "home"
        menu = app.screen.query_one("#menu")
        assert menu.region.height >= len(MENU) + 4  # every line of the menu fits
        assert app.screen.query_one("#status-line").region.y == 22


async def test_escape_from_a_drill_down_goes_back_with_its_filter_cleared(seeded):
    """Issue 18, item 12: home → pending signatures, esc → home (it went home by luck),
    and the signatures page keeps no filter from home; statistics → a day's records,
    esc → statistics (it went home)."""
    app = build_app(seeded)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await log_in(pilot)
        await pilot.press("0")
        await settle(pilot)
        app.screen.open_page("records", first=None)  # a drill-down with a filter
        await settle(pilot)
        assert current(app) == "records"
        await pilot.press("escape")
        await settle(pilot)
        assert current(app) == "stats"
        await pilot.press("1")
        await settle(pilot)
        assert app.focused.id == "signatures-pending"
        await pilot.press("enter")
        await settle(pilot)
        page = app.screen.pages["signatures"]
        assert current(app) == "signatures" and page.flt.status is not None
        await pilot.press("escape")
        await settle(pilot)
        assert current(app) == "home" and page.flt.status is None
        await pilot.press("3")  # opened by its key: no filter left from home
        await settle(pilot)
        assert page.flt.status is None


async def test_command_palette_speaks_chinese(seeded):
    """The palette's own texts (placeholder, no match, system commands) follow the
    language (issue 18, item 12)."""
    from textual.command import CommandList, CommandPalette
    from textual.widgets import Input

    app = build_app(seeded, lang="zh")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await log_in(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        palette = app.screen
        assert isinstance(palette, CommandPalette)
        assert str(palette.query_one(Input).placeholder) == t("palette.placeholder", "zh")
        await pilot.press(*"qqqzzz")
        for _ in range(20):  # the no-match line comes after half a second
            await pilot.pause(0.1)
            options = palette.query_one(CommandList).options
            if options:
                break
        shown = " ".join(str(o.prompt.renderable) if hasattr(o.prompt, "renderable")
                         else str(o.prompt) for o in options)
        assert t("palette.no_matches", "zh") in shown and "No matches" not in shown
        palette.query_one(Input).value = ""
        palette.query_one(Input).insert_text_at_cursor("退出")
        for _ in range(20):
            await pilot.pause(0.1)
            options = palette.query_one(CommandList).options
            if any(t("palette.sys.quit.help", "zh") in str(o.prompt) for o in options):
                break
        assert any(t("palette.sys.quit.help", "zh") in str(o.prompt) for o in options), [
            str(o.prompt) for o in options]
        await pilot.press("escape")
