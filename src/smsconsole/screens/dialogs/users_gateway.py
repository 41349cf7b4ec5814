"""A user's gateway access: AccessKeys (id, created, last used, status — never the
secret, which is shown once when issued), callback URLs and QPS limit, push health and
re-push. Opened from the user's detail (``k``)."""

from __future__ import annotations

from typing import Any

from smsconsole.i18n import t
from smsconsole.screens.dialogs.confirm import confirm
from smsconsole.screens.dialogs.detail import DetailDialog
from smsconsole.screens.dialogs.form import FormDialog
from smsconsole.screens.dialogs.users_holdings import UserListDialog
from smsconsole.store.enums import KeyStatus
from smsconsole.widgets.form_view import Field
from smsconsole.widgets.format import dt, enum_label
from smsconsole.widgets.labels import keybind


class GatewayKeysDialog(UserListDialog):
    BINDINGS = [
        keybind("n", "create", "gateway.keys.create"),
        keybind("d", "toggle", "gateway.keys.toggle"),
        keybind("x", "delete", "gateway.keys.delete"),
        keybind("c", "callbacks", "gateway.keys.callbacks"),
        keybind("p", "repush", "gateway.keys.repush"),
        keybind("escape,q", "close", "gateway.keys.close"),
    ]
    title_key = "gateway.keys.title"
    label_prefix = "gateway.keys"
    columns = ("id", "created", "last_used", "status")

    def fetch(self) -> list[Any]:
        self.health = self.services.pushes.health(self.user.id)
        self.settings = self.services.keys.customer(self.user.id)
        return self.services.keys.list(self.user.id)

    def cells(self, row) -> list[Any]:
        return [row.access_key_id, dt(row.created_at),
                dt(row.last_used_at) if row.last_used_at else t("gateway.keys.never"),
                enum_label(row.status)]

    def _show(self, rows: list[Any]) -> None:
        super()._show(rows)
        h, cfg = self.health, self.settings
        self._status("\n".join([
            t("gateway.keys.rows", n=len(rows)) if rows else t("gateway.keys.empty"),
            t("gateway.keys.callbacks_line", report=cfg.report_url or "—",
              reply=cfg.reply_url or "—", qps=cfg.qps_limit or t("gateway.keys.qps_default")),
            t("gateway.keys.health_line",
              last=dt(h.last_success) if h.last_success else t("gateway.keys.never"),
              since=dt(h.failing_since) if h.failing_since else "—",
              pending=h.pending, given_up=h.given_up),
                ]))

    def _run(self, fn, *args, done_key: str, **params) -> None:
        def done(_result) -> None:
            self.app.notify(t(done_key, **params))
            self.load()

        self.run_busy(fn, self.actor, *args, on_done=done)

    def action_create(self) -> None:
        def issued(result) -> None:
            self.load()
            self.app.push_screen(DetailDialog("gateway.keys.issued_title", [
                ("gateway.keys.id", result.key.access_key_id),
                ("gateway.keys.secret", result.secret),
                ("gateway.keys.note", t("gateway.keys.once")),
            ], account=self.user.account))

        self.run_busy(self.services.keys.create, self.actor, self.user.id, on_done=issued)

    def action_toggle(self) -> None:
        row = self.selected
        if row is None:
            return
        if row.status == KeyStatus.ENABLED:
            self._run(self.services.keys.disable, row.access_key_id,
                      done_key="gateway.keys.disabled", id=row.access_key_id)
        else:
            self._run(self.services.keys.enable, row.access_key_id,
                      done_key="gateway.keys.enabled", id=row.access_key_id)

    def action_delete(self) -> None:
        row = self.selected
        if row is None:
            return
        confirm(self, t("gateway.keys.delete_confirm", id=row.access_key_id),
                lambda: self._run(self.services.keys.delete, row.access_key_id,
                                  done_key="gateway.keys.deleted", id=row.access_key_id))

    def action_callbacks(self) -> None:
        cfg = self.services.keys.customer(self.user.id)

        def save(values: dict):
            self.services.keys.set_gateway(self.actor, self.user.id, values["report_url"] or "",
                                           values["reply_url"] or "", values["qps"] or None)
            return True

        self.app.push_screen(FormDialog("gateway.keys.callbacks_title", [
            Field("report_url", "gateway.keys.report_url", value=cfg.report_url,
                  help_key="gateway.keys.url_help"),
            Field("reply_url", "gateway.keys.reply_url", value=cfg.reply_url,
                  help_key="gateway.keys.url_help"),
            Field("qps", "gateway.keys.qps", value=str(cfg.qps_limit or ""),
                  help_key="gateway.keys.qps_help"),
        ], save, account=self.user.account), lambda ok: ok and self.load())

    def action_repush(self) -> None:
        self._run(lambda actor: self.services.pushes.repush(actor, self.user.id),
                  done_key="gateway.keys.repushed", account=self.user.account)


__all__ = ["GatewayKeysDialog"]
