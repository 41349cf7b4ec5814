"""``MenuPage``: what every menu page gets from the shell. See ``smsconsole.screens``.

A minimal page::

    class PackagesPage(MenuPage):
        BINDINGS = [keybind("n", "new", "packages.new")]

        def compose(self):
            yield PagedTable([Column("name", "packages.col.name"),
                              Column("price", "packages.col.price", align="right",
                                     render=lambda p: fen(p.price_fen))],
                             fetch=lambda cursor, backward, limit:
                                 self.services.packages.page(cursor=cursor, limit=limit,
                                                             backward=backward))

        def action_new(self):
            ...
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from textual.containers import Container
from textual.screen import ModalScreen
from textual.worker import Worker

from smsconsole.i18n import get_lang, t
from smsconsole.screens.threads import run_in_thread
from smsconsole.widgets.labels import keybind, translate_bindings
from smsconsole.widgets.paged_table import PagedTable
from smsconsole.widgets.unexpected import unexpected

if TYPE_CHECKING:
    from smsconsole.screens import MenuEntry
    from smsconsole.services import Services
    from smsconsole.services.context import Actor

log = logging.getLogger(__name__)


class MenuPage(Container):
    """Base of every page in the content area.

    Attributes: ``services`` (the ``Services`` facade), ``actor`` (the logged-in admin,
    for every admin action), ``entry`` (its ``MenuEntry``), ``lang`` (current language).
    """

    DEFAULT_CLASSES = "menu-page"
    BINDINGS = [keybind("r", "refresh", "page.refresh")]

    def __init__(self, services: Services, actor: Actor, *, entry: MenuEntry | None = None,
                 id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id or (f"page-{entry.id}" if entry else None), classes=classes)
        self.services = services
        self.actor = actor
        self.entry = entry

    @property
    def lang(self) -> str:
        return get_lang()

    @property
    def page_id(self) -> str:
        return self.entry.id if self.entry else ""

    def on_mount(self) -> None:
        translate_bindings(self)

    # --- shown / refreshed -------------------------------------------------------------

    def refresh_data(self) -> None:
        """Called when the page is shown and on ``r``. Default: reload every PagedTable
        of the page, keeping its position (the first time: its first page)."""
        for table in self.query(PagedTable):
            table.reload(keep_position=True)

    def action_refresh(self) -> None:
        self.refresh_data()

    def set_filters(self, **filters: Any) -> None:
        """Filters from another page (``open_page(id, **filters)``); store and show them.
        ``refresh_data()`` follows. The default ignores them."""
        if filters:
            log.info("%s ignores filters %r", type(self).__name__, filters)

    def clear_filter(self) -> bool:
        """``esc``: clear a filter; True if there was one (else the shell goes home)."""
        cleared = False
        for table in self.query(PagedTable):
            cleared = table.clear_filter() or cleared
        return cleared

    def focus_default(self) -> None:
        """Focus something useful when the page is shown (first table, else first focusable)."""
        tables = list(self.query(PagedTable))
        if tables:
            tables[0].focus()
            return
        for widget in self.query("*"):
            if widget.focusable:
                widget.focus()
                return

    def on_language_changed(self) -> None:
        """Re-label after a language switch (Tr, PagedTable and FormView follow by
        themselves; override for anything else)."""

    def command_palette_commands(self) -> list[tuple[str, Callable[[], Any]]]:
        """``[(title, callback)]`` offered in the command palette while the page is shown."""
        return []

    # --- navigation --------------------------------------------------------------------

    def open_page(self, page_id: str, **filters: Any) -> None:
        """Show another page, handing it filters (``set_filters``)."""
        self.app.open_page(page_id, **filters)  # type: ignore[attr-defined]

    @property
    def modal_open(self) -> bool:
        """True while a dialog covers the page (live panels pause then)."""
        return isinstance(self.app.screen, ModalScreen)

    @property
    def is_current(self) -> bool:
        """True when this page is the one shown."""
        return self.display and self.screen is self.app.screen

    # --- messages ----------------------------------------------------------------------

    def notify_ok(self, key: str, **params: Any) -> None:
        self.app.notify(t(key, **params))

    def show_error(self, exc: BaseException) -> None:
        """A ServiceError in the current language; anything else as an unexpected error
        (logged with its traceback)."""
        from smsconsole.services.errors import ServiceError

        if isinstance(exc, ServiceError):
            self.app.notify(exc.message(), severity="error", timeout=8)
        else:
            self.app.notify(unexpected(exc, type(self).__name__), severity="error",
                            timeout=8)

    # --- work --------------------------------------------------------------------------

    def run_service(self, fn: Callable[..., Any], *args: Any,
                    on_done: Callable[[Any], None] | None = None,
                    on_error: Callable[[BaseException], None] | None = None,
                    group: str = "service", exclusive: bool = False,
                    **kwargs: Any) -> Worker | None:
        """Run ``fn(*args, **kwargs)`` in a thread worker; ``on_done(result)`` or
        ``on_error(exc)`` (default: ``show_error``) then run on the UI thread.

        ``exclusive`` (loads only): a new call in the same ``group`` cancels the previous
        one, whose result is then dropped, so only the latest load is shown. Never for a
        write: its commit happens anyway, and its message, refresh or error must not be
        lost to the next action. Nothing is delivered once the page is unmounted.
        """
        return run_in_thread(self, fn, *args, on_done=on_done,
                             on_error=on_error or self.show_error, group=group,
                             exclusive=exclusive, **kwargs)


def palette_commands(page: MenuPage,
                     extra: Sequence[tuple[str, str]] = ()) -> list[tuple[str, Callable]]:
    """A page's command-palette entries, titled "menu › action": ``extra``
    (``(label_key, action)`` pairs, e.g. the enter action) then every binding of the
    page class whose id starts with the page id (so every key is also in the palette)."""
    menu = t(page.entry.label_key) if page.entry else ""
    out: list[tuple[str, Callable]] = []
    seen: set[str] = set()
    pairs = list(extra) + [(f"key.{b.id}", b.action) for b in type(page).BINDINGS
                           if b.id and b.id.startswith(page.page_id + ".")]
    for label_key, action in pairs:
        if action in seen or not hasattr(page, f"action_{action}"):
            continue
        seen.add(action)
        title = f"{menu} › {t(label_key)}" if menu else t(label_key)
        out.append((title, getattr(page, f"action_{action}")))
    return out


__all__ = ["MenuPage", "palette_commands"]
