"""The console: ``SmsConsoleApp``, its main screen (menu, pages, status), and the entry
points ``make_app`` (tests: given services, a fixed clock) and ``run_console`` (the
command: the login screen is drawn first, the database layer is imported after).

Screens: ``SetupWizard`` until an admin exists, then ``LoginScreen``, then ``MainScreen``
(header, menu, the current page in a ContentSwitcher, status line, footer). Logging out
replaces the MainScreen with a fresh LoginScreen, which unmounts every page and drops
what they held.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import App, ComposeResult
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.timer import Timer
from textual.widgets import ContentSwitcher, OptionList, Static
from textual.widgets.option_list import Option

from smsconsole.i18n import get_lang, set_lang, t
from smsconsole.screens import HOME, LOGOUT_KEY, LOGOUT_LABEL_KEY, MENU, MenuEntry, entry
from smsconsole.screens.login import LoginScreen
from smsconsole.widgets.footer import ConsoleFooter
from smsconsole.widgets.keyorder import OrderedKeys
from smsconsole.widgets.labels import keybind, language_changed, translate_bindings

if TYPE_CHECKING:
    from smsconsole.clock import Clock
    from smsconsole.config import AppConfig
    from smsconsole.screens.base import MenuPage
    from smsconsole.services import Services
    from smsconsole.services.context import Actor

log = logging.getLogger(__name__)


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
        from smsconsole.screens.base import run_in_thread

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
        from smsconsole.screens.home import gateway_summary, worker_summary

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
        from smsconsole.screens.base import run_in_thread

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
        from smsconsole.screens import load_page_class

        item = entry(page_id)
        switcher = self.query_one("#pages", ContentSwitcher)
        page = self.pages.get(page_id)
        if page is None:
            try:
                cls = load_page_class(item)
                page = cls(self.services, self.actor, entry=item)
            except Exception as exc:  # noqa: BLE001 - a broken page must not kill the shell
                from smsconsole.widgets.unexpected import unexpected

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


# --- the command palette --------------------------------------------------------------------


class ConsoleCommands(Provider):
    """Every page and the main actions; the shown page adds its own."""

    def _commands(self) -> list[tuple[str, str, Callable[[], Any], str]]:
        app: SmsConsoleApp = self.app  # type: ignore[assignment]
        other = "en" if get_lang() == "zh" else "zh"
        out: list[tuple[str, str, Callable[[], Any], str]] = []
        main = app.main_screen
        if main is not None:
            keys = app.menu_keys()
            for item in MENU:
                # The group too ("Statistics › Send volume"): the manual's words find it.
                title = t("palette.open", page=_menu_path(item))
                alt = f"{_menu_path(item, other)} {item.id}"
                out.append((title, alt, partial(app.open_page, item.id),
                            t("palette.key", key=keys.get(item.id, item.key))))
            page = main.current_page
            if page is not None:
                for title, callback in page.command_palette_commands():
                    out.append((title, "", callback, ""))
            out.append((t(LOGOUT_LABEL_KEY), f"{t(LOGOUT_LABEL_KEY, other)} logout",
                        app.action_logout, t("palette.key", key=keys.get("logout", LOGOUT_KEY))))
        out.append((t("palette.language"), t("palette.language", other),
                    app.action_toggle_language, "ctrl+l"))
        out.append((t("palette.help"), t("palette.help", other), app.action_help, "?"))
        return out

    async def discover(self) -> Hits:
        for title, _alt, callback, help_text in self._commands():
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, alt, callback, help_text in self._commands():
            score = max(matcher.match(title), matcher.match(alt) if alt else 0)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)


# --- the app --------------------------------------------------------------------------------


class SmsConsoleApp(OrderedKeys, App):
    """Built by ``make_app`` (tests) or ``run_console`` (the command)."""

    # The shell's styles, then each page's and dialog's own (screens/**/<module>.tcss,
    # beside the module it styles); reusable widgets keep theirs in DEFAULT_CSS.
    CSS_PATH = ["app.tcss", *sorted(str(p.relative_to(Path(__file__).parent))
                                    for p in (Path(__file__).parent / "screens").rglob("*.tcss"))]
    TITLE = "smsconsole"
    COMMANDS = App.COMMANDS | {ConsoleCommands}
    BINDINGS = [
        keybind("question_mark,f1", "help", "app.help"),
        keybind("ctrl+l", "toggle_language", "app.language"),
    ]

    def action_command_palette(self) -> None:
        """The palette with its own texts in the console's language."""
        from textual.command import CommandPalette

        from smsconsole.widgets.palette import ConsolePalette

        if self.use_command_palette and not CommandPalette.is_open(self):
            self.push_screen(ConsolePalette(id="--command-palette"))

    def get_system_commands(self, screen: Screen) -> Any:
        from smsconsole.widgets.palette import translated_system_commands

        return translated_system_commands(super().get_system_commands(screen))

    def __init__(self, services: Services | None, config: AppConfig, *,
                 clock: Clock | None = None, start_worker: bool = True,
                 services_factory: Callable[[], Services] | None = None) -> None:
        super().__init__()
        self.services = services
        self.config = config
        self.clock = clock
        self.start_worker = start_worker
        self.services_factory = services_factory
        self.refresh_seconds = float(getattr(config, "refresh_seconds", 5.0) or 5.0)
        self.actor: Actor | None = None
        self.report_worker: Any = None
        self._waiting: list[Callable[[Services], None]] = []
        set_lang(config.lang)
        if config.keymap:
            self.set_keymap(config.keymap)

    # --- start-up ---------------------------------------------------------------------------

    def on_mount(self) -> None:
        translate_bindings(self, deep=False)
        if self.services is not None:
            self._services_up(self.services, self.services.auth.is_set_up())
            return
        first = self._first_screen_guess()
        self.push_screen(first)
        # Import and open the database once that screen is drawn (a thread importing
        # SQLAlchemy would otherwise compete with the first paint for the GIL).
        first.call_after_refresh(self._build_services)

    def _first_screen_guess(self) -> Screen:
        """Before the database is open: a SQLite file that does not exist yet means the
        wizard; anything else shows the login screen (corrected once the services are up)."""
        url = getattr(self.config, "db_url", "")
        if url.startswith("sqlite:///"):
            path = Path(url.removeprefix("sqlite:///"))
            if not path.exists():
                from smsconsole.screens.wizard import SetupWizard

                return SetupWizard()
        return LoginScreen()

    def _build_services(self) -> None:
        def build() -> None:
            try:
                services = self.services_factory()  # type: ignore[misc]
                set_up = services.auth.is_set_up()
            except Exception as exc:  # noqa: BLE001 - one line, then exit
                log.exception("cannot open the database")
                self.call_from_thread(self._services_failed, exc)
                return
            self.call_from_thread(self._services_up, services, set_up)
            if set_up:
                # Warm the dashboard's queries while the admin types the password: home
                # then draws sooner after login.
                try:
                    services.stats.dashboard()
                except Exception:  # noqa: BLE001 - only a warm-up
                    log.debug("dashboard warm-up failed", exc_info=True)

        self.run_worker(build, thread=True, name="open database", exit_on_error=False)

    def _services_failed(self, exc: BaseException) -> None:
        message = getattr(exc, "message", None)
        text = message() if callable(message) else (str(exc).strip().splitlines() or [""])[0]
        self.exit(return_code=1, message=f"smsconsole: {text or type(exc).__name__}")

    def _services_up(self, services: Services, set_up: bool) -> None:
        from smsconsole.widgets.format import set_timezone

        self.services = services
        set_timezone(services.ctx.clock.tz)
        from smsconsole.screens.wizard import SetupWizard

        base = [s for s in self.screen_stack[1:] if not isinstance(s, ModalScreen)]
        current = base[-1] if base else None
        wrong = (set_up and not isinstance(current, LoginScreen)) or (
            not set_up and not isinstance(current, SetupWizard))
        if wrong:
            while isinstance(self.screen, ModalScreen):  # e.g. ? opened while starting
                self.pop_screen()
            self._replace(LoginScreen() if set_up else SetupWizard())
        waiting, self._waiting = self._waiting, []
        for callback in waiting:
            callback(services)

    def _replace(self, screen: Screen) -> None:
        if len(self.screen_stack) > 1:
            self.switch_screen(screen)
        else:
            self.push_screen(screen)

    def when_ready(self, callback: Callable[[Services], None]) -> None:
        """``callback(services)`` now, or as soon as the database is open."""
        if self.services is not None:
            callback(self.services)
        else:
            self._waiting.append(callback)

    # --- session ---------------------------------------------------------------------------

    def setup_done(self, login_id: str) -> None:
        """The wizard finished: log in with the new account."""
        self._replace(LoginScreen(login_id, notice_key="wizard.done"))

    def logged_in(self, actor: Actor) -> None:
        self.actor = actor
        self._replace(MainScreen(self.services, actor))  # type: ignore[arg-type]
        self._start_report_worker()

    def action_logout(self) -> None:
        """安全退出, after a confirmation."""
        if self.actor is None:
            return
        from smsconsole.screens.dialogs.confirm import ConfirmDialog

        def answered(yes: bool | None) -> None:
            if yes:
                self.logout()

        self.push_screen(ConfirmDialog(t("logout.confirm"), title_key="logout.title",
                                       confirm_key="logout.yes", danger=False), answered)

    def logout(self) -> None:
        """Log out now: record it, stop the report worker, drop the main screen (and every
        page with what it cached), back to a fresh login screen."""
        actor, self.actor = self.actor, None
        handle, self.report_worker = self.report_worker, None
        services = self.services

        def finish() -> None:
            if handle is not None:
                _stop(handle)
            if actor is not None and services is not None:
                services.auth.logout(actor)

        self.run_worker(finish, thread=True, name="log out", exit_on_error=False)
        self._replace(LoginScreen(notice_key="logout.done"))

    def shutdown(self) -> None:
        """After the app has exited (``run_console``): the log-out record, the report
        worker, the database."""
        handle, self.report_worker = self.report_worker, None
        if handle is not None:
            _stop(handle)
        if self.actor is not None and self.services is not None:
            try:
                self.services.auth.logout(self.actor)
            except Exception:  # noqa: BLE001 - leaving anyway
                log.exception("log out at exit failed")
            self.actor = None
        if self.services is not None:
            self.services.close()

    def _worker_began(self, began: bool) -> None:
        """Refresh home (or the status line elsewhere) once the worker has started."""
        main = self.main_screen
        if not began or main is None:
            return
        page = main.pages.get(HOME)
        if main.current == HOME and page is not None and hasattr(page, "refresh_data"):
            page.refresh_data()
        else:
            main._poll_status()

    def _start_report_worker(self) -> None:
        """Consume status reports in this process while the console runs (when the
        active AK has queue names and the worker module exists)."""
        if not self.start_worker or self.services is None:
            return
        services = self.services

        def start() -> Any:
            access = services.settings.access()
            if access is None or not (access.report_queue or access.reply_queue):
                return None
            try:
                from smsconsole.services.worker import start_in_app
            except (ImportError, AttributeError):
                return None
            return start_in_app(services)

        def started(handle: Any) -> None:
            if self.actor is None:  # logged out meanwhile
                if handle is not None:
                    self.run_worker(partial(_stop, handle), thread=True, exit_on_error=False)
                return
            self.report_worker = handle
            began = getattr(getattr(handle, "worker", None), "began", None)
            if began is not None:  # show "running" as soon as it wrote its first health row
                run_in_thread(self, partial(began.wait, 60), on_done=self._worker_began,
                              on_error=lambda exc: None, group="report-worker-began")

        def failed(exc: BaseException) -> None:
            log.exception("report worker did not start", exc_info=exc)
            message = getattr(exc, "message", None)
            self.notify(t("worker.start_failed", detail=message() if callable(message)
                          else str(exc) or type(exc).__name__), severity="warning")

        from smsconsole.screens.base import run_in_thread

        run_in_thread(self, start, on_done=started, on_error=failed, group="report-worker")

    # --- navigation --------------------------------------------------------------------------

    @property
    def main_screen(self) -> MainScreen | None:
        for screen in reversed(self.screen_stack):
            if isinstance(screen, MainScreen):
                return screen
        return None

    def open_page(self, page_id: str, **filters: Any) -> None:
        main = self.main_screen
        if main is not None:
            main.open_page(page_id, **filters)

    def show_worker_status(self, dashboard: Any) -> None:
        main = self.main_screen
        if main is not None:
            main.show_worker_status(dashboard)

    def menu_keys(self) -> dict[str, str]:
        """Entry id -> the key that opens it (the keymap applied), for display."""
        keys = {item.id: item.key for item in MENU}
        keys["logout"] = LOGOUT_KEY
        for binding_id, key in self._keymap.items():
            if binding_id.startswith("menu."):
                first = key.split(",")[0]
                keys[binding_id.removeprefix("menu.")] = _key_label(first)
        return keys

    # --- language and help ---------------------------------------------------------------

    def action_toggle_language(self) -> None:
        set_lang("en" if get_lang() == "zh" else "zh")
        language_changed(self)
        self.notify(t("app.language_switched"), timeout=2)

    def action_help(self) -> None:
        from smsconsole.screens.dialogs.help_keys import KeysDialog

        if isinstance(self.screen, ModalScreen):
            return
        self.push_screen(KeysDialog(self._key_sections()))

    def _key_sections(self) -> list:
        here: list[tuple[str, str]] = []
        seen: set[str] = set()
        for _key, active in self.screen.active_bindings.items():
            binding = active.binding
            if binding.system or not binding.description or binding.action in seen:
                continue
            if (binding.id or "").startswith("menu.") or not _translated_binding(binding):
                continue  # menus have their own section; Textual's generic keys are left out
            seen.add(binding.action)
            here.append((self.get_key_display(binding), binding.description))
        sections = [(t("keys.here"), here)]
        if self.main_screen is not None:
            keys = self.menu_keys()
            menu = [(keys.get(item.id, item.key), t(item.label_key)) for item in MENU]
            menu.append((keys.get("logout", LOGOUT_KEY), t(LOGOUT_LABEL_KEY)))
            sections.append((t("keys.menu"), menu))
        sections.append((t("keys.global"), [
            ("? / f1", t("key.app.help")), ("ctrl+p", t("key.palette")),
            ("ctrl+l", t("key.app.language")), ("esc", t("keys.esc")),
            ("tab", t("keys.tab")), ("ctrl+q", t("key.quit")),
        ]))
        sections.append((t("keys.lists"), [
            ("] / pgdn", t("key.table.next")), ("[ / pgup", t("key.table.prev")),
            ("home", t("key.table.first")), ("j / k", t("keys.move")),
            ("/", t("key.table.filter")), ("enter", t("keys.open")),
            ("r", t("key.page.refresh")),
        ]))
        return sections


def _menu_path(item: MenuEntry, lang: str | None = None) -> str:
    label = t(item.label_key, lang)
    return f"{t(item.group_key, lang)} › {label}" if item.group_key else label


def _translated_binding(binding: Any) -> bool:
    """Ours (``key.<id>`` in a catalog) or one of Textual's that we label."""
    from smsconsole.widgets.labels import has_text

    if binding.id:
        return has_text(f"key.{binding.id}")
    return binding.action in ("app.command_palette", "command_palette", "quit", "app.quit")


def _key_label(key: str) -> str:
    names = {"question_mark": "?", "slash": "/", "left_square_bracket": "[",
             "right_square_bracket": "]"}
    return names.get(key, key)


def _stop(handle: Any) -> None:
    try:
        handle.stop()
    except Exception:  # noqa: BLE001 - stopping on the way out
        log.exception("stopping the report worker failed")


# --- entry points ---------------------------------------------------------------------------


def make_app(services: Services | None, config: AppConfig, *, clock: Clock | None = None,
             start_worker: bool = True) -> SmsConsoleApp:
    """The one factory. Tests pass services built on a seeded database with a fixed
    clock (and ``start_worker=False``); ``services=None`` opens the database from the
    config after the first paint."""
    factory = None
    if services is None:
        def factory() -> Services:
            from smsconsole.services import build

            return build(config.db_url, config.data_dir, clock)

    return SmsConsoleApp(services, config, clock=clock, start_worker=start_worker,
                         services_factory=factory)


def run_console(cfg: AppConfig) -> int:
    """``smsconsole``: draw the login (or wizard) screen, then open the database."""
    from smsconsole.widgets.unexpected import log_to_file

    log_to_file(cfg.data_dir)
    app = make_app(None, cfg)
    try:
        app.run()
    finally:
        app.shutdown()
    return app.return_code or 0


__all__ = ["SmsConsoleApp", "MainScreen", "make_app", "run_console", "ConsoleCommands"]
