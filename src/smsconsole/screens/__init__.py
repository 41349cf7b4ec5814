"""The console's menus and the page contract (product.md §2).

``MENU`` lists every page of the left-hand menu, in the manual's order. The app imports
a page's module only when the page is first opened; while a module does not exist yet
the entry shows ``screens.placeholder.PlaceholderPage`` ("coming").

Writing a page (one module per menu, ``screens/<module>.py``)
------------------------------------------------------------
* Subclass ``smsconsole.screens.base.MenuPage`` (a Container) under the class name given
  here. The shell builds it as ``cls(services, actor, entry=entry)`` and mounts it in the
  content area; it is dropped (unmounted) at log out.
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

from dataclasses import dataclass


@dataclass(frozen=True)
class MenuEntry:
    """One page of the menu: ``key`` opens it from anywhere, ``label_key`` is its catalog
    key, ``module``/``cls`` where the page class lives, ``group_key`` the catalog key of
    the menu group it sits under (None at top level)."""

    id: str
    key: str
    label_key: str
    module: str
    cls: str
    group_key: str | None = None


_S = "smsconsole.screens."

MENU: list[MenuEntry] = [
    MenuEntry("home", "1", "menu.home", _S + "home", "HomePage"),
    MenuEntry("site", "C", "menu.site", _S + "site_config", "SiteConfigPage", "menu.group.init"),
    MenuEntry("access", "A", "menu.access", _S + "aliyun_access", "AliyunAccessPage",
              "menu.group.init"),
    MenuEntry("payment", "P", "menu.payment", _S + "payment_config", "PaymentConfigPage",
              "menu.group.init"),
    MenuEntry("users", "2", "menu.users", _S + "users", "UsersPage"),
    MenuEntry("signatures", "3", "menu.signatures", _S + "signatures", "SignaturesPage"),
    MenuEntry("templates", "4", "menu.templates", _S + "templates", "TemplatesPage"),
    MenuEntry("packages", "5", "menu.packages", _S + "packages", "PackagesPage"),
    MenuEntry("orders", "6", "menu.orders", _S + "orders", "OrdersPage"),
    MenuEntry("finance", "7", "menu.finance", _S + "finance", "FinancePage"),
    MenuEntry("tasks", "8", "menu.tasks", _S + "send_tasks", "SendTasksPage", "menu.group.sending"),
    MenuEntry("records", "9", "menu.records", _S + "send_records", "SendRecordsPage",
              "menu.group.sending"),
    MenuEntry("stats", "0", "menu.stats", _S + "statistics", "StatisticsPage", "menu.group.stats"),
    MenuEntry("query", "F", "menu.query", _S + "record_query", "RecordQueryPage",
              "menu.group.stats"),
    MenuEntry("risk", "R", "menu.risk", _S + "risk_control", "RiskControlPage"),
    MenuEntry("adminlog", "L", "menu.adminlog", _S + "admin_log", "AdminLogPage"),
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
    """The page class of an entry; ``PlaceholderPage`` while its module is not written.

    Only a missing module (or class) falls back: an error inside an existing page module
    propagates, so a broken page is noticed rather than hidden.
    """
    import importlib

    try:
        module = importlib.import_module(item.module)
    except ModuleNotFoundError as exc:
        if exc.name != item.module:
            raise
        module = None
    cls = getattr(module, item.cls, None) if module is not None else None
    if cls is None:
        from smsconsole.screens.placeholder import PlaceholderPage

        return PlaceholderPage
    return cls


__all__ = ["MenuEntry", "MENU", "LOGOUT_KEY", "LOGOUT_LABEL_KEY", "HOME", "entry",
           "load_page_class"]
