"""Footer hints at 80 columns: none cut mid-word, the page's own keys first (issue 18,
item 7)."""

from __future__ import annotations

from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from smsconsole.screens import MENU
from tests.helpers import build_app, log_in, settle
from tests.seeds.shell import seed_shell


async def test_footer_hints_are_whole_at_80_columns(ui_services):
    seed_shell(ui_services)
    app = build_app(ui_services)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await log_in(pilot)
        checked = 0
        for item in MENU[:8]:
            app.open_page(item.id)
            await settle(pilot)
            await settle(pilot)
            footer = app.screen.query_one(Footer)
            right = footer.region.right
            shown = [k for k in footer.query(FooterKey) if k.display]
            for key in shown:
                text = key.render().plain
                assert key.region.width >= len(text.rstrip()) and key.region.right <= right, (
                    item.id, text, key.region, right)
            general = {b.action for node in (app, app.screen)
                       for bs in node._bindings.key_to_bindings.values() for b in bs}
            own = [k for k in shown if k.action not in general]
            if own:  # the page's (or the focused widget's) keys come first
                assert shown[0] is own[0], (item.id, shown[0].action)
            checked += 1
        assert checked == 8


def two_inputs_app(bindings, footer_cls):
    """An app with ``bindings``, two inputs (#a, #b) to move the focus between, and a
    footer of ``footer_cls``."""
    from textual.app import App
    from textual.widgets import Input

    class TwoInputs(App):
        BINDINGS = bindings

        def compose(self):
            yield Input(id="a")
            yield Input(id="b")
            yield footer_cls()

    return TwoInputs()


async def test_a_focus_move_with_the_same_keys_keeps_the_hints():
    """The screen reports changed bindings at every focus move; the footer redraws its
    hints only when they differ (each redraw replaced every hint: ~10 between the login
    and home)."""
    from textual.binding import Binding
    from textual.widgets import Input

    from smsconsole.widgets.footer import ConsoleFooter

    app = two_inputs_app([Binding("ctrl+s", "save", "Save")], ConsoleFooter)
    async with app.run_test(size=(80, 10)) as pilot:
        await pilot.pause()
        footer = app.query_one(ConsoleFooter)
        before = list(footer.query(FooterKey))
        assert "Save" in [k.description for k in before]
        app.query_one("#b", Input).focus()
        await pilot.pause()
        await pilot.pause()
        assert list(footer.query(FooterKey)) == before  # the same widgets
        app.bind("ctrl+o", "other", description="Other")
        app.query_one("#a", Input).focus()
        await pilot.pause()
        await pilot.pause()
        shown = [k.description for k in footer.query(FooterKey)]
        assert "Other" in shown and footer.query(FooterKey).first() is not before[0]


async def test_new_hints_are_fitted_before_they_are_drawn():
    """A recompose fits its new hints at once: fitted only after the next refresh, a frame
    could show them overflowing the width (the 80-column test above caught one, under
    load in CI: the users page's last hint at x=68..86)."""
    from textual.binding import Binding
    from textual.widgets import Input

    from smsconsole.widgets.footer import ConsoleFooter

    class Probe(ConsoleFooter):
        """Records the hints shown as each recompose returns."""

        def __init__(self) -> None:
            super().__init__()
            self.seen: list[tuple[int, int]] = []

        async def recompose(self) -> None:
            await super().recompose()
            keys = list(self.query(FooterKey))
            self.seen.append((sum(self._key_width(k) for k in keys if k.display),
                              len(keys)))

    app = two_inputs_app([Binding(f"ctrl+{c}", f"act_{c}", f"Action {c}")
                          for c in "abcdefg"], Probe)
    async with app.run_test(size=(40, 10)) as pilot:
        await pilot.pause()
        footer = app.query_one(Probe)
        app.bind("ctrl+o", "other", description="Other")
        app.query_one("#b", Input).focus()
        await pilot.pause()
        await pilot.pause()
        assert footer.seen and all(n > 0 for _w, n in footer.seen)
        assert all(w <= footer.size.width for w, _n in footer.seen), footer.seen
