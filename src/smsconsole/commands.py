"""The command palette's console commands (``ctrl+p``): every page of the menu (with its
group, so the manual's words find it, in both languages), the shown page's own actions,
log out, language and help. Textual's system commands (theme, keys, quit, ...) are
translated in ``widgets.palette``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.command import DiscoveryHit, Hit, Hits, Provider

from smsconsole.i18n import get_lang, t
from smsconsole.screens import LOGOUT_KEY, LOGOUT_LABEL_KEY, MENU, MenuEntry

if TYPE_CHECKING:
    from smsconsole.app import SmsConsoleApp


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


def _menu_path(item: MenuEntry, lang: str | None = None) -> str:
    label = t(item.label_key, lang)
    return f"{t(item.group_key, lang)} › {label}" if item.group_key else label


__all__ = ["ConsoleCommands"]
