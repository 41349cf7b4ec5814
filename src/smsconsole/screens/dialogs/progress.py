"""``ProgressDialog``: long work (sync all, exports) in a thread, with progress and cancel::

    def work(progress: Progress):
        return services.signatures.sync_all(actor, progress=progress.update,
                                            cancelled=progress.is_cancelled)

    self.app.push_screen(ProgressDialog("signatures.sync.title", work),
                         callback=lambda result: result and self.refresh_data())

``work(progress)`` runs in a thread worker; ``progress.update(done, total=None, text="")``
may be called from it as often as it likes; long loops check ``progress.is_cancelled()``.
``c``/``esc`` asks to cancel (the work stops at its next check; the dialog closes with
None). On success it closes with the work's result; a failure is shown in the dialog
until ``esc``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any

from textual.widget import Widget
from textual.widgets import ProgressBar, Static

from smsconsole.i18n import t
from smsconsole.screens.dialogs.base import Dialog, error_text
from smsconsole.screens.threads import run_in_thread
from smsconsole.widgets.labels import keybind

log = logging.getLogger(__name__)


class Progress:
    """Handed to the work function; thread-safe."""

    def __init__(self, dialog: ProgressDialog) -> None:
        self._dialog = dialog
        self._cancel = threading.Event()

    def update(self, done: int, total: int | None = None, text: str = "") -> None:
        try:
            self._dialog.app.call_from_thread(self._dialog.show_progress, done, total, text)
        except RuntimeError:  # called on the UI thread, or the app is gone
            if threading.current_thread() is threading.main_thread():
                self._dialog.show_progress(done, total, text)

    def is_cancelled(self) -> bool:
        return self._cancel.is_set()

    def cancel(self) -> None:
        self._cancel.set()


class ProgressDialog(Dialog):
    BINDINGS = [keybind("c,escape", "cancel", "progress.cancel")]

    def __init__(self, title_key: str, work: Callable[[Progress], Any],
                 **title_params: Any) -> None:
        super().__init__(title_key, **title_params)
        self.work = work
        self.progress = Progress(self)
        self.finished = False

    def compose_body(self) -> Iterable[Widget]:
        yield ProgressBar(total=None, show_eta=False, id="progress-bar")
        yield Static(t("progress.working"), id="progress-text")
        yield Static("", id="progress-error", classes="dialog-message", markup=False)

    def compose_foot(self) -> Iterable[Widget]:
        yield Static(t("progress.keys"), id="progress-keys", classes="dialog-keys")

    def on_mount(self) -> None:
        super().on_mount()
        # Often a write (an export, a sync): never exclusive, its outcome must be seen.
        run_in_thread(self, self.work, self.progress, on_done=self._done,
                      on_error=self._failed, group="progress")

    def show_progress(self, done: int, total: int | None, text: str) -> None:
        bar = self.query_one(ProgressBar)
        bar.update(total=total, progress=done)
        detail = t("progress.count", done=done, total=total) if total else t(
            "progress.done", done=done)
        self.query_one("#progress-text", Static).update(f"{detail}  {text}".strip())

    def _done(self, result: Any) -> None:
        self.finished = True
        self.dismiss(None if self.progress.is_cancelled() else result)

    def _failed(self, exc: BaseException) -> None:
        self.finished = True
        self.show_message(error_text(exc, "progress"), error=True)
        self.query_one("#progress-keys", Static).update(t("progress.close_keys"))

    def action_cancel(self) -> None:
        if self.finished:
            self.dismiss(None)
            return
        self.progress.cancel()
        self.query_one("#progress-text", Static).update(t("progress.cancelling"))
