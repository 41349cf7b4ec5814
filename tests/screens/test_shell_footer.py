"""Issue 18 leftovers: the login and the wizard use the console's footer (hints whole at
80×24, the screen's own keys first), and the theme picker speaks the console's language."""

from __future__ import annotations

import pytest
from textual.command import CommandPalette
from textual.widgets import Footer, Input
from textual.widgets._footer import FooterKey

from smsconsole.i18n import t
from smsconsole.screens.login import LoginScreen
from smsconsole.screens.wizard import SetupWizard
from smsconsole.widgets.footer import ConsoleFooter
from tests import factories
from tests.helpers import build_app, settle


def _check_whole(footer: Footer) -> list[FooterKey]:
    """Every hint shown ends inside the footer, none cut mid-word."""
    right = footer.region.right
    shown = [k for k in footer.query(FooterKey) if k.display]
    for key in shown:
        text = key.render().plain
        assert key.region.width >= len(text.rstrip()) and key.region.right <= right, (
            text, key.region, right)
    return shown


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("screen", ["login", "wizard"])
async def test_login_and_wizard_use_the_console_footer_at_80x24(ui_services, lang, screen):
    if screen == "login":
        factories.set_up(ui_services)
    app = build_app(ui_services, lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        expected = LoginScreen if screen == "login" else SetupWizard
        assert isinstance(app.screen, expected), type(app.screen).__name__
        footer = app.screen.query_one(Footer)
        assert isinstance(footer, ConsoleFooter), type(footer).__name__
        await settle(pilot)
        shown = _check_whole(footer)
        assert shown, "no hint at all"
        labels = " ".join(k.render().plain for k in shown)
        assert t("key.palette", lang) in labels, labels
        if screen == "wizard":  # the wizard's own keys come first
            own = {b.action for bs in app.screen._bindings.key_to_bindings.values()
                   for b in bs if b.show}
            assert shown[0].action in own, shown[0].action


async def test_the_theme_picker_speaks_chinese(ui_services):
    factories.set_up(ui_services)
    app = build_app(ui_services, "zh")
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        app.action_change_theme()  # what the palette's "主题" command runs
        await settle(pilot)
        assert CommandPalette.is_open(app)
        placeholder = str(app.screen.query_one(Input).placeholder)
        assert placeholder == t("palette.theme_placeholder", "zh"), placeholder
        assert placeholder != "Search for themes…"
