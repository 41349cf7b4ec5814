"""用户管理 (product.md §2.5): registered users with their remaining quota per type.

Actions on the selected user: edit (incl. signature/template limits), allocate a package
(分配短信包), allocation records (分配记录, with status changes), the user's signatures
and templates (with delete), freeze with a reason / restore.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from textual.app import ComposeResult

from smsconsole.i18n import t
from smsconsole.screens.base import MenuPage
from smsconsole.screens.dialogs import DetailDialog, Field, FormDialog
from smsconsole.screens.dialogs.users_common import FilterLine, confirm, palette_commands
from smsconsole.services.users import UserFilter, UserUpdate
from smsconsole.store.enums import SmsType, UserStatus
from smsconsole.widgets import Column, PagedTable, keybind
from smsconsole.widgets.format import enum_label, num, valid_through

QUOTA_COLUMNS = (SmsType.GENERAL, SmsType.NOTIFICATION, SmsType.VERIFICATION, SmsType.PROMOTION)


def _quota(sms_type: SmsType):
    return lambda row: num(row.remaining.get(sms_type, 0))


def sms_type_choices(types=QUOTA_COLUMNS) -> list[tuple[str, str]]:
    return [(st.value, f"enum.sms_type.{st.value}") for st in types]


class UsersPage(MenuPage):
    BINDINGS = [
        keybind("e", "edit", "users.edit"),
        keybind("a", "allocate", "users.allocate"),
        keybind("h", "holdings", "users.holdings"),
        keybind("s", "signatures", "users.signatures"),
        keybind("t", "templates", "users.templates"),
        keybind("z", "freeze", "users.freeze"),
        keybind("f", "filters", "users.filters"),
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.search = ""
        self.status: UserStatus | None = None

    def compose(self) -> ComposeResult:
        yield FilterLine("users", id="users-filters")
        yield PagedTable(
            [Column("account", "users.col.account"),
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
             Column("last_login_at", "users.col.last_login")],
            fetch=self._fetch, on_filter_text=self._search_typed,
            filter_placeholder_key="users.search.placeholder", id="users-table")

    def on_mount(self) -> None:
        super().on_mount()
        self._show_filters()

    # --- data --------------------------------------------------------------------------

    @property
    def table(self) -> PagedTable:
        return self.query_one("#users-table", PagedTable)

    def _fetch(self, cursor, backward: bool, limit: int):
        return self.services.users.page(UserFilter(search=self.search, status=self.status),
                                        cursor, limit, backward=backward)

    def _search_typed(self, text: str) -> None:
        self.search = text
        self.table.reload()

    def _show_filters(self) -> None:
        self.query_one(FilterLine).show([("users.f.status", self.status)])

    def set_filters(self, **filters: Any) -> None:
        if "status" in filters:
            self.status = UserStatus(filters["status"]) if filters["status"] else None
        self._show_filters()

    def clear_filter(self) -> bool:
        cleared = super().clear_filter()
        if self.status is not None:
            self.status = None
            self._show_filters()
            self.table.reload()
            cleared = True
        return cleared

    def _selected(self):
        row = self.table.selected
        if row is None:
            self.app.notify(t("users.no_row"), severity="warning")
        return row

    def _changed(self, key: str, **params: Any) -> None:
        self.notify_ok(key, **params)
        self.refresh_data()

    # --- filters -----------------------------------------------------------------------

    def action_filters(self) -> None:
        def chosen(values: dict | None) -> None:
            if values is None:
                return
            self.status = UserStatus(values["status"]) if values["status"] else None
            self._show_filters()
            self.table.reload()

        self.app.push_screen(FormDialog("users.filters.title", [
            Field("status", "users.f.status", kind="select",
                  value=self.status.value if self.status else None,
                  choices=[(s.value, f"enum.user_status.{s.value}") for s in UserStatus],
                  help_key="users.f.status.help"),
        ], lambda values: values, submit_label_key="users.filters.apply"), chosen)

    # --- view --------------------------------------------------------------------------

    def on_paged_table_row_chosen(self, event: PagedTable.RowChosen) -> None:
        event.stop()
        self.show_detail(event.row)

    def action_view(self) -> None:
        row = self._selected()
        if row is not None:
            self.show_detail(row)

    def show_detail(self, row) -> None:
        """The user with their risk-control side (limits, opt-outs, recent hits)."""
        self.run_service(self.services.risk.customer, row.id, group="detail",
                         on_done=lambda risk: self._show_detail(row, risk))

    def _show_detail(self, row, risk) -> None:
        from smsconsole.screens.risk import customer_pairs

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
        actions = [("e", "key.users.edit", "edit"), ("a", "key.users.allocate", "allocate"),
                   ("h", "key.users.holdings", "holdings"),
                   ("s", "key.users.signatures", "signatures"),
                   ("t", "key.users.templates", "templates"),
                   ("k", "key.users.gateway", "gateway"),
                   ("l", "key.users.limits", "limits"),
                   ("z", "users.action.restore" if row.status == UserStatus.FROZEN
                    else "users.action.freeze", "freeze")]

        def chosen(choice: str | None) -> None:
            if choice:
                getattr(self, f"_{choice}")(row)

        self.app.push_screen(DetailDialog("users.detail.title", pairs, actions=actions,
                                          account=row.account), chosen)

    def _limits(self, row) -> None:
        from smsconsole.screens.risk import edit_limits

        edit_limits(self, row)

    # --- actions on the selected user ---------------------------------------------------

    def _on_selected(self, name: str) -> None:
        row = self._selected()
        if row is not None:
            getattr(self, f"_{name}")(row)

    def action_edit(self) -> None:
        self._on_selected("edit")

    def action_allocate(self) -> None:
        self._on_selected("allocate")

    def action_holdings(self) -> None:
        self._on_selected("holdings")

    def action_signatures(self) -> None:
        self._on_selected("signatures")

    def action_templates(self) -> None:
        self._on_selected("templates")

    def action_freeze(self) -> None:
        self._on_selected("freeze")

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
        from smsconsole.screens.dialogs.users_holdings import HoldingsDialog

        self.app.push_screen(HoldingsDialog(self.services, self.actor, row),
                             lambda changed: changed and self.refresh_data())

    def _signatures(self, row) -> None:
        self._applications(row, "signature")

    def _templates(self, row) -> None:
        self._applications(row, "template")

    def _applications(self, row, kind: str) -> None:
        from smsconsole.screens.dialogs.users_applications import UserApplicationsDialog

        self.app.push_screen(UserApplicationsDialog(self.services, self.actor, row, kind))

    def _gateway(self, row) -> None:
        from smsconsole.screens.dialogs.users_gateway import GatewayKeysDialog

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
