"""One list-page framework (issue 14): every list page of the menu is a ``ListPage``,
row actions are bound methods (no ``getattr(self, f"_{choice}")`` dispatch), and a
list page's filter form resolves a user through ``services.users.resolve``."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

import smsconsole.screens as screens_pkg
from smsconsole.screens import entry, load_page_class
from smsconsole.screens.list_page import ListPage, memory_page

LIST_PAGES = ["users", "signatures", "templates", "packages", "orders", "finance", "tasks",
              "records", "adminlog"]
SCREENS = Path(screens_pkg.__file__).parent


@pytest.mark.parametrize("page_id", LIST_PAGES)
def test_every_list_page_is_a_list_page(page_id):
    cls = load_page_class(entry(page_id))
    assert issubclass(cls, ListPage), cls
    assert cls.fetch is not ListPage.fetch, "a list page says how it fetches"


def test_every_risk_list_is_a_list_page():
    """The risk page (``h``/``w``/``b``) shows one of three lists, each a ``ListPage``;
    the page builds no table of its own."""
    from smsconsole.screens.risk import RiskControlPage

    assert load_page_class(entry("risk")) is RiskControlPage
    assert [cls.MODE for cls in RiskControlPage.LISTS] == ["held", "words", "blacklist"]
    for cls in RiskControlPage.LISTS:
        assert issubclass(cls, ListPage), cls
        assert cls.fetch is not ListPage.fetch, cls
    assert "PagedTable(" not in (SCREENS / "risk.py").read_text(encoding="utf-8")


def test_no_string_dispatch_of_row_actions_and_one_list_base():
    dispatch = re.compile(r"getattr\(self,\s*f[\"']_")
    for path in SCREENS.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert not dispatch.search(text), f"{path.name} dispatches actions by name"
        assert "DataListPage" not in text, path.name
    assert not (SCREENS / "dialogs" / "users_common.py").exists()
    assert not (SCREENS / "dialogs" / "records_list.py").exists()


def test_no_screen_keeps_its_own_user_lookup():
    for path in SCREENS.rglob("*.py"):
        assert "def resolve_user" not in path.read_text(encoding="utf-8"), path.name


def test_list_page_docstring_says_how_to_add_a_list_page():
    doc = inspect.getdoc(inspect.getmodule(ListPage)) or ""
    assert "How to add a list page" in doc
    assert "screens/<page id>.py" in doc and "check_filter" in doc


def test_memory_page_pages_both_ways():
    rows = list(range(7))
    first = memory_page(rows, None, False, 3)
    assert (first.rows, first.has_next, first.has_prev) == ([0, 1, 2], True, False)
    second = memory_page(rows, first.last, False, 3)
    assert (second.rows, second.has_next, second.has_prev) == ([3, 4, 5], True, True)
    last = memory_page(rows, second.last, False, 3)
    assert (last.rows, last.has_next) == ([6], False)
    back = memory_page(rows, last.first, True, 3)
    assert back.rows == [3, 4, 5]
