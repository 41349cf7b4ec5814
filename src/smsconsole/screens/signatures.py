"""签名管理 (product.md §2.6): every user's signature applications.

``ApplicationsPage`` is shared with 模板管理 (``screens.templates``): the same list,
filters and actions over ``services.signatures`` or ``services.templates``. Texts come
from the page's own catalog (``signatures.*`` / ``templates.*``).

Flow: the user applies (pending) → ``s`` submits it to Aliyun (in review) → ``u`` syncs
its review result (``U`` every in-review one, with progress) → approved / rejected.
``x`` rejects a pending one with a reason; ``a`` assigns an existing Aliyun-approved one
to a user; ``d`` deletes.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from smsconsole.i18n import t
from smsconsole.screens.base import palette_commands
from smsconsole.screens.dialogs import Field, FormDialog, ProgressDialog
from smsconsole.screens.dialogs.confirm import confirm
from smsconsole.screens.dialogs.signatures_assign import AssignDialog
from smsconsole.screens.dialogs.users_applications import kind_label
from smsconsole.screens.list_page import ListPage
from smsconsole.services.applications import ApplicationFilter
from smsconsole.store.enums import ReviewStatus
from smsconsole.widgets import Column, keybind
from smsconsole.widgets.format import enum_label


def application_bindings(prefix: str) -> list:
    return [
        keybind("a", "assign", f"{prefix}.assign"),
        keybind("s", "submit", f"{prefix}.submit"),
        keybind("x", "reject", f"{prefix}.reject"),
        keybind("u", "sync", f"{prefix}.sync"),
        keybind("U", "sync_all", f"{prefix}.sync_all"),
        keybind("d", "delete", f"{prefix}.delete"),
        keybind("f", "filters", f"{prefix}.filters"),
    ]


class ApplicationsPage(ListPage):
    """The list of signature or template applications; see the module docstring."""

    kind = "signature"  # "signature" | "template"
    FILTER = ApplicationFilter
    FORM_TAKES_QUICK = False  # the search stays apart from the filter form

    @property
    def prefix(self) -> str:
        return self.page_id or f"{self.kind}s"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        p = self.prefix  # the texts are the page's own (``signatures.*`` / ``templates.*``)
        self.FILTER_PREFIX, self.NO_ROW_KEY = p, f"{p}.no_row"
        self.QUICK_KEY, self.APPLY_KEY = f"{p}.search.placeholder", f"{p}.filters.apply"

    @property
    def service(self):
        return self.services.signatures if self.kind == "signature" else self.services.templates

    # --- data and filters ------------------------------------------------------------------

    def fetch(self, flt: ApplicationFilter, cursor, backward: bool, limit: int):
        return self.service.page(flt, cursor, limit, backward=backward)

    def effective_filter(self) -> ApplicationFilter:
        return replace(self.flt, search=self.quick)

    def filter_parts(self) -> list:
        return [(f"{self.prefix}.f.status", self.flt.status),
                (f"{self.prefix}.f.user", self.user_label)]

    def set_filters(self, **filters: Any) -> None:
        """``status`` (a ReviewStatus or its value) and ``user_id`` (+ ``user`` label)
        from another page, e.g. home's counts."""
        user_id = filters.get("user_id")
        label = str(filters.get("user") or (f"#{user_id}" if user_id else ""))
        super().set_filters(**filters)
        self.user_label = label
        if self.is_mounted:
            self.show_filters()

    def filter_value(self, name: str, value: Any) -> Any:
        return ReviewStatus(value) if name == "status" and value else value

    def action_filters(self) -> None:
        p = self.prefix

        def submit(values: dict) -> tuple[ApplicationFilter, str]:
            user = self.services.users.resolve(values["user"])
            new = replace(self.flt, user_id=user.id if user else None,
                          status=ReviewStatus(values["status"]) if values["status"] else None)
            return new, user.label if user else ""

        user_text = self.user_label.split(" (")[0] if self.user_label else ""
        status = self.flt.status
        self.open_filters(f"{p}.filters.title", [
            Field("status", f"{p}.f.status", kind="select",
                  value=status.value if status else None,
                  choices=[(s.value, f"enum.review_status.{s.value}") for s in ReviewStatus],
                  help_key=f"{p}.f.status.help"),
            Field("user", f"{p}.f.user", value=user_text, help_key=f"{p}.f.user.help"),
        ], submit)

    # --- rows --------------------------------------------------------------------------------

    def _done(self, key: str, **params: Any) -> None:
        self.notify_ok(f"{self.prefix}.{key}", **params)
        self.refresh_data()

    def _params(self, row) -> dict[str, Any]:
        return {"name": row.name, "code": row.code, "account": row.account,
                "status": enum_label(row.status)}

    def detail_pairs(self, row) -> list[tuple[str, Any]]:
        p = self.prefix
        pairs: list[tuple[str, Any]] = [
            (f"{p}.col.account", f"{row.account} ({row.user_name})"),
            (f"{p}.col.name", row.name),
        ]
        if self.kind == "template":
            pairs.append((f"{p}.col.code", row.code or "—"))
        pairs += [(f"{p}.col.type", kind_label(self.kind, row.kind)),
                  (f"{p}.col.status", row.status),
                  (f"{p}.col.reason", row.reason or "—"),
                  (f"{p}.col.origin", row.origin),
                  (f"{p}.col.applied", row.applied_at),
                  (f"{p}.col.submitted", row.submitted_at),
                  (f"{p}.col.reviewed", row.reviewed_at)]
        if self.kind == "template":
            pairs.append((f"{p}.col.content", row.content))
        return pairs

    def show_detail(self, row) -> None:
        p = self.prefix
        actions: list = []
        if row.status == ReviewStatus.PENDING:
            actions += [("s", f"key.{p}.submit", self._submit),
                        ("x", f"key.{p}.reject", self._reject)]
        if row.status == ReviewStatus.IN_REVIEW:
            actions.append(("u", f"key.{p}.sync", self._sync))
        actions.append(("d", f"key.{p}.delete", self._delete))
        self.show_actions(f"{p}.detail.title", self.detail_pairs(row), actions, row,
                          name=row.name)

    # --- actions ---------------------------------------------------------------------------

    def action_submit(self) -> None:
        self.with_selected(self._submit)

    def action_reject(self) -> None:
        self.with_selected(self._reject)

    def action_sync(self) -> None:
        self.with_selected(self._sync)

    def action_delete(self) -> None:
        self.with_selected(self._delete)

    def _submit(self, row) -> None:
        p = self.prefix
        if row.status != ReviewStatus.PENDING:
            self.app.notify(t(f"{p}.not_pending", **self._params(row)), severity="warning")
            return
        confirm(self, t(f"{p}.submit.confirm", **self._params(row)),
                lambda: self.run_service(self.service.submit, self.actor, row.id,
                                         on_done=lambda _a: self._done("submit.done",
                                                                       **self._params(row))),
                danger=False, title_key=f"{p}.submit.title", confirm_key=f"{p}.submit.yes")

    def _reject(self, row) -> None:
        p = self.prefix
        if row.status != ReviewStatus.PENDING:
            self.app.notify(t(f"{p}.not_pending", **self._params(row)), severity="warning")
            return

        def save(values: dict):
            return self.service.reject(self.actor, row.id, values["reason"])

        self.app.push_screen(FormDialog(f"{p}.reject.title", [
            Field("reason", f"{p}.f.reason", kind="textarea", required=True,
                  help_key=f"{p}.f.reason.help"),
        ], save, submit_label_key=f"{p}.reject.yes", **self._params(row)),
            lambda app: app and self._done("reject.done", **self._params(row)))

    def _sync(self, row) -> None:
        p = self.prefix
        if row.status != ReviewStatus.IN_REVIEW:
            self.app.notify(t(f"{p}.not_in_review", **self._params(row)), severity="warning")
            return

        def done(status: ReviewStatus) -> None:
            key = "sync.unchanged" if status == ReviewStatus.IN_REVIEW else "sync.done"
            self._done(key, name=row.name, status=enum_label(status))

        self.run_service(self.service.sync, self.actor, row.id, on_done=done)

    def action_sync_all(self) -> None:
        p = self.prefix

        def work(progress):
            return self.service.sync_all(self.actor, progress=progress.update,
                                         cancelled=progress.is_cancelled)

        def done(result) -> None:
            if result is None:
                self._done("sync_all.cancelled")
                return
            self._done("sync_all.done", checked=result.checked, approved=result.approved,
                       rejected=result.rejected, unchanged=result.unchanged,
                       errors=len(result.errors))
            if result.errors:
                self.app.notify("\n".join(result.errors[:5]), severity="warning", timeout=10)

        self.app.push_screen(ProgressDialog(f"{p}.sync_all.title", work), done)

    def _delete(self, row) -> None:
        confirm(self, t(f"{self.prefix}.delete.confirm", **self._params(row)),
                lambda: self.run_service(self.service.delete, self.actor, row.id,
                                         on_done=lambda _r: self._done("delete.done",
                                                                       **self._params(row))),
                confirm_key=f"{self.prefix}.delete.yes")

    def action_assign(self) -> None:
        def done(result) -> None:
            if result is not None:
                app, account = result
                self._done("assign.done", name=app.name, code=getattr(app, "code", ""),
                           account=account)

        self.app.push_screen(AssignDialog(self.services, self.actor, self.kind, self.prefix),
                             done)

    def command_palette_commands(self):
        return palette_commands(self, [(f"{self.prefix}.action.view", "view")])


class SignaturesPage(ApplicationsPage):
    kind = "signature"
    BINDINGS = application_bindings("signatures")

    def columns(self) -> list[Column]:
        return [
            Column("applied_at", "signatures.col.applied"),
            Column("account", "signatures.col.account"),
            Column("user_name", "signatures.col.user_name"),
            Column("name", "signatures.col.name"),
            Column("kind", "signatures.col.type",
                   render=lambda r: kind_label("signature", r.kind)),
            Column("status", "signatures.col.status"),
            Column("origin", "signatures.col.origin"),
            Column("reason", "signatures.col.reason"),
        ]


__all__ = ["ApplicationsPage", "SignaturesPage", "application_bindings"]
