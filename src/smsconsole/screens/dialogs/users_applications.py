"""查看签名 / 查看模板: one user's signatures or templates in every status, with delete
(``d``, after a confirmation naming what goes).

A modal screen, so not a ``ListPage`` (a container of the content area): its short,
unpaged list, loading and ``esc`` come from ``UserListDialog`` (``users_holdings.py``),
which the holdings dialog shares; it has no search, filters or export."""

from __future__ import annotations

from typing import Any

from smsconsole.i18n import t
from smsconsole.screens.dialogs.confirm import confirm
from smsconsole.screens.dialogs.users_holdings import UserListDialog
from smsconsole.screens.threads import run_in_thread
from smsconsole.widgets.format import dt, enum_label
from smsconsole.widgets.labels import keybind

SIGNATURE_COLUMNS = ("name", "type", "status", "reason", "origin", "applied")
TEMPLATE_COLUMNS = ("name", "code", "type", "status", "reason", "origin", "applied")


def kind_label(kind: str, value: str) -> str:
    """A signature type or template type value in the current language."""
    key = f"enum.{'sign_type' if kind == 'signature' else 'sms_type'}.{value}"
    label = t(key)
    return value if label == key else label


class UserApplicationsDialog(UserListDialog):
    BINDINGS = [
        keybind("d", "delete", "users.apps.delete"),
        keybind("escape,q", "close", "users.apps.close"),
    ]

    def __init__(self, services, actor, user, kind: str) -> None:
        super().__init__(services, actor, user)
        self.kind = kind  # "signature" | "template"
        self.title_key = f"users.apps.{kind}.title"
        self.label_prefix = f"users.apps.{kind}"
        self.columns = SIGNATURE_COLUMNS if kind == "signature" else TEMPLATE_COLUMNS

    @property
    def service(self):
        return self.services.signatures if self.kind == "signature" else self.services.templates

    def fetch(self) -> list[Any]:
        return self.service.for_user(self.user.id)

    def cells(self, row) -> list[Any]:
        out = [row.name]
        if self.kind == "template":
            out.append(row.code)
        out += [kind_label(self.kind, row.kind), enum_label(row.status), row.reason,
                enum_label(row.origin), dt(row.applied_at)]
        return out

    def action_delete(self) -> None:
        row = self.selected
        if row is None:
            return
        message = t(f"users.apps.{self.kind}.delete_confirm", name=row.name, code=row.code,
                    account=self.user.account, status=enum_label(row.status))

        def deleted(_result) -> None:
            self.changed = True
            self.app.notify(t(f"users.apps.{self.kind}.deleted", name=row.name,
                              account=self.user.account))
            self.load()

        def go() -> None:
            run_in_thread(self, self.service.delete, self.actor, row.id, on_done=deleted,
                          on_error=self._failed, group="list-delete")

        confirm(self, message, go, confirm_key="users.apps.delete_yes")


__all__ = ["UserApplicationsDialog", "kind_label"]
