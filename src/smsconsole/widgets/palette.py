"""The command palette in the console's language: Textual's ``CommandPalette`` writes its
placeholder and "No matches found" in English, and its system commands (Quit, Theme,
Keys, …) too; here they come from the i18n catalogs."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.align import Align
from rich.text import Text
from textual.command import CommandList, CommandPalette
from textual.widgets.option_list import Option

from smsconsole.i18n import has_key, t


class ConsolePalette(CommandPalette):
    """``CommandPalette`` with the catalog's placeholder and no-match line."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("placeholder", t("palette.placeholder"))
        super().__init__(**kwargs)

    def _start_no_matches_countdown(self, search_value: str) -> None:
        # Textual's own, with the line from the catalog (its text is not a parameter).
        self._stop_no_matches_countdown()

        def show() -> None:
            if search_value:
                self.query_one(CommandList).add_option(Option(
                    Align.center(Text(t("palette.no_matches"), style="not bold")),
                    disabled=True, id=self._NO_MATCHES))
                self._list_visible = True
            else:
                self._list_visible = False

        self._no_matches_timer = self.set_timer(self._NO_MATCHES_COUNTDOWN, show)


def translated_system_commands(commands: Iterable[Any]) -> Iterable[Any]:
    """Textual's system commands with the catalog's title and help
    (``palette.sys.<title>`` / ``palette.sys.<title>.help``) where it has them."""
    for command in commands:
        key = f"palette.sys.{command.title.lower()}"
        if has_key(key):
            help_key = f"{key}.help" if has_key(f"{key}.help") else ""
            command = command._replace(title=t(key),
                                       help=t(help_key) if help_key else command.help)
        yield command
