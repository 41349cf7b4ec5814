"""Input fields stand out from the page behind them (issue 18, item 12: background 234
on 233, the wizard looked like labels with nothing to fill in)."""

from __future__ import annotations

from textual.widgets import Input

from tests.helpers import SIZE, build_app, settle


async def test_wizard_inputs_are_visible(ui_services):
    app = build_app(ui_services)  # no admin yet: the setup wizard
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        inputs = [i for i in app.screen.query(Input) if i.display and i.region.width]
        assert inputs
        for field in inputs:
            behind = field.parent.background_colors[1] if field.parent else None
            own = field.background_colors[1]
            assert behind is not None
            gap = abs(own.brightness - behind.brightness)
            assert gap >= 0.06, (field, own, behind, gap)
