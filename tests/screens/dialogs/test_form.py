"""Forms keep what was typed and say what is wrong (issue 18, items 2 and 10): a number or
money field is never filtered while typing ("3千" was saved as 3, "1e3" as 13); a value
that is not a whole number, or money with at most 2 decimals, is refused next to its
field and nothing is submitted; every field's error shows at once."""

from __future__ import annotations

from textual.app import App

from smsconsole.screens.dialogs import Field, FormDialog
from smsconsole.services import validation as v
from smsconsole.services.errors import Invalid, InvalidFields
from tests.helpers import settle


class DialogApp(App):
    def __init__(self):
        super().__init__()
        self.results: list = []

    def done(self, result) -> None:
        self.results.append(result)


def error_of(dialog, name: str) -> str:
    row = dialog.form.row(name)
    return str(row.query_one(".field--error").render()) if row.has_class("-invalid") else ""


async def test_number_and_money_fields_refuse_what_is_not_one_all_at_once():
    calls: list[dict] = []
    app = DialogApp()
    async with app.run_test(size=(100, 30)) as pilot:
        dialog = FormDialog("form.save", [
            Field("count", "packages.f.count", kind="int", required=True),
            Field("days", "packages.f.validity", kind="int"),
            Field("price", "packages.f.price", kind="money"),
            Field("unit", "packages.f.unit_price", kind="money"),
            Field("until", "users.f.expires_on", kind="date"),
        ], lambda values: calls.append(values) or "saved")
        app.push_screen(dialog, app.done)
        await settle(pilot)
        for name, keys in (("count", "3千"), ("days", "1e3"), ("price", "12.345"),
                           ("unit", "0.5x"), ("until", "2027-6-3")):
            dialog.form.focus_field(name)
            await pilot.pause()
            await pilot.press(*keys)
        await pilot.pause()
        # What was typed stays as typed (nothing dropped while typing).
        assert dialog.form.values() == {"count": "3千", "days": "1e3", "price": "12.345",
                                        "unit": "0.5x", "until": "2027-6-3"}
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert calls == [] and app.screen is dialog
        assert error_of(dialog, "count") == "Enter a whole number."
        assert error_of(dialog, "days") == "Enter a whole number."
        assert error_of(dialog, "price").startswith("Enter an amount in yuan with at most 2")
        assert error_of(dialog, "unit").startswith("Enter an amount in yuan")
        assert "is not a date" in error_of(dialog, "until")
        dialog.form.set_values({"count": "3000", "days": "1000", "price": "1,045.5",
                                "unit": "0.04", "until": "2027-06-30"})
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.results == ["saved"]
        assert calls == [{"count": "3000", "days": "1000", "price": "1,045.5",
                          "unit": "0.04", "until": "2027-06-30"}]


async def test_a_service_refusing_several_fields_shows_each_under_its_field():
    def submit(values: dict):
        v.every(name=lambda: v.text(values["name"], "name", min_len=3),
                email=lambda: v.email(values["email"], "email"),
                phone=lambda: v.mobile(values["phone"], "phone"))
        return "saved"

    app = DialogApp()
    async with app.run_test(size=(100, 30)) as pilot:
        dialog = FormDialog("form.save", [Field("name", "wizard.f.name"),
                                          Field("email", "wizard.f.email"),
                                          Field("phone", "wizard.f.phone")], submit)
        app.push_screen(dialog, app.done)
        await settle(pilot)
        dialog.form.set_values({"name": "ab", "email": "nope", "phone": "123"})
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is dialog
        assert all(error_of(dialog, name) for name in ("name", "email", "phone"))
        assert app.focused is dialog.form.row("name").input


def test_every_collects_each_failure_in_order():
    try:
        v.every(a=lambda: v.positive_int("3千", "a"), b=lambda: 5,
                c=lambda: v.money_fen("1e3", "c"))
    except InvalidFields as exc:
        assert [(e.key, e.field) for e in exc.errors] == [
            ("error.number.not_integer", "a"), ("error.money.invalid", "c")]
        assert isinstance(exc, Invalid) and exc.field == "a"  # the CLI shows the first
    else:
        raise AssertionError("not refused")
    assert v.every(a=lambda: 1, b=lambda: "x") == {"a": 1, "b": "x"}


async def test_an_unexpected_error_shows_a_reference_and_logs_the_detail(caplog):
    """Never SQL to an admin (issue 18, item 3): the form says something went wrong with
    a reference; the log has the detail under that reference."""
    import re
    import sqlite3

    def submit(values: dict):
        raise sqlite3.IntegrityError("FOREIGN KEY constraint failed")

    app = DialogApp()
    async with app.run_test(size=(100, 30)) as pilot:
        dialog = FormDialog("form.save", [Field("name", "wizard.f.name")], submit)
        app.push_screen(dialog, app.done)
        await settle(pilot)
        with caplog.at_level("ERROR", logger="smsconsole.unexpected"):
            await pilot.press("x", "ctrl+s")
            await settle(pilot)
        shown = str(dialog.form.query_one(".form--error").render())
    assert "FOREIGN" not in shown and "sqlite" not in shown.lower()
    ref = re.search(r"reference ([0-9A-F]{6})", shown).group(1)
    logged = [r for r in caplog.records if ref in r.getMessage()]
    assert logged and "FOREIGN KEY constraint failed" in str(logged[0].exc_info[1])


async def test_a_form_opens_with_its_first_field_focused_and_the_body_never_is(monkeypatch):
    """The focus goes to the first field switched on as the form is composed: Textual's
    default gave the scrolling body the focus first, and each move restyled every node of
    the form (the risk settings, 17 fields: ~0.9 → ~0.7 s of CPU to open)."""
    from textual.widget import Widget

    moves: list[tuple[str, bool]] = []
    watch = Widget.watch_has_focus

    def spy(self, has_focus: bool) -> None:
        moves.append((self.id or type(self).__name__, has_focus))
        watch(self, has_focus)

    monkeypatch.setattr(Widget, "watch_has_focus", spy)
    app = DialogApp()
    async with app.run_test(size=(100, 30)) as pilot:
        dialog = FormDialog("form.save", [
            Field("off", "packages.f.count", kind="int", disabled=True),
            *[Field(f"n{i}", "packages.f.count", kind="int") for i in range(12)],
        ], lambda values: "saved")
        app.push_screen(dialog, app.done)
        await settle(pilot)
        assert dialog.focused is dialog.form.row("n0").input
        assert [m for m in moves if m[0] == "dialog-body"] == []
        assert moves == [(type(dialog.form.row("n0").input).__name__, True)]
