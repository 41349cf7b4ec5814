"""配置信息 (product.md §2.4): what the public pages show — logo, company, address,
email, phone. View and edit (``e``); the sign-up defaults (``d``). On the settings pages'
base (``settings_page.py``).
"""

from __future__ import annotations

from typing import Any

from smsconsole.screens.base import palette_commands
from smsconsole.screens.dialogs import Field, FormDialog
from smsconsole.screens.settings_page import SettingsPage
from smsconsole.services.settings import SiteInput
from smsconsole.widgets.labels import keybind


class SiteConfigPage(SettingsPage):
    BINDINGS = [keybind("e", "edit", "site.edit"), keybind("d", "signup", "site.signup")]
    intro_key = "site.intro"
    empty_key = "site.empty"

    def load(self) -> Any:
        return self.services.settings.site()

    def load_signup(self) -> dict[str, int]:
        return self.services.settings.signup_defaults()

    def pairs(self, site) -> list[tuple[str, Any]]:
        return [("site.f.logo_path", site.logo_path or "—"), ("site.f.company", site.company),
                ("site.f.address", site.address or "—"), ("site.f.email", site.email or "—"),
                ("site.f.phone", site.phone or "—"), ("site.f.updated_at", site.updated_at)]

    def action_signup(self) -> None:
        """The sign-up defaults (the portal's new customers' signature/template limits)."""
        self.run_service(self.load_signup, on_done=self._edit_signup, group="site-signup")

    def _edit_signup(self, current: dict[str, int]) -> None:
        def save(values: dict):
            return self.services.settings.set_signup_defaults(self.actor, values)

        def saved(result) -> None:
            if result is not None:
                self.notify_ok("site.signup.done")

        self.app.push_screen(FormDialog("site.signup.title", [
            Field(key, f"site.f.{key}", value=str(current[key]), required=True,
                  help_key="site.f.signup.help")
            for key in ("default_max_signatures", "default_max_templates")
        ], save), saved)

    def action_edit(self) -> None:
        if not self.loaded:
            return
        site = self.data

        def value(name: str) -> str:
            return getattr(site, name, "") if site is not None else ""

        def save(values: dict):
            return self.services.settings.update_site(self.actor, SiteInput(**values))

        def saved(row) -> None:
            if row is not None:
                self.notify_ok("site.edit.done")
                self.refresh_data()

        self.app.push_screen(FormDialog("site.edit.title", [
            Field("logo_path", "site.f.logo_path", value=value("logo_path"),
                  help_key="site.f.logo_path.help"),
            Field("company", "site.f.company", value=value("company"), required=True),
            Field("address", "site.f.address", value=value("address")),
            Field("email", "site.f.email", value=value("email")),
            Field("phone", "site.f.phone", value=value("phone"), help_key="site.f.phone.help"),
        ], save, intro_key="site.intro"), saved)

    def command_palette_commands(self):
        return palette_commands(self)


__all__ = ["SiteConfigPage"]
