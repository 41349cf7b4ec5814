"""The base of the three 初始化信息 pages (site, AK 管理, payment): a focusable view of
label/value pairs loaded in a thread, a status line, and the helpers for the "test"
action (``services.settings.check`` in a worker, ✓/✗ per item naming the field that is
wrong) and for revealing a secret (a confirmation first; the service logs who looked).
Styles: ``settings_page.tcss``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.console import Group
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from smsconsole.i18n import t
from smsconsole.screens.base import MenuPage
from smsconsole.screens.dialogs import DetailDialog
from smsconsole.screens.dialogs.confirm import confirm
from smsconsole.screens.dialogs.detail import pairs_table
from smsconsole.widgets.check_labels import checks_text
from smsconsole.widgets.labels import Tr


class SettingsView(VerticalScroll):
    """The page's focusable body (so the page's keys work while it is shown)."""



class SettingsPage(MenuPage):
    """Base of the settings pages; subclasses give ``load()`` and ``pairs(data)``."""


    intro_key = ""
    warning_key = ""
    empty_key = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.data: Any = None
        self.loaded = False
        self.checking = False
        self.checks: list | None = None
        self._status: tuple[str, dict, str] | None = None

    def compose(self) -> ComposeResult:
        with SettingsView(id=f"{self.page_id}-view"):
            if self.intro_key:
                yield Tr(self.intro_key, classes="settings-intro")
            if self.warning_key:
                yield Tr(self.warning_key, classes="settings-warning")
            yield Static(t("table.loading"), classes="settings-table",
                         id=f"{self.page_id}-pairs")
            yield Static("", classes="settings-checks", id=f"{self.page_id}-checks")
        yield Static("", classes="settings-status", id=f"{self.page_id}-status")

    # --- data ----------------------------------------------------------------------------

    def load(self) -> Any:
        """Runs in a thread: the data shown (None when not configured yet)."""
        raise NotImplementedError

    def pairs(self, data: Any) -> list[tuple[str, Any]]:
        raise NotImplementedError

    def refresh_data(self) -> None:
        self.run_service(self.load, on_done=self._loaded, group="settings-load",
                         exclusive=True)

    def _loaded(self, data: Any) -> None:
        self.data, self.loaded = data, True
        self.render_view()

    def render_view(self) -> None:
        table = self.query_one(f"#{self.page_id}-pairs", Static)
        if not self.loaded:
            table.update(t("table.loading"))
        elif self.data is None:
            table.update(t(self.empty_key))
        else:
            table.update(pairs_table(self.pairs(self.data)))
        self.query_one(f"#{self.page_id}-checks", Static).update(self._checks_renderable())

    def set_status(self, key: str | None, state: str = "", **params: Any) -> None:
        """The line under the view: a catalog key, ``state`` "", "ok" or "error"."""
        self._status = (key, params, state) if key else None
        line = self.query_one(f"#{self.page_id}-status", Static)
        line.set_class(state == "error", "-error")
        line.set_class(state == "ok", "-ok")
        line.update(t(key, **params) if key else "")

    def on_language_changed(self) -> None:
        self.render_view()
        if self._status:
            key, params, state = self._status
            self.set_status(key, state, **params)

    # --- test ----------------------------------------------------------------------------

    def check_label(self, item) -> str:
        """What a CheckItem tested, in words (and the field to fix)."""
        return item.item

    def check_items(self) -> list:
        """Runs in a thread: the CheckItems of this page's test."""
        raise NotImplementedError

    def run_check(self) -> None:
        if self.checking:
            return
        self.checking = True
        self.checks = None
        self.render_view()
        self.set_status(f"{self.page_id}.test.running")
        self.run_service(self.check_items, on_done=self._checked, on_error=self._check_failed,
                         group="settings-check")

    def _checked(self, items: list) -> None:
        self.checking = False
        self.checks = items
        self.render_view()
        self.query_one(SettingsView).scroll_end(animate=False)
        bad = [item for item in items if not item.ok]
        if bad:
            self.set_status(f"{self.page_id}.test.failed", "error", n=len(bad))
            self.app.notify(t(f"{self.page_id}.test.failed", n=len(bad)), severity="error")
        else:
            self.set_status(f"{self.page_id}.test.ok", "ok")
            self.notify_ok(f"{self.page_id}.test.ok")

    def forget_checks(self) -> None:
        """After a save the last test's result (and its "All settings work") no longer
        says anything about what is stored: drop it and test what was saved."""
        self.checks = None
        self.set_status(None)
        self.render_view()
        self.run_check()

    def _check_failed(self, exc: BaseException) -> None:
        self.checking = False
        self.set_status(None)
        self.show_error(exc)

    def _checks_renderable(self):
        if not self.checks:
            return ""
        return Group(Text(t(f"{self.page_id}.test.title"), style="bold"),
                     checks_text(self.checks, self.check_label))

    # --- reveal ----------------------------------------------------------------------------

    def reveal(self, message_key: str, fn: Callable[[], str], title_key: str,
               label_key: str, **params: Any) -> None:
        """Confirm, call ``fn`` (a logged service call) in a thread, show the secret in a
        dialog only; nothing keeps it afterwards."""

        def show(secret: str) -> None:
            self.app.push_screen(DetailDialog(title_key, [(label_key, Text(secret))], **params))

        confirm(self, t(message_key, **params),
                lambda: self.run_service(fn, on_done=show, group="settings-reveal"),
                danger=False, title_key=f"{self.page_id}.reveal.title",
                confirm_key=f"{self.page_id}.reveal.yes")


__all__ = ["SettingsPage", "SettingsView"]
