"""``Dialog``: the one base of every modal dialog — the frame and the busy/submit/cancel
lifecycle. A dialog is a subclass that fills in its body (and, if it has any, its foot
lines and buttons)::

    class RenameDialog(Dialog[str]):
        BINDINGS = [keybind("ctrl+s", "submit", "form.submit"),
                    keybind("escape", "cancel", "form.cancel")]

        def compose_body(self):
            yield FormView([Field("name", "users.field.name", required=True)])

        def compose_buttons(self):
            yield from self.cancel_submit_buttons()

        def action_submit(self):
            form = self.form
            if form is not None and form.check_required():
                self.run_busy(self.services.users.rename, form.values()["name"])

The frame (``compose``): ``#dialog`` (class ``dialog-frame``) holding the title
``#dialog-title``, an optional intro ``#dialog-intro``, the body, the foot lines, the
buttons row ``#dialog-buttons``; below it the console's own footer (``ConsoleFooter``:
translated key labels, hints never cut). Its look is in ``base.tcss`` by class, so a
dialog's own ``<module>.tcss`` (by its type and ids) always outranks it.

The lifecycle: ``run_busy(fn, ...)`` runs a service call in a thread worker (never
exclusive: a write's outcome is never dropped) with every input and button disabled;
a second submit, and ``esc``, are refused while it runs. On success the dialog closes
with the result (or ``on_done`` decides); a failure lands next to its field
(``FormView.show_error``) or at the dialog's foot (``.dialog-message``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Input, Static

from smsconsole.i18n import t
from smsconsole.screens.threads import run_in_thread
from smsconsole.widgets.footer import ConsoleFooter
from smsconsole.widgets.form_view import FormView
from smsconsole.widgets.labels import Tr, set_label, translate_bindings
from smsconsole.widgets.unexpected import unexpected

ResultT = TypeVar("ResultT")


def error_text(exc: BaseException, where: str = "") -> str:
    """A ServiceError in the current language; anything else as an unexpected error
    (logged with its traceback, shown with a reference)."""
    message = getattr(exc, "message", None)
    return str(message()) if callable(message) else unexpected(exc, where)


class Dialog(ModalScreen[ResultT]):
    """See the module docstring. Class attributes: ``title_key`` (or pass it),
    ``intro_key``; ``width`` (or pass it) overrides the tcss width."""

    # Each dialog names its first focus (``focus_first``). Textual's auto focus ("*")
    # focused the first focusable node as the dialog was composed (a scrolling body,
    # the first button) before ``focus_first`` moved it on: a wasted move that
    # restyled the whole subtree (the risk settings' form: ~910 → ~710 ms of CPU to
    # open in the tests' pilot).
    AUTO_FOCUS = ""
    title_key: str = ""
    intro_key: str | None = None

    def __init__(self, title_key: str | None = None, *, intro_key: str | None = None,
                 width: int | None = None, classes: str | None = None,
                 **title_params: Any) -> None:
        super().__init__(classes=classes)
        if title_key is not None:
            self.title_key = title_key
        if intro_key is not None:
            self.intro_key = intro_key
        self.title_params = title_params
        self.width = width
        self.busy = False
        self._focus_before: Widget | None = None
        self._selection_before: Any = None

    # --- the frame -----------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog-frame"):
            yield Static(self.title_text(), id="dialog-title", classes="dialog-title",
                         markup=False)
            if self.intro_key:
                yield Tr(self.intro_key, id="dialog-intro", classes="dialog-intro")
            yield from self.compose_body()
            yield from self.compose_foot()
            buttons = list(self.compose_buttons())
            if buttons:
                with Horizontal(id="dialog-buttons", classes="dialog-buttons"):
                    yield from buttons
        yield ConsoleFooter()

    def title_text(self) -> str:
        # Not a ``Tr``: a title's parameter may be called ``id`` (a record's detail).
        return t(self.title_key, **self.title_params)

    def compose_body(self) -> Iterable[Widget]:
        """The dialog's content."""
        return ()

    def compose_foot(self) -> Iterable[Widget]:
        """Lines under the body: a message (class ``dialog-message``), a keys line."""
        return ()

    def compose_buttons(self) -> Iterable[Widget]:
        """The buttons row (none by default)."""
        return ()

    def cancel_submit_buttons(self, submit_key: str = "form.save") -> Iterable[Widget]:
        """Cancel and the primary submit button (``#cancel``, ``#submit``)."""
        yield Button(t("form.cancel"), id="cancel", compact=True)
        yield Button(t(submit_key), id="submit", variant="primary", compact=True)

    def on_mount(self) -> None:
        translate_bindings(self)
        if self.width:
            self.query_one("#dialog").styles.width = self.width
        self.focus_first()

    def focus_first(self) -> None:
        """Focus what the admin starts with: the first field of a form, else the first
        control (what Textual's auto focus would pick)."""
        form = self.form
        if form is not None:
            form.focus_field()
        else:
            self.focus_next()

    @property
    def form(self) -> FormView | None:
        """The dialog's first form, if it has one."""
        return next(iter(self.query(FormView)), None)

    # --- buttons -------------------------------------------------------------------------

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """``#submit`` submits, ``#cancel`` cancels; other buttons ``action_<id>``."""
        event.stop()
        action = getattr(self, f"action_{event.button.id}", None)
        if callable(action):
            action()

    def on_form_view_submitted(self, event: FormView.Submitted) -> None:
        """Enter in the last field submits."""
        event.stop()
        action = getattr(self, "action_submit", None)
        if callable(action):
            action()

    # --- the lifecycle -------------------------------------------------------------------

    def cancel_result(self) -> Any:
        """What ``esc`` closes with (None: nothing was done)."""
        return None

    def action_cancel(self) -> None:
        """``esc``: close, unless a service call is running (its outcome must be seen)."""
        if not self.busy:
            self.dismiss(self.cancel_result())

    def action_close(self) -> None:
        self.action_cancel()

    def run_busy(self, fn: Callable[..., Any], *args: Any,
                 on_done: Callable[[Any], None] | None = None,
                 on_error: Callable[[BaseException], None] | None = None,
                 **kwargs: Any) -> bool:
        """Run ``fn(*args, **kwargs)`` in a thread worker with the dialog busy. Then
        ``on_done(result)`` (default: close with the result) or ``on_error(exc)``
        (default: ``show_error``), the dialog no longer busy. False when already busy
        (the call is refused)."""
        if self.busy:
            return False
        self.set_busy(True)

        def done(result: Any) -> None:
            self.set_busy(False)
            (on_done or self.dismiss)(result)

        def failed(exc: BaseException) -> None:
            self.set_busy(False)
            (on_error or self.show_error)(exc)

        run_in_thread(self, fn, *args, on_done=done, on_error=failed,
                      group=f"dialog-{id(self)}", **kwargs)
        return True

    def set_busy(self, busy: bool) -> None:
        """Switch the dialog's inputs and buttons off (on) while a call runs; focus
        comes back where it was."""
        if busy == self.busy:
            return
        self.busy = busy
        self.set_class(busy, "-busy")
        # The frame is switched off, not each control: every ``disabled`` change restyles
        # the widget's subtree (a form of twenty fields took ~0.1 s each way); a control
        # switched off on its own stays off afterwards.
        frame = self.query_one("#dialog")
        if busy:
            self._focus_before = self.focused
            self._selection_before = getattr(self.focused, "selection", None)
            frame.disabled = True
            return
        frame.disabled = False
        # Switching a widget off moved the focus away (Textual picks the next one):
        # put it back where the admin was, with the text selection as it was (an Input
        # selects all on focus; the callback runs after that, in the Input's own queue).
        before, self._focus_before = self._focus_before, None
        if before is not None and before.is_attached and before.focusable:
            self.set_focus(before)
            if isinstance(before, Input) and self._selection_before is not None:
                before.call_later(setattr, before, "selection", self._selection_before)

    # --- errors and messages -------------------------------------------------------------

    def show_error(self, exc: BaseException) -> None:
        """Next to the field it names; else at the dialog's foot (a form without a foot
        message shows it at the form's top)."""
        form = self.form
        names_field = getattr(exc, "field", None) or getattr(exc, "errors", None)
        if form is not None and names_field and form.show_error(exc):  # type: ignore[arg-type]
            return
        if next(iter(self.query(".dialog-message")), None) is not None:
            self.show_message(error_text(exc, type(self).__name__), error=True)
        elif form is not None:
            form.show_error(exc)  # type: ignore[arg-type]
        else:
            self.app.notify(error_text(exc, type(self).__name__), severity="error", timeout=8)

    def show_message(self, text: str | None, *, error: bool = False) -> None:
        """The line at the dialog's foot (``.dialog-message``); None clears it."""
        for label in self.query(".dialog-message").results(Static):
            label.set_class(error, "-error")
            label.set_class(bool(text), "-shown")
            label.update(text or "")

    def on_language_changed(self) -> None:
        """Relabel the frame (subclasses add their own, calling this)."""
        self.query_one("#dialog-title", Static).update(self.title_text())
        for button_id, key in (("cancel", "form.cancel"), ("submit", self.submit_label())):
            for button in self.query(f"#dialog-buttons #{button_id}").results(Button):
                set_label(button, t(key))

    def submit_label(self) -> str:
        """The submit button's catalog key (for a language switch)."""
        return "form.save"


__all__ = ["Dialog", "error_text"]
