"""The page shown for a menu entry whose module is not written yet ("coming")."""

from __future__ import annotations

from textual.app import ComposeResult

from smsconsole.screens.base import MenuPage
from smsconsole.widgets.labels import Tr


class PlaceholderPage(MenuPage):
    """Says the page is coming; the breadcrumb above names it."""

    def compose(self) -> ComposeResult:
        yield Tr("placeholder.coming", classes="placeholder")
