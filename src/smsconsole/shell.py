"""The main screen after login (the shell): header, the left-hand menu, the current page
in a ContentSwitcher, the status line and the footer; opening pages (first open builds
the page: ``screens.MENU``'s loader imports its module), esc back from drill-downs.

Imported by the App when an admin has logged in, not at start-up (``app.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.timer import Timer
from textual.widgets import ContentSwitcher, OptionList, Static
from textual.widgets.option_list import Option

from smsconsole.i18n import t
from smsconsole.screens import (
    HOME,
    LOGOUT_KEY,
    LOGOUT_LABEL_KEY,
    MENU,
    MenuEntry,
    entry,
    load_page_class,
)
from smsconsole.screens.home import gateway_summary, worker_summary
from smsconsole.screens.threads import run_in_thread
from smsconsole.widgets.footer import ConsoleFooter
from smsconsole.widgets.labels import keybind, translate_bindings
from smsconsole.widgets.unexpected import unexpected

if TYPE_CHECKING:
    from smsconsole.screens.base import MenuPage
    from smsconsole.services import Services
    from smsconsole.services.context import Actor


# --- the menu ---------------------------------------------------------------------------


class SideMenu(OptionList):
    """The left-hand menu (product.md §2), each line with its key."""

    def __init__(self, keys: dict[str, str]) -> None:
        super().__init__(id="menu")
        self.keys = keys  # entry id -> key shown (after the keymap)
        self.current = HOME
        self._fill()

    def _prompt(self, item: MenuEntry | None, key: str, label_key: str, indent: bool) -> Text:
        marker = "▸" if item is not None and item.id == self.current else " "
        text = Text(f"{marker}{key} ", style="bold")
        text.append(("  " if indent else "") + t(label_key))
        return text

    def _fill(self) -> None:
        highlighted = self.highlighted
        self.clear_options()
        group = None
        options: list[Option] = []
        for item in MENU:
            if item.group_key and item.group_key != group:
                options.append(Option(Text("   " + t(item.group_key), style="dim bold"),
                                      id=f"group-{item.group_key}", disabled=True))
            group = item.group_key
            options.append(Option(self._prompt(item, self.keys.get(item.id, item.key),
                                               item.label_key, bool(item.group_key)),
                                  id=item.id))
        options.append(Option(self._prompt(None, self.keys.get("logout", LOGOUT_KEY),
                                           LOGOUT_LABEL_KEY, False), id="logout"))
        self.add_options(options)
        if highlighted is not None:
            self.highlighted = highlighted

    def set_current(self, page_id: str) -> None:
        self.current = page_id
        self._fill()
        try:
            self.highlighted = self.get_option_index(page_id)
        except Exception:  # noqa: BLE001 - not in the menu
            pass

    def on_language_changed(self) -> None:
        self._fill()


# --- the main screen ----------------------------------------------------------------------


def _menu_bindings() -> list:
    out = [keybind(item.key, f"open('{item.id}')", f"menu.{item.id}", show=False)
           for item in MENU]
    out.append(keybind(LOGOUT_KEY, "app.logout", "menu.logout", show=False))
    out.append(keybind("escape", "back", "main.back"))
    return out


class MainScreen(Screen):
    """Header, menu, the current page, status line and footer (after login)."""

    BINDINGS = _menu_bindings()
    # ``-narrow`` below 100 columns (an 80×24 terminal): the menu and the pages give way
    # (app.tcss), so numbers are never cut.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]

    def __init__(self, services: Services, actor: Actor) -> None:
        super().__init__(id="main")
        self.services = services
        self.actor = actor
        self.pages: dict[str, MenuPage] = {}
        self.current = ""
        self.company = ""
        self._worker_text: tuple[str, str] | None = None
        self._dashboard: Any = None
        self._status_timer: Timer | None = None
        self._back_to: dict[str, str] = {}  # drill-down page -> the page it came from

    def compose(self) -> ComposeResult:
        with Horizontal(id="header"):
            yield Static("", id="header-title")
            yield Static("", id="header-admin")
        with Horizontal(id="main-body"):
            yield SideMenu(self.app.menu_keys())  # type: ignore[attr-defined]
            with Vertical(id="content"):
                yield Static("", id="crumb")
                yield ContentSwitcher(id="pages")
        yield Static("", id="status-line")
        yield ConsoleFooter()

    async def on_mount(self) -> None:
        translate_bindings(self)
        self._render_header()
        self._render_status()

        def company() -> str:
            site = self.services.settings.site()
            return site.company if site else ""

        run_in_thread(self, company, on_done=self._got_company, on_error=lambda exc: None,
                      group="company")
        await self._open(HOME, {})
        self._arm_status()

    # --- header and status --------------------------------------------------------------------

    def _got_company(self, company: str) -> None:
        self.company = company
        self._render_header()

    def _render_header(self) -> None:
        title = f"{self.company} · {t('app.title')}" if self.company else t("app.title")
        self.query_one("#header-title", Static).update(title)
        self.query_one("#header-admin", Static).update(t("header.admin", name=self.actor.name))

    def show_worker_status(self, dashboard: Any) -> None:
        self._dashboard = dashboard
        state, text = worker_summary(dashboard.workers, dashboard.pending_reports,
                                     dashboard.kept_aside, dashboard.at)
        gateway = gateway_summary(dashboard)
        self._worker_text = (state, f"{text} · {gateway}" if gateway else text)
        self._render_status()

    def _render_status(self) -> None:
        line = self.query_one("#status-line", Static)
        state, text = self._worker_text or ("none", t("worker.unknown"))
        for name in ("none", "ok", "error", "stale"):
            line.set_class(state == name, f"-{name}")
        line.update(text)

    def _arm_status(self) -> None:
        if self._status_timer is not None:
            self._status_timer.stop()
        self._status_timer = self.set_timer(self.app.refresh_seconds,  # type: ignore[attr-defined]
                                            self._poll_status)

    def _poll_status(self) -> None:
        """The status line's own refresh, only while home (which feeds it) is not shown."""
        if self.current == HOME or isinstance(self.app.screen, ModalScreen):
            self._arm_status()
            return

        def done(dashboard: Any) -> None:
            self.show_worker_status(dashboard)
            self._arm_status()

        run_in_thread(self, self.services.stats.dashboard, on_done=done,
                      on_error=lambda exc: self._arm_status(), group="status",
                      exclusive=True)

    # --- pages ---------------------------------------------------------------------------------

    @property
    def current_page(self) -> MenuPage | None:
        return self.pages.get(self.current)

    def open_page(self, page_id: str, **filters: Any) -> None:
        # A page opened from another with filters is a drill-down (statistics → that day's
        # records, home → pending signatures): esc goes back there, filter cleared.
        if filters and self.current and self.current != page_id:
            self._back_to[page_id] = self.current
        else:
            self._back_to.pop(page_id, None)
        self.run_worker(self._open(page_id, filters), group="open-page",
                        exit_on_error=False)

    def action_open(self, page_id: str) -> None:
        self.open_page(page_id)

    async def _open(self, page_id: str, filters: dict[str, Any]) -> None:
        item = entry(page_id)
        switcher = self.query_one("#pages", ContentSwitcher)
        page = self.pages.get(page_id)
        if page is None:
            try:
                cls = load_page_class(item)
                page = cls(self.services, self.actor, entry=item)
            except Exception as exc:  # noqa: BLE001 - a broken page must not kill the shell
                self.app.notify(t("ui.page_failed", page=t(item.label_key),
                                  detail=unexpected(exc, f"page {page_id}")),
                                severity="error", timeout=10)
                return
            self.pages[page_id] = page
            await switcher.add_content(page, id=f"page-{page_id}")
        if filters:
            page.set_filters(**filters)
        switcher.current = page.id
        self.current = page_id
        self._render_crumb()
        self.query_one(SideMenu).set_current(page_id)
        page.refresh_data()
        page.focus_default()
        self.app.call_later(self._check_focus, page)

    def _check_focus(self, page: MenuPage) -> None:
        """Keys must never land in a page that is hidden: when the page shown took no
        focus, the menu has it."""
        focused = self.focused
        if focused is None or (focused is not page and page not in focused.ancestors):
            self.query_one(SideMenu).focus()

    def _render_crumb(self) -> None:
        if not self.current:
            return
        item = entry(self.current)
        parts = [t(item.group_key)] if item.group_key else []
        parts.append(t(item.label_key))
        self.query_one("#crumb", Static).update(" › ".join(parts))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        option_id = event.option.id or ""
        if option_id == "logout":
            self.app.action_logout()  # type: ignore[attr-defined]
        elif option_id and not option_id.startswith("group-"):
            self.open_page(option_id)

    def action_back(self) -> None:
        """esc: back from a drill-down (its filter cleared), else clear the page's filter,
        else go home."""
        page = self.current_page
        back = self._back_to.pop(self.current, None)
        if back is not None:
            if page is not None:
                page.clear_filter()
            self.open_page(back)
            return
        if page is not None and page.clear_filter():
            return
        if self.current != HOME:
            self.open_page(HOME)

    def on_language_changed(self) -> None:
        self._render_header()
        self._render_crumb()
        if self._dashboard is not None:
            self.show_worker_status(self._dashboard)
        else:
            self._render_status()


__all__ = ["MainScreen", "SideMenu"]
