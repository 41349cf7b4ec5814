"""用户管理 (product.md §2.5): registered users with their remaining quota per type.

Actions on the selected user: edit (incl. signature/template limits), allocate a package
(分配短信包), allocation records (分配记录, with status changes), the user's signatures
and templates (with delete), freeze with a reason / restore.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from smsconsole.i18n import t
from smsconsole.screens.base import palette_commands
from smsconsole.screens.dialogs import Field, FormDialog
from smsconsole.screens.dialogs.confirm import confirm
from smsconsole.screens.dialogs.users_applications import UserApplicationsDialog
from smsconsole.screens.dialogs.users_gateway import GatewayKeysDialog
from smsconsole.screens.dialogs.users_holdings import HoldingsDialog
from smsconsole.screens.list_page import ListPage
from smsconsole.screens.risk import customer_pairs, edit_limits
from smsconsole.services.users import UserFilter, UserUpdate
from smsconsole.store.enums import SmsType, UserStatus
from smsconsole.widgets import Column, keybind
from smsconsole.widgets.format import enum_label, num, valid_through

QUOTA_COLUMNS = (SmsType.GENERAL, SmsType.NOTIFICATION, SmsType.VERIFICATION, SmsType.PROMOTION)


def _quota(sms_type: SmsType):
    return lambda row: num(row.remaining.get(sms_type, 0))


def sms_type_choices(types=QUOTA_COLUMNS) -> list[tuple[str, str]]:
    return [(st.value, f"enum.sms_type.{st.value}") for st in types]


class UsersPage(ListPage):
    FILTER = UserFilter
    FILTER_PREFIX = "users"
    QUICK_KEY = "users.search.placeholder"
    NO_ROW_KEY = "users.no_row"
    APPLY_KEY = "users.filters.apply"
    FORM_TAKES_QUICK = False  # the search stays apart from the status filter
    COLUMNS = [
        Column("account", "users.col.account"),
        Column("name", "users.col.name"),
        Column("company", "users.col.company", give_way=1),
        Column("phone", "users.col.phone"),
        Column("status", "users.col.status"),
        *[Column(f"q_{st.value}", f"users.col.q_{st.value}", align="right",
                 render=_quota(st)) for st in QUOTA_COLUMNS],
        Column("registered_at", "users.col.registered"),
        Column("email", "users.col.email"),
        Column("registered_via", "users.col.via",
               render=lambda row: t(f"users.via.{row.registered_via}")),
        Column("last_login_at", "users.col.last_login"),
    ]
    BINDINGS = [
        keybind("e", "edit", "users.edit"),
        keybind("a", "allocate", "users.allocate"),
        keybind("h", "holdings", "users.holdings"),
        keybind("s", "signatures", "users.signatures"),
        keybind("t", "templates", "users.templates"),
        keybind("z", "freeze", "users.freeze"),
        keybind("f", "filters", "users.filters"),
    ]

    # --- data --------------------------------------------------------------------------

    def fetch(self, flt: UserFilter, cursor, backward: bool, limit: int):
        return self.services.users.page(flt, cursor, limit, backward=backward)

    def effective_filter(self) -> UserFilter:
        return replace(self.flt, search=self.quick)

    def filter_parts(self) -> list:
        return [("users.f.status", self.flt.status)]

    def filter_value(self, name: str, value: Any) -> Any:
        return UserStatus(value) if name == "status" and value else value

    def _changed(self, key: str, **params: Any) -> None:
        self.notify_ok(key, **params)
        self.refresh_data()

    # --- filters -----------------------------------------------------------------------

    def action_filters(self) -> None:
        def submit(values: dict) -> UserFilter:
            return replace(self.flt, status=UserStatus(values["status"]) if values["status"]
                           else None)

        status = self.flt.status
        self.open_filters("users.filters.title", [
            Field("status", "users.f.status", kind="select",
                  value=status.value if status else None,
                  choices=[(s.value, f"enum.user_status.{s.value}") for s in UserStatus],
                  help_key="users.f.status.help"),
        ], submit)

    # --- view --------------------------------------------------------------------------

    def show_detail(self, row) -> None:
        """The user with their risk-control side (limits, opt-outs, recent hits)."""
        self.run_service(self.services.risk.customer, row.id, group="detail",
                         on_done=lambda risk: self._show_detail(row, risk))

    def _show_detail(self, row, risk) -> None:
        pairs: list[tuple[str, Any]] = [
            ("users.col.account", row.account), ("users.col.name", row.name),
            ("users.col.company", row.company), ("users.col.phone", row.phone),
            ("users.col.email", row.email), ("users.col.registered", row.registered_at),
            ("users.col.status", row.status),
            ("users.col.via", t(f"users.via.{row.registered_via}")),
            ("users.col.last_login", row.last_login_at),
        ]
        if row.status == UserStatus.FROZEN:
            pairs.append(("users.f.reason", row.freeze_reason))
        pairs += [("users.f.max_signatures", row.max_signatures),
                  ("users.f.max_templates", row.max_templates)]
        pairs += [(f"users.col.q_{st.value}", row.remaining.get(st, 0)) for st in QUOTA_COLUMNS]
        pairs += customer_pairs(risk)
        actions = [("e", "key.users.edit", self._edit),
                   ("a", "key.users.allocate", self._allocate),
                   ("h", "key.users.holdings", self._holdings),
                   ("s", "key.users.signatures", self._signatures),
                   ("t", "key.users.templates", self._templates),
                   ("k", "key.users.gateway", self._gateway),
                   ("l", "key.users.limits", self._limits),
                   ("z", "users.action.restore" if row.status == UserStatus.FROZEN
                    else "users.action.freeze", self._freeze)]
        self.show_actions("users.detail.title", pairs, actions, row, account=row.account)

    def _limits(self, row) -> None:
        edit_limits(self, row)

    # --- actions on the selected user ---------------------------------------------------

    def action_edit(self) -> None:
        self.with_selected(self._edit)

    def action_allocate(self) -> None:
        self.with_selected(self._allocate)

    def action_holdings(self) -> None:
        self.with_selected(self._holdings)

    def action_signatures(self) -> None:
        self.with_selected(self._signatures)

    def action_templates(self) -> None:
        self.with_selected(self._templates)

    def action_freeze(self) -> None:
        self.with_selected(self._freeze)

    def _edit(self, row) -> None:
        def save(values: dict):
            return self.services.users.update(self.actor, row.id, UserUpdate(**values))

        self.app.push_screen(FormDialog("users.edit.title", [
            Field("name", "users.col.name", value=row.name, required=True),
            Field("company", "users.col.company", value=row.company),
            Field("phone", "users.col.phone", value=row.phone, required=True),
            Field("email", "users.col.email", value=row.email),
            [Field("max_signatures", "users.f.max_signatures", kind="int",
                   value=row.max_signatures, required=True),
             Field("max_templates", "users.f.max_templates", kind="int",
                   value=row.max_templates, required=True)],
        ], save, intro_key="users.edit.intro", account=row.account),
            lambda user: user and self._changed("users.edit.done", account=row.account))

    def _allocate(self, row) -> None:
        until = self.services.ctx.clock.today() + timedelta(days=365)

        def save(values: dict):
            return self.services.holdings.allocate(self.actor, row.id, values["count"],
                                                   values["expires_on"], values["sms_type"])

        def done(holding) -> None:
            if holding:
                self._changed("users.allocate.done", account=row.account,
                              count=num(holding.total), type=enum_label(holding.sms_type),
                              day=valid_through(holding.expires_at))

        self.app.push_screen(FormDialog("users.allocate.title", [
            Field("count", "users.f.count", kind="int", required=True,
                  help_key="users.f.count.help"),
            Field("expires_on", "users.f.expires_on", kind="date", required=True,
                  value=until.isoformat(), help_key="users.f.expires_on.help"),
            Field("sms_type", "users.f.sms_type", kind="select", required=True,
                  value=SmsType.NOTIFICATION.value, choices=sms_type_choices()),
        ], save, intro_key="users.allocate.intro", submit_label_key="users.allocate.submit",
            account=row.account), done)

    def _holdings(self, row) -> None:
        self.app.push_screen(HoldingsDialog(self.services, self.actor, row),
                             lambda changed: changed and self.refresh_data())

    def _signatures(self, row) -> None:
        self._applications(row, "signature")

    def _templates(self, row) -> None:
        self._applications(row, "template")

    def _applications(self, row, kind: str) -> None:
        self.app.push_screen(UserApplicationsDialog(self.services, self.actor, row, kind))

    def _gateway(self, row) -> None:
        self.app.push_screen(GatewayKeysDialog(self.services, self.actor, row))

    def _freeze(self, row) -> None:
        if row.status == UserStatus.FROZEN:
            confirm(self, t("users.restore.confirm", account=row.account,
                            reason=row.freeze_reason or "—"),
                    lambda: self.run_service(
                        self.services.users.restore, self.actor, row.id,
                        on_done=lambda _u: self._changed("users.restore.done",
                                                         account=row.account)),
                    danger=False, title_key="users.restore.title",
                    confirm_key="users.action.restore")
            return

        def save(values: dict):
            return self.services.users.freeze(self.actor, row.id, values["reason"])

        self.app.push_screen(FormDialog("users.freeze.title", [
            Field("reason", "users.f.reason", required=True, help_key="users.f.reason.help"),
        ], save, intro_key="users.freeze.intro", submit_label_key="users.action.freeze",
            account=row.account),
            lambda user: user and self._changed("users.freeze.done", account=row.account))

    # --- palette -------------------------------------------------------------------------

    def command_palette_commands(self):
        return palette_commands(self, [("users.action.view", "view")])
