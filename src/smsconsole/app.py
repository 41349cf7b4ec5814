"""The console's App: ``SmsConsoleApp`` (start-up, the session, the report worker's
lifecycle, language and help) and the entry points ``make_app`` (tests: given services,
a fixed clock) and ``run_console`` (the command: the login screen is drawn first, the
database layer is imported after).

Screens: ``SetupWizard`` until an admin exists, then ``LoginScreen``, then the shell's
``MainScreen`` (``shell.py``: header, menu, the current page, status line, footer).
Logging out replaces the MainScreen with a fresh LoginScreen, which unmounts every page
and drops what they held. The palette's commands are in ``commands.py``.

The report worker (status reports consumed while the console runs) lives here: it is
the session's, not a screen's — started at login, stopped at log out and at exit.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable
from functools import partial
from pathlib import Path
from time import monotonic
from typing import TYPE_CHECKING, Any

from textual.app import App
from textual.command import CommandPalette
from textual.screen import ModalScreen, Screen
from textual.theme import ThemeProvider

from smsconsole.i18n import get_lang, set_lang, t
from smsconsole.screens import HOME, LOGOUT_KEY, LOGOUT_LABEL_KEY, MENU
from smsconsole.screens.login import LoginScreen
from smsconsole.widgets.first_frame import FirstFrame
from smsconsole.widgets.keyorder import OrderedKeys
from smsconsole.widgets.labels import has_text, keybind, language_changed, translate_bindings
from smsconsole.widgets.unexpected import log_to_file

if TYPE_CHECKING:
    from smsconsole.clock import Clock
    from smsconsole.config import AppConfig
    from smsconsole.services import Services
    from smsconsole.services.context import Actor
    from smsconsole.shell import MainScreen

log = logging.getLogger(__name__)



# --- the app --------------------------------------------------------------------------------


_HERE = Path(__file__).parent
START_STYLES = ("screens/login.tcss", "screens/wizard.tcss")
PAGE_STYLES = tuple(sorted(
    path for path in (str(p.relative_to(_HERE)) for p in (_HERE / "screens").rglob("*.tcss"))
    if path not in START_STYLES))


def _console_commands() -> type:
    # Not at the top: the palette's provider (and what it imports) loads when the palette
    # opens (start-up time).
    from smsconsole.commands import ConsoleCommands

    return ConsoleCommands


class SmsConsoleApp(OrderedKeys, App):
    """Built by ``make_app`` (tests) or ``run_console`` (the command)."""

    # The shell's styles and the two first screens' (screens/**/<module>.tcss, beside the
    # module it styles); every other page's and dialog's are read once the first screen
    # is drawn (``load_page_styles``: start-up time). Reusable widgets keep theirs in
    # DEFAULT_CSS.
    CSS_PATH = ["app.tcss", *START_STYLES]
    TITLE = "smsconsole"
    COMMANDS = App.COMMANDS | {_console_commands}
    BINDINGS = [
        keybind("question_mark,f1", "help", "app.help"),
        keybind("ctrl+l", "toggle_language", "app.language"),
    ]

    def action_command_palette(self) -> None:
        """The palette with its own texts in the console's language."""
        if self.use_command_palette and not CommandPalette.is_open(self):
            from smsconsole.widgets.palette import ConsolePalette  # when opened (start-up)

            self.push_screen(ConsolePalette(id="--command-palette"))

    def search_themes(self) -> None:
        """Textual's theme picker (the palette's Theme command) with the placeholder in
        the console's language."""
        from smsconsole.widgets.palette import ConsolePalette

        self.push_screen(ConsolePalette(providers=[ThemeProvider],
                                        placeholder=t("palette.theme_placeholder")))

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
        self.first_frame_drawn = False
        self._early_dashboard: tuple[Any, float] | None = None
        set_lang(config.lang)
        if config.keymap:
            self.set_keymap(config.keymap)

    # --- start-up ---------------------------------------------------------------------------

    def get_default_screen(self) -> Screen:
        """The command's first screen is the App's own (the login, or the wizard): Textual
        draws it in its start-up batch, where a screen pushed from ``on_mount`` is drawn
        one frame later (~70 ms here). Given services (tests), a blank one as usual."""
        if self.services is not None:
            return super().get_default_screen()
        screen = self._first_screen_guess()
        # ``switch_screen`` (``_replace``) pops the result callback a push leaves; the
        # default screen was never pushed.
        screen._push_result_callback(self, None)
        return screen

    def on_mount(self) -> None:
        translate_bindings(self, deep=False)
        if self.services is not None:
            self.load_page_styles()
            self._services_up(self.services, self.services.auth.is_set_up())

    def on_ready(self) -> None:
        # Start-up runs in one of Textual's batches (nothing is drawn until it ends):
        # registered now, after it, the refresh waited for is the first frame's.
        self.call_after_refresh(self._first_frame_drawn)

    def _first_frame_drawn(self) -> None:
        """The first screen is on the terminal: tell it, read the other styles and open
        the database in a thread (a thread importing SQLAlchemy would compete with the
        first paint for the GIL)."""
        self.first_frame_drawn = True
        for screen in self.screen_stack:  # the first screen, under a dialog opened at once
            screen.post_message(FirstFrame())
        self.load_page_styles()
        if self.services is None:
            self._build_services()
        _resume_collector()

    def load_page_styles(self) -> None:
        """Read the pages' and dialogs' styles (``PAGE_STYLES``) if not yet read."""
        added = False
        for path in PAGE_STYLES:
            full = str(_HERE / path)
            if not self.stylesheet.has_source(full, ""):
                self.stylesheet.read(full)
                added = True
        if added:
            self.stylesheet.parse()  # the sources read before stay parsed (cached)
            self.stylesheet.update(self)

    def _first_screen_guess(self) -> Screen:
        """Before the database is open: a SQLite file that does not exist yet means the
        wizard; anything else shows the login screen (corrected once the services are up)."""
        url = getattr(self.config, "db_url", "")
        if url.startswith("sqlite:///"):
            path = Path(url.removeprefix("sqlite:///"))
            if not path.exists():
                # Not at the top: only a first launch draws the wizard (start-up time).
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
                # Read the dashboard while the admin types the password: home draws
                # with these numbers at once after login (``take_early_dashboard``).
                try:
                    self._early_dashboard = (services.stats.dashboard(), monotonic())
                except Exception:  # noqa: BLE001 - only a head start
                    log.debug("dashboard warm-up failed", exc_info=True)
                # And the shell's modules (the pages' base, home): imported here, not on
                # the UI thread between the login's Enter and home.
                import smsconsole.shell  # noqa: F401

        self.run_worker(build, thread=True, name="open database", exit_on_error=False)

    def _services_failed(self, exc: BaseException) -> None:
        message = getattr(exc, "message", None)
        text = message() if callable(message) else (str(exc).strip().splitlines() or [""])[0]
        self.exit(return_code=1, message=f"smsconsole: {text or type(exc).__name__}")

    def _services_up(self, services: Services, set_up: bool) -> None:
        # Not at the top: widgets.format (babel) is not needed to draw the login
        # (start-up time).
        from smsconsole.widgets.format import set_timezone

        self.services = services
        set_timezone(services.ctx.clock.tz)

        base = [s for s in self.screen_stack
                if not _blank(s) and not isinstance(s, ModalScreen)]
        current = base[-1] if base else None
        wanted: type[Screen] = LoginScreen
        if not set_up:
            # Not at the top: the wizard's module only when it is the screen (~40 ms on
            # the UI thread while the admin types the login).
            from smsconsole.screens.wizard import SetupWizard

            wanted = SetupWizard
        if not isinstance(current, wanted):
            while isinstance(self.screen, ModalScreen):  # e.g. ? opened while starting
                self.pop_screen()
            self._replace(wanted())
        waiting, self._waiting = self._waiting, []
        for callback in waiting:
            callback(services)

    def _replace(self, screen: Screen) -> None:
        """A new base screen (login, wizard, shell) in place of the current one (not of
        the blank default screen)."""
        if not _blank(self.screen_stack[0]) or len(self.screen_stack) > 1:
            self.switch_screen(screen)
        else:
            self.push_screen(screen)

    def take_early_dashboard(self) -> tuple[Any, float] | None:
        """The dashboard read while the login was typed, and its age in seconds; once
        (home's first draw), and only in this session's first minute."""
        early, self._early_dashboard = self._early_dashboard, None
        if early is None or self.actor is None:
            return None
        age = monotonic() - early[1]
        return (early[0], age) if age < 60 else None

    def when_ready(self, callback: Callable[[Services], None]) -> None:
        """``callback(services)`` now, or as soon as the database is open."""
        if self.services is not None:
            callback(self.services)
        else:
            self._waiting.append(callback)

    # --- session and the report worker (started at login, stopped at log out and exit) ---------------------------------------------------------------------------

    def setup_done(self, login_id: str) -> None:
        """The wizard finished: log in with the new account."""
        self._replace(LoginScreen(login_id, notice_key="wizard.done"))

    def logged_in(self, actor: Actor) -> None:
        # Not at the top: the shell (and home, which it shows first) after login
        # (start-up time).
        from smsconsole.shell import MainScreen

        self.actor = actor
        self._replace(MainScreen(self.services, actor))  # type: ignore[arg-type]
        self._start_report_worker()

    def action_logout(self) -> None:
        """安全退出, after a confirmation."""
        if self.actor is None:
            return
        # Not at the top: dialogs are for after login (start-up time).
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
            try:  # not at the top: the database layer loads after the first paint
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

        # Not at the top: screens.base (the pages' base, its table widget) after login
        # (start-up time).
        from smsconsole.screens.threads import run_in_thread

        run_in_thread(self, start, on_done=started, on_error=failed, group="report-worker")

    # --- navigation --------------------------------------------------------------------------

    @property
    def main_screen(self) -> MainScreen | None:
        # Not at the top: the shell is imported at login (start-up time).
        from smsconsole.shell import MainScreen

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
        # Not at the top: dialogs are loaded on first use (start-up time).
        from smsconsole.screens.dialogs.help_keys import KeysDialog

        if isinstance(self.screen, ModalScreen):
            return
        self.load_page_styles()
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


def _translated_binding(binding: Any) -> bool:
    """Ours (``key.<id>`` in a catalog) or one of Textual's that we label."""
    if binding.id:
        return has_text(f"key.{binding.id}")
    return binding.action in ("app.command_palette", "command_palette", "quit", "app.quit")


def _key_label(key: str) -> str:
    names = {"question_mark": "?", "slash": "/", "left_square_bracket": "[",
             "right_square_bracket": "]"}
    return names.get(key, key)


def _blank(screen: Screen) -> bool:
    """Textual's default screen, under the base screen when services were given (tests);
    the command's first screen is the App's own (``get_default_screen``)."""
    return type(screen) is Screen


def _resume_collector() -> None:
    """The garbage collector back on if ``cmd_console`` paused it for the start-up (its
    passes cost ~15 ms of a ~300 ms launch here, and start-up makes objects, not garbage);
    what start-up made lives as long as the program: frozen, full passes skip it."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()


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
            # Not at the top: the database layer loads after the first paint (start-up).
            from smsconsole.services import build

            return build(config.db_url, config.data_dir, clock)

    return SmsConsoleApp(services, config, clock=clock, start_worker=start_worker,
                         services_factory=factory)


def run_console(cfg: AppConfig) -> int:
    """``smsconsole``: draw the login (or wizard) screen, then open the database."""
    log_to_file(cfg.data_dir)
    app = make_app(None, cfg)
    try:
        app.run()
    finally:
        app.shutdown()
    return app.return_code or 0


__all__ = ["SmsConsoleApp", "make_app", "run_console"]
