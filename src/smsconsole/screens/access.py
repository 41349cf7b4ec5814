"""AK 管理 (product.md §2.4): the AccessKey rows (usually one) with their queue names;
the selected row in full below (secret masked); edit (``e``: AK id, secret — blank keeps
it —, the three verification scenarios, the two queues, queue mode, endpoints), test
(``t``: the same checks as ``smsconsole check``, saying which field is wrong) and reveal
the secret (``v``: after a confirmation; the service logs who looked).
"""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.widgets import DataTable, Static

from smsconsole.i18n import t
from smsconsole.screens.base import palette_commands
from smsconsole.screens.dialogs import DetailDialog
from smsconsole.screens.dialogs.access_form import (
    SCENARIOS,
    CheckedFormDialog,
    access_fields,
    access_input,
    aliyun_items,
    check_access_values,
    check_label,
)
from smsconsole.screens.list_page import memory_page
from smsconsole.screens.settings_page import SettingsPage, SettingsView
from smsconsole.store.enums import QueueMode
from smsconsole.widgets import Column, PagedTable, keybind
from smsconsole.widgets.format import enum_label, yes_no
from smsconsole.widgets.labels import Tr


def _scenario_text(sc) -> str:
    if sc is None:
        return "—"
    return f"{sc.sign_name} · {sc.template_code} · ${{{sc.param_name}}}"


def _queue_mode(value: str) -> str:
    try:
        return enum_label(QueueMode(value))
    except ValueError:
        return value


class AliyunAccessPage(SettingsPage):
    BINDINGS = [
        keybind("e", "edit", "access.edit"),
        keybind("t", "test", "access.test"),
        keybind("v", "reveal", "access.reveal"),
    ]

    def compose(self) -> ComposeResult:
        yield Tr("access.warning", classes="settings-warning")
        yield PagedTable(
            [Column("label", "access.f.label"),
             Column("access_key_id", "access.f.access_key_id"),
             Column("secret_masked", "access.f.access_key_secret",
                    render=lambda view: t("access.secret_hidden")),
             Column("report_queue", "access.f.report_queue"),
             Column("reply_queue", "access.f.reply_queue"),
             Column("sandbox", "access.f.sandbox_short"),
             Column("active", "access.f.active")],
            fetch=lambda cursor, backward, limit: memory_page(
                self.services.settings.list_access(), cursor, backward, limit),
            limit=20, empty_key="access.empty", id="access-list")
        with SettingsView(id="access-view"):
            yield Static("", classes="settings-table", id="access-pairs")
            yield Static("", classes="settings-checks", id="access-checks")
        yield Static("", classes="settings-status", id="access-status")

    # --- data: the list, and the row under the cursor in full ---------------------------------

    @property
    def table(self) -> PagedTable:
        return self.query_one("#access-list", PagedTable)

    def refresh_data(self) -> None:
        self.table.reload(keep_position=True)

    @on(PagedTable.PageLoaded, "#access-list")
    def _page_loaded(self) -> None:
        self._loaded(self.table.selected)

    @on(DataTable.RowHighlighted)
    def _row_highlighted(self) -> None:
        if self.loaded:
            self.data = self.table.selected
            self.render_view()

    def pairs(self, view) -> list[tuple[str, Any]]:
        pairs: list[tuple[str, Any]] = [
            ("access.f.label", view.label),
            ("access.f.access_key_id", view.access_key_id),
            ("access.f.access_key_secret", t("access.secret_hidden_long")),
            ("access.f.sandbox", yes_no(view.sandbox)),
            ("access.f.active", yes_no(view.active)),
        ]
        pairs += [(f"access.s.scenario.{key}", _scenario_text(view.scenarios.get(key)))
                  for key in SCENARIOS]
        pairs += [("access.f.report_queue", view.report_queue or "—"),
                  ("access.f.reply_queue", view.reply_queue or "—"),
                  ("access.f.queue_mode", _queue_mode(view.queue_mode)),
                  ("access.f.sms_endpoint", view.sms_endpoint or t("access.default_endpoint")),
                  ("access.f.mns_endpoint", view.mns_endpoint or t("access.default_endpoint"))]
        return pairs

    empty_key = "access.empty"

    def _row(self):
        row = self.table.selected
        if row is None:
            self.app.notify(t("access.no_row"), severity="warning")
        return row

    # --- view / edit ---------------------------------------------------------------------------

    def on_paged_table_row_chosen(self, event: PagedTable.RowChosen) -> None:
        event.stop()
        self.action_view()

    def action_view(self) -> None:
        row = self._row()
        if row is None:
            return

        def chosen(choice: str | None) -> None:
            if choice:
                getattr(self, f"action_{choice}")()

        self.app.push_screen(DetailDialog("access.detail.title", self.pairs(row), actions=[
            ("e", "key.access.edit", "edit"), ("t", "key.access.test", "test"),
            ("v", "key.access.reveal", "reveal")], label=row.label), chosen)

    def action_edit(self) -> None:
        row = self._row()
        if row is None:
            return

        def save(values: dict):
            return self.services.settings.update_access(self.actor, row.id, access_input(values))

        def saved(view) -> None:
            if view is not None:
                self.notify_ok("access.edit.done", label=view.label)
                self.refresh_data()
                if view.active:
                    self.forget_checks()
                else:
                    self.checks = None
                    self.set_status(None)

        self.app.push_screen(CheckedFormDialog(
            "access.edit.title", access_fields(row), save,
            test=lambda values: check_access_values(self.services, row.id, values),
            label=check_label, intro_key="access.warning", width=110, label_name=row.label),
            saved)

    # --- test / reveal -------------------------------------------------------------------------

    def action_test(self) -> None:
        self.run_check()

    def check_items(self) -> list:
        """The active AK as stored (the check reads its secret itself)."""
        return aliyun_items(self.services.settings.check())

    def check_label(self, item) -> str:
        return check_label(item)

    def action_reveal(self) -> None:
        row = self._row()
        if row is None:
            return
        self.reveal("access.reveal.confirm",
                    lambda: self.services.settings.reveal_secret(self.actor, row.id),
                    "access.reveal.shown", "access.f.access_key_secret",
                    label=row.label, key_id=row.access_key_id)

    def command_palette_commands(self):
        return palette_commands(self, [("access.action.view", "view")])


__all__ = ["AliyunAccessPage"]
