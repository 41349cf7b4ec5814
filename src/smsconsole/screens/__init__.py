"""The console's menus and the page contract (product.md §2).

``MENU`` lists every page of the left-hand menu, in the manual's order. The app imports
a page's module only when the page is first opened.

Writing a page (one module per menu, ``screens/<module>.py``)
------------------------------------------------------------
* Subclass ``smsconsole.screens.base.MenuPage`` (a Container), in ``screens/<page id>.py``,
  and add its ``MenuEntry`` with a loader function here. The shell builds it as ``cls(services, actor, entry=entry)`` and mounts it in the
  content area; it is dropped (unmounted) at log out.
* A list page (a filtered, paged table with row actions) subclasses
  ``smsconsole.screens.list_page.ListPage`` instead: its docstring says how to add one.
* ``compose()`` yields the page's widgets: usually a ``widgets.PagedTable`` (a keyset page
  at a time, fetched in a thread) and, for actions, dialogs from ``screens.dialogs``
  (``FormDialog``, ``ConfirmDialog``, ``DetailDialog``, ``ProgressDialog``).
* ``refresh_data()`` is called each time the page is shown and on ``r``; the default
  reloads every PagedTable of the page, keeping the position.
* ``set_filters(**kw)`` (optional) receives filters from another page before the page is
  shown, e.g. home's counts call ``open_page("signatures", status=ReviewStatus.PENDING)``;
  store them and show them, don't fetch: ``refresh_data()`` follows.
* Blocking calls go through ``run_service(fn, *args, on_done=..., on_error=...)`` (a thread
  worker; the callbacks run on the UI thread). Never open sessions or import the store.
* Texts come from the catalogs (``i18n/<area>.toml``, keys prefixed with the page id,
  e.g. ``users.col.account``), both languages. Footer labels of bindings come from
  ``key.<binding id>`` (see ``widgets.labels``). ``on_language_changed()`` re-labels
  anything that is not a ``Tr``/``PagedTable``/``FormView`` (those follow by themselves).
* Keys: the shell owns digits ``0``-``9``, the capitals ``C A P F L R X``, ``?``, ``esc``,
  ``ctrl+l``, ``ctrl+p`` and ``ctrl+q``; don't bind those in pages. Page conventions
  (k9s/lazygit): ``enter`` open/view, ``n`` new, ``e`` edit, ``d`` delete (with a
  ConfirmDialog naming what goes), ``/`` filter, ``r`` refresh, ``x`` export,
  ``[``/``]`` pages, ``j``/``k`` move.
* ``command_palette_commands()`` returns ``[(title, callback), ...]`` offered in the
  command palette while the page is shown.
* ``focus_default()`` picks what has the focus when the page is shown (default: the first
  PagedTable). Prefer a table over a text field: a focused Input takes digits and
  capitals as typing, so the menu keys only work again after tab/esc.
* Changing a Button's label: ``widgets.labels.set_label(button, text)`` (Textual's
  ``Button.label`` repaints without re-laying out, so a longer label gets cut).

Keymap: any binding id can be remapped in the config file, e.g.::

    [keymap]
    "menu.users" = "u"          # open 用户管理 with u instead of 2
    "app.language" = "f9"

This module stays import-light (no Textual, no services): the app reads it before the
first paint.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class MenuEntry:
    """One page of the menu: ``key`` opens it from anywhere, ``label_key`` is its catalog
    key, ``page`` returns its class (``screens/<id>.py``), ``group_key`` the catalog key of
    the menu group it sits under (None at top level)."""

    id: str
    key: str
    label_key: str
    page: Callable[[], type]
    group_key: str | None = None


# Each page module is imported when its page is first opened, not at start-up: importing
# all sixteen (and what they import) would add to the time to the login form
# (bench: console.launch_to_login_drawn). Hence the small functions below.


def _home() -> type:
    from smsconsole.screens.home import HomePage

    return HomePage


def _site() -> type:
    from smsconsole.screens.site import SiteConfigPage

    return SiteConfigPage


def _access() -> type:
    from smsconsole.screens.access import AliyunAccessPage

    return AliyunAccessPage


def _payment() -> type:
    from smsconsole.screens.payment import PaymentConfigPage

    return PaymentConfigPage


def _users() -> type:
    from smsconsole.screens.users import UsersPage

    return UsersPage


def _signatures() -> type:
    from smsconsole.screens.signatures import SignaturesPage

    return SignaturesPage


def _templates() -> type:
    from smsconsole.screens.templates import TemplatesPage

    return TemplatesPage


def _packages() -> type:
    from smsconsole.screens.packages import PackagesPage

    return PackagesPage


def _orders() -> type:
    from smsconsole.screens.orders import OrdersPage

    return OrdersPage


def _finance() -> type:
    from smsconsole.screens.finance import FinancePage

    return FinancePage


def _tasks() -> type:
    from smsconsole.screens.tasks import SendTasksPage

    return SendTasksPage


def _records() -> type:
    from smsconsole.screens.records import SendRecordsPage

    return SendRecordsPage


def _stats() -> type:
    from smsconsole.screens.stats import StatisticsPage

    return StatisticsPage


def _query() -> type:
    from smsconsole.screens.query import RecordQueryPage

    return RecordQueryPage


def _risk() -> type:
    from smsconsole.screens.risk import RiskControlPage

    return RiskControlPage


def _adminlog() -> type:
    from smsconsole.screens.adminlog import AdminLogPage

    return AdminLogPage


MENU: list[MenuEntry] = [
    MenuEntry("home", "1", "menu.home", _home),
    MenuEntry("site", "C", "menu.site", _site, "menu.group.init"),
    MenuEntry("access", "A", "menu.access", _access, "menu.group.init"),
    MenuEntry("payment", "P", "menu.payment", _payment, "menu.group.init"),
    MenuEntry("users", "2", "menu.users", _users),
    MenuEntry("signatures", "3", "menu.signatures", _signatures),
    MenuEntry("templates", "4", "menu.templates", _templates),
    MenuEntry("packages", "5", "menu.packages", _packages),
    MenuEntry("orders", "6", "menu.orders", _orders),
    MenuEntry("finance", "7", "menu.finance", _finance),
    MenuEntry("tasks", "8", "menu.tasks", _tasks, "menu.group.sending"),
    MenuEntry("records", "9", "menu.records", _records, "menu.group.sending"),
    MenuEntry("stats", "0", "menu.stats", _stats, "menu.group.stats"),
    MenuEntry("query", "F", "menu.query", _query, "menu.group.stats"),
    MenuEntry("risk", "R", "menu.risk", _risk),
    MenuEntry("adminlog", "L", "menu.adminlog", _adminlog),
]

# 安全退出: not a page; the menu's last line.
LOGOUT_KEY = "X"
LOGOUT_LABEL_KEY = "menu.logout"

HOME = "home"


def entry(page_id: str) -> MenuEntry:
    """The menu entry of a page id (KeyError when unknown)."""
    for item in MENU:
        if item.id == page_id:
            return item
    raise KeyError(page_id)


def load_page_class(item: MenuEntry) -> type:
    """The page class of an entry (its module imported on first use)."""
    return item.page()


__all__ = ["MenuEntry", "MENU", "LOGOUT_KEY", "LOGOUT_LABEL_KEY", "HOME", "entry",
           "load_page_class"]
