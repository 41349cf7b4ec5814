"""The dialog base (``screens/dialogs/base.py``): the busy/submit/cancel lifecycle, and
the console's own footer (translated, whole hints) in every dialog (issue 14; issue 18's
footer leftover)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

from textual.app import App
from textual.widget import Widget
from textual.widgets import Button, Footer, Input, Static
from textual.widgets._footer import FooterKey

from smsconsole.i18n import set_lang, t
from smsconsole.screens.dialogs import (
    ConfirmDialog,
    DetailDialog,
    Field,
    FormDialog,
    KeysDialog,
    ProgressDialog,
)
from smsconsole.screens.dialogs.base import Dialog
from smsconsole.services.errors import Invalid, Refused
from smsconsole.widgets.footer import ConsoleFooter
from smsconsole.widgets.form_view import FieldRow, FormView
from smsconsole.widgets.labels import keybind
from tests.helpers import workers_done


class NameDialog(Dialog):
    """The smallest dialog with a form, a foot message and a submit."""

    BINDINGS = [keybind("ctrl+s", "submit", "form.submit"),
                keybind("escape", "cancel", "form.cancel")]
    title_key = "confirm.title"

    def __init__(self, save: Callable[[dict], Any]) -> None:
        super().__init__()
        self.save = save

    def compose_body(self) -> Iterable[Widget]:
        yield FormView([Field("name", "users.field.name", required=True)])

    def compose_foot(self) -> Iterable[Widget]:
        yield Static("", id="name-message", classes="dialog-message")

    def compose_buttons(self) -> Iterable[Widget]:
        return self.cancel_submit_buttons()

    def action_submit(self) -> None:
        form = self.form
        form.clear_errors()
        if form.check_required():
            self.run_busy(self.save, form.values())


class Host(App):
    """Pushes one dialog and keeps what it closed with."""

    def __init__(self, make: Callable[[], Dialog]) -> None:
        super().__init__()
        self.make = make
        self.results: list[Any] = []
        self.dialog: Dialog | None = None

    def on_mount(self) -> None:
        self.dialog = self.make()
        self.push_screen(self.dialog, callback=self.results.append)


async def _settle(pilot) -> None:
    await workers_done(pilot.app)
    await pilot.pause()
    await pilot.pause()


def _controls_off(dialog: Dialog) -> bool:
    return all(w.is_disabled for w in dialog.query("Input, Button"))


async def test_busy_refuses_a_second_submit_and_esc_then_closes_with_the_result():
    gate = threading.Event()
    calls: list[dict] = []

    def save(values: dict) -> str:
        calls.append(values)
        assert gate.wait(10)
        return f"saved {values['name']}"

    app = Host(lambda: NameDialog(save))
    async with app.run_test() as pilot:
        await pilot.pause()
        dialog = app.dialog
        await pilot.press(*"Ann")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert dialog.busy and dialog.has_class("-busy")
        assert _controls_off(dialog)
        await pilot.press("ctrl+s")  # a second submit: refused
        await pilot.press("escape")  # cancel while the call runs: refused
        await pilot.click("#submit")
        await pilot.pause()
        assert app.screen is dialog and app.results == []
        assert len(calls) == 1
        gate.set()
        await _settle(pilot)
        assert app.results == ["saved Ann"]
        assert app.screen is not dialog


async def test_an_error_lands_next_to_its_field_and_the_form_comes_back():
    def save(values: dict) -> str:
        raise Invalid("error.field.required", "name")

    app = Host(lambda: NameDialog(save))
    async with app.run_test() as pilot:
        await pilot.pause()
        dialog = app.dialog
        await pilot.press(*"Bob", "ctrl+s")
        await _settle(pilot)
        row = dialog.query_one(FieldRow)
        assert row.has_class("-invalid")
        assert t("error.field.required") in str(row.query_one(".field--error", Static).render())
        assert not dialog.busy and not _controls_off(dialog)
        assert dialog.focused is row.input  # back in the field at fault
        assert app.screen is dialog and app.results == []
        await pilot.press("escape")  # no longer busy: esc cancels
        await pilot.pause()
        assert app.results == [None]


async def test_an_error_without_a_field_lands_at_the_dialogs_foot():
    def save(values: dict) -> str:
        raise Refused("error.field.required")

    app = Host(lambda: NameDialog(save))
    async with app.run_test() as pilot:
        await pilot.pause()
        dialog = app.dialog
        await pilot.press(*"Cy", "ctrl+s")
        await _settle(pilot)
        foot = dialog.query_one("#name-message", Static)
        assert foot.has_class("-error")
        assert str(foot.render()) == t("error.field.required")
        assert not dialog.busy and app.screen is dialog


async def test_a_dialogs_write_is_never_an_exclusive_worker(monkeypatch):
    """An exclusive worker is cancelled by the next one of its group, and its outcome
    dropped while its commit still happens: writes never run as one (issue 14)."""
    started: list[dict] = []
    real = Dialog.run_worker

    def spy(self, work, *args, **kwargs):
        started.append(kwargs)
        return real(self, work, *args, **kwargs)

    monkeypatch.setattr(Dialog, "run_worker", spy)
    app = Host(lambda: FormDialog("confirm.title", [Field("name", "users.field.name")],
                                  lambda values: "ok"))
    async with app.run_test() as pilot:
        await pilot.pause()
        await pilot.press("ctrl+s")
        await _settle(pilot)
        assert app.results == ["ok"]
    assert [kw["exclusive"] for kw in started] == [False]


def _footer_labels(dialog) -> list[str]:
    footer = dialog.query_one(Footer)
    assert isinstance(footer, ConsoleFooter)
    right = footer.region.right
    shown = [k for k in footer.query(FooterKey) if k.display]
    for key in shown:  # every hint whole
        assert key.region.right <= right and key.region.width >= len(
            key.render().plain.rstrip())
    return [k.description for k in shown]


async def test_dialogs_show_the_consoles_footer_in_chinese():
    set_lang("zh")
    gate = threading.Event()
    cases: list[tuple[Callable[[], Dialog], list[str]]] = [
        (lambda: FormDialog("confirm.title", [Field("name", "users.field.name")],
                            lambda v: v),
         ["key.form.submit", "key.form.cancel"]),
        (lambda: ConfirmDialog("?"), ["key.confirm.yes", "key.confirm.no"]),
        (lambda: DetailDialog("confirm.title", [("users.field.name", "x")],
                              actions=[("t", "records.action.timeline", "timeline")]),
         ["records.action.timeline", "key.detail.close"]),
        (lambda: KeysDialog([("a", [("x", "y")])]), ["key.keys.close"]),
        (lambda: ProgressDialog("confirm.title", lambda progress: gate.wait(10)),
         ["key.progress.cancel"]),
    ]
    try:
        for make, keys in cases:
            app = Host(make)
            async with app.run_test(size=(80, 24)) as pilot:
                await pilot.pause()
                await pilot.pause()
                labels = _footer_labels(app.screen)
                assert labels == [t(key) for key in keys], (type(app.screen).__name__, labels)
                assert all(not label.isascii() for label in labels), labels
    finally:
        gate.set()
        set_lang("en")


async def test_buttons_of_a_busy_form_dialog_stay_off_until_it_answers():
    gate = threading.Event()
    app = Host(lambda: FormDialog("confirm.title", [Field("name", "users.field.name")],
                                  lambda v: gate.wait(10) and "done"))
    async with app.run_test() as pilot:
        await pilot.pause()
        dialog = app.dialog
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert all(b.is_disabled for b in dialog.query(Button))
        assert all(i.is_disabled for i in dialog.query(Input))
        gate.set()
        await _settle(pilot)
        assert app.results == ["done"]


async def test_busy_switches_the_frame_off_and_back_keeping_a_control_off_on_its_own():
    """The frame is switched off while the call runs (one restyle, not one per control);
    afterwards what was off on its own is still off, the rest on again."""
    gate = threading.Event()

    def save(values: dict) -> str:
        assert gate.wait(10)
        raise Invalid("error.field.required", "name")

    app = Host(lambda: NameDialog(save))
    async with app.run_test() as pilot:
        await pilot.pause()
        dialog = app.dialog
        off_alone = dialog.query_one("#cancel", Button)
        off_alone.disabled = True
        await pilot.press(*"Ann")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert dialog.query_one("#dialog").disabled and _controls_off(dialog)
        gate.set()
        await _settle(pilot)
        assert app.screen is dialog and not dialog.busy
        assert not dialog.query_one("#dialog").disabled
        assert off_alone.is_disabled
        assert not dialog.query_one("#submit", Button).is_disabled
        assert not dialog.query_one(Input).is_disabled and dialog.query_one(Input).has_focus
